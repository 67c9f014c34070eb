"""Export of a saved session: the one function behind File > Export and `fer-desktop export`."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from fer_desktop.session.aggregate import write_frames_csv
from fer_desktop.session.export import (
    DEFAULT_MAX_GAP_S,
    ExportError,
    Observation,
    pseudonym_map,
    write_long_csv,
    write_summary_csv,
)
from fer_desktop.session.store import SessionStore

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Exported:
    """What :func:`export_session` wrote."""

    paths: list[Path] = field(default_factory=list)
    rows: int = 0  # long-CSV rows (or frames, for an aggregate-only session)
    aggregate_only: bool = False


def summary_path(long_csv: PathLike) -> Path:
    """``class.csv`` -> ``class_summary.csv`` (the window writes both side by side)."""
    p = Path(long_csv)
    return p.with_name(p.stem + "_summary.csv")


def export_session(
    store: SessionStore,
    *,
    csv: PathLike | None = None,
    summary: PathLike | None = None,
    frames: PathLike | None = None,
    pseudonymize: bool = False,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    names: Mapping[int, str] | None = None,
    include_pending: bool = False,
) -> Exported:
    """Write the long CSV, the per-student summary and/or the class-per-frame CSV.

    Args:
        store: an open session (recording or finished).
        csv, summary, frames: the files to write (None: not written).
        pseudonymize: names become ``Student-XXXXXX``, the same in both files, a new key on
            every export.
        names: student id -> name that wins over the stored one (a rename not saved yet).
        include_pending: also the rows still waiting in memory (saving fails: a full disk).

    Raises:
        ExportError: an aggregate-only session asked for per-student files, or a file could
            not be written (the message names it and says what to do).
        StoreError: the session cannot be read.
    """
    if store.aggregate_only and (csv is not None or summary is not None):
        raise ExportError(
            f"Session {store.session_id} is aggregate-only: it holds no per-student rows; "
            "export the class per frame instead.")
    pending = store.saved_and_pending_observations() if include_pending else None
    rename: dict[str, str] | None = None
    if pseudonymize:  # one key for both files: they share the pseudonyms
        stored = ({o.student_name for o in pending} if pending is not None
                  else set(store.students().values()))
        rename = pseudonym_map({"", *stored, *(names or {}).values()}, secrets.token_bytes(32))

    def rows() -> Iterator[Observation]:
        source: Iterable[Observation] = pending if pending is not None else (
            store.iter_observations())
        for o in source:
            if names and o.student_id in names and names[o.student_id]:
                o = replace(o, student_name=names[o.student_id])
            if rename is not None:
                o = replace(o, student_name=rename.get(o.student_name, o.student_name))
            yield o

    written: list[Path] = []
    count = 0
    if csv is not None:
        counted: list[int] = [0]
        written.append(write_long_csv(csv, _counting(rows(), counted)))
        count = counted[0]
    if summary is not None:
        written.append(write_summary_csv(summary, rows(), max_gap_s))
    if frames is not None:
        agg = store.frames()
        written.append(write_frames_csv(frames, agg))
        if store.aggregate_only:
            count = len(agg)
    return Exported(written, count, store.aggregate_only)


def _counting(rows: Iterable[Observation], counter: list[int]) -> Iterator[Observation]:
    for o in rows:
        counter[0] += 1
        yield o

