"""The timelines' axes (clock time in whole seconds above, class minutes below), the colour
key, the mood line's meaning and the cursor."""

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
    for axis in (panel.mood.getAxis("top"),):
        assert isinstance(axis, ClockAxis)
        for seconds in (4.0, 12.0):
            labels = _labels(axis, start, seconds)
            assert labels, seconds
            assert all(len(s) == 8 and s.count(":") == 2 and "." not in s for s in labels), labels
    # the stock axis does label the same span in milliseconds (what ClockAxis exists for)
    stock = pg.DateAxisItem()
    stock.fontMetrics = panel.mood.getAxis("top").fontMetrics
    assert any("." in s for s in _labels(stock, start, 4.0))


def test_long_session_keeps_coarser_labels(qtbot) -> None:
    panel = _shown(qtbot)
    labels = _labels(panel.mood.getAxis("top"), float(int(time.time())), 3 * 3600.0)
    assert labels and all(s.count(":") == 1 for s in labels), labels  # HH:MM


def test_mood_key_is_in_the_title_not_over_the_lines(qtbot) -> None:
    from fer_desktop.ui.timeline_plot import MOOD_COLORS

    panel = _shown(qtbot)
    assert panel.mood.legend is None
    title = panel.mood.titleLabel.text
    for (name, rgb), curve in zip(MOOD_COLORS.items(), panel.curves, strict=True):
        assert f'color: #{bytes(rgb).hex()}">&#9644; {name}' in title
        assert curve.opts["pen"].color().getRgb()[:3] == rgb


def test_clock_axis_shows_the_clock_of_class_time(qtbot) -> None:
    panel = _shown(qtbot)
    axis = panel.mood.getAxis("top")
    axis.offset = time.mktime((2026, 12, 2, 10, 0, 0, 0, 0, -1))  # class starts at 10:00:00
    labels = _labels(axis, 0.0, 3600.0)  # class time 0..60 min
    assert labels[0].startswith("10:") and labels[-1].startswith(("10:", "11:")), labels


def test_class_time_axis_counts_minutes(qtbot) -> None:
    from fer_desktop.ui.timeline_plot import ClassTimeAxis

    panel = _shown(qtbot)
    for plot in (panel.mood, panel.students):
        axis = plot.getAxis("bottom")
        assert isinstance(axis, ClassTimeAxis)
    labels = _labels(panel.mood.getAxis("bottom"), 0.0, 1800.0)
    assert labels and all(s.endswith(" min") for s in labels), labels
    assert "0 min" in labels and "10 min" in labels


def test_colour_key_and_meaning_are_shown(qtbot) -> None:
    from fer_desktop.labels import EMOTIONS

    panel = _shown(qtbot)
    key = panel.key.text()
    for name in (*EMOTIONS, "camera off", "not seen"):
        assert f"{name}&nbsp;" in key
    assert "happy, surprise" in panel.meaning.text() and "angry, disgust, fear, sad" in (
        panel.meaning.text())
