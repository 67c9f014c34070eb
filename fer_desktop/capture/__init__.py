"""Frame sources behind one protocol, listed in an explicit registry (numpy/cv2/mss; no Qt)."""

from __future__ import annotations

from fer_desktop.capture.base import (
    FrameSource,
    RegionLostError,
    SourceBase,
    SourceError,
    SourceLostError,
)
from fer_desktop.capture.synthetic import SyntheticSource

#: Source kinds the app offers, by name. Imported statically (no discovery) so PyInstaller sees
#: every module; a backend whose optional dependency is missing is left out.
SOURCES: dict[str, type[FrameSource]] = {}

try:
    from fer_desktop.capture.screen import ScreenRegionSource
except ImportError:  # mss (or cv2) missing
    pass
else:
    SOURCES["screen"] = ScreenRegionSource

try:
    from fer_desktop.capture.webcam import WebcamSource
except ImportError:  # cv2 missing
    pass
else:
    SOURCES["webcam"] = WebcamSource

try:
    from fer_desktop.capture.video_file import VideoFileSource
except ImportError:
    pass
else:
    SOURCES["video"] = VideoFileSource

try:
    from fer_desktop.capture.image import ImageSource
except ImportError:
    pass
else:
    SOURCES["image"] = ImageSource

SOURCES["synthetic"] = SyntheticSource

__all__ = [
    "SOURCES",
    "FrameSource",
    "ImageSource",
    "RegionLostError",
    "ScreenRegionSource",
    "SourceBase",
    "SourceError",
    "SourceLostError",
    "SyntheticSource",
    "VideoFileSource",
    "WebcamSource",
]
