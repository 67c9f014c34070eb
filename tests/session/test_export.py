from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from fer_desktop.datatypes import BBox, FaceResult, Frame, FrameResult
from fer_desktop.labels import EMOTIONS
from fer_desktop.session import (
    LONG_COLUMNS,
    SUMMARY_COLUMNS,
    ExportError,
    Observation,
    observations_from_result,
    read_long_csv,
    summarize,
    write_long_csv,
    write_summary_csv,
)

EXPECTED_LONG = (
    "session_id,source,frame_index,time_s,timestamp,student_id,student_name,x,y,w,h,expression,"
    "confidence,p_angry,p_disgust,p_fear,p_happy,p_sad,p_surprise,p_neutral"
).split(",")
WALL0 = 1_760_000_000.25  # a POSIX time with milliseconds


def probs_for(index: int, rng: np.random.Generator, peak: float = 0.7) -> np.ndarray:
    """A random probability vector whose largest entry is ``index``."""
    rest = rng.dirichlet(np.ones(len(EMOTIONS))) * (1 - peak)
    rest[index] += peak
    return rest


def make_results(frames: int = 10, fps: float = 5.0, seed: int = 0) -> list[FrameResult]:
    """Two students: 1 (Ana) smiles in every frame, 2 (Bo) is missing from frames 4 to 7."""
    rng = np.random.default_rng(seed)
    image = np.zeros((4, 4, 3), np.uint8)
    results = []
    for i in range(frames):
        faces = [
            FaceResult(BBox(10, 20, 60, 60, 0.9), 1, probs_for(3, rng), probs_for(3, rng),
                       "Ana"),
        ]
        if not 4 <= i <= 7:
            expr = 6 if i < 6 else 4  # neutral, later sad
            faces.append(
                FaceResult(BBox(200, 20, 58, 61), 2, probs_for(expr, rng), probs_for(expr, rng),
                           "Bo Müller")
            )
        frame = Frame(image, timestamp=100.0 + i / fps, index=i, source_id="screen",
                      wall_time=WALL0 + i / fps)
        results.append(FrameResult(frame, tuple(faces)))
    return results


def make_observations(**kwargs: object) -> list[Observation]:
    results = make_results(**kwargs)  # type: ignore[arg-type]
    t0 = results[0].frame.timestamp
    return [o for r in results for o in observations_from_result(r, "2024-05-01_math", t0)]


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_columns_are_exactly_the_declared_schema(tmp_path: Path) -> None:
    assert list(LONG_COLUMNS) == EXPECTED_LONG
    path = write_long_csv(tmp_path / "long.csv", make_observations())
    rows = read_rows(path)
    assert rows[0] == EXPECTED_LONG
    assert len(rows) == 1 + 10 + 6
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["session_id"] == "2024-05-01_math" and first["source"] == "screen"
    assert first["time_s"] == "0.000" and first["student_name"] == "Ana"
    assert (first["x"], first["y"], first["w"], first["h"]) == ("10", "20", "60", "60")
    assert first["expression"] == "happy"
    assert len(first["confidence"].split(".")[1]) == 4
    assert all(len(first[f"p_{name}"].split(".")[1]) == 4 for name in EMOTIONS)


def test_observation_fields_from_frame_result() -> None:
    result = make_results()[3]
    observations = observations_from_result(result, "s1", t0=100.0)
    assert [o.student_id for o in observations] == [1, 2]
    ana = observations[0]
    assert ana.frame_index == 3 and ana.time_s == pytest.approx(0.6)
    assert ana.wall_time == result.frame.wall_time
    assert ana.box == result.faces[0].box
    assert ana.probs == pytest.approx(tuple(result.faces[0].probs))
    assert ana.expression == EMOTIONS[int(np.argmax(result.faces[0].smoothed))]
    assert ana.confidence == pytest.approx(float(np.max(result.faces[0].smoothed)))
    assert observations_from_result(result, "s1", source="Zoom gallery")[0].source == (
        "Zoom gallery"
    )
    with pytest.raises(ValueError, match="7 values"):
        Observation("s", "x", 0, 0.0, 0.0, 1, "", BBox(0, 0, 1, 1), (1.0,), (1.0,) * 7)


def test_parse_back_round_trip(tmp_path: Path) -> None:
    observations = make_observations()
    path = write_long_csv(tmp_path / "long.csv", observations)
    parsed = read_long_csv(path)
    assert len(parsed) == len(observations)
    for original, back in zip(observations, parsed, strict=True):
        assert back.session_id == original.session_id and back.source == original.source
        assert back.frame_index == original.frame_index
        assert back.time_s == pytest.approx(original.time_s, abs=5e-4)
        assert back.wall_time == pytest.approx(original.wall_time, abs=1e-3)
        assert (back.student_id, back.student_name) == (original.student_id, original.student_name)
        assert back.box.as_tuple() == original.box.as_tuple()
        np.testing.assert_allclose(back.probs, original.probs, atol=5e-5)
        assert back.expression == original.expression
        assert back.confidence == pytest.approx(original.confidence, abs=5e-5)
    again = write_long_csv(tmp_path / "again.csv", parsed)
    assert again.read_bytes() == path.read_bytes()


