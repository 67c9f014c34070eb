"""`fer-desktop analyze` end to end on videos, images and folders made of real faces."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

from fer_desktop.cli import main
from fer_desktop.session.export import LONG_COLUMNS
from fer_desktop.testing.gallery import compose_gallery, load_faces
from fer_desktop.vision.name_match import similarity


@pytest.fixture(scope="module")
def class_video(data_dir, tmp_path_factory):
    faces, labels = load_faces(data_dir, 9, seed=5)
    path = tmp_path_factory.mktemp("video") / "class recording.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (960, 540))
    tiles = None
    for k in range(25):
        img, tiles = compose_gallery(faces, labels, rows=3, cols=3, size=(960, 540),
                                     face_px=110, jitter=(3, 2), seed=k, video_off=(4,))
        writer.write(img)
    writer.release()
    return path, tiles


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


def test_analyze_video(class_video, tmp_path, capsys):
    video, tiles = class_video
    out, summary, annotated = tmp_path / "long.csv", tmp_path / "sum.csv", tmp_path / "a.avi"
    rc = main(["analyze", str(video), "--csv", str(out), "--summary", str(summary),
               "--annotate", str(annotated), "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    header, rows = _rows(out)
    assert tuple(header) == LONG_COLUMNS
    assert {r["source"] for r in rows} == {"class recording.avi"}
    assert len({r["frame_index"] for r in rows}) == 25
    off = [r for r in rows if r["expression"] == "camera_off"]
    rows = [r for r in rows if r["expression"] != "camera_off"]
    # the camera-off tile (4) is a present participant, under its name, in every frame
    assert len(off) == 25 and len({r["student_id"] for r in off}) == 1
    # a new name counts once read twice (the first detection frame has none yet)
    assert {r["student_name"] for r in off[8:]} == {tiles[4].name}
    assert all(abs(int(r["x"]) - tiles[4].x) <= 2 and abs(int(r["y"]) - tiles[4].y) <= 2
               for r in off)  # the tile, to a pixel or two of video compression
    # names read from the tiles' labels: the name of the tile each face is in
    named = [r for r in rows if r["student_name"]]
    assert len(named) >= 0.9 * len(rows)
    p = np.array([[float(r[c]) for c in header if c.startswith("p_")] for r in rows])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=2e-3)
    times = sorted({float(r["time_s"]) for r in rows})
    assert abs(times[1] - times[0] - 0.1) < 0.02  # media time of a 10 fps video
    # ids stable: each tile is seen under exactly one student id, and no id spans two tiles
    tile_ids: dict[int, set[str]] = {}
    names_of: dict[int, set[str]] = {}
    for r in rows:
        cx, cy = int(r["x"]) + int(r["w"]) / 2, int(r["y"]) + int(r["h"]) / 2
        tile = next(i for i, t in enumerate(tiles)
                    if t.x <= cx <= t.x + t.w and t.y <= cy <= t.y + t.h)
        tile_ids.setdefault(tile, set()).add(r["student_id"])
        names_of.setdefault(tile, set()).add(r["student_name"])
    assert len(tile_ids) >= 7
    assert all(len(ids) == 1 for ids in tile_ids.values()), tile_ids
    assert len({r["student_id"] for r in rows}) == len(tile_ids)
    # one name per tile once confirmed, like the label (small cv2 text in an MJPG video
    # reads "Ano" for "Ana Souza" at worst; tests/vision/test_names.py measures OCR)
    for tile, names in names_of.items():
        assert len(names - {""}) == 1, names
        assert similarity(next(iter(names - {""})), tiles[tile].name) >= 0.6, names
    s_header, s_rows = _rows(summary)
    assert s_header[0] == "student_id" and len(s_rows) == len({r["student_id"] for r in rows}) + 1
    cap = cv2.VideoCapture(str(annotated))
    assert cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 25


def test_analyze_every_nth_frame(class_video, tmp_path):
    video, _ = class_video
    out = tmp_path / "long.csv"
    assert main(["analyze", str(video), "--csv", str(out), "--every", "5", "--no-progress"]) == 0
    _, rows = _rows(out)
    assert {int(r["frame_index"]) for r in rows} == {0, 5, 10, 15, 20}


def test_analyze_folder_and_single_image(data_dir, tmp_path):
    folder = tmp_path / "pics"
    folder.mkdir()
    faces, labels = load_faces(data_dir, 4, seed=9)
    for k in range(2):
        img, _ = compose_gallery(faces, labels, rows=2, cols=2, size=(800, 450), face_px=120,
                                 seed=k)
        cv2.imwrite(str(folder / f"shot_{k}.png"), img)
    out = tmp_path / "f.csv"
    assert main(["analyze", str(folder), "--csv", str(out), "--annotate",
                 str(tmp_path / "ann")]) == 0
    _, rows = _rows(out)
    assert {r["source"] for r in rows} == {"shot_0.png", "shot_1.png"}
    assert len(list((tmp_path / "ann").glob("*.png"))) == 2
    out1 = tmp_path / "one.csv"
    assert main(["analyze", str(folder / "shot_0.png"), "--csv", str(out1), "--annotate",
                 str(tmp_path / "one.png")]) == 0
    assert 3 <= len(_rows(out1)[1]) <= 4 and (tmp_path / "one.png").stat().st_size > 1000


def test_image_without_face_gives_header_only(tmp_path):
    img = tmp_path / "empty.png"
    cv2.imwrite(str(img), np.full((300, 400, 3), 90, np.uint8))
    out = tmp_path / "e.csv"
    assert main(["analyze", str(img), "--csv", str(out)]) == 0
    header, rows = _rows(out)
    assert tuple(header) == LONG_COLUMNS and rows == []


@pytest.mark.parametrize("content", [b"", b"\x00" * 5000, b"RIFF1234AVI garbage" * 100])
def test_corrupt_or_empty_video_is_a_clear_error(tmp_path, capsys, content):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(content)
    rc = main(["analyze", str(bad), "--csv", str(tmp_path / "x.csv")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "broken.mp4" in err
    assert not (tmp_path / "x.csv").exists()


def test_truncated_video_keeps_rows_before_the_damage(class_video, tmp_path, capsys):
    video, _ = class_video
    cut = tmp_path / "cut.avi"
    data = video.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    out = tmp_path / "cut.csv"
    rc = main(["analyze", str(cut), "--csv", str(out), "--no-progress"])
    assert rc == 0
    _, rows = _rows(out)
    frames = {int(r["frame_index"]) for r in rows}
    assert 5 <= len(frames) < 25
    assert "warning" in capsys.readouterr().err


def test_missing_input_and_bad_output_folder(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "none.mp4"), "--csv", str(tmp_path / "o.csv")]) == 2
    assert "not found" in capsys.readouterr().err
    img = tmp_path / "a.png"
    cv2.imwrite(str(img), np.zeros((50, 50, 3), np.uint8))
    assert main(["analyze", str(img), "--csv", str(tmp_path / "no" / "dir" / "o.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("ext", [".tif", ".tiff", ".jp2", ".ppm", ".pgm"])
def test_analyze_reads_every_still_format_opencv_reads(data_dir, tmp_path, ext):
    faces, labels = load_faces(data_dir, 4, seed=9)
    img, _ = compose_gallery(faces, labels, rows=2, cols=2, size=(800, 450), face_px=120)
    if ext == ".pgm":  # a grey-only format
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    folder = tmp_path / "pics"
    folder.mkdir()
    assert cv2.imwrite(str(folder / f"shot{ext}"), img)
    for target in (folder / f"shot{ext}", folder):  # the file itself, and a folder of them
        out = tmp_path / "t.csv"
        assert main(["analyze", str(target), "--csv", str(out), "--no-names"]) == 0
        rows = _rows(out)[1]
        assert 3 <= len(rows) <= 4 and {r["source"] for r in rows} == {f"shot{ext}"}
