"""End to end under a real X server: the app captures a gallery window with mss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.capture.xserver import xvfb


def test_app_monitors_a_gallery_on_a_real_screen(data_dir, models_dir, tmp_path):
    try:
        ctx = xvfb(1920, 1080)
        display = ctx.__enter__()
    except FileNotFoundError:
        pytest.skip("Xvfb is not installed (bash install.sh installs it)")
    try:
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        proc = subprocess.run(
            [sys.executable, "-m", "tests.ui.e2e_gallery_app", str(data_dir), str(models_dir),
             str(tmp_path)], env=env, capture_output=True, text=True, timeout=180,
            cwd=Path(__file__).resolve().parents[2])
    finally:
        ctx.__exit__(None, None, None)
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