def test_raw_probabilities_sum_to_one(tmp_path: Path) -> None:
    path = write_long_csv(tmp_path / "long.csv", make_observations())
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            total = sum(float(row[f"p_{name}"]) for name in EMOTIONS)
            assert total == pytest.approx(1.0, abs=7 * 5e-5)


def test_timestamps_are_iso_8601_with_time_zone(tmp_path: Path) -> None:
    path = write_long_csv(tmp_path / "long.csv", make_observations())
    with path.open(encoding="utf-8", newline="") as handle:
        stamps = [row["timestamp"] for row in csv.DictReader(handle)]
    first = datetime.fromisoformat(stamps[0])
    assert first.tzinfo is not None and first.utcoffset() is not None
    assert first.timestamp() == pytest.approx(WALL0, abs=1e-3)
    assert stamps[0][10] == "T" and stamps[0][19:23] == ".250"
    assert stamps[0][23] in "+-" or stamps[0].endswith("Z")


def test_unknown_wall_time_gives_empty_timestamp(tmp_path: Path) -> None:
    obs = Observation("s", "x", 0, 0.0, 0.0, 1, "", BBox(0, 0, 1, 1), (1 / 7,) * 7, (1 / 7,) * 7)
    path = write_long_csv(tmp_path / "long.csv", [obs])
    assert read_rows(path)[1][LONG_COLUMNS.index("timestamp")] == ""
    assert read_long_csv(path)[0].wall_time == 0.0


def test_summary_shares_and_seconds_seen(tmp_path: Path) -> None:
    path = write_summary_csv(tmp_path / "summary.csv", make_observations())
    rows = read_rows(path)
    assert rows[0] == list(SUMMARY_COLUMNS)
    assert rows[0] == [
        "student_id", "student_name", "seconds_seen", "seconds_camera_off",
        *[f"share_{name}" for name in EMOTIONS], "most_frequent", "observations",
    ]
    table = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["student_id"] for r in table] == ["1", "2"]
    for row in table:
        assert sum(float(row[f"share_{name}"]) for name in EMOTIONS) == pytest.approx(1, abs=1e-3)
    ana, bo = table
    assert ana["student_name"] == "Ana" and ana["most_frequent"] == "happy"
    assert ana["observations"] == "10" and float(ana["share_happy"]) == 1.0
    # 10 frames 0.2 s apart: 9 gaps + one frame interval for the last observation
    assert float(ana["seconds_seen"]) == pytest.approx(2.0)
    # Bo: frames 0-3 and 8-9; the 1.0 s gap (below the 2 s cap) counts in full
    assert bo["student_name"] == "Bo Müller" and bo["observations"] == "6"
    assert float(bo["seconds_seen"]) == pytest.approx(0.6 + 1.0 + 0.2 + 0.2)
    assert float(bo["share_neutral"]) == pytest.approx(4 / 6, abs=1e-4)
    assert float(bo["share_sad"]) == pytest.approx(2 / 6, abs=1e-4)
    assert bo["most_frequent"] == "neutral"


def test_seconds_seen_caps_long_gaps_and_single_observation() -> None:
    observations = [o for o in make_observations(frames=60) if o.student_id == 2]
    # Bo is missing from frames 4..7 only; add an absence by dropping frames 10..49 (8 s)
    observations = [o for o in observations if not 10 <= o.frame_index < 50]
    bo = summarize(observations, max_gap_s=2.0)[0]
    # frames 0-3: 0.6 s, 3->8: 1.0 s, 8-9: 0.2 s, 9->50: capped 2 s, 50-59: 1.8 s, last: 0.2 s
    assert bo.seconds_seen == pytest.approx(0.6 + 1.0 + 0.2 + 2.0 + 1.8 + 0.2)
    single = summarize(observations[:1])[0]
    assert single.observations == 1 and single.seconds_seen == 0.0
    mixed = summarize([o for o in make_observations() if o.student_id == 1 or o.frame_index == 0])
    assert mixed[1].observations == 1 and mixed[1].seconds_seen == pytest.approx(0.2)


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "long.csv"
    target.write_text("old content")
    write_long_csv(target, make_observations())
    write_summary_csv(tmp_path / "summary.csv", make_observations())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.csv", "summary.csv"]
    assert target.read_text(encoding="utf-8").startswith("session_id,")


