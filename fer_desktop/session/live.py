"""The live session behind the window (no Qt): recorder, session file, names, merges,
snapshots, review and export in one object.

The window drives it from the GUI thread (``result_ready`` slot, menu actions) and shows what
it says; it holds no session state of its own. Errors come back as exceptions with a message
for the teacher (:class:`StoreError`, :class:`ExportError`) or, for saving while a class runs,
as the status of :meth:`LiveSession.flush`, so that a full disk never stops the analysis.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from fer_desktop.datatypes import FrameResult
from fer_desktop.session.db import SessionInfo
from fer_desktop.session.export import ExportError, summarize
from fer_desktop.session.files import Exported, export_session, summary_path
from fer_desktop.session.recorder import AttentionRules, SessionRecorder
from fer_desktop.session.store import SessionStore, StoreError, default_sessions_dir
from fer_desktop.settings import AppSettings

#: Seconds between two kept snapshots when the teacher turned snapshots on for a session.
SNAPSHOT_INTERVAL_S = 60.0

__all__ = ["SNAPSHOT_INTERVAL_S", "LiveSession", "Review", "apply_aliases"]


@dataclass(frozen=True)
class Review:
    """A saved session opened for review."""

    info: SessionInfo
    observations: int
    frames: tuple = ()  # FrameAggregate per analysed frame (the class mood)


def apply_aliases(result: FrameResult, aliases: dict[int, int]) -> FrameResult:
    """The result with merged students under the id they were merged into (and the name of
    that student: the merged one's name as read is dropped, so it cannot rename it)."""
    faces = tuple(replace(f, student_id=aliases[f.student_id], student_name="")
                  if f.student_id in aliases else f for f in result.faces)
    off = tuple(replace(c, student_id=aliases[c.student_id], student_name="")
                if c.student_id in aliases else c for c in result.camera_off)
    return replace(result, faces=faces, camera_off=off)


class LiveSession:
    """One class at a time: :meth:`begin`, :meth:`add` per result, :meth:`finish`.

    Args:
        settings: the app settings (thresholds, privacy mode, snapshots); read at each call.
        sessions_dir: where session files go (default :func:`default_sessions_dir`).
    """

    def __init__(self, settings: AppSettings, sessions_dir: Path | None = None) -> None:
        self.settings = settings
        self.sessions_dir = sessions_dir
        self.recorder = self._new_recorder()
        self.names: dict[int, str] = {}  # the teacher's renames
        self.aliases: dict[int, int] = {}  # merged student id -> the id it was merged into
        self.store: SessionStore | None = None  # the session being recorded
        self.last_session_path: Path | None = None  # the session last recorded or opened
        self.snapshot_dir: Path | None = None
        self.frames_added = 0
        self.snapshot_problem = ""  # why the last snapshot could not be kept ("" if it was)
        self._last_snapshot = -1e9

    # -- state ----------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        return Path(self.sessions_dir or default_sessions_dir())

    @property
    def recording(self) -> bool:
        return self.store is not None

    @property
    def path(self) -> Path | None:
        """The session file of the running session, else of the last one."""
        return self.store.path if self.store is not None else self.last_session_path

    def _new_recorder(self) -> SessionRecorder:
        return SessionRecorder(AttentionRules(self.settings.negative_s, self.settings.missing_s))

    def set_rules(self, settings: AppSettings) -> None:
        """New settings; the attention thresholds apply at once."""
        self.settings = settings
        self.recorder.rules = AttentionRules(settings.negative_s, settings.missing_s)

    def reset(self) -> None:
        """Forget the students and timelines shown (a new class or a review)."""
        self.recorder = self._new_recorder()
        self.names.clear()
        self.aliases.clear()
        self.frames_added = 0

    # -- life cycle -----------------------------------------------------------------------
    def begin(self, source: str) -> None:
        """Start recording a new session file for ``source`` (see factories.source_label).

        Raises:
            StoreError: the file cannot be made (nothing started, nothing lost) or the last
                session still has unsaved rows (free space or export it first).
        """
        if self.store is not None:
            problem = self.finish()
            if self.store is not None:
                raise StoreError(
                    f"{self.store.pending} rows of the last session could not be saved to "
                    f"{self.store.path} ({problem}). Free disk space or export the session "
                    "(File > Export CSV) before starting a new one.")
        self.reset()
        settings = asdict(self.settings)
        self.store = SessionStore.create(self.folder, source, settings,
                                         aggregate_only=self.settings.aggregate_only)
        self.snapshot_dir = None
        if self.settings.store_images:
            # for this session only: the next one keeps no pictures unless turned on again
            self.snapshot_dir = self.store.path.with_name(self.store.path.stem + "_snapshots")
            self._last_snapshot = -1e9
            self.settings.store_images = False

    def add(self, result: FrameResult) -> str | None:
        """One analysed frame: timelines, session file, snapshot. Returns :meth:`flush`'s
        status (None: nothing committed now; "": saved; else why saving fails)."""
        if self.aliases:
            result = apply_aliases(result, self.aliases)
        self.recorder.add(result)
        self.frames_added += 1
        status = None
        if self.store is not None:
            self.store.add_result(result)
            status = self.flush()
        if self.snapshot_dir is not None:
            try:
                self._maybe_snapshot(result)
            except StoreError as exc:
                self.snapshot_problem = str(exc)
        return status

    def flush(self, force: bool = False) -> str | None:
        """Commit buffered rows (at most once a second unless ``force``).

        Returns None when nothing was attempted, "" when saved, else the message of why saving
        fails (the rows stay in memory and are saved at the next attempt)."""
        if self.store is None:
            return None
        try:
            if force:
                self.store.flush()
            elif not self.store.maybe_flush():
                return None
        except StoreError as exc:
            return (f"{exc} — {self.store.pending} observations are kept in memory and saved "
                    "when possible; you can also export.")
        return ""

    def finish(self) -> str:
        """End the running session: saved and marked finished, or, if no frame was analysed
        (the source failed to start), removed, so no empty session is left behind.

        Returns "" when done, else why it could not be saved (the session stays open)."""
        store = self.store
        if store is None:
            return ""
        try:
            if self.frames_added == 0 and store.pending == 0:
                store.close()
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{store.path}{suffix}").unlink(missing_ok=True)
                self.store = None
                return ""
            store.finish()
            store.close()
        except StoreError as exc:
            return str(exc)
        self.last_session_path = store.path
        self.store = None
        return ""

    # -- the teacher's edits --------------------------------------------------------------
    def rename(self, student_id: int, name: str) -> None:
        """Rename a student everywhere (list, timelines, file). Raises StoreError."""
        self.names[student_id] = name
        self.recorder.rename(student_id, name)
        if self.store is not None:
            self.store.rename_student(student_id, name)

    def merge(self, keep: int, others: Sequence[int]) -> list[int]:
        """The students ``others`` are ``keep``: one row everywhere, exports included.

        Returns the ids merged. Raises StoreError or ValueError when the file cannot follow
        (the window's view is merged anyway)."""
        merged = [o for o in others if o != keep]
        for other in merged:
            self.aliases[other] = keep
            self.aliases.update({k: keep for k, v in self.aliases.items() if v == other})
            self.recorder.merge(keep, other)
            if other in self.names:
                self.names.setdefault(keep, self.names.pop(other))
        if self.store is not None:
            for other in merged:
                self.store.merge_students(keep, other)
        elif self.last_session_path is not None and not self.settings.aggregate_only:
            with SessionStore.open(self.last_session_path) as saved:
                for other in merged:
                    saved.merge_students(keep, other)
        return merged

    # -- review and export ----------------------------------------------------------------
    def review(self, path: str | os.PathLike[str]) -> Review:
        """Load a saved session into the recorder (timelines, list). Raises StoreError."""
        if self.store is not None:
            raise StoreError("Stop the running session first.")
        with SessionStore.open(path) as saved:
            obs = saved.observations()
            info = saved.info()
            frames = saved.frames()
        self.reset()
        self.recorder.add_observations(obs)
        if info.aggregate_only:  # the class mood only
            for agg in frames:
                self.recorder.add_aggregate(agg)
        self.last_session_path = Path(path)
        return Review(info, len(obs), tuple(frames))

    def summaries(self):
        """Per-student summary rows of the session last recorded or opened (summary CSV)."""
        if self.path is None:
            return []
        with SessionStore.open(self.path) as saved:
            return summarize(saved.observations())

    def export(self, path: str | os.PathLike[str], pseudonyms: bool = False) -> Exported:
        """The long CSV at ``path`` and the summary next to it (``<name>_summary.csv``); for an
        aggregate-only session the class per frame at ``path``. Raises ExportError/StoreError.
        """
        target = self.path
        if target is None:
            raise ExportError("There is no session to export yet: press Start first.")
        self.flush(force=True)
        pending = self.store is not None and self.store.pending > 0
        with SessionStore.open(target) as saved:
            if saved.aggregate_only:
                return export_session(saved, frames=path)
            store = self.store if pending else saved
            return export_session(store, csv=path, summary=summary_path(path),
                                  pseudonymize=pseudonyms, names=self.names,
                                  include_pending=pending)

    # -- snapshots ------------------------------------------------------------------------
    def _maybe_snapshot(self, result: FrameResult) -> None:
        """Once a minute, the annotated picture (only when the teacher turned it on)."""
        import cv2

        from fer_desktop.vision.overlay import draw_result

        t = result.frame.timestamp
        if t - self._last_snapshot < SNAPSHOT_INTERVAL_S:
            return
        self._last_snapshot = t
        folder = self.snapshot_dir
        assert folder is not None
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            ok, png = cv2.imencode(".png", draw_result(result.frame.image, result))
            name = folder / f"frame_{result.frame.index:07d}.png"
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(png.tobytes())
        except OSError as exc:
            raise StoreError(f"Cannot keep a snapshot in {folder} ({exc}).") from exc
