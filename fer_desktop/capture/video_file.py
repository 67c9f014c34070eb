"""A recorded video file (e.g. a saved Zoom class) through cv2.VideoCapture."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import cv2
import numpy as np

from fer_desktop.capture.base import SourceBase, SourceError
from fer_desktop.datatypes import Frame


class VideoFileSource(SourceBase):
    """Frames of a video file, stamped with media time.

    ``Frame.timestamp`` is the media time in seconds (``CAP_PROP_POS_MSEC``, or index / fps when
    the container gives no usable position), so a recorded class gets its real time axis.
    ``Frame.wall_time`` is ``start_wall_time + timestamp``; by default ``start_wall_time`` is the
    file's modification time minus its duration, which is when the recording started for a file
    written by Zoom/OBS and not copied since. Pass ``start_wall_time`` to override it.

    ``read()`` returns None once the file ends and sets ``finished``. When the file ends before
    the frame count its header announces (a truncated or damaged file), the frames up to the damage
    are returned, then ``truncated`` is True and ``warnings`` says so.

    Args:
        path: the video file.
        realtime: pace ``read()`` to the media time (sleep) to play the file as if live.
        drop_late: with ``realtime``, skip frames the consumer is too slow for, as a live
            source would, instead of playing in slow motion.
        start_wall_time: POSIX time of the first frame; default: mtime minus duration.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        realtime: bool = False,
        drop_late: bool = True,
        start_wall_time: float | None = None,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.realtime = realtime
        self.drop_late = drop_late
        self.start_wall_time = start_wall_time
        self.source_id = self.path.name
        self.skipped = 0
        self._cap: cv2.VideoCapture | None = None
        self._fps = 0.0
        self._frame_count = 0
        self._wall0 = 0.0
        self._pending: tuple[np.ndarray, float] | None = None
        self._next_index = 0
        self._last_ts = -math.inf
        self._play_start: float | None = None
        self._truncated = False

    @property
    def fps(self) -> float:
        """Frames per second from the container header, 0.0 when unknown (valid once open)."""
        return self._fps

    @property
    def frame_count(self) -> int:
        """Number of frames the header announces, 0 when unknown (valid once open)."""
        return self._frame_count

    @property
    def duration(self) -> float:
        """Length in seconds from frame_count / fps, 0.0 when unknown."""
        return self._frame_count / self._fps if self._fps > 0 and self._frame_count > 0 else 0.0

    @property
    def truncated(self) -> bool:
        """True when the file ended before the announced frame count."""
        return self._truncated

    def open(self) -> None:
        if self._is_open:
            return
        self._check_file()
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise SourceError(
                f"Cannot read the video {self.path}: it is damaged, incomplete (a recording that "
                "was interrupted before it was saved) or in an unsupported format. Try playing "
                "it in a media player, or convert it to MP4 (H.264)."
            )
        fps = cap.get(cv2.CAP_PROP_FPS)
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self._fps = float(fps) if math.isfinite(fps) and 0 < fps < 1000 else 0.0
        self._frame_count = int(count) if math.isfinite(count) and 0 < count < 2**31 else 0
        self._cap = cap
        self._next_index = 0
        self._last_ts = -math.inf
        self._play_start = None
        self._finished = False
        self._truncated = False
        self.skipped = 0
        self.warnings.clear()
        ok, image = cap.read()
        if not ok or image is None:
            self.close()
            raise SourceError(
                f"The video {self.path} contains no readable frame: it is damaged or in an "
                "unsupported format. Try playing it in a media player, or convert it to MP4."
            )
        self._pending = (image, self._media_time(0))
        if self.start_wall_time is not None:
            self._wall0 = float(self.start_wall_time)
        else:
            self._wall0 = self.path.stat().st_mtime - self.duration
        self._is_open = True

    def _check_file(self) -> None:
        if not self.path.exists():
            raise SourceError(
                f"The video file {self.path} does not exist. Check the path or choose the file "
                "again."
            )
        if not self.path.is_file():
            raise SourceError(f"{self.path} is not a file; choose a video file.")
        if not os.access(self.path, os.R_OK):
            raise SourceError(
                f"No permission to read the video {self.path}; copy it to a folder you own."
            )
        if self.path.stat().st_size == 0:
            raise SourceError(f"The video file {self.path} is empty (0 bytes); choose another.")

    def _media_time(self, index: int) -> float:
        """Media seconds of the frame just decoded, strictly increasing."""
        assert self._cap is not None
        pos = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        if math.isfinite(pos) and pos >= 0 and pos > self._last_ts and (pos > 0 or index == 0):
            stamp = pos
        elif self._fps > 0:
            stamp = index / self._fps
        else:
            stamp = index / 30.0
        if stamp <= self._last_ts:
            stamp = self._last_ts + 1e-3
        self._last_ts = stamp
        return stamp

    def read(self) -> Frame | None:
        self._require_open()
        assert self._cap is not None
        if self._finished:
            return None
        if self._pending is not None:
            image, stamp = self._pending
            self._pending = None
        else:
            if self.realtime and self.drop_late:
                self._skip_late_frames()
            ok, image = self._cap.read()
            if not ok or image is None:
                self._finish()
                return None
            stamp = self._media_time(self._next_index)
        index = self._next_index
        self._next_index += 1
        if self.realtime:
            self._pace(stamp)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        return Frame(image=image, timestamp=stamp, index=index, source_id=self.source_id,
                     wall_time=self._wall0 + stamp)

    def _pace(self, stamp: float) -> None:
        now = time.monotonic()
        if self._play_start is None:
            self._play_start = now - stamp
        delay = self._play_start + stamp - now
        if delay > 0:
            time.sleep(delay)

    def _skip_late_frames(self) -> None:
        """Grab (without returning) frames whose media time has already passed."""
        assert self._cap is not None
        if self._play_start is None or self._fps <= 0:
            return
        interval = 1.0 / self._fps
        due = time.monotonic() - self._play_start
        while self._last_ts + 2 * interval < due:
            if not self._cap.grab():
                return
            self._media_time(self._next_index)
            self._next_index += 1
            self.skipped += 1

    def _finish(self) -> None:
        self._finished = True
        decoded = self._next_index
        expected = self._frame_count
        if expected > 0 and decoded < expected - max(2, expected // 100):
            self._truncated = True
            seconds = max(self._last_ts, 0.0)
            self.warnings.append(
                f"{self.path.name}: the video ended after {decoded} of {expected} frames "
                f"({seconds:.1f} s); the file is probably truncated or damaged, so results cover "
                "only that part."
            )

    def close(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()
        self._pending = None
        super().close()
