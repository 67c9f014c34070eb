"""The contract every frame source follows: FrameSource protocol, SourceBase helper, errors."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from fer_desktop.datatypes import Frame


class SourceError(Exception):
    """A fatal source problem; the message says what went wrong and what the user can do."""


class SourceLostError(SourceError):
    """A live source stopped delivering mid-session (camera unplugged, screen locked).

    It may come back: the pipeline keeps the session and retries a ``reconnectable`` source.
    """


class RegionLostError(SourceLostError):
    """The captured screen region no longer lies on the monitors (unplugged, resolution changed)."""


@runtime_checkable
class FrameSource(Protocol):
    """What the pipeline needs from a source of frames.

    ``open()`` acquires the device or file and raises :class:`SourceError` when it cannot.
    ``read()`` returns the next :class:`Frame`, or ``None`` for a transient miss (a dropped camera
    frame) or when a finite source is exhausted; ``finished`` tells the two apart. ``close()``
    releases everything and may be called any number of times. Sources are context managers.
    """

    source_id: str
    warnings: list[str]
    #: True for live devices worth reopening after :class:`SourceLostError` (webcam, screen).
    reconnectable: bool

    @property
    def finished(self) -> bool: ...

    def open(self) -> None: ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class SourceBase:
    """Shared plumbing: open state, ``finished``, ``warnings`` and the context-manager methods."""

    source_id: str = ""
    reconnectable: bool = False  # files, images and synthetic frames do not come back

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self._is_open = False
        self._finished = False

    @property
    def finished(self) -> bool:
        """True once a finite source (file, folder, list) has delivered its last frame."""
        return self._finished

    @property
    def is_open(self) -> bool:
        """True between a successful ``open()`` and ``close()``."""
        return self._is_open

    def open(self) -> None:
        raise NotImplementedError

    def read(self) -> Frame | None:
        raise NotImplementedError

    def close(self) -> None:
        self._is_open = False

    def _require_open(self) -> None:
        if not self._is_open:
            raise SourceError(
                f"Source {self.source_id!r} is not open: call open() (or use it in a with block) "
                "before read()."
            )

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._is_open else "closed"
        return f"<{type(self).__name__} {self.source_id!r} {state}>"
