"""Class-level aggregates per analysed frame (no per-student data) and their CSV (no Qt)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fer_desktop.labels import EMOTIONS
from fer_desktop.session.export import (
    PROB_DECIMALS,
    TIME_DECIMALS,
    Observation,
    _write_atomic,
    format_timestamp,
)

#: Grouping of the seven expressions for the class-mood line. Surprise counts as positive, as in
#: most classroom studies; it is a convention, and the per-expression counts are stored, so any
#: other grouping can be computed from a saved session.
VALENCE: dict[str, tuple[str, ...]] = {
    "positive": ("happy", "surprise"),
    "neutral": ("neutral",),
    "negative": ("angry", "disgust", "fear", "sad"),
}
#: The class indices (EMOTIONS order) of each valence group.
VALENCE_INDEX = {g: tuple(EMOTIONS.index(n) for n in names) for g, names in VALENCE.items()}


@dataclass(frozen=True, slots=True)
class FrameAggregate:
    """What one analysed frame shows about the whole class."""

    frame_index: int
    time_s: float  # seconds since the session's first frame
    wall_time: float  # POSIX seconds; 0 when unknown
    faces: int
    counts: tuple[int, ...]  # faces per smoothed expression, EMOTIONS order
    mean_smoothed: tuple[float, ...]  # mean smoothed probabilities; zeros when no face

    @property
    def shares(self) -> tuple[float, ...]:
        """Share of faces per smoothed expression (zeros when no face)."""
        return tuple(c / self.faces if self.faces else 0.0 for c in self.counts)

    def valence_share(self, group: str) -> float:
        """Share of faces whose expression is in ``VALENCE[group]`` (0 when no face)."""
        if not self.faces:
            return 0.0
        return sum(self.counts[i] for i in VALENCE_INDEX[group]) / self.faces


def aggregate_frame(
    frame_index: int, time_s: float, wall_time: float, observations: Sequence[Observation]
) -> FrameAggregate:
    """Count the faces of one frame per smoothed expression and average their probabilities.

    Camera-off rows (participants without a face) are not faces and are left out."""
    observations = [o for o in observations if o.camera_on]
    n = len(EMOTIONS)
    counts = [0] * n
    sums = [0.0] * n
    for obs in observations:
        counts[obs.expression_index] += 1
        for i, p in enumerate(obs.smoothed):
            sums[i] += p
    faces = len(observations)
    return FrameAggregate(
        frame_index=frame_index,
        time_s=time_s,
        wall_time=wall_time,
        faces=faces,
        counts=tuple(counts),
        mean_smoothed=tuple(s / faces if faces else 0.0 for s in sums),
    )


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


FrameGetter = Callable[[FrameAggregate], str]


def _count_getter(i: int) -> FrameGetter:
    return lambda a: str(a.counts[i])


def _mean_getter(i: int) -> FrameGetter:
    return lambda a: _fmt(a.mean_smoothed[i], PROB_DECIMALS) if a.faces else ""


def _valence_getter(group: str) -> FrameGetter:
    return lambda a: _fmt(a.valence_share(group), PROB_DECIMALS) if a.faces else ""


#: The per-frame class CSV (the only export of an aggregate-only session). ``n_*`` count faces per
#: smoothed expression, ``mean_*`` average the smoothed probabilities, ``share_*`` group them by
#: :data:`VALENCE`; mean and share cells are empty for a frame without faces.
FRAME_SCHEMA: list[tuple[str, FrameGetter]] = [
    ("frame_index", lambda a: str(a.frame_index)),
    ("time_s", lambda a: _fmt(a.time_s, TIME_DECIMALS)),
    ("timestamp", lambda a: format_timestamp(a.wall_time)),
    ("faces", lambda a: str(a.faces)),
    *[(f"n_{name}", _count_getter(i)) for i, name in enumerate(EMOTIONS)],
    *[(f"mean_{name}", _mean_getter(i)) for i, name in enumerate(EMOTIONS)],
    *[(f"share_{group}", _valence_getter(group)) for group in VALENCE],
]
FRAME_COLUMNS: tuple[str, ...] = tuple(name for name, _ in FRAME_SCHEMA)


def write_frames_csv(path: str | os.PathLike[str], frames: Iterable[FrameAggregate]) -> Path:
    """Write one row per analysed frame in :data:`FRAME_COLUMNS` order, atomically."""
    target = Path(path)
    rows = ([get(a) for _, get in FRAME_SCHEMA] for a in frames)
    _write_atomic(target, FRAME_COLUMNS, rows)
    return target
