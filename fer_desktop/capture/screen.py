"""Capture a rectangle of the desktop (e.g. the Zoom gallery) with mss, off the GUI thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import cv2
import mss
import numpy as np

from fer_desktop.capture.base import RegionLostError, SourceBase, SourceError, SourceLostError
from fer_desktop.datatypes import Frame

Region = tuple[int, int, int, int]


def _covered_area(region: Region, monitors: Sequence[Region]) -> int:
    """Area of ``region`` (left, top, width, height) covered by the union of ``monitors``."""
    left, top, width, height = region
    right, bottom = left + width, top + height
    clipped = []
    for m_left, m_top, m_width, m_height in monitors:
        x0, y0 = max(left, m_left), max(top, m_top)
        x1, y1 = min(right, m_left + m_width), min(bottom, m_top + m_height)
        if x1 > x0 and y1 > y0:
            clipped.append((x0, y0, x1, y1))
    xs = sorted({v for c in clipped for v in (c[0], c[2])})
    ys = sorted({v for c in clipped for v in (c[1], c[3])})
    area = 0
    for xa, xb in zip(xs, xs[1:], strict=False):
        for ya, yb in zip(ys, ys[1:], strict=False):
            if any(c[0] <= xa and xb <= c[2] and c[1] <= ya and yb <= c[3] for c in clipped):
                area += (xb - xa) * (yb - ya)
    return area


def region_lost_message(region: Region) -> str:
    """What to tell the user when ``region`` fell off the screens mid-session."""
    left, top, width, height = region
    return (
        f"The captured region ({left}, {top}, {width}×{height}) is no longer on any screen "
        "(a monitor was unplugged or the resolution changed). Choose the region again "
        "(Session ▸ Select region…); the session keeps its data."
    )


def _monitor_list(sct: mss.MSS) -> list[Region]:
    """The individual monitors of ``sct`` as (left, top, width, height)."""
    return [(m["left"], m["top"], m["width"], m["height"]) for m in sct.monitors[1:]]


def validate_region(region: Region, monitors: Sequence[Region]) -> None:
    """Raise SourceError unless ``region`` has a positive size and lies fully on the monitors."""
    left, top, width, height = region
    if width <= 0 or height <= 0:
        raise SourceError(
            f"The screen region {region} has zero size (width {width}, height {height}). "
            "Select the region again by dragging a rectangle over the video gallery."
        )
    covered = _covered_area(region, monitors)
    if covered < width * height:
        where = "outside the screen" if covered == 0 else "partly outside the screen"
        screens = ", ".join(f"{w}x{h} at ({x}, {y})" for x, y, w, h in monitors) or "none"
        raise SourceError(
            f"The screen region {region} (left, top, width, height) is {where} "
            f"(monitors: {screens}). The screen layout or resolution may have changed; "
            "select the region again."
        )


class ScreenRegionSource(SourceBase):
    """Grabs ``region`` = (left, top, width, height) in virtual-desktop pixels as BGR frames.

    The mss instance is created in ``open()`` and must be used only by the thread that called
    ``open()`` (mss keeps per-thread X11/GDI handles): open, read and close the source inside the
    capture worker thread. ``read()`` checks this and raises :class:`SourceError` otherwise.
    On HiDPI (macOS Retina) screens the image can be larger than ``region``.

    While open, ``read()`` re-checks the monitor layout every ``layout_check_s`` seconds and
    whenever mss fails, and raises :class:`RegionLostError` once ``region`` is no longer fully
    on the monitors (a monitor was unplugged, the resolution changed): a grab alone would not
    notice a region that fell into a gap between monitors. Another capture failure with the
    region still on screen (e.g. a locked Windows desktop) raises :class:`SourceLostError`.
    Both are worth retrying, so the source is ``reconnectable``.

    Args:
        region: (left, top, width, height) of the rectangle to capture.
        display: X11 display name such as ``":1"`` (Linux only); ``None`` uses ``$DISPLAY``.
        layout_check_s: seconds between monitor-layout checks while reading (each check
            opens a fresh mss connection, as an open one caches its monitor list).
    """

    reconnectable = True

    def __init__(self, region: Sequence[int], display: str | None = None,
                 layout_check_s: float = 2.0) -> None:
        super().__init__()
        if len(region) != 4:
            raise SourceError(
                f"A screen region needs 4 numbers (left, top, width, height), got {region!r}. "
                "Select the region again."
            )
        self.region: Region = (int(region[0]), int(region[1]), int(region[2]), int(region[3]))
        self.display = display
        self.layout_check_s = layout_check_s
        self.source_id = "screen"
        self._sct: mss.MSS | None = None
        self._monitor: dict[str, int] = {}
        self._thread_id: int | None = None
        self._index = 0
        self._next_check = 0.0

    @property
    def monitors(self) -> list[Region]:
        """The individual monitors as (left, top, width, height), as seen by ``open()``."""
        if self._sct is None:
            return []
        return _monitor_list(self._sct)

    def _mss(self) -> mss.MSS:
        return mss.MSS() if self.display is None else mss.MSS(display=self.display)

    def open(self) -> None:
        if self._is_open:
            return
        try:
            sct = self._mss()
            monitors = _monitor_list(sct)
        except Exception as exc:  # mss raises ScreenShotError, ctypes errors, OSError
            where = self.display or "the default display"
            raise SourceError(
                f"Cannot access {where} for screen capture ({exc}). Make sure a desktop session "
                "is running and screen recording is allowed for this app."
            ) from exc
        try:
            validate_region(self.region, monitors)
        except SourceError:
            sct.close()
            raise
        left, top, width, height = self.region
        self._monitor = {"left": left, "top": top, "width": width, "height": height}
        self._sct = sct
        self._thread_id = threading.get_ident()
        self._index = 0
        self._next_check = time.monotonic() + self.layout_check_s
        self._is_open = True

    def check_layout(self) -> None:
        """Raise :class:`RegionLostError` unless ``region`` lies fully on today's monitors.

        Raises :class:`SourceLostError` when the display cannot be reached at all.
        """
        self._next_check = time.monotonic() + self.layout_check_s
        try:
            with self._mss() as sct:
                monitors = _monitor_list(sct)
        except Exception as exc:  # mss raises ScreenShotError, ctypes errors, OSError
            where = self.display or "the screen"
            raise SourceLostError(
                f"Cannot reach {where} for screen capture any more ({exc}). Waiting for it to "
                "come back… The session keeps its data."
            ) from exc
        _, _, width, height = self.region
        if _covered_area(self.region, monitors) < width * height:
            raise RegionLostError(region_lost_message(self.region))

    def read(self) -> Frame | None:
        self._require_open()
        assert self._sct is not None
        if threading.get_ident() != self._thread_id:
            raise SourceError(
                "ScreenRegionSource.read() ran in a different thread than open(); open, read and "
                "close a screen source in the same capture thread."
            )
        if time.monotonic() >= self._next_check:
            self.check_layout()
        try:
            shot = self._sct.grab(self._monitor)
        except Exception as exc:  # mss raises ScreenShotError, X protocol errors, OSError
            self.check_layout()  # RegionLostError when the layout is why
            raise SourceLostError(
                f"Screen capture of region {self.region} failed ({exc}); retrying… The "
                "session keeps its data. If this goes on, choose the region again "
                "(Session ▸ Select region…)."
            ) from exc
        wall = time.time()
        stamp = time.monotonic()
        # cvtColor on the whole BGRA buffer gives a new contiguous BGR array in one pass.
        image = cv2.cvtColor(np.asarray(shot), cv2.COLOR_BGRA2BGR)
        frame = Frame(image=image, timestamp=stamp, index=self._index, source_id=self.source_id,
                      wall_time=wall)
        self._index += 1
        return frame

    def close(self) -> None:
        sct, self._sct = self._sct, None
        if sct is not None:
            sct.close()
        super().close()
