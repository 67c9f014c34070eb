"""The region overlay on two monitors, one of them HiDPI (Qt's offscreen platform with a
screen configuration), in a subprocess because screens are fixed when Qt starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def test_overlay_covers_all_monitors_and_returns_physical_pixels(tmp_path):
    # left: 1280x800 at scale 1; right: a 2x "retina" monitor, 1280x800 logical (2560x1600
    # physical), placed right of the first in Qt's logical desktop
    config = {"screens": [
        {"name": "left", "x": 0, "y": 0, "width": 1280, "height": 800, "logicalDpi": 96,
         "logicalBaseDpi": 96, "dpr": 1},
        {"name": "right", "x": 1280, "y": 0, "width": 1280, "height": 800, "logicalDpi": 96,
         "logicalBaseDpi": 96, "dpr": 2}]}
    cfg = tmp_path / "screens.json"
    cfg.write_text(json.dumps(config))
    drags = [[[100, 50], [500, 350]],  # on the scale-1 monitor
             [[1380, 100], [1580, 300]],  # on the HiDPI monitor
             [[10, 10], [20, 15]]]  # too small: cancelled
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={cfg}")
    env.pop("QT_SCALE_FACTOR", None)
    proc = subprocess.run([sys.executable, str(HERE / "region_probe.py"), json.dumps(drags)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [s[4] for s in out["screens"]] == [1.0, 2.0]
    assert out["virtual"] == [0, 0, 2560, 800]  # the overlay spans both monitors
    left, right, small = out["selected"]
    assert left == [100, 50, 400, 300]
    # on the 2x monitor: offsets and size doubled from the monitor's origin
    assert right == [1280 + 200, 200, 400, 400]
    assert small is None
    assert out["esc_cancels"] is True


def test_overlay_shows_the_screen_beneath_without_a_compositor(tmp_path):
    """On a real X server without a compositor a translucent window is solid black; the
    overlay paints a still of the screen instead, dimmed outside the dragged rectangle."""
    from tests.capture.xserver import run_on_xvfb

    proc = run_on_xvfb("tests.ui.overlay_still_probe", width=1024, height=768, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["stills"] == 1
    r, g, b = out["inside"]  # the gallery as it is, inside the rectangle (mss gives RGB)
    assert r > 240 and 110 < g < 145 and b < 20, out
    r, g, b = out["outside"]  # dimmed, but visible: not black
    assert 120 < r < 220 and 50 < g < 110 and b < 20, out
