"""End to end under a real X server: the app captures a gallery window with mss."""

from __future__ import annotations

import json
from pathlib import Path

from tests.capture.xserver import run_on_xvfb


def test_app_monitors_a_gallery_on_a_real_screen(data_dir, models_dir, tmp_path):
    proc = run_on_xvfb("tests.ui.e2e_gallery_app", str(data_dir), str(models_dir),
                       str(tmp_path), width=1920, height=1080, timeout=180)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no report; rc={proc.returncode} stderr={proc.stderr[-2000:]}"
    report = json.loads(lines[-1])
    assert "error" not in report, report
    assert report["source"] == "screen"
    assert report["students"] >= report["faces_in_gallery"] - 2  # 15 faces on screen
    assert report["table_rows"] == report["students"]
    assert report["mood_bins"] >= 1
    assert report["state"] == "stopped" and report["thread_running"] is False
    assert (tmp_path / "e2e_window.png").stat().st_size > 10_000
    # opened from File > Sessions, reviewed, and reported
    assert report["listed_rows"] == 1 and int(report["listed_students"]) == report["students"]
    assert report["reviewing"] and report["review_students"] == report["students"]
    html = Path(report["report"]).read_text(encoding="utf-8")
    assert "Class mood over the class" in html and html.count("data-student=") == (
        report["students"])
