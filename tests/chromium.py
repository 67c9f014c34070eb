"""Render a local HTML file in headless Chromium (a real browser) and collect its console."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser")


def find_chromium() -> str | None:
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def render(html_file: Path, png: Path, size: tuple[int, int] = (1100, 1800),
           timeout: float = 120) -> list[str]:
    """Screenshot ``html_file`` into ``png``; returns the page's console messages (errors,
    warnings, uncaught exceptions, resources that failed to load). No network: every host
    name resolves to nothing."""
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (bash install.sh installs it)")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr",
             "--v=0", "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
             f"--window-size={size[0]},{size[1]}", f"--screenshot={png}",
             Path(html_file).resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout)
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot (rc {proc.returncode}): "
                           f"{proc.stderr[-2000:]}")
    return [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
