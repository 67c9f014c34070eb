"""The PyInstaller one-folder build starts and exits cleanly (slow: builds for minutes)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_frozen_app_starts_offscreen_and_exits(tmp_path):
    if os.environ.get("FER_DESKTOP_BUILD_TEST") != "1":
        pytest.skip("set FER_DESKTOP_BUILD_TEST=1 to build with PyInstaller (minutes)")
    subprocess.run(["bash", str(ROOT / "tools" / "build_app.sh")], check=True, timeout=1200)
    exe = ROOT / "dist" / "fer-desktop" / "fer-desktop"
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "settings.json").write_text(json.dumps({"notice_accepted": True}))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FER_DESKTOP_CONFIG=str(cfg))
    proc = subprocess.run([str(exe), "gui", "--quit-after", "2"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "window open" in proc.stderr
