from __future__ import annotations

import csv
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from fer_desktop.datatypes import BBox, FaceResult, Frame, FrameResult
from fer_desktop.labels import EMOTIONS
from fer_desktop.session import cli
from fer_desktop.session.aggregate import FRAME_COLUMNS
from fer_desktop.session.db import SCHEMA_VERSION
from fer_desktop.session.export import Observation, write_long_csv, write_summary_csv
from fer_desktop.session.store import (
    FLUSH_INTERVAL_S,
    SessionStore,
    StoreError,
    default_sessions_dir,
    list_sessions,
    recover,
    unfinished_sessions,
)

ROOT = Path(__file__).resolve().parents[2]
WALL0 = 1_760_000_000.25
NAMES = {1: "Ana", 2: "Bo Müller", 3: ""}


def make_observations(session_id: str, frames: int = 12, fps: float = 5.0,
                      source: str = "screen", seed: int = 0) -> list[Observation]:
    """Three students; 2 is missing from frames 4 to 7; random probabilities as doubles."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(frames):
        for sid in (1, 2, 3):
            if sid == 2 and 4 <= i <= 7:
                continue
            rows.append(Observation(
                session_id=session_id, source=source, frame_index=i, time_s=i / fps,
                wall_time=WALL0 + i / fps, student_id=sid, student_name=NAMES[sid],
                box=BBox(100 * sid, 20 + i, 60, 61, 0.75 + sid / 100),
                probs=tuple(rng.dirichlet(np.ones(len(EMOTIONS)))),
                smoothed=tuple(rng.dirichlet(np.ones(len(EMOTIONS))))))
    return rows


def export_args(session: Path, **out: Path | None) -> cli.argparse.Namespace:
    argv = [str(session)]
    for flag, path in out.items():
        argv += [f"--{flag}", str(path)]
    return cli.build_parser().parse_args(argv)


@pytest.fixture
def store(tmp_path: Path):
    s = SessionStore.create(tmp_path / "sessions", "screen", {"detector": "haar", "fps": 10})
    yield s
    s.close()


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_round_trip_gives_the_same_csvs_as_writing_directly(store, tmp_path: Path) -> None:
    observations = make_observations(store.session_id)
    store.add(observations[:20])
    store.flush()
    store.add(observations[20:])
    store.finish()
    store.close()
    direct_long = write_long_csv(tmp_path / "direct.csv", observations)
    direct_summary = write_summary_csv(tmp_path / "direct_summary.csv", observations)

    with SessionStore.open(store.path) as review:
        assert review.status == "finished" and review.ended_at is not None
        assert review.settings == {"detector": "haar", "fps": 10}
        assert review.observations() == observations  # doubles come back bit for bit
        assert [f.faces for f in review.frames()] == [3] * 4 + [2] * 4 + [3] * 4
    out_long, out_summary = tmp_path / "long.csv", tmp_path / "summary.csv"
    assert cli.run(export_args(store.path, csv=out_long, summary=out_summary)) == 0
    assert out_long.read_bytes() == direct_long.read_bytes()
    assert out_summary.read_bytes() == direct_summary.read_bytes()


def test_rows_keep_their_own_source_and_empty_frames_count(tmp_path: Path) -> None:
    store = SessionStore.create(tmp_path, "class photos")
    observations = make_observations(store.session_id, frames=2, source="a.png")
    observations += make_observations(store.session_id, frames=1, source="class photos")
    store.add(observations)
    image = np.zeros((2, 2, 3), np.uint8)
    face = FaceResult(BBox(1, 2, 3, 4), 7, np.eye(7)[3], np.eye(7)[3], "Cy")
    store.add_result(FrameResult(Frame(image, 50.0, 5, "class photos", WALL0), (face,)))
    store.add_result(FrameResult(Frame(image, 50.5, 6, "class photos", WALL0 + 0.5)))
    store.close()
    with SessionStore.open(store.path) as review:
        back = review.observations()
        assert [o.source for o in back[:6]] == ["a.png"] * 6
        assert back[:-1] == observations
        assert (back[-1].time_s, back[-1].expression, back[-1].student_name) == (0, "happy", "Cy")
        frames = review.frames()
        assert [(f.frame_index, f.faces) for f in frames[-2:]] == [(5, 1), (6, 0)]
        assert frames[-1].mean_smoothed == (0.0,) * 7 and frames[-2].valence_share("positive") == 1


def test_renames_are_stored_and_show_in_exports(store, tmp_path: Path) -> None:
    observations = make_observations(store.session_id)
    store.add(observations)
    store.rename_student(3, "  Cy   Dee ")
    store.rename_student(1, "Ana K.")
    store.rename_student(1, "Ana Kovač")
    store.add([replace(o, frame_index=99, student_name="Zoom label") for o in observations[:1]])
    store.finish()
    store.close()
    with SessionStore.open(store.path) as review:
        assert review.students() == {1: "Ana Kovač", 2: "Bo Müller", 3: "Cy Dee"}
        assert {o.student_name for o in review.observations() if o.student_id == 1} == {
            "Ana Kovač"}
        review.rename_student(1, "")  # back to the pipeline's latest name
        assert review.students()[1] == "Zoom label"
        review.rename_student(2, "Bo M.")  # renaming while reviewing a finished session
    out_long, out_summary = tmp_path / "long.csv", tmp_path / "summary.csv"
    assert cli.run(export_args(store.path, csv=out_long, summary=out_summary)) == 0
    with out_long.open(encoding="utf-8", newline="") as handle:
        names = {(r["student_id"], r["student_name"]) for r in csv.DictReader(handle)}
    assert names == {("1", "Zoom label"), ("2", "Bo M."), ("3", "Cy Dee")}
    with out_summary.open(encoding="utf-8", newline="") as handle:
        assert [r["student_name"] for r in csv.DictReader(handle)] == [
            "Zoom label", "Bo M.", "Cy Dee"]


def test_aggregate_only_stores_no_per_student_rows(tmp_path: Path) -> None:
    store = SessionStore.create(tmp_path, "screen", aggregate_only=True)
    observations = make_observations(store.session_id)
    store.add(observations)
    with pytest.raises(ValueError, match="aggregate-only"):
        store.rename_student(1, "Ana")
    store.finish()
    store.close()
    assert count(store.path, "observations") == 0 and count(store.path, "students") == 0
    with sqlite3.connect(store.path) as conn:
        assert "Ana" not in str(conn.execute("SELECT * FROM sessions").fetchall())
    with SessionStore.open(store.path) as review:
        assert review.aggregate_only and review.observations() == []
        frames = review.frames()
    assert [f.faces for f in frames] == [3] * 4 + [2] * 4 + [3] * 4
    first = [o for o in observations if o.frame_index == 0]
    assert sum(frames[0].counts) == 3
    assert frames[0].counts[first[0].expression_index] >= 1
    np.testing.assert_allclose(frames[0].mean_smoothed, np.mean([o.smoothed for o in first], 0))
    assert cli.run(export_args(store.path, csv=tmp_path / "x.csv")) == 2
    assert not (tmp_path / "x.csv").exists()
    assert cli.run(export_args(store.path, frames=tmp_path / "frames.csv")) == 0
    with (tmp_path / "frames.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == FRAME_COLUMNS and len(rows) == 13 and rows[5][3] == "2"


def test_files_are_private_and_the_folder_is_0700(store) -> None:
    store.add(make_observations(store.session_id, frames=1))
    store.flush()
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{store.path}{suffix}")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),)


def test_default_sessions_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("FER_DESKTOP_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_sessions_dir() == tmp_path / "xdg" / "fer_desktop" / "sessions"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert default_sessions_dir() == Path.home() / ".local/share/fer_desktop/sessions"
    monkeypatch.setenv("FER_DESKTOP_DATA", str(tmp_path / "data"))
    assert default_sessions_dir() == tmp_path / "data" / "sessions"
    with SessionStore.create(default_sessions_dir(), "screen", session_id="math-1") as store:
        store.add(make_observations(store.session_id, frames=2))
    assert cli.run(export_args(Path("math-1"), csv=tmp_path / "by_id.csv")) == 0  # id lookup
    assert len((tmp_path / "by_id.csv").read_text(encoding="utf-8").splitlines()) == 1 + 6


def test_maybe_flush_commits_once_per_interval(store) -> None:
    observations = make_observations(store.session_id, frames=3)
    start = time.monotonic()
    store.add(observations[:3])
    assert not store.maybe_flush(start + FLUSH_INTERVAL_S / 2)
    assert count(store.path, "observations") == 0 and store.pending == 4
    assert store.maybe_flush(start + FLUSH_INTERVAL_S + 0.01)
    assert count(store.path, "observations") == 3 and store.pending == 0
    store.add(observations[3:])
    assert not store.maybe_flush(start + FLUSH_INTERVAL_S + 0.5)
    store.finish()
    with pytest.raises(StoreError, match="finished"):
        store.add(observations[:1])
    with SessionStore.create(store.path.parent, "screen") as other:
        with pytest.raises(ValueError, match="session"):
            other.add(make_observations("another", frames=1))


def test_full_disk_raises_keeps_rows_and_file_stays_consistent(store) -> None:
    observations = make_observations(store.session_id, frames=400)
    first = [o for o in observations if o.frame_index < 10]
    store.add(first)
    store.flush()
    db = store._conn
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL on the next growth
    store.add(observations[len(first):])
    with pytest.raises(StoreError, match="full.*kept and saved at the next attempt"):
        store.flush()
    assert store.pending == len(observations) - len(first) + 390  # rows + frames
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with pytest.raises(StoreError):
        store.maybe_flush(time.monotonic() + 2 * FLUSH_INTERVAL_S)  # retried, still full
    assert count(store.path, "observations") == len(first)
    db.execute("PRAGMA max_page_count = 1073741823")
    store.finish()
    assert store.pending == 0
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert SessionStore.open(store.path).observations() == observations


def test_missing_or_damaged_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = SessionStore.create(tmp_path, "screen")
    good.close()
    (tmp_path / "junk.sqlite").write_bytes(b"this is not a database" * 100)
    with sqlite3.connect(tmp_path / "other.sqlite") as conn:
        conn.execute("CREATE TABLE t (x)")
    for name in ("junk.sqlite", "other.sqlite", "missing.sqlite"):
        with pytest.raises(StoreError):
            SessionStore.open(tmp_path / name)
    with sqlite3.connect(tmp_path / "other.sqlite") as conn:  # a foreign file stays untouched
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    listed = list_sessions(tmp_path)
    assert [(s.path.name, s.status) for s in listed] == [
        (good.path.name, "recording"), ("junk.sqlite", "unreadable"),
        ("other.sqlite", "unreadable")]
    assert "not a fer_desktop session" in listed[2].error
    capsys.readouterr()
    for target in (tmp_path / "junk.sqlite", tmp_path / "missing.sqlite"):
        assert cli.run(export_args(target, csv=tmp_path / "out.csv")) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "error:" in err
    unwritable = tmp_path / "no such folder" / "out.csv"
    assert cli.run(export_args(good.path, csv=unwritable)) == 2
    assert "does not exist" in capsys.readouterr().err
    with sqlite3.connect(good.path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer fer_desktop"):
        SessionStore.open(good.path)


CHILD = r"""
import sys, time
from fer_desktop.datatypes import BBox
from fer_desktop.session.export import Observation
from fer_desktop.session.store import SessionStore

