"""A local camera through cv2.VideoCapture."""

from __future__ import annotations

import time

import cv2

from fer_desktop.capture.base import SourceBase, SourceError
from fer_desktop.datatypes import Frame


class WebcamSource(SourceBase):
    """Frames from camera ``index``; a failed grab is a transient miss (``read()`` returns None).

    Args:
        index: OpenCV camera index (0 = the first camera).
        width: requested frame width in pixels; the camera may pick the nearest mode.
        height: requested frame height in pixels.
        max_failures: consecutive failed grabs after which the camera counts as lost.
        api_preference: OpenCV capture backend (``cv2.CAP_ANY`` lets OpenCV choose).
    """

    def __init__(
        self,
        index: int = 0,
        width: int | None = None,
        height: int | None = None,
        max_failures: int = 50,
        api_preference: int = cv2.CAP_ANY,
    ) -> None:
        super().__init__()
        self.index = int(index)
        self.width = width
        self.height = height
        self.max_failures = max_failures
        self.api_preference = api_preference
        self.source_id = f"webcam:{self.index}"
        self._cap: cv2.VideoCapture | None = None
        self._frame_index = 0
        self._failures = 0

    def open(self) -> None:
        if self._is_open:
            return
        if self.index < 0:
            raise SourceError(
                f"Camera index {self.index} is invalid; choose a camera index of 0 or more."
            )
        cap = cv2.VideoCapture(self.index, self.api_preference)
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
        ok, image = self._cap.read()
        if not ok or image is None or image.size == 0:
            self._failures += 1
            if self._failures >= self.max_failures:
                raise SourceError(
                    f"Camera {self.index} stopped delivering frames ({self._failures} failed "
                    "grabs in a row). Check the cable and that no other app took the camera, "
                    "then start again."
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
