"""Pseudonymised export: stable pseudonyms, no real name in any CSV, `export --pseudonymize`."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fer_desktop.datatypes import BBox
from fer_desktop.labels import EMOTIONS
from fer_desktop.session import cli
from fer_desktop.session.export import (
    Observation,
    fold_name,
    pseudonym_map,
    pseudonymize,
    write_long_csv,
    write_summary_csv,
)
from fer_desktop.session.store import SessionStore
from fer_desktop.testing.gallery import NAMES

ROOT = Path(__file__).resolve().parents[2]
PSEUDONYM = re.compile(r"^Student-[A-Z2-7]{6}$")
KEY = b"k" * 32
#: names that could hide in a CSV: accents, apostrophes, commas, quotes, a line break, emoji
REAL_NAMES = [*NAMES[:12], "O'Brien, Siobhán", 'Li "Lily" Wei', "Zoë\nMüller", "Nguyễn 😀"]


def make_rows(names: list[str], frames: int = 4, session_id: str = "s1") -> list[Observation]:
    """Each student ``k + 1`` named ``names[k]`` in every frame, random probabilities."""
    rng = np.random.default_rng(0)
    return [
        Observation(session_id, "screen", i, i / 5, 1_760_000_000.0 + i / 5, k + 1, name,
                    BBox(100 * k, 10, 60, 60, 0.9),
                    tuple(rng.dirichlet(np.ones(len(EMOTIONS)))),
                    tuple(rng.dirichlet(np.ones(len(EMOTIONS)))), camera_on=k % 5 != 4)
        for i in range(frames) for k, name in enumerate(names)
    ]


def assert_no_real_name(text: str, names: list[str]) -> None:
    """None of ``names`` (nor a word of 5+ letters of them, any case) appears in ``text``.

    (Shorter words could turn up by chance in a random pseudonym code.)
    """
    folded = text.casefold()
    for name in names:
        assert name not in text
        for word in re.findall(r"\w{5,}", name):
            assert word.casefold() not in folded, (word, name)


def test_each_name_gets_one_pseudonym_and_nothing_else_changes() -> None:
    rows = make_rows(REAL_NAMES)
    out = pseudonymize(rows, KEY)
    assert len(out) == len(rows)
    by_student: dict[int, set[str]] = {}
    for o, p in zip(rows, out, strict=True):
        assert PSEUDONYM.match(p.student_name), p.student_name
        assert replace(p, student_name=o.student_name) == o
        by_student.setdefault(o.student_id, set()).add(p.student_name)
    assert all(len(v) == 1 for v in by_student.values())  # stable within the export
    pseudonyms = [v.pop() for v in by_student.values()]
    assert len(set(pseudonyms)) == len(REAL_NAMES)  # different names, different pseudonyms


def test_folded_names_share_a_pseudonym_and_empty_names_stay_empty() -> None:
    rows = make_rows(["Ana Souza", "ana  souza", " ANA SOUZA ", "", "   ", "Ana Sousa"], 1)
    names = [o.student_name for o in pseudonymize(rows, KEY)]
    assert names[0] == names[1] == names[2] and PSEUDONYM.match(names[0])
    assert names[3] == names[4] == ""
    assert names[5] != names[0]


def test_the_key_decides_the_pseudonyms() -> None:
    rows = make_rows(REAL_NAMES, 1)
    with_key = [o.student_name for o in pseudonymize(rows, KEY)]
    assert [o.student_name for o in pseudonymize(rows, KEY)] == with_key
    assert [o.student_name for o in pseudonymize(rows, b"other key")] != with_key
    # the default: a new random key per call, so two exports cannot be linked
    first = [o.student_name for o in pseudonymize(rows)]
    second = [o.student_name for o in pseudonymize(rows)]
    assert first != second
    with pytest.raises(ValueError, match="non-empty bytes"):
        pseudonymize(rows, b"")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=40), st.binary(min_size=1, max_size=16))
def test_pseudonyms_are_one_to_one_on_folded_names(names: list[str], key: bytes) -> None:
    mapping = pseudonym_map(names, key)
    for name in names:
        assert (mapping[name] == "") == (fold_name(name) == "")
    by_fold: dict[str, set[str]] = {}
    for name in names:
        by_fold.setdefault(fold_name(name), set()).add(mapping[name])
    assert all(len(v) == 1 for v in by_fold.values())
    real = {f: v.pop() for f, v in by_fold.items() if f}
    assert len(set(real.values())) == len(real)


def test_pseudonym_codes_grow_when_two_names_collide(monkeypatch) -> None:
    """A 6-character collision (rare) lengthens the codes instead of merging two students."""
    import fer_desktop.session.export as export

    monkeypatch.setattr(export, "PSEUDONYM_CHARS", 1)  # 1 of 32 characters: collisions certain
    mapping = pseudonym_map(NAMES, KEY)
    assert len(set(mapping.values())) == len(NAMES)
    assert len({len(v) for v in mapping.values()}) == 1  # all codes grew together


def test_no_real_name_appears_in_the_csv_files(tmp_path: Path) -> None:
    rows = pseudonymize(make_rows(REAL_NAMES), KEY)
    long_text = write_long_csv(tmp_path / "long.csv", rows).read_text(encoding="utf-8")
    summary_text = write_summary_csv(tmp_path / "summary.csv", rows).read_text(encoding="utf-8")
    assert_no_real_name(long_text + summary_text, REAL_NAMES)
    # and the check would have seen them
    plain = write_long_csv(tmp_path / "plain.csv", make_rows(REAL_NAMES)).read_text("utf-8")
    with pytest.raises(AssertionError):
        assert_no_real_name(plain, REAL_NAMES)


def recorded_session(folder: Path) -> Path:
    """A finished session of the REAL_NAMES students; the teacher renamed student 2."""
    store = SessionStore.create(folder, "screen")
    store.add(make_rows(REAL_NAMES, session_id=store.session_id))
    store.rename_student(2, "Renamed By Teacher")
    store.finish()
    store.close()
    return store.path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_flag_pseudonymizes_long_and_summary_csv(tmp_path: Path, capsys) -> None:
    session = recorded_session(tmp_path / "sessions")
    long_csv, summary_csv = tmp_path / "long.csv", tmp_path / "summary.csv"
    args = cli.build_parser().parse_args(
        [str(session), "--csv", str(long_csv), "--summary", str(summary_csv), "--pseudonymize"])
    assert cli.run(args) == 0, capsys.readouterr().err

    real = [*REAL_NAMES, "Renamed By Teacher"]
    assert_no_real_name(long_csv.read_text("utf-8") + summary_csv.read_text("utf-8"), real)
    long_names: dict[str, set[str]] = {}
    for row in read_csv(long_csv):
        long_names.setdefault(row["student_id"], set()).add(row["student_name"])
    assert all(len(v) == 1 and PSEUDONYM.match(next(iter(v))) for v in long_names.values())
    summary_names = {r["student_id"]: r["student_name"] for r in read_csv(summary_csv)}
    assert summary_names == {sid: next(iter(v)) for sid, v in long_names.items()}
    assert len(set(summary_names.values())) == len(REAL_NAMES)

    # without the flag the same session exports the real names
    plain = tmp_path / "plain.csv"
    assert cli.run(cli.build_parser().parse_args([str(session), "--csv", str(plain)])) == 0
    names = {r["student_name"] for r in read_csv(plain)}
    assert "Renamed By Teacher" in names and REAL_NAMES[0] in names


def test_fer_desktop_export_pseudonymize_from_the_command_line(tmp_path: Path) -> None:
    session = recorded_session(tmp_path / "sessions")
    out = tmp_path / "out dir"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "fer_desktop", "export", str(session), "--pseudonymize",
         "--csv", str(out / "long.csv"), "--summary", str(out / "summary.csv")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [str(out / "long.csv"), str(out / "summary.csv")]
    text = (out / "long.csv").read_text("utf-8") + (out / "summary.csv").read_text("utf-8")
    assert_no_real_name(text, [*REAL_NAMES, "Renamed By Teacher"])
    assert "Student-" in text