store = SessionStore.create(sys.argv[1], "screen", {"test": "crash"})
print(store.path, flush=True)
probs = (0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1)
start, i = time.monotonic(), 0
while time.monotonic() - start < 20:
    wall = time.time()
    store.add([Observation(store.session_id, "screen", i, 0.05 * i, wall, sid, "",
                           BBox(10 * sid, 0, 40, 40), probs, probs) for sid in (1, 2, 3)])
    print(repr(wall), flush=True)
    store.maybe_flush()
    i += 1
    time.sleep(0.05)
"""


def test_killed_recording_loses_at_most_the_last_two_seconds(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        path = Path(child.stdout.readline().strip())
        assert path.name.endswith(".sqlite"), child.stderr.read()
        printed, begun = [], time.monotonic()
        while time.monotonic() - begun < 3.0:
            line = child.stdout.readline()
            assert line, child.stderr.read()
            printed.append(float(line))
        child.send_signal(signal.SIGKILL)
        killed_at = time.time()
        printed += [float(line) for line in child.stdout.read().split()]
    finally:
        child.kill()
        child.wait(5)
    assert child.returncode == -signal.SIGKILL

    assert [s.path for s in unfinished_sessions(folder)] == [path]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with SessionStore.open(path) as review:
        assert review.status == "recording" and review.settings == {"test": "crash"}
        saved = {o.wall_time for o in review.observations()}
    must_have = [w for w in printed if w <= killed_at - 2.0]
    assert len(must_have) >= 10
    assert set(must_have) <= saved
    info = recover(path)
    assert info.status == "finished" and info.recovered
    assert info.ended_at == max(saved)
    assert unfinished_sessions(folder) == []


def test_camera_off_rows_are_stored_but_not_counted_as_faces(tmp_path: Path) -> None:
    from fer_desktop.datatypes import CameraOff

    store = SessionStore.create(tmp_path, "screen")
    image = np.zeros((2, 2, 3), np.uint8)
    face = FaceResult(BBox(1, 2, 3, 4), 1, np.eye(7)[3], np.eye(7)[3], "Ana")
    off = (CameraOff(2, "Bo", BBox(10, 10, 40, 30)),)
    store.add_result(FrameResult(Frame(image, 0.0, 0, "screen", WALL0), (face,), camera_off=off))
    store.close()
    with SessionStore.open(store.path) as review:
        back = review.observations()
        assert [(o.student_name, o.camera_on, o.expression) for o in back] == [
            ("Ana", True, "happy"), ("Bo", False, "camera_off")]
        assert review.frames()[0].faces == 1


def test_a_version_1_file_is_upgraded_on_open(tmp_path: Path) -> None:
    store = SessionStore.create(tmp_path, "screen")
    store.add(make_observations(store.session_id, frames=2))
    store.close()
    with sqlite3.connect(store.path) as conn:  # turn it back into a schema-1 file
        conn.execute("ALTER TABLE observations DROP COLUMN camera_on")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    with SessionStore.open(store.path) as review:
        back = review.observations()
    assert len(back) == 6 and all(o.camera_on for o in back)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            "2",)
    conn.close()
