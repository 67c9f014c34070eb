"""Session files on disk: location, schema, opening, listing (no Qt); used by store.py."""

from __future__ import annotations

import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fer_desktop.labels import EMOTIONS

SCHEMA_VERSION = 2  # 2: observations.camera_on (files of version 1 are upgraded on open)
#: ``PRAGMA application_id`` of a session file ("FERs").
APPLICATION_ID = 0x46455273
SUFFIX = ".sqlite"
#: WAL + FULL: every commit survives a power cut (figures and reasons: store.py docstring).
SYNCHRONOUS = "FULL"

Status = Literal["recording", "finished", "unreadable"]

_P = [f"p_{e}" for e in EMOTIONS]
_S = [f"s_{e}" for e in EMOTIONS]
_N = [f"n_{e}" for e in EMOTIONS]
_M = [f"mean_{e}" for e in EMOTIONS]
OBS_COLS = ["session_key", "frame_index", "time_s", "wall_time", "source", "student_id",
            "x", "y", "w", "h", "score", *_P, *_S, "camera_on"]
FRAME_COLS = ["session_key", "frame_index", "time_s", "wall_time", "faces", *_N, *_M]
SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    started_at REAL NOT NULL,
    ended_at REAL,
    source TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('recording', 'finished')),
    settings TEXT NOT NULL DEFAULT '{{}}',
    aggregate_only INTEGER NOT NULL CHECK (aggregate_only IN (0, 1)),
    recovered INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE students (
    session_key INTEGER NOT NULL REFERENCES sessions(key),
    student_id INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    display_name TEXT,
    renamed_at REAL,
    PRIMARY KEY (session_key, student_id)
);
CREATE TABLE observations (
    session_key INTEGER NOT NULL REFERENCES sessions(key),
    frame_index INTEGER NOT NULL, time_s REAL NOT NULL, wall_time REAL NOT NULL,
    source TEXT,
    student_id INTEGER NOT NULL,
    x INTEGER NOT NULL, y INTEGER NOT NULL, w INTEGER NOT NULL, h INTEGER NOT NULL,
    score REAL NOT NULL,
    {", ".join(f"{c} REAL NOT NULL" for c in _P + _S)},
    camera_on INTEGER NOT NULL DEFAULT 1 CHECK (camera_on IN (0, 1))
);
CREATE TABLE frames (
    session_key INTEGER NOT NULL REFERENCES sessions(key),
    frame_index INTEGER NOT NULL, time_s REAL NOT NULL, wall_time REAL NOT NULL,
    faces INTEGER NOT NULL,
    {", ".join(f"{c} INTEGER NOT NULL" for c in _N)},
    {", ".join(f"{c} REAL" for c in _M)}
);
"""


class StoreError(Exception):
    """A session file could not be created, read or written; the message says what to do."""


def default_sessions_dir() -> Path:
    """``$FER_DESKTOP_DATA/sessions``, else the platform's user data folder + fer_desktop/sessions.

    Linux: ``$XDG_DATA_HOME`` or ``~/.local/share``; Windows: ``%LOCALAPPDATA%``; macOS:
    ``~/Library/Application Support``.
    """
    env = os.environ.get("FER_DESKTOP_DATA")
    if env:
        return Path(env).expanduser() / "sessions"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        # The XDG spec says a relative path is invalid and must be ignored.
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "fer_desktop" / "sessions"


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One session file as listed for the session browser."""

    path: Path
    session_id: str = ""
    source: str = ""
    started_at: float = 0.0
    ended_at: float | None = None
    status: Status = "unreadable"
    aggregate_only: bool = False
    recovered: bool = False
    last_wall_time: float | None = None  # wall time of the last saved frame
    error: str = ""  # why the file is unreadable
    title: str = ""  # the name the teacher gave the class ("" when none)
    students: int = 0  # students recorded (0 in an aggregate-only session)

    @property
    def duration_s(self) -> float:
        """From start to end (to the last saved frame while unfinished); 0 when unknown."""
        end = self.ended_at or self.last_wall_time
        return max(0.0, end - self.started_at) if end else 0.0


