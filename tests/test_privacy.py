"""Privacy promises, checked on a whole class run in its own process: no network, no pictures
kept unless the teacher turned them on (for one session), files readable by the user alone."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"BM", b"GIF8", b"RIFF", b"\x93NUMPY", b"II*\x00",
               b"MM\x00*")


def run_class(data_dir: Path, scratch: Path, *extra: str) -> dict:
    env = dict(os.environ, HOME=str(scratch / "home"), TMPDIR=str(scratch / "tmp"),
               XDG_DATA_HOME=str(scratch / "home" / ".local" / "share"),
               XDG_CONFIG_HOME=str(scratch / "home" / ".config"),
               XDG_CACHE_HOME=str(scratch / "home" / ".cache"), QT_QPA_PLATFORM="offscreen")
    for key in ("FER_DESKTOP_DATA", "FER_DESKTOP_CONFIG"):
        env.pop(key, None)
    for sub in ("home", "tmp"):
        (scratch / sub).mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, str(HERE / "privacy_probe.py"), str(data_dir),
                           str(scratch), *extra], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("PRIVACY "))
    return json.loads(line[len("PRIVACY "):])


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def is_image(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(8)
    return head.startswith(IMAGE_MAGIC) or path.suffix.lower() in {
        ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".npy", ".avi",
        ".mp4"}


@pytest.fixture(scope="module")
def plain_class(data_dir, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("privacy")
    return scratch, run_class(data_dir, scratch)


def test_a_whole_class_makes_no_network_connection(plain_class):
    _, result = plain_class
    assert result["attempts"] == []
    assert result["analyze_rc"] == 0 and all(s["students"] >= 5 for s in result["sessions"])


def test_the_network_guard_sees_connections(data_dir, tmp_path):
    """The guard is not blind: a direct socket and urllib are both caught."""
    attempts = run_class(data_dir, tmp_path, "selfcheck")["attempts"]
    assert any("socket" in a for a in attempts) and len(attempts) >= 2, attempts


def test_no_pictures_are_kept_anywhere(plain_class):
    scratch, _ = plain_class
    written = [p for p in files_under(scratch) if "export" not in p.parts]
    pictures = [p for p in written if is_image(p)]
    assert pictures == []
    sessions = [p for p in written if p.suffix == ".sqlite"]
    assert len(sessions) == 2
    # what is there: the sessions, the settings, Qt's window state; nothing else
    allowed = {".sqlite", ".json", ".ini"}
    others = [p for p in written if p.suffix not in allowed
              and not p.name.endswith((".sqlite-wal", ".sqlite-shm"))]
    assert others == [], others


def test_session_files_are_private(plain_class):
    scratch, _ = plain_class
    for p in files_under(scratch / "home" / ".local" / "share" / "fer_desktop"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    folder = scratch / "home" / ".local" / "share" / "fer_desktop" / "sessions"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    settings = scratch / "home" / ".config" / "fer_desktop" / "settings.json"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600


def test_snapshots_only_when_turned_on_and_for_one_session(data_dir, tmp_path):
    result = run_class(data_dir, tmp_path, "snapshots")
    assert result["attempts"] == []
    first, second = result["sessions"]
    folder = Path(first["snapshot_dir"])
    shots = files_under(folder)
    assert shots and all(is_image(p) for p in shots)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in shots)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert second["snapshot_dir"] == ""  # the next session keeps none
    pictures = [p for p in files_under(tmp_path) if is_image(p) and "export" not in p.parts]
    assert sorted(pictures) == sorted(shots)
