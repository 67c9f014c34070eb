"""A local camera through cv2.VideoCapture."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import cv2

from fer_desktop.capture.base import SourceBase, SourceError, SourceLostError
from fer_desktop.datatypes import Frame


class WebcamSource(SourceBase):
    """Frames from camera ``index``; a failed grab is a transient miss (``read()`` returns None).

    After ``max_failures`` failed grabs in a row ``read()`` raises :class:`SourceLostError`
    (the camera was unplugged or taken by another app); the source is ``reconnectable``, so the
    pipeline closes it and opens a new one until the camera is back.

    Args:
        index: OpenCV camera index (0 = the first camera).
        width: requested frame width in pixels; the camera may pick the nearest mode.
        height: requested frame height in pixels.
        max_failures: consecutive failed grabs after which the camera counts as lost.
        api_preference: OpenCV capture backend (``cv2.CAP_ANY`` lets OpenCV choose).
        capture_factory: makes the capture object from ``(index, api_preference)``; it needs
            ``isOpened()``, ``set()``, ``read()`` and ``release()``. ``None`` uses
            ``cv2.VideoCapture``.
    """

    reconnectable = True

    def __init__(
        self,
        index: int = 0,
        width: int | None = None,
        height: int | None = None,
        max_failures: int = 50,
        api_preference: int = cv2.CAP_ANY,
        capture_factory: Callable[[int, int], Any] | None = None,
    ) -> None:
        super().__init__()
        self.index = int(index)
        self.width = width
        self.height = height
        self.max_failures = max_failures
        self.api_preference = api_preference
        self._capture_factory = capture_factory or cv2.VideoCapture
        self.source_id = f"webcam:{self.index}"
        self._cap: Any = None  # a cv2.VideoCapture, or what capture_factory made
        self._frame_index = 0
        self._failures = 0

    def open(self) -> None:
        if self._is_open:
            return
        if self.index < 0:
            raise SourceError(
                f"Camera index {self.index} is invalid; choose a camera index of 0 or more."
            )
        cap = self._capture_factory(self.index, self.api_preference)
        if not cap.isOpened():
            cap.release()
            raise SourceError(
                f"No camera at index {self.index} could be opened. Check that it is plugged in, "
                "that no other app (Zoom, Teams, the browser) is using it, and that this app may "
                "use the camera; or choose another camera index."
            )
        if self.width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, float(self.width))
        if self.height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, float(self.height))
        self._cap = cap
        self._frame_index = 0
        self._failures = 0
        self._is_open = True

    def read(self) -> Frame | None:
        self._require_open()
        assert self._cap is not None
        try:
            ok, image = self._cap.read()
        except cv2.error:  # some backends raise instead of returning False once unplugged
            ok, image = False, None
        if not ok or image is None or image.size == 0:
            self._failures += 1
            if self._failures >= self.max_failures:
                raise SourceLostError(
                    f"Camera {self.index} was disconnected. Waiting for it to come back… "
                    "Check the cable and that no other app (Zoom, Teams) took the camera. "
                    "The session keeps its data."
                )
            return None
        self._failures = 0
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        frame = Frame(image=image, timestamp=time.monotonic(), index=self._frame_index,
                      source_id=self.source_id, wall_time=time.time())
        self._frame_index += 1
        return frame

    def close(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()
        super().close()
