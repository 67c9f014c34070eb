"""The live session without Qt: a class recorded, renamed, merged, reviewed, exported and
reported, on real SQLite files; results are built at the seam (no model, no camera)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fer_desktop.session.cli import build_parser as export_parser
from fer_desktop.session.cli import run as export_run
from fer_desktop.session.export import summarize
from fer_desktop.session.live import LiveSession
from fer_desktop.session.store import SessionStore, list_sessions
from fer_desktop.settings import AppSettings
from tests.session.class_results import class_results

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live(tmp_path):
    return LiveSession(AppSettings(negative_s=10, missing_s=15), tmp_path / "sessions")


def test_a_class_is_recorded_and_its_figures_agree_everywhere(live, tmp_path):
    live.begin("screen")
    for r in class_results():
        live.add(r)
    assert live.flush(force=True) == ""
    live.rename(1, "Ana Souza")
    live.finish()
    assert not live.recording and live.last_session_path.is_file()
    with SessionStore.open(live.last_session_path) as saved:
        assert saved.status == "finished"
        summaries = {s.student_id: s for s in summarize(saved.observations())}
    rec = live.recorder
    interval = rec.frame_interval()
    # one definition of "seen" and "camera off": the list's figures are the summary CSV's
    for sid, st in rec.students.items():
        assert rec.seconds_seen(st, interval) == pytest.approx(summaries[sid].seconds_seen,
                                                               abs=1e-9)
        assert rec.seconds_camera_off(st, interval) == pytest.approx(
            summaries[sid].seconds_camera_off, abs=1e-9)
        assert np.allclose(st.shares(), summaries[sid].shares)
    assert summaries[4].seconds_seen == 0 and summaries[4].seconds_camera_off > 50
    assert summaries[3].seconds_seen < summaries[1].seconds_seen - 15
    # the window's export and `fer-desktop export` write the same files
    done = live.export(tmp_path / "win.csv")
    assert [p.name for p in done.paths] == ["win.csv", "win_summary.csv"]
    args = export_parser().parse_args([str(live.last_session_path), "--csv",
                                       str(tmp_path / "cli.csv"), "--summary",
                                       str(tmp_path / "cli_summary.csv")])
    assert export_run(args) == 0
    assert (tmp_path / "win.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    assert (tmp_path / "win_summary.csv").read_bytes() == (
        tmp_path / "cli_summary.csv").read_bytes()
    with open(tmp_path / "win_summary.csv", newline="", encoding="utf-8") as fh:
        rows = {int(r["student_id"]): r for r in csv.DictReader(fh)}
    assert rows[1]["student_name"] == "Ana Souza"


def test_merge_follows_into_the_file_and_the_review(live):
    live.begin("screen")
    results = list(class_results(60))
    for r in results[:30]:
        live.add(r)
    live.merge(1, [3])
    for r in results[30:]:
        live.add(r)  # student 3's later faces come in under 1
    live.finish()
    assert 3 not in live.recorder.students
    review = live.review(live.last_session_path)
    assert set(live.recorder.students) == {1, 2, 4}
    assert review.info.students == 3 and review.observations > 0 and review.frames


def test_a_failed_start_leaves_no_empty_session(live):
    live.begin("webcam:3")
    path = live.store.path
    assert path.is_file()
    assert live.finish() == ""  # the camera never delivered a frame
    assert not path.exists() and list_sessions(live.folder) == []
    assert live.last_session_path is None


def test_the_class_can_be_named_and_is_listed(live):
    live.begin("screen")
    for r in class_results(20):
        live.add(r)
    live.finish()
    with SessionStore.open(live.last_session_path) as store:
        store.set_title("  Biology   2B ")
    (info,) = list_sessions(live.folder)
    assert info.title == "Biology 2B" and info.students == 4
    assert info.duration_s == pytest.approx(info.ended_at - info.started_at) and (
        info.duration_s < 60)


def test_unsaved_rows_refuse_a_new_session_and_are_exported(live, tmp_path):
    live.begin("screen")
    results = list(class_results(40))
    for r in results[:10]:
        live.add(r)
    assert live.flush(force=True) == ""
    db = live.store._conn
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    for r in results[10:]:
        live.add(r)
    status = live.flush(force=True)
    assert status and "kept in memory" in status
    with pytest.raises(Exception, match="could not be saved"):
        live.begin("screen")
    done = live.export(tmp_path / "rescue.csv")
    assert done.rows == 40 * 4 - 0 - 0 - sum(1 for i in range(40) if 40 <= i < 80)
    db.execute("PRAGMA max_page_count = 1073741823")
    assert live.finish() == "" and not live.recording


def test_the_live_session_needs_no_qt():
    code = ("import sys, fer_desktop.session.live, fer_desktop.session.report, "
            "fer_desktop.pipeline.factories; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]; "
            "sys.exit(repr(bad) if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
