"""The timeline's time axis: clock time in whole seconds, however short the session."""

from __future__ import annotations

import time

import pyqtgraph as pg

from fer_desktop.ui.timeline_plot import ClockAxis, TimelinePanel


def _shown(qtbot) -> TimelinePanel:
    panel = TimelinePanel()
    qtbot.addWidget(panel)
    panel.resize(800, 400)
    panel.grab()  # painted once, so the axes know their font
    return panel


def _labels(axis: pg.DateAxisItem, start: float, seconds: float, width: int = 600) -> list[str]:
    out = []
    for spacing, values in axis.tickValues(start, start + seconds, width):
        out += axis.tickStrings(values, 1.0, spacing)
    return [s for s in out if s]


def test_short_session_is_labelled_in_whole_seconds(qtbot) -> None:
    panel = _shown(qtbot)
    start = float(int(time.time()))
    for plot in (panel.mood, panel.students):
        axis = plot.getAxis("bottom")
        assert isinstance(axis, ClockAxis)
        for seconds in (4.0, 12.0):
            labels = _labels(axis, start, seconds)
            assert labels, seconds
            assert all(len(s) == 8 and s.count(":") == 2 and "." not in s for s in labels), labels
    # the stock axis does label the same span in milliseconds (what ClockAxis exists for)
    stock = pg.DateAxisItem()
    stock.fontMetrics = panel.mood.getAxis("bottom").fontMetrics
    assert any("." in s for s in _labels(stock, start, 4.0))


def test_long_session_keeps_coarser_labels(qtbot) -> None:
    panel = _shown(qtbot)
    labels = _labels(panel.mood.getAxis("bottom"), float(int(time.time())), 3 * 3600.0)
    assert labels and all(s.count(":") == 1 for s in labels), labels  # HH:MM


def test_mood_key_is_in_the_title_not_over_the_lines(qtbot) -> None:
    from fer_desktop.ui.timeline_plot import MOOD_COLORS

    panel = _shown(qtbot)
    assert panel.mood.legend is None
    title = panel.mood.titleLabel.text
    for (name, rgb), curve in zip(MOOD_COLORS.items(), panel.curves, strict=True):
        assert f'color: #{bytes(rgb).hex()}">&#9644; {name}' in title
        assert curve.opts["pen"].color().getRgb()[:3] == rgb
