from __future__ import annotations

import numpy as np
import pytest

from fer_desktop.datatypes import BBox
from fer_desktop.testing.gallery import compose_gallery, load_faces
from fer_desktop.vision.tiles import Tile, background_level, faces_by_tile, find_tiles, tile_of


@pytest.fixture(scope="module")
def faces49(data_dir):
    return load_faces(data_dir, 49, seed=1)


def assert_same_tiles(found: list[Tile], truth, tol: int = 3) -> None:
    assert len(found) == len(truth)
    for f, t in zip(found, truth, strict=True):
        assert max(abs(f.x - t.x), abs(f.y - t.y), abs(f.w - t.w), abs(f.h - t.h)) <= tol, (f, t)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7])
def test_every_layout_with_speaker_video_off_and_side_panel(faces49, n):
    faces, labels = faces49
    for panel, seed in [(0, 0), (300, 0), (0, 1), (300, 1), (300, 2), (300, 3)]:
        # the seed changes the tiles' shades: some are as close to each other or to the
        # panel as the background is
        img, truth = compose_gallery(faces, labels, rows=n, cols=n, speaker=n + 1,
                                     video_off=(1, n * n - 1), muted=(0,), side_panel=panel,
                                     face_px=[60 + (i % 6) * 12 for i in range(n * n)],
                                     seed=seed)
        tiles = find_tiles(img)
        assert_same_tiles(tiles, truth)
        assert [(t.row, t.col) for t in tiles] == [divmod(i, n) for i in range(n * n)]


def test_faces_belong_to_their_tile_and_video_off_has_none(gallery):
    img, truth = gallery
    tiles = find_tiles(img)
    assert_same_tiles(tiles, truth)
    boxes = [BBox(*t.face_box) for t in truth if t.face_box is not None]
    owners = [i for i, t in enumerate(truth) if t.face_box is not None]
    for box, i in zip(boxes, owners, strict=True):
        assert tile_of(box, tiles) == tiles[i]
        assert tile_of(box.as_tuple(), tiles) == tiles[i]
    per_tile = faces_by_tile(boxes, tiles)
    assert [len(p) for p in per_tile] == [0 if t.face_box is None else 1 for t in truth]
    assert per_tile[7] == []  # the camera that is off


def test_tile_of_outside_and_overlapping():
    tiles = [Tile(0, 0, 100, 60, 0, 0), Tile(110, 0, 100, 60, 0, 1)]
    assert tile_of(BBox(300, 300, 10, 10), tiles) is None
    assert tile_of((98, 10, 20, 20), tiles) == tiles[1]  # centre in the gap: most overlap
    assert tile_of((80, 10, 40, 20), tiles) == tiles[0]


def test_highlight_drawn_around_the_tile(faces49):
    faces, labels = faces49
    img, truth = compose_gallery(faces, labels, rows=4, cols=4)
    t = truth[5]
    img[t.y - 3:t.y + t.h + 3, t.x - 3:t.x + t.w + 3] = (40, 200, 255)  # 3 px into the gap
    img[t.y:t.y + t.h, t.x:t.x + t.w] = 50
    assert_same_tiles(find_tiles(img), truth)


@pytest.mark.parametrize(("n", "keep_face"), [(3, True), (2, False)])
def test_tile_as_dark_as_the_background(faces49, n, keep_face):
    faces, labels = faces49
    img, truth = compose_gallery(faces, labels, rows=n, cols=n, text_renderer="pil")
    t = truth[n + 1]
    inner = img[t.y:t.y + t.h, t.x:t.x + t.w]
    label = inner[-40:, :160].copy()
    dark = inner.mean(axis=2) < 120 if keep_face else np.ones(inner.shape[:2], bool)
    inner[dark] = 26  # the window background: at most a dim face and the name stand out
    inner[-40:, :160] = label
    img[t.y + t.h // 2:t.y + t.h // 2 + 3, t.x:t.x + t.w] = 26  # the tile is even cut
    assert_same_tiles(find_tiles(img), truth)


def test_dark_left_edge_of_a_picture(faces49):
    faces, labels = faces49
    img, truth = compose_gallery(faces, labels, rows=4, cols=4)
    t = truth[6]
    img[t.y:t.y + t.h, t.x:t.x + 9] = 26  # a dark room: the picture's left edge is background
    assert_same_tiles(find_tiles(img), truth)


def _grid(counts: list[int], tw: int = 300, th: int = 169, gap: int = 8,
          size: tuple[int, int] = (1280, 720)) -> tuple[np.ndarray, list[Tile]]:
    """Rows of ``counts`` tiles, each row centred, as Zoom lays out a partly filled last row."""
    rng = np.random.default_rng(0)
    img = np.full((size[1], size[0], 3), 18, np.uint8)
    tiles = []
    y = (size[1] - len(counts) * th - (len(counts) - 1) * gap) // 2
    for r, n in enumerate(counts):
        x = (size[0] - n * tw - (n - 1) * gap) // 2
        for c in range(n):
            img[y:y + th, x:x + tw] = rng.integers(40, 200, (th, tw, 3), dtype=np.uint8)
            tiles.append(Tile(x, y, tw, th, r, c))
            x += tw + gap
        y += th + gap
    return img, tiles


@pytest.mark.parametrize(("counts", "gap"), [([3, 3, 1], 8), ([4, 4, 2], 4), ([2, 1], 6)])
def test_partly_filled_last_row(counts, gap):
    img, truth = _grid(counts, gap=gap)
    tiles = find_tiles(img)
    assert_same_tiles(tiles, truth)
    assert [(t.row, t.col) for t in tiles] == [(t.row, t.col) for t in truth]


def test_no_gallery():
    assert find_tiles(np.full((480, 640, 3), 30, np.uint8)) == []
    noise = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    assert find_tiles(noise) == []
    assert background_level(np.zeros((4, 4), np.uint8)) is None


@pytest.mark.parametrize("case", ["zoom-5x5", "zoom-5x5-1200-q70", "zoom-5x5-1000-q60",
                                  "zoom-7x7-1200-q75", "zoom-5x5-sidepanel-1200-q70",
                                  "zoom-6x5-partial", "meet-3x3-1200-q80", "camera-off",
                                  "zoom-5x5-margin", "clean-legacy"])
def test_tiles_of_realistic_galleries(case):
    """Scaled, JPEG-compressed screenshots have gaps of 3 px mixed with the tiles beside
    them; black camera-off tiles and black window backgrounds; all tiles are found."""
    from fer_desktop.testing.scoring import match_tiles
    from fer_desktop.testing.zoom_cases import CASES

    img, truth = CASES[case](0)
    tiles = find_tiles(img)
    assert len(tiles) == len(truth.tiles)
    assert all(hit is not None for _, hit in match_tiles(tiles, truth))
