"""The realistic gallery generator: determinism, truth vs picture, labels as real ones look."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fer_desktop.testing.zoom import ZOOM, Layout, grid, make_people, render, rescale
from fer_desktop.testing.zoom_cases import CASES
from fer_desktop.testing.zoom_text import (
    fit_text,
    font_for,
    font_path,
    make_names,
    script_of,
    text_coverage,
)
from fer_desktop.testing.zoom_ui import draw_label


@pytest.fixture(scope="module")
def people(data_dir):
    return make_people(25, seed=3, data_dir=data_dir)


def _label_on(colour: int, name: str = "Dina Kusuma", muted: bool = False, w: int = 340):
    img = np.full((190, w, 3), colour, np.uint8)
    box, shown, cap = draw_label(img, (0, 0, w, 190), name, muted, ZOOM, 1.0)
    return img, box, shown, cap


def test_same_seed_same_pixels(people):
    a, ta = render(people, Layout(), ZOOM, seed=5, speaker=people[2].student)
    b, tb = render(people, Layout(), ZOOM, seed=5, speaker=people[2].student)
    c, _ = render(people, Layout(), ZOOM, seed=6, speaker=people[2].student)
    assert np.array_equal(a, b) and ta == tb
    assert not np.array_equal(a, c)  # faces jitter, exposure changes


def test_people_keep_their_face_across_seeds(data_dir):
    p1 = make_people(6, seed=8, data_dir=data_dir)
    p2 = make_people(6, seed=8, data_dir=data_dir)
    assert [p.name for p in p1] == [p.name for p in p2]
    assert all(np.array_equal(a.face, b.face) for a, b in zip(p1, p2, strict=True))


def _inside(inner, outer) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_case_renders_with_consistent_truth(case, data_dir):
    img, truth = CASES[case](seed=1, data_dir=data_dir)
    assert img.dtype == np.uint8 and img.shape == (truth.height, truth.width, 3)
    assert truth.tiles
    assert len({t.student for t in truth.tiles}) == len(truth.tiles)
    boxes = [(t.x, t.y, t.w, t.h) for t in truth.tiles]
    for t in truth.tiles:
        assert _inside((t.x, t.y, t.w, t.h), (0, 0, truth.width, truth.height))
        assert truth.style == "legacy" or 1.7 < t.w / t.h < 1.85  # 16:9 tiles
        assert (t.face is None) == (t.camera != "on")
        if t.face is not None:
            assert _inside(t.face, (t.x, t.y, t.w, t.h)) and min(t.face[2:]) >= 8
        assert t.name.startswith(t.shown) and t.shown and not t.shown.endswith(".."), t
        assert t.script == script_of(t.name)
        if t.label is not None:  # bottom-left corner of its tile
            lx, ly, lw, lh = t.label
            assert _inside(t.label, (t.x - 1, t.y - 1, t.w + 2, t.h + 2))
            assert lx - t.x <= max(3, 0.1 * t.w) and ly + lh >= t.y + t.h * 0.8
    for i, a in enumerate(boxes):  # tiles never overlap
        for b in boxes[i + 1:]:
            assert (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1]
                    or b[1] + b[3] <= a[1])


def test_cleartype_fringes_on_label_strokes():
    img, (x, y, w, h), _, cap = _label_on(40, "minimum Kusuma")
    roi = img[y:y + h, x:x + w].astype(int)
    stroke = roi.max(axis=2) > 140
    spread = roi.max(axis=2) - roi.min(axis=2)
    assert stroke.sum() > 40
    assert (spread[stroke] > 60).mean() > 0.3  # orange and blue edges on white strokes
    assert 8.0 <= cap <= 9.5  # cap height of a 1920-px-wide frame


def test_label_box_lets_the_video_through():
    bright, (x, y, w, h), _, _ = _label_on(250)
    dark, _, _, _ = _label_on(10)
    corner = (slice(y + 2, y + 4), slice(x + w - 4, x + w - 2))  # box, away from the text
    lb, ld = bright[corner].mean(), dark[corner].mean()
    assert 80 < lb < 200  # mid grey over a bright wall, not dark
    assert ld < 40 and lb > ld + 60


def test_muted_icon_almost_touches_the_name():
    img, (x, y, w, h), _, _ = _label_on(30, "Dina Kusuma", muted=True)
    roi = img[y:y + h, x:x + w].astype(int)
    b, g, r = roi[..., 0], roi[..., 1], roi[..., 2]
    icon = (r > 150) & (g < 80) & (b < 80) & (abs(g - b) < 25)  # pure red, not an orange fringe
    red_cols = np.flatnonzero(icon.sum(axis=0) >= 2)
    ink_cols = np.flatnonzero((roi.max(axis=2) > 90).any(axis=0) & ~icon.any(axis=0))
    assert len(red_cols) and len(ink_cols)
    first_text = ink_cols[ink_cols > red_cols[-1]][0]
    assert 1 <= first_text - red_cols[-1] - 1 <= 3  # empty columns between icon and name


def test_long_names_are_cut_with_an_ellipsis():
    name = "15117042_Rudi H M Sitompul"
    drawn, shown = fit_text(name, font_for(name), 12, 120)
    assert drawn.endswith("...") and not shown.endswith(".") and name.startswith(shown)
    assert len(shown) < len(name)
    _, _, shown2, _ = _label_on(30, name, w=150)
    assert name.startswith(shown2) and len(shown2) < len(name)
    assert fit_text("Sam", font_for("Sam"), 12, 120) == ("Sam", "Sam")


def test_hangul_names_render_with_a_cjk_font():
    path = font_path("hangul")
    assert font_for("김민준") == path
    a, _ = text_coverage("김민준", path, 13)
    b, _ = text_coverage("이서연", path, 13)
    assert a.max() > 0.8 and (a.shape != b.shape or not np.allclose(a, b))  # no tofu boxes
    names = make_names(60, seed=1, script="hangul")
    assert all(script_of(n) in ("hangul", "mixed") or n.isascii() for n in names)
    assert {"hangul", "mixed"} <= {script_of(n) for n in names}


def test_name_shapes_of_a_real_class():
    names = make_names(300, seed=0)
    assert len(set(names)) == 300 and names == make_names(300, seed=0)
    shapes = {
        "student number": r"^\d{8}_", "TA tag": r"^\[TA\] ", "pronouns": r"\((she|he|they)/",
        "all lowercase": r"^[a-z .]+$", "dotted": r"^[a-z]+\.[a-z]+$", "apostrophe": "'",
        "accent": "[éüñøłçãőšğı]", "digits": r"\d",
    }
    for what, pattern in shapes.items():
        assert any(re.search(pattern, n) for n in names), what


def test_grid_centres_a_partial_last_row():
    boxes = grid(28, (0, 0, 1920, 980), 6, cols=6)
    last = [b for b in boxes if b[1] == boxes[-1][1]]
    assert len(boxes) == 28 and len(last) == 4
    left, right = last[0][0], 1920 - (last[-1][0] + last[-1][2])
    assert abs(left - right) <= 1


def test_rescale_scales_the_truth(people):
    img, truth = render(people, Layout(), ZOOM, seed=0)
    small, st = rescale(img, truth, 1200, jpeg_quality=70)
    plain, _ = rescale(img, truth, 1200)
    assert small.shape == (675, 1200, 3) and st.width == 1200 and st.height == 675
    assert not np.array_equal(small, plain)  # JPEG artefacts
    for a, b in zip(truth.tiles, st.tiles, strict=True):
        assert abs(b.x - a.x * 0.625) <= 1 and abs(b.w - a.w * 0.625) <= 1.5
        if a.face:
            assert abs(b.face[0] - a.face[0] * 0.625) <= 1
            assert abs(b.face[2] - a.face[2] * 0.625) <= 1.5
    assert 5.0 <= st.cap_px <= 6.0


def test_speaker_border_and_camera_off_tiles(people):
    from dataclasses import replace

    ps = [replace(p, camera=c) for p, c in zip(people[:4], ["on", "off_name", "off_black",
                                                           "on"], strict=True)]
    img, truth = render(ps, Layout(), ZOOM, seed=0, speaker=ps[3].student)
    t_name, t_black, t_spk = truth.tiles[1], truth.tiles[2], truth.tiles[3]
    mid = img[t_name.y + t_name.h // 3:t_name.y + 2 * t_name.h // 3, t_name.x:t_name.x + t_name.w]
    assert mid.max() > 200  # the name in the middle
    upper = img[t_black.y:t_black.y + t_black.h * 3 // 4, t_black.x:t_black.x + t_black.w]
    assert upper.max() < 10  # plain black, no name in the middle
    assert t_spk.speaker and tuple(img[t_spk.y + t_spk.h // 2, t_spk.x]) == ZOOM.speaker_color


def test_caches_are_bounded_by_bytes():
    from fer_desktop.testing.zoom_text import _Cache

    cache = _Cache(100, max_mb=1.0)
    for i in range(5):
        cache.get(i, lambda: np.zeros(2**19, np.uint8))  # 0.5 MB each
    assert len(cache.data) == 2 and cache.bytes <= 2**20
    assert cache.get(4, lambda: None) is not None  # still there: no rebuild
