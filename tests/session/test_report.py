"""The class report: written by `fer-desktop report` from a real session file, its figures
equal to the summary CSV's, self-contained, and rendered by a real browser without errors."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fer_desktop.cli import main as cli_main
from fer_desktop.session.live import LiveSession
from fer_desktop.session.report import (
    attention_flags,
    biggest_changes,
    model_facts,
    mood_series,
)
from fer_desktop.session.store import SessionStore
from fer_desktop.settings import AppSettings
from tests import chromium
from tests.session.class_results import class_results


class Cells(HTMLParser):
    """Every element's tag and attributes, and the data-value cells of the students table."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.students: dict[int, dict[str, str]] = {}
        self._row: int | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "tr" and "data-student" in a:
            self._row = int(a["data-student"])
            self.students[self._row] = {}
        if tag == "td" and self._row is not None and "data-col" in a:
            self.students[self._row][a["data-col"]] = a["data-value"]


@pytest.fixture
def session(tmp_path) -> Path:
    live = LiveSession(AppSettings(negative_s=10, missing_s=15), tmp_path / "sessions")
    live.begin("screen")
    for r in class_results(160):
        live.add(r)
    live.finish()
    return live.last_session_path


def test_report_figures_equal_the_summary_csv(session, tmp_path, models_dir, capsys):
    out = tmp_path / "report.html"
    assert cli_main(["report", str(session), "--out", str(out),
                     "--models", str(models_dir)]) == 0
    assert cli_main(["export", str(session), "--summary", str(tmp_path / "s.csv")]) == 0
    parsed = Cells()
    parsed.feed(out.read_text(encoding="utf-8"))
    with open(tmp_path / "s.csv", newline="", encoding="utf-8") as fh:
        summary = {int(r["student_id"]): r for r in csv.DictReader(fh)}
    assert set(parsed.students) == set(summary) == {1, 2, 3, 4}
    for sid, cells in parsed.students.items():
        assert len(cells) == 9  # seen, camera off, seven shares
        for col, value in cells.items():
            assert value == summary[sid][col], (sid, col)
    text = out.read_text(encoding="utf-8")
    # the flags and their reasons: 2 turns sad, 3 leaves for 20 s, 4 never shows a face
    assert "negative expressions" in text and "face not seen" in text and "camera off" in text
    # the model's error rates come from its evaluation reports, not from the code
    rep = json.loads((models_dir / "reports" / "PrivateTest" / "report.json").read_text())
    assert f"right {rep['accuracy']:.1%} of the time" in text
    fear_error = 1 - rep["per_class"]["fear"]["recall"]
    assert f"<td>{fear_error:.0%}</td>" in text


def test_report_is_self_contained(session, tmp_path, models_dir):
    out = tmp_path / "r.html"
    assert cli_main(["report", str(session), "--out", str(out),
                     "--models", str(models_dir)]) == 0
    parsed = Cells()
    text = out.read_text(encoding="utf-8")
    parsed.feed(text)
    tags = {t for t, _ in parsed.tags}
    assert not tags & {"img", "script", "link", "iframe", "object", "embed"}
    assert "http://" not in text and "https://" not in text and "url(" not in text
    assert "svg" in tags and "polyline" in tags  # the plots are in the file


def test_report_renders_in_a_real_browser_without_console_errors(session, tmp_path,
                                                                  models_dir):
    if chromium.find_chromium() is None:
        pytest.skip("chromium is not installed (bash install.sh installs it)")
    # the check itself can fail: a page with a script error is caught
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body>x<script>notDefined()</script></body></html>")
    assert any("notDefined" in m for m in chromium.render(bad, tmp_path / "bad.png"))
    out = tmp_path / "report.html"
    assert cli_main(["report", str(session), "--out", str(out),
                     "--models", str(models_dir)]) == 0
    png = tmp_path / "report.png"
    assert chromium.render(out, png) == []
    assert png.stat().st_size > 20_000


def test_mood_changes_and_flags_are_found(session):
    with SessionStore.open(session) as store:
        frames, obs = store.frames(), store.observations()
    series = mood_series(frames)
    changes = biggest_changes(series)
    assert changes and all(c.delta < 0 for c in changes[:1])  # 2 turns sad at 30 s
    assert 20 <= changes[0].at_s <= 40
    from fer_desktop.session.recorder import AttentionRules

    flags = attention_flags(obs, AttentionRules(10, 15), frames[-1].time_s - frames[0].time_s)
    by = {(f.student_id, f.reason) for f in flags}
    assert (2, "negative expressions") in by and (3, "face not seen") in by
    assert (4, "camera off") in by and not any(sid == 1 for sid, _ in by)


def test_a_report_to_a_missing_folder_says_so(session, tmp_path, capsys, models_dir):
    rc = cli_main(["report", str(session), "--out", str(tmp_path / "nope" / "r.html")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and str(tmp_path / "nope") in err


def test_model_facts_read_whatever_reports_are_there(tmp_path):
    (tmp_path / "reports" / "Weird").mkdir(parents=True)
    (tmp_path / "reports" / "Weird" / "report.json").write_text('{"no": "fields"}')
    (tmp_path / "reports" / "X").mkdir()
    (tmp_path / "reports" / "X" / "report.json").write_text(json.dumps(
        {"split": "X", "n": 10, "accuracy": 0.5,
         "per_class": {"happy": {"recall": 0.9}, "sad": {"recall": 0.25}}}))
    facts = model_facts(tmp_path)
    assert facts["splits"] == [{"split": "X", "n": 10, "accuracy": 0.5,
                                "errors": {"happy": pytest.approx(0.1), "sad": 0.75}}]
