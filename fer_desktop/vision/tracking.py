"""Student identities across frames: boxes matched by IoU/centre distance, one-to-one.

Zoom tiles hardly move, so a face's box in the next frame overlaps its last box strongly,
while a neighbour's box (another tile) does not overlap it at all. Matching is a global
greedy assignment on a cost that mixes IoU and centre distance (relative to face size), with
a gate that forbids a match to a box further than ``max_shift`` face widths away: neighbouring
tiles can therefore never swap identities. A track that is not seen is kept for
``max_missing_s`` seconds, so a student who leaves the picture and returns keeps the same id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fer_desktop.datatypes import BBox


@dataclass
class Track:
    student_id: int
    box: BBox
    last_seen: float
    first_seen: float
    hits: int = 1
    ema: np.ndarray | None = None  # smoothed probabilities
    ema_time: float = 0.0
    name: str = ""
    extra: dict = field(default_factory=dict)


class FaceTracker:
    """Assigns stable student ids to detected boxes frame after frame."""

    def __init__(self, max_shift: float = 0.6, max_missing_s: float = 30.0,
                 min_iou: float = 0.05) -> None:
        self.max_shift = max_shift
        self.max_missing_s = max_missing_s
        self.min_iou = min_iou
        self.tracks: dict[int, Track] = {}
        self._next_id = 1

    def reset(self) -> None:
        self.tracks.clear()
        self._next_id = 1

    def _cost(self, t: Track, b: BBox) -> float:
        """0 (same place) .. 1+; inf when gated out."""
        (tx, ty), (bx, by) = t.box.center, b.center
        size = max(8.0, (t.box.w + t.box.h + b.w + b.h) / 4.0)
        dist = float(np.hypot(tx - bx, ty - by)) / size
        if dist > self.max_shift:
            return float("inf")
        scale = max(t.box.w, b.w) / max(1.0, min(t.box.w, b.w))
        if scale > 1.8:
            return float("inf")
        return dist + (1.0 - t.box.iou(b))

    def update(self, boxes: list[BBox], now: float) -> list[int]:
        """Match this frame's boxes to tracks; returns a student id per box (new ids as needed)."""
        self._expire(now)
        ids = [0] * len(boxes)
        pairs: list[tuple[float, int, int]] = []
        for sid, t in self.tracks.items():
            for j, b in enumerate(boxes):
                c = self._cost(t, b)
                if np.isfinite(c):
                    pairs.append((c, sid, j))
        pairs.sort()
        used_t: set[int] = set()
        for _cost, sid, j in pairs:
            if sid in used_t or ids[j]:
                continue
            used_t.add(sid)
            ids[j] = sid
            t = self.tracks[sid]
            t.box, t.last_seen, t.hits = boxes[j], now, t.hits + 1
        for j, b in enumerate(boxes):
            if not ids[j]:
                sid = self.new_id()
                self.tracks[sid] = Track(sid, b, now, now)
                ids[j] = sid
        return ids

    def new_id(self) -> int:
        """A fresh student id (for identities decided outside the tracker, e.g. by a name)."""
        sid = self._next_id
        self._next_id += 1
        return sid

    def relabel(self, old: list[int], new: list[int], boxes: list[BBox], now: float) -> None:
        """Box ``k`` (tracked as ``old[k]``) is really student ``new[k]``: move the tracks.

        Tracks moved away from a box and not given another are dropped (their box now shows
        someone else); the student keeps the id and gets a track again when seen.
        """
        before = {sid: self.tracks[sid] for sid in set(old) | set(new) if sid in self.tracks}
        for sid in set(old) - set(new):
            self.tracks.pop(sid, None)
        for k, sid in enumerate(new):
            prev = before.get(sid)
            self.tracks[sid] = Track(sid, boxes[k], now, prev.first_seen if prev else now,
                                     (prev.hits + 1) if prev else 1,
                                     name=prev.name if prev else "")

    def _expire(self, now: float) -> None:
        for sid in [s for s, t in self.tracks.items() if now - t.last_seen > self.max_missing_s]:
            del self.tracks[sid]


class ExpressionSmoother:
    """Per-student exponential moving average of probabilities with a time constant in seconds.

    Irregular frame intervals are handled: the weight of a new observation is
    ``1 - exp(-dt / tau)``; the first observation of a student is taken as is.
    """

    def __init__(self, tau_s: float = 2.0) -> None:
        self.tau_s = tau_s
        self._state: dict[int, tuple[np.ndarray, float]] = {}

    def update(self, student_id: int, probs: np.ndarray, now: float) -> np.ndarray:
        probs = np.asarray(probs, np.float32)
        prev = self._state.get(student_id)
        if prev is None or self.tau_s <= 0:
            out = probs.copy()
        else:
            ema, t = prev
            dt = max(0.0, now - t)
            a = 1.0 - float(np.exp(-dt / self.tau_s)) if dt > 0 else 0.0
            a = max(a, 0.05)
            out = (1 - a) * ema + a * probs
            out /= max(float(out.sum()), 1e-9)
        self._state[student_id] = (out, now)
        return out

    def forget(self, student_id: int) -> None:
        self._state.pop(student_id, None)
