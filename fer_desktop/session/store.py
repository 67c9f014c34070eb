"""One SQLite file per session, written as the class goes on (no Qt, no locks: GUI thread only).

Durability. The file is in WAL mode with ``synchronous=FULL``: every commit fsyncs the WAL, so
a commit survives a process kill *and* a power cut or OS crash. With WAL, ``NORMAL`` never
corrupts the file either, but it fsyncs only at checkpoints (every ~4 MB of WAL, about a minute
of a 25-face class at 10 fps), so a power cut could lose far more than the product's "last
couple of seconds". Cost of one commit, measured on the development VM (virtio disk, both cores
busy with a training run; 30 commits each, two runs):

    commit                                         NORMAL            FULL
    1 bare row                                     0.04 ms           2.0-2.6 ms
    flush() of 1 s of a 25-face class at 10 fps    2.0 ms (p90 3)    4.9-5.9 ms (p90 8-10)
      (10 frames + 250 observations)

Buffering a 25-face result (:meth:`SessionStore.add_result`) costs ~0.7 ms; a row takes ~190
bytes on disk (~170 MB per hour for 25 faces at 10 fps). The app commits once a second
(:meth:`SessionStore.maybe_flush`), so FULL costs ~3-4 ms more per second of GUI-thread time
than NORMAL, which is worth a power-cut guarantee; a slow laptop disk may take tens of ms for
an fsync, still once a second. A process kill loses only the rows buffered since the last
commit (< 1 s plus the gap between two results). About once a minute a commit also
checkpoints the WAL into the file (measured: ~20 ms with FULL).

Rows. ``observations`` keeps everything an :class:`~fer_desktop.session.export.Observation`
holds (box with detector score, 7 raw and 7 smoothed probabilities as doubles), so reading a
session back gives equal Observations and the same long CSV as writing it directly. Names live
in ``students`` (the pipeline's latest name, and the teacher's rename which wins); an export
shows a student's current name on every row. ``frames`` keeps one row per analysed frame in
both modes (faces, counts per expression, mean smoothed probabilities: the class mood); an
aggregate-only session writes nothing else, so no per-student data is ever stored.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from fer_desktop.datatypes import BBox, FrameResult
from fer_desktop.labels import EMOTIONS
from fer_desktop.session.aggregate import FrameAggregate, aggregate_frame
from fer_desktop.session.db import (
    APPLICATION_ID,
    FRAME_COLS,
    OBS_COLS,
    SCHEMA,
    SCHEMA_VERSION,
    SUFFIX,
    SessionInfo,
    StoreError,
    connect,
    create_file,
    default_sessions_dir,
    ensure_folder,
    list_sessions,
    read_info,
    unfinished_sessions,
)
from fer_desktop.session.export import Observation, observations_from_result

__all__ = [
    "FLUSH_INTERVAL_S",
    "SessionInfo",
    "SessionStore",
    "StoreError",
    "default_sessions_dir",
    "list_sessions",
    "recover",
    "unfinished_sessions",
]

#: Seconds between two commits from :meth:`SessionStore.maybe_flush`.
FLUSH_INTERVAL_S = 1.0
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _finite(value: float) -> float:
    """SQLite stores NaN as NULL: keep unknown wall times as 0 (the CSV's "unknown")."""
    return float(value) if math.isfinite(value) else 0.0


class SessionStore:
    """Buffered writer and reader of one session file.

    Use :meth:`create` to record and :meth:`open` to review or export. ``add``/``add_frame``
    only buffer; :meth:`flush` commits the buffer in one transaction and :meth:`maybe_flush`
    does so at most once per :data:`FLUSH_INTERVAL_S`. A failed commit raises
    :class:`StoreError` and keeps the buffer, so the next flush retries without loss.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn: sqlite3.Connection | None = conn
        self.path = path
        row = conn.execute(
            "SELECT key, id, source, started_at, ended_at, status, settings, aggregate_only "
            "FROM sessions ORDER BY key LIMIT 1"
        ).fetchone()
        if row is None:
            raise StoreError(f"{path} holds no session; it may be damaged.")
        (self._key, self.session_id, self.source, self.started_at, self.ended_at,
         self.status, settings, aggregate_only) = row
        self.settings: dict[str, Any] = json.loads(settings)
        self.aggregate_only = bool(aggregate_only)
        self._frames: list[tuple] = []
        self._obs: list[tuple] = []
        self._names: dict[int, str] = dict(
            conn.execute("SELECT student_id, name FROM students WHERE session_key = ?",
                         (self._key,)).fetchall())
        self._name_updates: dict[int, str] = {}
        self._renames: dict[int, tuple[str | None, float]] = {}
        self._last_flush = time.monotonic()
        self._t0: float | None = None

    # -- life cycle ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        folder: str | os.PathLike[str],
        source: str,
        settings: Mapping[str, Any] | None = None,
        aggregate_only: bool = False,
        *,
        session_id: str | None = None,
        started_at: float | None = None,
    ) -> SessionStore:
        """Start a new session file ``<folder>/<session_id>.sqlite``.

        Args:
            folder: the sessions folder; created with mode 0700 when missing.
            source: source label of the session (``screen``, ``webcam:0``, a file name).
            settings: JSON-serialisable settings used for the session (kept for review).
            aggregate_only: store only per-frame class aggregates, no per-student rows.
            session_id: default ``YYYYMMDD-HHMMSS-xxxx`` (local start time + random hex).
            started_at: POSIX start time; default now.
        """
        start = time.time() if started_at is None else started_at
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(start))
        sid = session_id or f"{stamp}-{secrets.token_hex(2)}"
        if not _ID_RE.match(sid):
            raise ValueError(f"session id {sid!r}: use letters, digits, '-', '_' or '.'")
        settings_json = json.dumps(dict(settings or {}), sort_keys=True)
        target = Path(folder)
        ensure_folder(target)
        path = target / f"{sid}{SUFFIX}"
        try:
            create_file(path)
        except FileExistsError as exc:
            raise StoreError(f"A session {sid} already exists in {target}.") from exc
        except OSError as exc:
            raise StoreError(
                f"Cannot create {path} ({exc.strerror or exc}); check that the folder is "
                "writable and the disk is not full."
            ) from exc
        conn = connect(path, new=True)
        try:
            conn.execute("BEGIN")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for stmt in SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.executemany("INSERT INTO meta VALUES (?, ?)",
                             [("schema_version", str(SCHEMA_VERSION)), ("app", "fer_desktop")])
            conn.execute(
                "INSERT INTO sessions (id, started_at, source, status, settings, aggregate_only)"
                " VALUES (?, ?, ?, 'recording', ?, ?)",
                (sid, start, source, settings_json, int(aggregate_only)))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            raise StoreError(f"Cannot create the session file {path} ({exc}).") from exc
        return cls(conn, path)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> SessionStore:
        """Open a saved session for review, export, renaming or recovery."""
        target = Path(path)
        conn = connect(target)
        try:
            return cls(conn, target)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(
                f"{target} is not a readable fer_desktop session ({exc}); it may be damaged."
            ) from exc
        except BaseException:
            conn.close()
            raise

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SessionStore {self.session_id!r} {self.status} {self.path}>"

    @property
    def closed(self) -> bool:
        return self._conn is None

    @property
    def pending(self) -> int:
        """Buffered rows (frames + observations) not yet committed."""
        return len(self._frames) + len(self._obs)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"The session {self.session_id} is closed.")
        return self._conn

    def finish(self, ended_at: float | None = None) -> None:
        """Commit the buffer and mark the session finished (ended_at default: now)."""
        self.flush()
        if self.status == "finished":
            return
        end = time.time() if ended_at is None else ended_at
        self._write(lambda db: db.execute(
            "UPDATE sessions SET status = 'finished', ended_at = ? WHERE key = ?",
            (end, self._key)))
        self.status, self.ended_at = "finished", end

    def close(self) -> None:
        """Commit the buffer and close the file; safe to call twice.

        If the commit fails the store stays open and :class:`StoreError` is raised, so the
        caller can free space and call ``close()`` again.
        """
        if self._conn is None:
            return
        self.flush()
        self._conn.close()
        self._conn = None

    # -- recording ----------------------------------------------------------------------------

    def add_result(self, result: FrameResult, t0: float | None = None) -> None:
        """Buffer one pipeline result (the app's ``result_ready`` slot calls this).

        Args:
            result: the analysed frame, with or without faces; rows take the frame's
                ``source_id`` (stored only where it differs from the session's source).
            t0: ``Frame.timestamp`` that counts as time 0 (0 for a video file gives media
                time); default the timestamp of the first result added through this store.
        """
        if t0 is None:
            if self._t0 is None:
                self._t0 = result.frame.timestamp
            t0 = self._t0
        frame = result.frame
        self.add_frame(frame.index, frame.timestamp - t0, frame.wall_time,
                       observations_from_result(result, self.session_id, t0))

    def add(self, observations: Iterable[Observation]) -> None:
        """Buffer observations; each run of one ``frame_index`` counts as one analysed frame."""
        group: list[Observation] = []
        for obs in observations:
            if group and obs.frame_index != group[0].frame_index:
                self.add_frame(group[0].frame_index, group[0].time_s, group[0].wall_time, group)
                group = []
            group.append(obs)
        if group:
            self.add_frame(group[0].frame_index, group[0].time_s, group[0].wall_time, group)

    def add_frame(
        self,
        frame_index: int,
        time_s: float,
        wall_time: float,
        observations: Sequence[Observation] = (),
    ) -> None:
        """Buffer one analysed frame and its faces (an empty frame still counts for the mood).

        Raises:
            ValueError: an observation of another session or frame.
            StoreError: the session is finished or closed.
        """
        self._db()
        if self.status != "recording":
            raise StoreError(f"The session {self.session_id} is finished; start a new one.")
        for obs in observations:
            if obs.session_id != self.session_id or obs.frame_index != frame_index:
                raise ValueError(
                    f"observation of session {obs.session_id!r} frame {obs.frame_index} added "
                    f"to session {self.session_id!r} frame {frame_index}")
        agg = aggregate_frame(int(frame_index), float(time_s), _finite(wall_time), observations)
        self._frames.append((self._key, agg.frame_index, agg.time_s, agg.wall_time, agg.faces,
                             *agg.counts, *(agg.mean_smoothed if agg.faces else [None] * 7)))
        if self.aggregate_only:
            return
        for o in observations:
            b = o.box
            self._obs.append((
                self._key, agg.frame_index, float(o.time_s), _finite(o.wall_time),
                None if o.source == self.source else o.source, int(o.student_id),
                int(b.x), int(b.y), int(b.w), int(b.h), float(b.score),
                *map(float, o.probs), *map(float, o.smoothed), int(o.camera_on)))
            known = self._names.get(o.student_id)
            if known is None or (o.student_name and o.student_name != known):
                self._names[o.student_id] = o.student_name
                self._name_updates[o.student_id] = o.student_name

    def rename_student(self, student_id: int, name: str) -> None:
        """Store the teacher's name for a student (empty: back to the pipeline's) and commit.

        The name applies to all of the student's rows, before and after the rename.
        """
        if self.aggregate_only:
            raise ValueError("an aggregate-only session keeps no students to rename")
        clean = " ".join(name.split()) or None
        self._renames[int(student_id)] = (clean, time.time())
        self.flush()

    def set_title(self, title: str) -> None:
        """The name the teacher gives the class (shown in File > Sessions); "" removes it."""
        clean = " ".join(title.split())[:200]
        self.flush()
        if clean:
            self._write(lambda db: db.execute(
                "INSERT INTO meta VALUES ('title', ?) ON CONFLICT DO UPDATE SET "
                "value = excluded.value", (clean,)))
        else:
            self._write(lambda db: db.execute("DELETE FROM meta WHERE key = 'title'"))

    def merge_students(self, keep: int, other: int) -> None:
        """Rows of student ``other`` become ``keep``'s (one person seen as two) and commit.

        ``keep`` keeps its name (the teacher's, else the pipeline's), or takes ``other``'s
        when it has none.
        """
        if self.aggregate_only:
            raise ValueError("an aggregate-only session keeps no students to merge")
        keep, other = int(keep), int(other)
        if keep == other:
            return
        self.flush()

        def work(db: sqlite3.Connection) -> None:
            db.execute("UPDATE observations SET student_id = ? WHERE session_key = ? AND "
                       "student_id = ?", (keep, self._key, other))
            db.execute(
                "INSERT INTO students (session_key, student_id, name, display_name, renamed_at) "
                "SELECT ?, ?, name, display_name, renamed_at FROM students "
                "WHERE session_key = ? AND student_id = ? "
                "ON CONFLICT DO UPDATE SET "
                "name = CASE WHEN students.name = '' THEN excluded.name ELSE students.name END, "
                "display_name = COALESCE(students.display_name, excluded.display_name)",
                (self._key, keep, self._key, other))
            db.execute("DELETE FROM students WHERE session_key = ? AND student_id = ?",
                       (self._key, other))

        self._write(work)
        name = self._names.pop(other, "")
        if not self._names.get(keep):
            self._names[keep] = name

    def _write(self, work: Any) -> None:
        db = self._db()
        try:
            db.execute("BEGIN IMMEDIATE")
            work(db)
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite may already have rolled back (SQLITE_FULL, SQLITE_IOERR)
            raise StoreError(
                f"Could not save the session {self.session_id} to {self.path} ({exc}). "
                f"{self.pending} unsaved rows are kept and saved at the next attempt: "
                "free disk space or check the folder."
            ) from exc

    def flush(self) -> None:
        """Commit the buffered rows, names and renames in one transaction."""
        self._last_flush = time.monotonic()
        if not (self._frames or self._obs or self._name_updates or self._renames):
            return
        frames, obs = self._frames, self._obs
        names, renames = self._name_updates, self._renames

        def work(db: sqlite3.Connection) -> None:
            db.executemany(f"INSERT INTO frames ({', '.join(FRAME_COLS)}) VALUES "
                           f"({', '.join('?' * len(FRAME_COLS))})", frames)
            db.executemany(f"INSERT INTO observations ({', '.join(OBS_COLS)}) VALUES "
                           f"({', '.join('?' * len(OBS_COLS))})", obs)
            db.executemany(
                "INSERT INTO students (session_key, student_id, name) VALUES (?, ?, ?) "
                "ON CONFLICT DO UPDATE SET name = excluded.name",
                [(self._key, sid, name) for sid, name in names.items()])
            db.executemany(
                "INSERT INTO students (session_key, student_id, display_name, renamed_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                "display_name = excluded.display_name, renamed_at = excluded.renamed_at",
                [(self._key, sid, n, t) for sid, (n, t) in renames.items()])

        self._write(work)
        self._frames, self._obs, self._name_updates, self._renames = [], [], {}, {}

    def maybe_flush(self, now: float | None = None) -> bool:
        """Flush when :data:`FLUSH_INTERVAL_S` has passed since the last attempt.

        Args:
            now: ``time.monotonic()`` (default).

        Returns:
            True when a flush was attempted. A failed attempt raises :class:`StoreError` and is
            retried no sooner than one interval later.
        """
        now = time.monotonic() if now is None else now
        if now - self._last_flush < FLUSH_INTERVAL_S:
            return False
        try:
            self.flush()
        finally:
            self._last_flush = now
        return True

    # -- reading ------------------------------------------------------------------------------

    def _rows(self, sql: str) -> Iterator[tuple]:
        """Rows of ``sql`` (one ``?``: the session key); a damaged file raises StoreError."""
        db = self._db()
        try:
            yield from db.execute(sql, (self._key,))
        except sqlite3.Error as exc:
            raise StoreError(
                f"Cannot read the session {self.path} ({exc}); the file may be damaged."
            ) from exc

    def students(self) -> dict[int, str]:
        """Student id -> name shown in exports (the teacher's rename, else the pipeline's)."""
        self.flush()
        return dict(self._rows(
            "SELECT student_id, COALESCE(display_name, name) FROM students "
            "WHERE session_key = ? ORDER BY student_id"))

    def iter_observations(self) -> Iterator[Observation]:
        """Committed observations in recording order, with current names (flushes first)."""
        names = self.students()
        for row in self._rows(f"SELECT {', '.join(OBS_COLS[1:])} FROM observations "
                              "WHERE session_key = ? ORDER BY rowid"):
            yield self._observation(row, names)

    def _observation(self, row: Sequence[Any], names: Mapping[int, str]) -> Observation:
        """An ``observations`` row (without its session key) as an Observation."""
        n = len(EMOTIONS)
        frame_index, time_s, wall_time, source, sid, x, y, w, h, score = row[:10]
        return Observation(
            session_id=self.session_id,
            source=self.source if source is None else source,
            frame_index=frame_index, time_s=time_s, wall_time=wall_time,
            student_id=sid, student_name=names.get(sid, ""),
            box=BBox(x, y, w, h, score),
            probs=tuple(row[10:10 + n]), smoothed=tuple(row[10 + n:10 + 2 * n]),
            camera_on=bool(row[10 + 2 * n]))

    def observations(self) -> list[Observation]:
        """All observations (see :meth:`iter_observations`)."""
        return list(self.iter_observations())

    def saved_and_pending_observations(self) -> list[Observation]:
        """Every observation recorded, committed or not, without writing anything.

        For an export while the session cannot be saved (full disk, folder gone): the rows
        the file holds, then the rows still waiting in memory.
        """
        names = dict(self._names)
        try:
            names.update(dict(self._db().execute(
                "SELECT student_id, COALESCE(display_name, name) FROM students "
                "WHERE session_key = ?", (self._key,)).fetchall()))
        except sqlite3.Error:
            pass  # names as recorded in memory
        names.update({sid: n_ for sid, (n_, _t) in self._renames.items() if n_})
        try:
            rows = self._db().execute(
                f"SELECT {', '.join(OBS_COLS[1:])} FROM observations WHERE session_key = ? "
                "ORDER BY rowid", (self._key,)).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot read the session {self.path} ({exc}).") from exc
        return [self._observation(row, names) for row in [*rows, *(r[1:] for r in self._obs)]]

    def frames(self) -> list[FrameAggregate]:
        """One class aggregate per analysed frame, in recording order (flushes first)."""
        self.flush()
        n = len(EMOTIONS)
        rows = self._rows(
            f"SELECT {', '.join(FRAME_COLS[1:])} FROM frames WHERE session_key = ? ORDER BY rowid")
        return [
            FrameAggregate(frame_index=r[0], time_s=r[1], wall_time=r[2], faces=r[3],
                           counts=tuple(r[4:4 + n]),
                           mean_smoothed=tuple(0.0 if v is None else v for v in r[4 + n:]))
            for r in rows
        ]

    def info(self) -> SessionInfo:
        """This session as :func:`list_sessions` shows it."""
        return read_info(self._db(), self.path)


def recover(path: str | os.PathLike[str]) -> SessionInfo:
    """Mark an unfinished session finished, ending at its last saved frame's wall time."""
    with SessionStore.open(path) as store:
        if store.status == "recording":
            info = store.info()
            end = info.last_wall_time or store.started_at
            store._write(lambda db: db.execute(
                "UPDATE sessions SET status = 'finished', ended_at = ?, recovered = 1 "
                "WHERE key = ?", (end, store._key)))
        return store.info()
