"""Frozen value types shared by the whole pipeline (NumPy only, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured picture.

    Attributes:
        image: HxWx3 uint8 BGR.
        timestamp: seconds; ``time.monotonic()`` for live sources, media time for video files.
        index: 0-based frame number within the source.
        source_id: ``screen``, ``webcam:N``, or the file name of a video or image.
        wall_time: POSIX time when the frame was taken (video files: start time + media time).
    """

    image: np.ndarray
    timestamp: float
    index: int
    source_id: str
    wall_time: float = 0.0


@dataclass(frozen=True, slots=True)
class BBox:
    """A face box in pixels of the source frame."""

    x: int
    y: int
    w: int
    h: int
    score: float = 1.0

    @property
    def area(self) -> int:
        return max(0, self.w) * max(0, self.h)

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)

    def iou(self, other: BBox) -> float:
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1 = min(self.x + self.w, other.x + other.w)
        y1 = min(self.y + self.h, other.y + other.h)
        inter = max(0, x1 - x0) * max(0, y1 - y0)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0


@dataclass(frozen=True, slots=True)
class FaceResult:
    """One face of one frame: where, who, and the raw and smoothed expression probabilities."""

    box: BBox
    student_id: int
    probs: np.ndarray  # (7,) raw probabilities of this frame, in EMOTIONS order
    smoothed: np.ndarray  # (7,) after temporal smoothing per student
    student_name: str = ""

    @property
    def expression_index(self) -> int:
        return int(np.argmax(self.smoothed))


@dataclass(frozen=True, slots=True)
class CameraOff:
    """A gallery tile with no face: a participant who is present with the camera off."""

    student_id: int
    student_name: str
    box: BBox  # the tile


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """Counters of the analysis loop."""

    frames: int = 0
    dropped: int = 0
    fps: float = 0.0
    detect_ms: float = 0.0
    classify_ms: float = 0.0
    total_ms: float = 0.0
    ocr_ms: float = 0.0  # tiles and name labels, on the frames that read them


@dataclass(frozen=True, slots=True)
class FrameResult:
    """Everything the pipeline found in one frame."""

    frame: Frame
    faces: tuple[FaceResult, ...] = ()
    stats: PipelineStats = field(default_factory=PipelineStats)
    camera_off: tuple[CameraOff, ...] = ()
    #: faces found whose student is not known yet (a gallery tile being identified after the
    #: gallery changed): shown, but their frames belong to no student
    waiting: tuple[BBox, ...] = ()
