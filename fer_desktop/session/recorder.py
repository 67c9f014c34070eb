"""Live per-student state for the window: current expression, time shares, attention flags,
and the class-mood series (Qt-free; fed from the GUI thread's result slot, so no locks)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fer_desktop.datatypes import FrameResult
from fer_desktop.labels import EMOTIONS
from fer_desktop.session.aggregate import VALENCE, VALENCE_INDEX
from fer_desktop.session.export import DEFAULT_MAX_GAP_S, frame_interval, seen_seconds

# The valence groups are defined once, in aggregate.VALENCE (class-mood line, CSV, report).
NEGATIVE = frozenset(VALENCE["negative"])
POSITIVE = frozenset(VALENCE["positive"])
MOOD_OF = np.array([2 if e in POSITIVE else 0 if e in NEGATIVE else 1 for e in EMOTIONS])
#: The "negative expressions" flag counts a moment as negative when the smoothed probability
#: of angry + disgust + fear + sad reaches this (chosen on PublicTest against the FER+ majority
#: of 10 taggers, bench/negative_calls.py; README: what a flag means and how often it is wrong):
#: at 0.65, 89% of the faces called negative are negative to people and 3.7% of the faces
#: people call neutral are called negative (the dominant expression alone: 82%, 7.7%).
NEGATIVE_MASS = 0.65
_NEGATIVE_AT = np.array(VALENCE_INDEX["negative"])  # for fancy indexing
#: Timeline value of a bin in which the student was present with the camera off (-1: absent,
#: 0..6: the expression).
CAMERA_OFF_BIN = len(EMOTIONS)


@dataclass
class AttentionRules:
    negative_s: float = 120.0  # negative expressions for this long -> flag
    missing_s: float = 60.0  # face not seen for this long -> flag


class Times:
    """A growing float64 array (times of a student's rows), amortised O(1) appends."""

    __slots__ = ("_a", "n")

    def __init__(self) -> None:
        self._a = np.empty(64, np.float64)
        self.n = 0

    def append(self, t: float) -> None:
        if self.n == self._a.size:
            self._a = np.resize(self._a, 2 * self._a.size)
        self._a[self.n] = t
        self.n += 1

    def extend(self, other: Times) -> None:
        for t in other.values():
            self.append(float(t))

    def values(self) -> np.ndarray:
        return self._a[: self.n]


@dataclass
class StudentState:
    student_id: int
    name: str = ""
    first_seen: float = 0.0
    last_seen: float = 0.0
    counts: np.ndarray = field(default_factory=lambda: np.zeros(len(EMOTIONS)))
    expression: int = 6
    confidence: float = 0.0
    negative_since: float | None = None
    camera_off: bool = False  # last seen as a gallery tile without a face
    last_present: float = 0.0  # last frame with the face or the camera-off tile
    face_times: Times = field(default_factory=Times)  # times of the frames with the face
    off_times: Times = field(default_factory=Times)  # times with the camera-off tile

    @property
    def label(self) -> str:
        return self.name or f"Student {self.student_id}"

    def shares(self) -> np.ndarray:
        total = self.counts.sum()
        return self.counts / total if total else self.counts


class SessionRecorder:
    """Accumulates FrameResults into per-student timelines and a class-mood series."""

    def __init__(self, rules: AttentionRules | None = None, bin_s: float = 2.0,
                 max_bins: int = 6 * 3600) -> None:
        self.rules = rules or AttentionRules()
        self.bin_s = bin_s
        self.max_bins = max_bins
        self.students: dict[int, StudentState] = {}
        self.t0: float | None = None
        self.wall0: float = 0.0
        self.now = 0.0
        # class mood: per time bin, counts of negative / neutral / positive observations
        self.mood = np.zeros((max_bins, 3), np.int32)
        # per-student expression per time bin (-1 = not seen), grown as students appear
        self.timeline = np.full((0, max_bins), -1, np.int8)
        self.row_of: dict[int, int] = {}
        self.n_bins = 0
        self.max_gap_s = DEFAULT_MAX_GAP_S
        self.frame_times = Times()  # times of the frames with at least one row

    def bin_of(self, t: float) -> int:
        return min(self.max_bins - 1, int(t // self.bin_s))

    def add(self, result: FrameResult) -> None:
        frame = result.frame
        self.add_faces(frame.timestamp, frame.wall_time,
                       [(f.student_id, f.student_name, f.smoothed) for f in result.faces],
                       [(c.student_id, c.student_name) for c in result.camera_off])

    def add_observations(self, observations) -> None:
        """Replay saved observations (session review), grouped by frame in time order."""
        frame: list = []
        key = None
        for o in observations:
            k = (o.frame_index, o.time_s)
            if key is not None and k != key and frame:
                self._replay(key[1], frame)
                frame = []
            key = k
            frame.append(o)
        if frame:
            self._replay(key[1], frame)

    def _replay(self, t: float, frame: list) -> None:
        self.add_faces(t, frame[0].wall_time,
                       [(o.student_id, o.student_name, np.asarray(o.smoothed))
                        for o in frame if o.camera_on],
                       [(o.student_id, o.student_name) for o in frame if not o.camera_on])

    def add_aggregate(self, agg) -> None:
        """Replay one frame of an aggregate-only session (class mood; no students)."""
        if self.t0 is None:
            self.t0, self.wall0 = agg.time_s, agg.wall_time
        t = agg.time_s - self.t0
        self.now = t
        b = self.bin_of(t)
        self.n_bins = max(self.n_bins, b + 1)
        for k, n in enumerate(agg.counts):
            self.mood[b, MOOD_OF[k]] += n

    def add_faces(self, timestamp: float, wall_time: float, faces, camera_off=()) -> None:
        """One analysed frame: ``faces`` is a list of (student_id, name, smoothed probs),
        ``camera_off`` of (student_id, name) for participants present without a face."""
        if self.t0 is None:
            self.t0, self.wall0 = timestamp, wall_time - 0.0
        t = timestamp - self.t0
        self.now = t
        if faces or camera_off:
            self.frame_times.append(t)
        b = self.bin_of(t)
        self.n_bins = max(self.n_bins, b + 1)
        for student_id, name in camera_off:
            st = self._student(student_id, name, t)
            st.camera_off = True
            st.off_times.append(t)
            st.last_present = t
            if name and not st.name:
                st.name = name
            row = self.row_of[student_id]
            if self.timeline[row, b] < 0:
                self.timeline[row, b] = CAMERA_OFF_BIN
        for student_id, name, smoothed in faces:
            st = self._student(student_id, name, t)
            st.camera_off = False
            st.last_present = t
            k = int(np.argmax(smoothed))
            st.last_seen, st.expression = t, k
            st.confidence = float(smoothed[k])
            st.face_times.append(t)
            st.counts[k] += 1
            if name and not st.name:
                st.name = name
            if float(np.sum(np.asarray(smoothed)[_NEGATIVE_AT])) >= NEGATIVE_MASS:
                st.negative_since = st.negative_since if st.negative_since is not None else t
            else:
                st.negative_since = None
            self.mood[b, MOOD_OF[k]] += 1
            self.timeline[self.row_of[student_id], b] = k

    def _student(self, student_id: int, name: str, t: float) -> StudentState:
        st = self.students.get(student_id)
        if st is None:
            st = StudentState(student_id, name, first_seen=t, last_seen=t)
            self.students[student_id] = st
            self._add_row(student_id)
        return st

    def _add_row(self, sid: int) -> None:
        self.row_of[sid] = self.timeline.shape[0]
        self.timeline = np.vstack([self.timeline, np.full((1, self.max_bins), -1, np.int8)])

    def merge(self, keep: int, other: int) -> None:
        """Student ``other`` is really ``keep`` (the teacher merged them): one row, summed."""
        b = self.students.pop(other, None)
        if b is None or keep == other:
            return
        a = self.students.get(keep)
        if a is None:  # nothing under ``keep`` yet: ``other`` simply takes that id
            b.student_id = keep
            self.students[keep] = b
            self.row_of[keep] = self.row_of.pop(other)
            return
        a.face_times.extend(b.face_times)
        a.off_times.extend(b.off_times)
        a.counts = a.counts + b.counts
        a.first_seen = min(a.first_seen, b.first_seen)
        a.last_present = max(a.last_present, b.last_present)
        if b.last_seen > a.last_seen:
            a.last_seen, a.expression, a.confidence = b.last_seen, b.expression, b.confidence
            a.negative_since, a.camera_off = b.negative_since, b.camera_off
        a.name = a.name or b.name
        ra, rb = self.row_of[keep], self.row_of.pop(other)
        empty = self.timeline[ra] < 0
        self.timeline[ra, empty] = self.timeline[rb, empty]
        self.timeline = np.delete(self.timeline, rb, axis=0)
        self.row_of = {sid: r - (r > rb) for sid, r in self.row_of.items()}

    def frame_interval(self) -> float:
        """The session's frame interval (export.frame_interval of the frames so far)."""
        return frame_interval(self.frame_times.values(), self.max_gap_s)

    def seconds_seen(self, st: StudentState, interval: float | None = None) -> float:
        """Seconds the student's face was seen: the summary CSV's ``seconds_seen``."""
        iv = self.frame_interval() if interval is None else interval
        return seen_seconds(st.face_times.values(), iv, self.max_gap_s)

    def seconds_camera_off(self, st: StudentState, interval: float | None = None) -> float:
        """Seconds present with the camera off: the summary CSV's ``seconds_camera_off``."""
        iv = self.frame_interval() if interval is None else interval
        return seen_seconds(st.off_times.values(), iv, self.max_gap_s)

    def rename(self, student_id: int, name: str) -> None:
        if student_id in self.students:
            self.students[student_id].name = name.strip()

    def attention(self, st: StudentState) -> str:
        """Why this student may need attention, or '' (thresholds in AttentionRules)."""
        if self.now - st.last_seen >= self.rules.missing_s:
            if st.camera_off and self.now - st.last_present < self.rules.missing_s:
                return f"camera off for {int(self.now - st.last_seen)} s"
            return f"face not seen for {int(self.now - st.last_seen)} s"
        if st.negative_since is not None and st.last_seen - st.negative_since >= (
                self.rules.negative_s):
            return f"negative expressions for {int(st.last_seen - st.negative_since)} s"
        return ""

    def mood_series(self) -> tuple[np.ndarray, np.ndarray]:
        """(bin start times in s since start, (n, 3) shares negative/neutral/positive)."""
        counts = self.mood[: self.n_bins].astype(float)
        total = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, total, out=np.full_like(counts, np.nan), where=total > 0)
        return np.arange(self.n_bins) * self.bin_s, shares
