"""CSV export of a session: one declared column schema, atomic writes, and a reader (no Qt)."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import math
import os
import secrets
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from fer_desktop.datatypes import BBox, FrameResult
from fer_desktop.labels import EMOTIONS

#: Decimals written for times (seconds) and for probabilities / shares.
TIME_DECIMALS = 3
PROB_DECIMALS = 4
#: Default cap on the gap between two sightings of a student that still counts as "seen".
DEFAULT_MAX_GAP_S = 2.0
#: ``expression`` of a row for a participant who is present with the camera off (gallery
#: tile without a face); such rows have no confidence and no probabilities.
CAMERA_OFF = "camera_off"
_ZEROS = (0.0,) * len(EMOTIONS)


class ExportError(Exception):
    """A CSV could not be written or read; the message names the path and what to do."""


@dataclass(frozen=True, slots=True)
class Observation:
    """One face of one frame, flattened for export (one row of the long CSV)."""

    session_id: str
    source: str
    frame_index: int
    time_s: float  # seconds since the session's first frame
    wall_time: float  # POSIX seconds; 0 when unknown
    student_id: int
    student_name: str
    box: BBox
    probs: tuple[float, ...]  # raw probabilities of this frame, EMOTIONS order
    smoothed: tuple[float, ...]  # smoothed per student, EMOTIONS order
    camera_on: bool = True  # False: a gallery tile without a face (probabilities all 0)

    def __post_init__(self) -> None:
        for name in ("probs", "smoothed"):
            values = getattr(self, name)
            if len(values) != len(EMOTIONS):
                raise ValueError(f"{name} needs {len(EMOTIONS)} values, got {len(values)}")

    @property
    def expression_index(self) -> int:
        """Index of the smoothed expression in EMOTIONS (first one on a tie)."""
        return int(np.argmax(self.smoothed))

    @property
    def expression(self) -> str:
        """Name of the smoothed expression (:data:`CAMERA_OFF` for a camera-off row)."""
        return EMOTIONS[self.expression_index] if self.camera_on else CAMERA_OFF

    @property
    def confidence(self) -> float:
        """Smoothed probability of the expression (0 for a camera-off row)."""
        return float(max(self.smoothed)) if self.camera_on else 0.0


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def format_timestamp(wall_time: float) -> str:
    """ISO 8601 local time with UTC offset and milliseconds; empty when the time is unknown."""
    if not math.isfinite(wall_time) or wall_time <= 0:
        return ""
    return datetime.fromtimestamp(wall_time).astimezone().isoformat(timespec="milliseconds")


def parse_timestamp(text: str) -> float:
    """Inverse of :func:`format_timestamp` (0.0 for an empty cell)."""
    return datetime.fromisoformat(text).timestamp() if text else 0.0


Getter = Callable[[Observation], str]


def _prob_getter(i: int) -> Getter:
    return lambda o: _fmt(o.probs[i], PROB_DECIMALS) if o.camera_on else ""


#: The long CSV: one row per face per frame. The order here is the column order of the file.
LONG_SCHEMA: list[tuple[str, Getter]] = [
    ("session_id", lambda o: o.session_id),
    ("source", lambda o: o.source),
    ("frame_index", lambda o: str(o.frame_index)),
    ("time_s", lambda o: _fmt(o.time_s, TIME_DECIMALS)),
    ("timestamp", lambda o: format_timestamp(o.wall_time)),
    ("student_id", lambda o: str(o.student_id)),
    ("student_name", lambda o: o.student_name),
    ("x", lambda o: str(o.box.x)),
    ("y", lambda o: str(o.box.y)),
    ("w", lambda o: str(o.box.w)),
    ("h", lambda o: str(o.box.h)),
    ("expression", lambda o: o.expression),
    ("confidence", lambda o: _fmt(o.confidence, PROB_DECIMALS) if o.camera_on else ""),
    *[(f"p_{name}", _prob_getter(i)) for i, name in enumerate(EMOTIONS)],
]
LONG_COLUMNS: tuple[str, ...] = tuple(name for name, _ in LONG_SCHEMA)


@dataclass(frozen=True, slots=True)
class StudentSummary:
    """One row of the summary CSV."""

    student_id: int
    student_name: str
    seconds_seen: float
    shares: tuple[float, ...]  # share of observations per smoothed expression, EMOTIONS order
    most_frequent: str
    observations: int
    seconds_camera_off: float = 0.0


SummaryGetter = Callable[[StudentSummary], str]


def _share_getter(i: int) -> SummaryGetter:
    return lambda s: _fmt(s.shares[i], PROB_DECIMALS)


#: The summary CSV: one row per student, in student_id order.
SUMMARY_SCHEMA: list[tuple[str, SummaryGetter]] = [
    ("student_id", lambda s: str(s.student_id)),
    ("student_name", lambda s: s.student_name),
    ("seconds_seen", lambda s: _fmt(s.seconds_seen, TIME_DECIMALS)),
    ("seconds_camera_off", lambda s: _fmt(s.seconds_camera_off, TIME_DECIMALS)),
    *[(f"share_{name}", _share_getter(i)) for i, name in enumerate(EMOTIONS)],
    ("most_frequent", lambda s: s.most_frequent),
    ("observations", lambda s: str(s.observations)),
]
SUMMARY_COLUMNS: tuple[str, ...] = tuple(name for name, _ in SUMMARY_SCHEMA)


def observations_from_result(
    result: FrameResult,
    session_id: str,
    t0: float = 0.0,
    source: str | None = None,
) -> list[Observation]:
    """Flatten the faces of one FrameResult.

    Args:
        result: the pipeline's result for one frame.
        session_id: id written in every row.
        t0: ``Frame.timestamp`` of the session's first frame; ``time_s = timestamp - t0``
            (0 for a video file gives media time).
        source: source label for the rows; default ``result.frame.source_id``.
    """
    frame = result.frame
    label = frame.source_id if source is None else source
    off = [
        Observation(session_id, label, frame.index, frame.timestamp - t0, frame.wall_time,
                    c.student_id, c.student_name, c.box, _ZEROS, _ZEROS, camera_on=False)
        for c in result.camera_off
    ]
    return [
        Observation(
            session_id=session_id,
            source=label,
            frame_index=frame.index,
            time_s=frame.timestamp - t0,
            wall_time=frame.wall_time,
            student_id=face.student_id,
            student_name=face.student_name,
            box=face.box,
            probs=tuple(float(p) for p in np.asarray(face.probs).ravel()),
            smoothed=tuple(float(p) for p in np.asarray(face.smoothed).ravel()),
        )
        for face in result.faces
    ] + off


def frame_interval(times: Iterable[float], max_gap_s: float = DEFAULT_MAX_GAP_S) -> float:
    """The session's frame interval: the median gap between consecutive distinct frame times
    (of frames with at least one row), capped at ``max_gap_s``; 0 for one frame or none."""
    t = np.unique(np.asarray(list(times) if not isinstance(times, np.ndarray) else times,
                             dtype=np.float64))
    return float(min(np.median(np.diff(t)), max_gap_s)) if t.size > 1 else 0.0


def seen_seconds(times: Sequence[float] | np.ndarray, interval: float,
                 max_gap_s: float = DEFAULT_MAX_GAP_S) -> float:
    """Seconds a student was seen, from the times of their rows (the one definition, used by
    the summary CSV, the report and the window's list).

    Each row counts the time until the student's next row, capped at ``max_gap_s`` (a longer
    gap means the student was away or hidden); the last row, and so a single one, counts one
    ``interval`` (:func:`frame_interval`). No rows: 0.
    """
    t = np.sort(np.asarray(times, dtype=np.float64))
    if t.size == 0:
        return 0.0
    return float(np.minimum(np.diff(t), max_gap_s).sum() + interval)


def summarize(
    observations: Iterable[Observation], max_gap_s: float = DEFAULT_MAX_GAP_S
) -> list[StudentSummary]:
    """Per-student time seen and expression shares.

    ``seconds_seen``: :func:`seen_seconds` of the student's face rows, with the session's
    :func:`frame_interval`. Shares count observations by smoothed expression and sum to 1;
    ``most_frequent`` takes the first class in EMOTIONS order on a tie; the name is the last
    non-empty one seen. ``seconds_camera_off`` counts camera-off rows the same way as
    ``seconds_seen`` counts faces; a student seen only with the camera off has shares of 0 and
    no ``most_frequent``.
    """
    rows = list(observations)
    interval = frame_interval([o.time_s for o in rows], max_gap_s)

    by_student: dict[int, list[Observation]] = {}
    for obs in rows:
        by_student.setdefault(obs.student_id, []).append(obs)
    summaries = []
    for student_id in sorted(by_student):
        rows_of = sorted(by_student[student_id], key=lambda o: o.time_s)
        seen = [o for o in rows_of if o.camera_on]
        counts = np.bincount([o.expression_index for o in seen], minlength=len(EMOTIONS))
        names = [o.student_name for o in rows_of if o.student_name]
        summaries.append(
            StudentSummary(
                student_id=student_id,
                student_name=names[-1] if names else "",
                seconds_seen=seen_seconds([o.time_s for o in seen], interval, max_gap_s),
                shares=tuple(float(c) / max(1, len(seen)) for c in counts),
                most_frequent=EMOTIONS[int(np.argmax(counts))] if seen else "",
                observations=len(seen),
                seconds_camera_off=seen_seconds([o.time_s for o in rows_of if not o.camera_on],
                                                interval, max_gap_s),
            )
        )
    return summaries


#: A pseudonym is this prefix and PSEUDONYM_CHARS characters (A-Z, 2-7) of a keyed hash.
PSEUDONYM_PREFIX = "Student-"
PSEUDONYM_CHARS = 6


def fold_name(name: str) -> str:
    """The form in which names are compared for pseudonyms: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def pseudonym_map(names: Iterable[str], key: bytes) -> dict[str, str]:
    """Each of ``names`` -> its pseudonym under ``key`` (see :func:`pseudonymize`).

    Names that fold to the same text share a pseudonym; names that fold differently never do:
    if two codes of :data:`PSEUDONYM_CHARS` characters collide (about 1 in 10^6 for a class
    of 40), every code of this map gets two characters more until they differ.
    """
    if not isinstance(key, bytes | bytearray) or not key:
        raise ValueError("the pseudonym key must be non-empty bytes (e.g. secrets.token_bytes(32))")
    folded = {name: fold_name(name) for name in set(names)}
    codes = {
        f: base64.b32encode(hmac.new(key, f.encode("utf-8"), hashlib.sha256).digest()).decode()
        for f in set(folded.values()) if f
    }
    n = PSEUDONYM_CHARS
    while len({c[:n] for c in codes.values()}) < len(codes) and n < 52:  # 52: the whole hash
        n += 2
    return {name: f"{PSEUDONYM_PREFIX}{codes[f][:n]}" if f else "" for name, f in folded.items()}


