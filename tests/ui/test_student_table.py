"""The student list: what "now" and what "this session" mean, in the cells and the header."""

from __future__ import annotations

import numpy as np

from fer_desktop.labels import EMOTIONS
from fer_desktop.session.recorder import SessionRecorder
from fer_desktop.ui.student_table import COLUMNS, StudentTable


def _probs(name: str) -> np.ndarray:
    p = np.full(len(EMOTIONS), 0.02)
    p[EMOTIONS.index(name)] = 1 - 0.02 * (len(EMOTIONS) - 1)
    return p


def test_now_differs_from_the_session_shares_and_the_header_says_which_is_which(qtbot):
    table = StudentTable()
    qtbot.addWidget(table)
    rec = SessionRecorder()
    # three frames happy, then one sad: the student is sad now, happy 75% of the session
    for i, name in enumerate(["happy", "happy", "happy", "sad"]):
        rec.add_faces(float(i), 1000.0 + i, [(1, "Ada", _probs(name))])
    table.refresh(rec)
    cells = {COLUMNS[c]: table.item(0, c).text() for c in range(len(COLUMNS))}
    assert cells["Student"] == "Ada" and cells["Now"] == "sad"
    assert cells["Happy"] == "75%" and cells["Negative"] == "25%"
    assert cells["Neutral"] == "0%"
    tips = {COLUMNS[c]: table.horizontalHeaderItem(c).toolTip() for c in range(len(COLUMNS))}
    assert all(tips.values())
    assert "now" in tips["Now"] and "now" in tips["Conf."]
    for col in ("Happy", "Neutral", "Negative"):
        assert "this session" in tips[col]
