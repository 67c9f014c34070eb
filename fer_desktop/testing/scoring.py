"""Scoring what the vision code finds on a generated gallery against its ground truth
(shared by the tests and ``bench/gallery.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fer_desktop.datatypes import BBox
from fer_desktop.testing.zoom import GalleryTruth, TileTruth
from fer_desktop.vision.tiles import Tile

__all__ = ["FaceScore", "face_score", "match_tiles", "names_exact"]


@dataclass(frozen=True, slots=True)
class FaceScore:
    found: int  # true faces matched by a detection
    truth: int  # true faces
    detections: int

    @property
    def recall(self) -> float:
        return self.found / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.detections if self.detections else 1.0


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ox = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    oy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if ox <= 0 or oy <= 0:
        return 0.0
    inter = ox * oy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def face_score(boxes: Sequence[BBox], truth: GalleryTruth, min_iou: float = 0.3) -> FaceScore:
    """Detections matched one-to-one to the true faces (IoU >= ``min_iou``, best first)."""
    faces = [t.face for t in truth.tiles if t.face is not None]
    pairs = sorted(((-_iou(b.as_tuple(), f), i, j) for i, b in enumerate(boxes)
                    for j, f in enumerate(faces)), key=lambda p: p[0])
    used_b: set[int] = set()
    used_f: set[int] = set()
    for neg, i, j in pairs:
        if -neg < min_iou:
            break
        if i in used_b or j in used_f:
            continue
        used_b.add(i)
        used_f.add(j)
    return FaceScore(len(used_f), len(faces), len(boxes))


def match_tiles(found: Sequence[Tile], truth: GalleryTruth,
                tol: float = 0.02) -> list[tuple[TileTruth, Tile | None]]:
    """Each true tile with the found tile that is it (every side within ``tol`` of the frame
    width, at least 3 px), or None."""
    px = max(3.0, tol * truth.width)
    out = []
    for t in truth.tiles:
        hit = next((f for f in found if max(abs(f.x - t.x), abs(f.y - t.y), abs(f.w - t.w),
                                            abs(f.h - t.h)) <= px), None)
        out.append((t, hit))
    return out


def names_exact(read: Sequence[str], tiles: Sequence[TileTruth]) -> int:
    """How many names were read exactly as shown (case, accents and punctuation included)."""
    return sum(r == t.shown for r, t in zip(read, tiles, strict=True))