def pseudonymize(observations: Iterable[Observation], key: bytes | None = None
                 ) -> list[Observation]:
    """The observations with each student name replaced by a pseudonym, all else unchanged.

    A name becomes ``Student-`` and 6 characters of the HMAC-SHA256 of its folded form
    (:func:`fold_name`, so "Ana  Souza" and "ana souza" are one student) under ``key``: the same
    name gets the same pseudonym throughout, and names that fold differently never share one.
    An empty name (one the gallery did not show) stays empty; the student id still tells
    students apart. The default key is new random bytes on every call, so pseudonyms cannot be
    undone by hashing a class list, and two exports cannot be linked; pass one key to several
    calls (the long and the summary CSV of one export) to give them the same pseudonyms.

    Args:
        observations: rows to export.
        key: secret HMAC key; default ``secrets.token_bytes(32)``.
    """
    rows = list(observations)
    names = pseudonym_map({o.student_name for o in rows},
                          secrets.token_bytes(32) if key is None else key)
    return [replace(o, student_name=names[o.student_name]) for o in rows]


def _write_atomic(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write a UTF-8 CSV next to ``path`` under a temporary name, then rename it over ``path``."""
    folder = path.parent
    if not folder.is_dir():
        raise ExportError(
            f"Cannot write {path}: the folder {folder} does not exist. Choose an existing folder."
        )
    if path.is_dir():
        raise ExportError(f"Cannot write {path}: it is a folder. Choose a file name.")
    tmp_name = ""
    try:
        with tempfile.NamedTemporaryFile(
            # the name's start only: ".<name>.<random>.tmp" must fit in 255 bytes too
            "w", encoding="utf-8", newline="", dir=folder, prefix=f".{path.name[:32]}.",
            suffix=".tmp", delete=False,
        ) as handle:
            tmp_name = handle.name
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        raise ExportError(
            f"Cannot write {path} ({exc.strerror or exc}). Check that the folder is writable, "
            "the disk is not full and the file is not open in another program (Excel)."
        ) from exc
    except BaseException:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        raise


def write_long_csv(path: str | os.PathLike[str], observations: Iterable[Observation]) -> Path:
    """Write one row per observation in :data:`LONG_COLUMNS` order; returns the path."""
    target = Path(path)
    rows = ([get(o) for _, get in LONG_SCHEMA] for o in observations)
    _write_atomic(target, LONG_COLUMNS, rows)
    return target


def write_summary_csv(
    path: str | os.PathLike[str],
    observations: Iterable[Observation],
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> Path:
    """Write one row per student (see :func:`summarize`) in :data:`SUMMARY_COLUMNS` order."""
    target = Path(path)
    rows = [[get(s) for _, get in SUMMARY_SCHEMA] for s in summarize(observations, max_gap_s)]
    _write_atomic(target, SUMMARY_COLUMNS, rows)
    return target


def _row_to_observation(row: dict[str, str]) -> Observation:
    box = BBox(int(row["x"]), int(row["y"]), int(row["w"]), int(row["h"]))
    if row["expression"] == CAMERA_OFF:
        return Observation(row["session_id"], row["source"], int(row["frame_index"]),
                           float(row["time_s"]), parse_timestamp(row["timestamp"]),
                           int(row["student_id"]), row["student_name"], box, _ZEROS, _ZEROS,
                           camera_on=False)
    expression = EMOTIONS.index(row["expression"])
    confidence = float(row["confidence"])
    # The CSV keeps only the smoothed winner: rebuild a vector with the same argmax and max.
    smoothed = tuple(confidence if i == expression else 0.0 for i in range(len(EMOTIONS)))
    return Observation(
        session_id=row["session_id"],
        source=row["source"],
        frame_index=int(row["frame_index"]),
        time_s=float(row["time_s"]),
        wall_time=parse_timestamp(row["timestamp"]),
        student_id=int(row["student_id"]),
        student_name=row["student_name"],
        box=box,
        probs=tuple(float(row[f"p_{name}"]) for name in EMOTIONS),
        smoothed=smoothed,
    )


def read_long_csv(path: str | os.PathLike[str]) -> list[Observation]:
    """Parse a long CSV written by :func:`write_long_csv`.

    Only the winning smoothed class is stored, so ``smoothed`` comes back as ``confidence`` at
    the expression's index and 0 elsewhere: expression, confidence and a re-export are unchanged.
    """
    source = Path(path)
    try:
        # newline="": a quoted cell keeps its line breaks as written (\r, \r\n), as csv wants
        with source.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"Cannot read {source} ({exc}); choose a fer_desktop CSV.") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(reader.fieldnames or ()) != LONG_COLUMNS:
        raise ExportError(
            f"{source} is not a fer_desktop long CSV: expected the columns "
            f"{', '.join(LONG_COLUMNS)}; got {', '.join(reader.fieldnames or ()) or 'none'}."
        )
    observations = []
    for row in reader:
        try:
            observations.append(_row_to_observation(row))
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportError(
                f"{source}, line {reader.line_num}: invalid value ({exc}); the file was changed "
                "after export or is not a fer_desktop CSV."
            ) from exc
    return observations
