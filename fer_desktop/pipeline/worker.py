"""PipelineWorker: read -> detect -> classify -> track -> emit, on its own QThread.

Reading is blocking, so capture can never outrun the loop: the newest frame wins and no
stale frames queue up. A live source (screen, webcam) that delivers faster than we analyse
simply gets read less often; the frames it produced meanwhile are counted as dropped
(estimated from the source's nominal rate). Signals carry immutable values only.

A ``reconnectable`` live source (webcam, screen) that is lost mid-session (``SourceLostError``:
camera unplugged, region off the screens) does not end the run: the worker says so through
``source_status``, opens a new source from the factory every ``retry_s`` until one opens, and
goes on with the same engine, so the session keeps its students and data.
"""

from __future__ import annotations

import dataclasses
import enum
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from fer_desktop.datatypes import PipelineStats


class PipelineState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    FAULTED = "faulted"


class PipelineWorker(QObject):
    """Runs the loop in ``run()`` until ``stop()``; lives on a QThread (see controller)."""

    result_ready = Signal(object)  # FrameResult
    state_changed = Signal(object)  # PipelineState
    error_occurred = Signal(str)  # a message for the user: what went wrong, what to do
    # A live source was lost and is being retried: the message says what happened and what to
    # do; "" once frames flow again. Emitted only when the status changes.
    source_status = Signal(str)
    finished = Signal()

    def __init__(self, source_factory: Callable[[], object],
                 engine_factory: Callable[[], object], max_fps: float = 15.0,
                 retry_s: float = 1.5) -> None:
        super().__init__()
        self._source_factory = source_factory
        self._engine_factory = engine_factory
        self._stop = threading.Event()
        self._pause = threading.Event()
        self.max_fps = max_fps
        self.retry_s = retry_s
        self._status = ""  # the last source_status sent
        self.stats = PipelineStats()
        self.engine = None  # set once made, so a restart with another source can reuse it

    def stop(self) -> None:
        """Thread-safe: ask the loop to end after the current frame."""
        self._stop.set()
        self._pause.clear()

    def release(self) -> None:
        """Drop the engine and the factories (after the run; the controller calls it)."""
        self.engine = None
        self._source_factory = self._engine_factory = None

    def set_paused(self, paused: bool) -> None:
        """Thread-safe: pause or resume (the source stays open).

        The loop itself reports PAUSED once the frame in progress is out, so no result
        arrives after the PAUSED state; RUNNING is reported when it reads again.
        """
        if paused:
            self._pause.set()
        else:
            self._pause.clear()

    def _set_status(self, message: str) -> None:
        if message != self._status:
            self._status = message
            self.source_status.emit(message)

    def _reconnect(self, lost: object, message: str) -> object | None:
        """Close the ``lost`` source and open a new one from the factory every ``retry_s``.

        Returns the open source, or None when ``stop()`` was called while waiting. A factory or
        ``open()`` that raises ``SourceError`` (camera still unplugged) is tried again later;
        any other exception propagates.
        """
        from fer_desktop.capture import SourceError

        lost.close()
        self._set_status(message)
        while not self._stop.wait(self.retry_s):
            source = None
            try:
                source = self._source_factory()
                source.open()
            except SourceError:
                if source is not None:
                    source.close()
                continue
            return source
        return None

    @Slot()
    def run(self) -> None:
        from fer_desktop.capture import SourceError, SourceLostError

        self.state_changed.emit(PipelineState.STARTING)
        source = None
        try:
            engine = self.engine = self._engine_factory()
            source = self._source_factory()
            source.open()
        except Exception as exc:  # noqa: BLE001 - every start failure becomes a message
            self.error_occurred.emit(str(exc))
            self.state_changed.emit(PipelineState.FAULTED)
            if source is not None:
                source.close()
            self.finished.emit()
            return
        for warning in getattr(engine, "warnings", ()):
            self.error_occurred.emit(warning)  # shown, but the analysis runs on
        self.state_changed.emit(PipelineState.RUNNING)
        frames = dropped = 0
        fps = mean_dt = 0.0
        last_t = None
        min_dt = 1.0 / self.max_fps if self.max_fps > 0 else 0.0
        faulted = False
        try:
            paused = False
            while not self._stop.is_set():
                if self._pause.is_set():
                    if not paused:
                        paused = True
                        self.state_changed.emit(PipelineState.PAUSED)
                    time.sleep(0.05)
                    last_t = None
                    continue
                if paused:
                    paused = False
                    self.state_changed.emit(PipelineState.RUNNING)
                t_start = time.monotonic()
                try:
                    frame = source.read()
                except SourceLostError as exc:
                    if not getattr(source, "reconnectable", False):
                        raise
                    new_source = self._reconnect(source, str(exc))
                    if new_source is None:  # stopped while waiting
                        break
                    source, last_t = new_source, None  # the gap is no dropped frames
                    continue
                if frame is None:
                    if getattr(source, "finished", False):
                        break
                    time.sleep(0.02)
                    continue
                self._set_status("")
                result = engine.process(frame)
                now = time.monotonic()
                if last_t is not None:
                    dt = now - last_t
                    # the mean interval, then its inverse: a mean of 1/dt would overstate
                    # the rate when a slow frame (detection, names) is followed by a fast one
                    mean_dt = dt if mean_dt == 0 else 0.9 * mean_dt + 0.1 * dt
                    fps = 1.0 / max(mean_dt, 1e-6)
                    nominal = getattr(source, "nominal_fps", 0.0)
                    if nominal:
                        dropped += max(0, round(dt * nominal) - 1)
                last_t = now
                frames += 1
                s = result.stats
                self.stats = PipelineStats(frames=frames, dropped=dropped, fps=fps,
                                           detect_ms=s.detect_ms, classify_ms=s.classify_ms,
                                           total_ms=s.total_ms, ocr_ms=s.ocr_ms)
                self.result_ready.emit(dataclasses.replace(result, stats=self.stats))
                spare = min_dt - (time.monotonic() - t_start)
                if spare > 0:
                    self._stop.wait(spare)
        except SourceError as exc:
            self.error_occurred.emit(str(exc))
            faulted = True
        except Exception as exc:  # noqa: BLE001 - never let the thread die silently
            self.error_occurred.emit(f"Analysis stopped: {type(exc).__name__}: {exc}")
            faulted = True
        finally:
            source.close()
            for warning in getattr(source, "warnings", ()):  # e.g. a video truncated halfway
                self.error_occurred.emit(warning)
        self.state_changed.emit(PipelineState.FAULTED if faulted else PipelineState.STOPPED)
        self.finished.emit()
