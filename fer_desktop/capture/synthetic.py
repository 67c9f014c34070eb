"""Frames from memory: a list of arrays or a function of the frame index (tests, benchmarks)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from fer_desktop.capture.base import SourceBase, SourceError
from fer_desktop.datatypes import Frame

FrameFactory = Callable[[int], np.ndarray | None]


def _as_bgr(image: np.ndarray, index: int) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3 or array.size == 0:
        raise SourceError(
            f"Synthetic frame {index} must be an HxWx3 uint8 BGR array, got shape "
            f"{array.shape} dtype {array.dtype}; fix the frames given to SyntheticSource."
        )
    return np.ascontiguousarray(array)


class SyntheticSource(SourceBase):
    """Serves given frames with media-time stamps ``index / fps``.

    ``frames`` is a list of HxWx3 uint8 BGR arrays (gray 2-D arrays are expanded), or a function
    ``index -> array`` that returns None to end; with a function, ``count`` also bounds the length
    (None = endless). ``wall_time`` is the POSIX time of ``open()`` plus the media time.

    Args:
        frames: the frames, or a function producing frame ``index``.
        fps: frame rate that defines the timestamps (and the pace with ``realtime``).
        count: maximum number of frames from a function; ignored for a list.
        realtime: sleep so frames come at ``fps`` like a live source.
        source_id: the id written into each Frame.
    """

    def __init__(
        self,
        frames: Sequence[np.ndarray] | FrameFactory,
        fps: float = 30.0,
        count: int | None = None,
        realtime: bool = False,
        source_id: str = "synthetic",
    ) -> None:
        super().__init__()
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        if callable(frames):
            self._factory: FrameFactory | None = frames
            self._frames: list[np.ndarray] = []
            self.count = count
        else:
            self._factory = None
            self._frames = [_as_bgr(f, i) for i, f in enumerate(frames)]
            self.count = len(self._frames)
        self.fps = float(fps)
        self.realtime = realtime
        self.source_id = source_id
        self._index = 0
        self._wall0 = 0.0
        self._start = 0.0

    def open(self) -> None:
        if self._is_open:
            return
        self._index = 0
        self._finished = False
        self._wall0 = time.time()
        self._start = time.monotonic()
        self._is_open = True

    def read(self) -> Frame | None:
        self._require_open()
        if self._finished:
            return None
        index = self._index
        image: np.ndarray | None = None
        if self.count is None or index < self.count:
            image = self._frames[index] if self._factory is None else self._factory(index)
        if image is None:
            self._finished = True
            return None
        image = _as_bgr(image, index)
        stamp = index / self.fps
        if self.realtime:
            delay = self._start + stamp - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        self._index += 1
        return Frame(image=image, timestamp=stamp, index=index, source_id=self.source_id,
                     wall_time=self._wall0 + stamp)