def test_missing_folder_raises_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "no such folder" / "long.csv"
    with pytest.raises(ExportError, match="does not exist") as info:
        write_long_csv(target, make_observations())
    assert str(target) in str(info.value)
    with pytest.raises(ExportError):
        write_summary_csv(target, make_observations())
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_keeps_old_file_and_removes_temp(tmp_path: Path) -> None:
    target = tmp_path / "long.csv"
    target.write_text("old content")

    def broken() -> object:
        yield from make_observations()[:3]
        raise RuntimeError("pipeline died")

    with pytest.raises(RuntimeError):
        write_long_csv(target, broken())  # type: ignore[arg-type]
    assert target.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["long.csv"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_read_only_folder_raises_export_error(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="locked"):
            write_long_csv(folder / "long.csv", make_observations())
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_failed_rename_raises_export_error_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied", dst)

    monkeypatch.setattr(os, "replace", refuse)
    target = tmp_path / "open in Excel.csv"
    with pytest.raises(ExportError, match="Permission denied") as info:
        write_summary_csv(target, make_observations())
    assert str(target) in str(info.value) and "Excel" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_path_that_is_a_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="is a folder"):
        write_long_csv(tmp_path, make_observations())


def test_unusual_characters_in_path_and_names(tmp_path: Path) -> None:
    folder = tmp_path / "Clase de matemáticas 😀"
    folder.mkdir()
    target = folder / "sesión 1 – Zoë 🎓.csv"
    observations = [
        Observation("s", "Zoom, gallery \"A\"", 0, 0.0, WALL0, 7, "Zoë, 🎓\nNew line",
                    BBox(1, 2, 3, 4), (1 / 7,) * 7, (0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1))
    ]
    write_long_csv(target, observations)
    write_summary_csv(folder / "résumé 😀.csv", observations)
    back = read_long_csv(target)
    assert back[0].student_name == "Zoë, 🎓\nNew line"
    assert back[0].source == "Zoom, gallery \"A\""
    assert back[0].expression == "happy"
    assert sorted(p.name for p in folder.iterdir()) == sorted([target.name, "résumé 😀.csv"])


def test_reading_a_foreign_csv_raises(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ExportError, match="not a fer_desktop long CSV"):
        read_long_csv(path)
    with pytest.raises(ExportError, match="missing.csv"):
        read_long_csv(tmp_path / "missing.csv")


def test_camera_off_rows_round_trip_and_count_in_summary(tmp_path: Path) -> None:
    """A participant present with the camera off: own rows, time in the summary, no shares."""
    from fer_desktop.datatypes import CameraOff, FaceResult, Frame, FrameResult
    from fer_desktop.session.export import CAMERA_OFF, observations_from_result, summarize

    happy = np.eye(7, dtype=np.float32)[3]
    img = np.zeros((10, 10, 3), np.uint8)
    obs = []
    for i in range(10):  # 0.5 s apart; Bo turns the camera on at frame 6
        faces = [FaceResult(BBox(0, 0, 5, 5), 1, happy, happy, "Ana")]
        off = ()
        if i < 6:
            off = (CameraOff(2, "Bo", BBox(5, 5, 5, 5)),)
        else:
            faces.append(FaceResult(BBox(6, 6, 3, 3), 2, happy, happy, "Bo"))
        result = FrameResult(Frame(img, i * 0.5, i, "screen"), tuple(faces), camera_off=off)
        obs += observations_from_result(result, "s1")
    path = write_long_csv(tmp_path / "long.csv", obs)
    rows = read_rows(path)
    off_rows = [r for r in rows[1:] if r[LONG_COLUMNS.index("expression")] == CAMERA_OFF]
    assert len(off_rows) == 6
    assert all(r[LONG_COLUMNS.index("confidence")] == "" for r in off_rows)
    assert all(r[LONG_COLUMNS.index("p_happy")] == "" for r in off_rows)
    back = read_long_csv(path)
    assert [o.camera_on for o in back] == [o.camera_on for o in obs]
    ana, bo = summarize(back)
    assert ana.seconds_camera_off == 0 and ana.seconds_seen == pytest.approx(5.0)
    assert bo.student_name == "Bo" and bo.observations == 4
    assert bo.seconds_camera_off == pytest.approx(3.0)  # frames 0-5: 6 x 0.5 s
    assert bo.seconds_seen == pytest.approx(2.0)  # frames 6-9
    assert bo.shares[3] == 1.0 and bo.most_frequent == "happy"
    only_off = summarize([o for o in back if not o.camera_on])
    assert only_off[0].most_frequent == "" and sum(only_off[0].shares) == 0
