"""Scoring what the vision code finds on a generated gallery against its ground truth
(shared by the tests and ``bench/gallery.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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


def _fit(b: tuple[float, float, float, float], f: tuple[float, float, float, float]) -> float:
    """IoU, or for a box inside the true square (a FER-2013 picture whose face is smaller
    than the picture: the detector finds the face itself) 0.3 when it covers >= 15% of it."""
    iou = _iou(b, f)
    cx, cy = b[0] + b[2] / 2, b[1] + b[3] / 2
    inside = f[0] <= cx <= f[0] + f[2] and f[1] <= cy <= f[1] + f[3]
    if inside and b[2] * b[3] >= 0.15 * f[2] * f[3]:
        return max(iou, 0.3)
    return iou


def face_score(boxes: Sequence[BBox], truth: GalleryTruth, min_iou: float = 0.3) -> FaceScore:
    """Detections matched one-to-one to the true faces (IoU >= ``min_iou``, or the face found
    inside a true square that is larger than it; best first)."""
    faces = [t.face for t in truth.tiles if t.face is not None]
    pairs = sorted(((-_fit(b.as_tuple(), f), i, j) for i, b in enumerate(boxes)
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


@dataclass
class IdentityTally:
    """Who-is-who over a stream of analysed frames against their truth.

    ``add`` each FrameResult with its GalleryTruth (same pixels); the person behind a face or
    a camera-off tile is the true tile holding the box's centre.
    """

    rows: dict[int, dict[int, int]] = field(default_factory=dict)  # student -> person -> n
    people: set[int] = field(default_factory=set)
    waiting: int = 0
    faces: int = 0
    false_missing: set[tuple[int, int]] = field(default_factory=set)  # (student, person)
    flags: int = 0

    @staticmethod
    def _person(box: BBox, truth: GalleryTruth) -> TileTruth | None:
        cx, cy = box.center
        return next((t for t in truth.tiles
                     if t.x <= cx < t.x + t.w and t.y <= cy < t.y + t.h), None)

    def add(self, result, truth: GalleryTruth) -> None:
        self.people |= {t.student for t in truth.tiles}
        self.waiting += len(result.waiting)
        self.faces += len(result.faces) + len(result.waiting)
        for sid, box in [(f.student_id, f.box) for f in result.faces] + [
                (c.student_id, c.box) for c in result.camera_off]:
            t = self._person(box, truth)
            if t is not None:
                by = self.rows.setdefault(sid, {})
                by[t.student] = by.get(t.student, 0) + 1

    def who(self, sid: int) -> int | None:
        """The person a student id stands for (the one most of its rows show)."""
        by = self.rows.get(sid)
        return max(by, key=by.get) if by else None

    def check_flags(self, recorder, truth: GalleryTruth) -> None:
        """Count "face not seen" flags of the recorder while that person's face is in view."""
        visible = {t.student for t in truth.tiles if t.camera == "on"}
        for st in recorder.students.values():
            reason = recorder.attention(st)
            if reason.startswith("face not seen"):
                self.flags += 1
                person = self.who(st.student_id)
                if person in visible:
                    self.false_missing.add((st.student_id, person))

    @property
    def students(self) -> int:
        return len(self.rows)

    @property
    def wrong_rows(self) -> int:
        """Rows under a student id that show someone else than the id's person."""
        return sum(sum(by.values()) - max(by.values()) for by in self.rows.values())

    @property
    def total_rows(self) -> int:
        return sum(sum(by.values()) for by in self.rows.values())

    @property
    def split(self) -> int:
        """People seen under more than one student id."""
        ids: dict[int, set[int]] = {}
        for sid in self.rows:
            ids.setdefault(self.who(sid), set()).add(sid)
        return sum(len(v) > 1 for v in ids.values())
