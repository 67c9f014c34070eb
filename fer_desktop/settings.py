"""App settings: one JSON file with a schema_version and small migrators (no Qt)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

SCHEMA_VERSION = 2
#: Frames analysed per second at most. Every tracked face is classified in every analysed
#: frame, so 3 refreshes each face about three times a second; on a 1920x1080 gallery of 25
#: faces the app then uses about a fifth of one core of a 2-core laptop (bench/cpu_share.py),
#: leaving the rest to the meeting. Version 1 defaulted to 15 (about 0.6-1.2 cores).
DEFAULT_MAX_FPS = 3.0


@dataclass
class AppSettings:
    schema_version: int = SCHEMA_VERSION
    source: str = "screen"  # screen | webcam | video
    region: list[int] = field(default_factory=list)  # left, top, width, height (screen px)
    webcam_index: int = 0
    video_path: str = ""
    detector: str = "blazeface"
    read_names: bool = True  # find gallery tiles and read participant names (OCR)
    #: scripts participant names are read in (fer_desktop.vision.names.SCRIPTS keys, each
    #: where its Tesseract model is installed); empty: Latin and Hangul where installed
    name_scripts: list[str] = field(default_factory=list)
    max_fps: float = DEFAULT_MAX_FPS
    negative_s: float = 120.0
    missing_s: float = 60.0
    aggregate_only: bool = False
    store_images: bool = False
    notice_accepted: bool = False


def config_dir() -> Path:
    env = os.environ.get("FER_DESKTOP_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "fer_desktop"


def _migrate(data: dict) -> dict:
    """Bring older files up to SCHEMA_VERSION (add a step per version; never discard)."""
    version = int(data.get("schema_version", 0))
    if version < 1:
        data.setdefault("source", "screen")
        version = 1
    if version < 2:
        # 15 was version 1's default, not a choice: take the lighter new default
        if float(data.get("max_fps", 15.0)) == 15.0:
            data["max_fps"] = DEFAULT_MAX_FPS
        version = 2
    data["schema_version"] = version
    return data


def load_settings(path: Path | None = None) -> AppSettings:
    path = path or config_dir() / "settings.json"
    try:
        data = _migrate(json.loads(path.read_text()))
    except (OSError, ValueError):
        return AppSettings()
    known = {f.name for f in fields(AppSettings)}
    try:
        return AppSettings(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return AppSettings()


def save_settings(settings: AppSettings, path: Path | None = None) -> None:
    path = path or config_dir() / "settings.json"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # readable by the user alone, like the sessions: it names the video files analysed
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(settings), indent=2))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