def connect(path: Path, *, new: bool = False) -> sqlite3.Connection:
    """Open an existing session file read-write (never creates one) with the store's pragmas.

    Unless ``new`` (an empty file just made by :func:`create_file`), the file must carry the
    session schema, checked before anything is written, so a foreign database stays untouched.
    """
    if not path.is_file():
        raise StoreError(f"No session file at {path}: choose an existing {SUFFIX} session.")
    try:
        conn = sqlite3.connect(path.absolute().as_uri() + "?mode=rw", uri=True,
                               isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open the session {path} ({exc}).") from exc
    try:
        if not new:
            check_schema(conn, path)
        conn.execute("PRAGMA busy_timeout = 2000")
        if not new:
            _upgrade(conn)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"Cannot use WAL journaling for {path} (got {mode}).")
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(
            f"{path} is not a readable fer_desktop session ({exc}); it may be damaged."
        ) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Raise StoreError unless ``conn`` holds a session of a schema this version reads."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone() if app_id == APPLICATION_ID else None
    except sqlite3.Error as exc:
        raise StoreError(
            f"{path} is not a readable fer_desktop session ({exc}); it may be damaged."
        ) from exc
    if version is None:
        raise StoreError(f"{path} is not a fer_desktop session file.")
    if int(version[0]) > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer fer_desktop (schema {version[0]}, this one reads "
            f"{SCHEMA_VERSION}); update fer_desktop to open it."
        )


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring a session file of an older schema to this one (in one transaction)."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(observations)")}
    if "camera_on" in columns:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("ALTER TABLE observations ADD COLUMN camera_on INTEGER NOT NULL DEFAULT 1 "
                     "CHECK (camera_on IN (0, 1))")
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def create_file(path: Path) -> None:
    """Create an empty file readable by its owner only (SQLite gives -wal/-shm the same mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def ensure_folder(folder: Path) -> None:
    """Create ``folder`` (mode 0700) and its parents when missing."""
    if folder.is_dir():
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the sessions folder {folder} ({exc.strerror or exc}); "
            "choose a writable folder."
        ) from exc


def read_info(conn: sqlite3.Connection, path: Path) -> SessionInfo:
    """The listing entry of the session in ``conn``."""
    row = conn.execute(
        "SELECT id, source, started_at, ended_at, status, aggregate_only, recovered "
        "FROM sessions ORDER BY key LIMIT 1").fetchone()
    if row is None:
        return SessionInfo(path, error="the file holds no session")
    last = conn.execute("SELECT wall_time FROM frames ORDER BY rowid DESC LIMIT 1").fetchone()
    title = conn.execute("SELECT value FROM meta WHERE key = 'title'").fetchone()
    students = conn.execute("SELECT COUNT(*) FROM students").fetchone()[0]
    return SessionInfo(path, row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]),
                       None if last is None else last[0], title=title[0] if title else "",
                       students=int(students))


def list_sessions(folder: str | os.PathLike[str]) -> list[SessionInfo]:
    """Every ``*.sqlite`` session in ``folder`` by start time; unreadable ones last, with why."""
    target = Path(folder)
    if not target.is_dir():
        return []
    found, bad = [], []
    for path in sorted(target.glob(f"*{SUFFIX}")):
        try:
            conn = connect(path)
        except StoreError as exc:
            bad.append(SessionInfo(path, error=str(exc)))
            continue
        try:
            found.append(read_info(conn, path))
        except sqlite3.Error as exc:
            bad.append(SessionInfo(path, error=str(exc)))
        finally:
            conn.close()
    found.sort(key=lambda s: s.started_at)
    return found + bad


def unfinished_sessions(folder: str | os.PathLike[str]) -> list[SessionInfo]:
    """Sessions still marked 'recording': the app stopped without finishing them (a crash)."""
    return [s for s in list_sessions(folder) if s.status == "recording"]
