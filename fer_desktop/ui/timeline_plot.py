"""Timelines (pyqtgraph): the class-mood line and one row per student, read at a glance.

Both are redrawn from the recorder's arrays by the window's slow (1 Hz) timer with setData /
setImage, never per frame. The student rows are one image (students x time bins, colour =
expression), so 50 students over 3 hours stay cheap to draw. Every row keeps its name: the
rows have a fixed height and scroll when the class does not fit. The x axis is class time
(minutes since the start) below and the clock above; a cursor shows the class at a moment.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from fer_desktop.labels import EMOTIONS
from fer_desktop.session.aggregate import VALENCE
from fer_desktop.session.recorder import CAMERA_OFF_BIN, SessionRecorder
from fer_desktop.vision.overlay import COLORS

ABSENT_RGB = (40, 40, 40)
CAMERA_OFF_RGB = (75, 80, 110)
# row value + 1 -> colour: absent, the seven expressions, camera off (recorder.CAMERA_OFF_BIN)
_LUT = np.array([ABSENT_RGB] + [list(COLORS[e][::-1]) for e in EMOTIONS] + [CAMERA_OFF_RGB],
                np.uint8)
#: Height of one student's row (px): every name stays readable, 50 students scroll.
ROW_PX = 18
#: The class-mood lines and their colours (RGB).
MOOD_COLORS = {"positive": (60, 190, 60), "neutral": (170, 170, 170), "negative": (220, 60, 60)}
MOOD_MEANING = ("share of the visible faces whose expression is positive ("
                + ", ".join(VALENCE["positive"]) + "), neutral, or negative ("
                + ", ".join(VALENCE["negative"]) + ")")


def _hex(rgb) -> str:
    return "#" + bytes(int(c) for c in rgb).hex()


class ClockAxis(pg.DateAxisItem):
    """Clock time of day of ``offset + x``, never finer than whole seconds: pyqtgraph's own
    axis labels a short session in milliseconds ("05.250"), which a teacher does not need."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offset = 0.0  # wall time of x = 0
        self.zoomLevels = type(self.zoomLevels)(
            (spacing, level) for spacing, level in self.zoomLevels.items() if spacing > 1)

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph override
        levels = super().tickValues(minVal + self.offset, maxVal + self.offset, size)
        return [(spacing, [v - self.offset for v in values]) for spacing, values in levels]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        return super().tickStrings([v + self.offset for v in values], scale, spacing)


class ClassTimeAxis(pg.AxisItem):
    """Minutes since the start of the class ("12 min"; seconds for the first minute)."""

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802 - pyqtgraph override
        span = max(1.0, maxVal - minVal)
        major = next((s for s in (10, 30, 60, 120, 300, 600, 900, 1800, 3600)
                      if span / s <= max(2, size / 90)), 3600)
        return [(major, 0), (major / 2, 0)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        if spacing < 60:
            return [f"{v:.0f} s" if v < 60 else f"{v / 60:.1f} min" for v in values]
        return [f"{v / 60:.0f} min" for v in values]


def color_key_html() -> str:
    """The colour key of the student rows (expressions, camera off, not seen)."""
    keys = [(e, _hex(COLORS[e][::-1])) for e in EMOTIONS]
    keys += [("camera off", _hex(CAMERA_OFF_RGB)), ("not seen", _hex(ABSENT_RGB))]
    return "Students: " + " ".join(
        f'<span style="color:{c}">&#9632;</span>&nbsp;{name}&nbsp;&nbsp;' for name, c in keys)


class TimelinePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        # -- class mood
        self.mood_widget = pg.GraphicsLayoutWidget()
        self.mood_widget.setMinimumHeight(170)
        self.mood = self.mood_widget.addPlot(
            row=0, col=0, axisItems={"bottom": ClassTimeAxis("bottom"), "top": ClockAxis("top")})
        self.mood.showAxis("top")
        self.mood.setYRange(0, 1, padding=0.08)
        self.mood.getAxis("left").setTicks([[(0, "0"), (0.5, "50%"), (1, "100%")]])
        self.mood.showGrid(x=True, y=True, alpha=0.2)
        self.mood.setMouseEnabled(x=True, y=False)
        self.curves = []
        keys = []
        for name, color in MOOD_COLORS.items():
            c = self.mood.plot(name=name, pen=pg.mkPen(color, width=1))
            c.setDownsampling(auto=True, method="peak")
            c.setClipToView(True)
            keys.append(f'<span style="color: #{bytes(color).hex()}">&#9644; {name}</span>')
            self.curves.append(c)
        # the key lives in the title, so no legend box covers the lines
        self.mood.setTitle("Class mood: " + " &nbsp; ".join(keys))
        self.mood.titleLabel.item.setToolTip("Class mood: " + MOOD_MEANING)
        lay.addWidget(self.mood_widget, 2)
        self.meaning = QLabel(f"Class mood = {MOOD_MEANING}. Drag the white line to see the "
                              "class at a moment.")
        self.meaning.setWordWrap(True)
        self.meaning.setStyleSheet("color: #666; font-size: 11px")
        lay.addWidget(self.meaning)
        self.at_cursor = QLabel("")
        self.at_cursor.setWordWrap(True)
        lay.addWidget(self.at_cursor)
        self.key = QLabel(color_key_html())
        self.key.setWordWrap(True)
        lay.addWidget(self.key)
        # -- students: fixed-height rows in a scroll area
        self.students_widget = pg.GraphicsLayoutWidget()
        self.students = self.students_widget.addPlot(
            row=0, col=0, axisItems={"bottom": ClassTimeAxis("bottom")})
        self.students.setTitle("Students (select students in the list to show only them)")
        self.students.invertY(True)
        self.students.setMouseEnabled(x=True, y=False)
        self.students.setXLink(self.mood)
        self.students.getAxis("left").setWidth(150)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.students.addItem(self.image)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.students_widget)
        lay.addWidget(self.scroll, 3)
        # -- the cursor, on both plots
        pen = pg.mkPen((255, 255, 255), width=1)
        self.cursor = pg.InfiniteLine(0, movable=True, pen=pen,
                                      hoverPen=pg.mkPen((255, 255, 0), width=2))
        self.cursor_students = pg.InfiniteLine(0, movable=True, pen=pen)
        self.mood.addItem(self.cursor)
        self.students.addItem(self.cursor_students)
        self.cursor.sigDragged.connect(lambda: self._on_cursor_dragged(self.cursor))
        self.cursor_students.sigDragged.connect(
            lambda: self._on_cursor_dragged(self.cursor_students))
        self.follow = True  # the cursor stays at the newest moment until the teacher drags it
        self._rec: SessionRecorder | None = None
        self._shown: list[int] = []
        self._names: dict[int, str] = {}
        self._ticks: list = []
        self._title = ""
        self._rows = -1

    # -- drawing --------------------------------------------------------------------------
    def refresh(self, rec: SessionRecorder, names: dict[int, str] | None = None,
                only: list[int] | None = None) -> None:
        """Redraw from the recorder; ``only``: the students to show (the list's selection),
        all when None or empty."""
        self._rec, self._names = rec, dict(names or {})
        if rec.n_bins == 0:
            return
        self.mood.getAxis("top").offset = rec.wall0
        t, shares = rec.mood_series()
        x = t + rec.bin_s / 2
        for c, col in zip(self.curves, (2, 1, 0), strict=True):
            c.setData(x, shares[:, col], connect="finite", skipFiniteCheck=True)
        shown = [sid for sid in (only or []) if sid in rec.row_of] or sorted(
            rec.row_of, key=rec.row_of.get)
        self._shown = shown
        rows = rec.timeline[[rec.row_of[sid] for sid in shown], : rec.n_bins]
        rgb = _LUT[rows.astype(np.int16) + 1]
        self.image.setImage(rgb, autoLevels=False)
        self.image.setRect(0, 0, rec.n_bins * rec.bin_s, max(1, rgb.shape[0]))
        self.students.setYRange(0, max(1, len(shown)), padding=0)
        if len(shown) != self._rows:
            self._rows = len(shown)
            # title + bottom axis ~ 60 px; every row ROW_PX tall, so every name is readable
            self.students_widget.setMinimumHeight(60 + ROW_PX * max(1, len(shown)))
        title = "Students (select students in the list to show only them)"
        if len(shown) < len(rec.row_of):
            title = f"Students: {len(shown)} selected of {len(rec.row_of)}"
        if title != self._title:
            self._title = title
            self.students.setTitle(title)
        labels = [(i + 0.5, self._label(sid)) for i, sid in enumerate(shown)]
        if labels != self._ticks:
            self._ticks = labels
            self.students.getAxis("left").setTicks([labels])
        if self.follow:
            end = rec.now
            self.cursor.setValue(end)
            self.cursor_students.setValue(end)
        self._describe_cursor()

    def _label(self, sid: int) -> str:
        rec = self._rec
        name = self._names.get(sid) or (rec.students[sid].label if rec else f"Student {sid}")
        return name if len(name) <= 22 else name[:21] + "…"

    # -- the cursor -----------------------------------------------------------------------
    def _on_cursor_dragged(self, line: pg.InfiniteLine) -> None:
        self.follow = False
        other = self.cursor_students if line is self.cursor else self.cursor
        other.setValue(line.value())
        self._describe_cursor()

    def set_cursor(self, t: float | None) -> None:
        """Put the cursor at class time ``t`` (s); None: follow the newest moment."""
        self.follow = t is None
        if t is not None:
            self.cursor.setValue(t)
            self.cursor_students.setValue(t)
        self._describe_cursor()

    def at(self, t: float) -> dict:
        """The class at class time ``t``: clock, mood shares, and how many students showed
        each expression (or camera off / not seen) in that moment's bin."""
        rec = self._rec
        if rec is None or rec.n_bins == 0:
            return {}
        b = int(np.clip(t // rec.bin_s, 0, rec.n_bins - 1))
        _t, shares = rec.mood_series()
        col = rec.timeline[[rec.row_of[s] for s in self._shown], b] if self._shown else (
            np.zeros(0, np.int8))
        counts = {EMOTIONS[k]: int((col == k).sum()) for k in range(len(EMOTIONS))}
        counts["camera off"] = int((col == CAMERA_OFF_BIN).sum())
        counts["not seen"] = int((col < 0).sum())
        return {"t": b * rec.bin_s, "clock": rec.wall0 + b * rec.bin_s,
                "positive": float(shares[b, 2]), "neutral": float(shares[b, 1]),
                "negative": float(shares[b, 0]), "students": counts}

    def _describe_cursor(self) -> None:
        info = self.at(float(self.cursor.value()))
        if not info:
            self.at_cursor.setText("")
            return
        clock = time.strftime("%H:%M:%S", time.localtime(info["clock"])) if (
            self._rec and self._rec.wall0 > 0) else "–"
        minute = info["t"] / 60
        if np.isnan(info["positive"]):
            mood = "no face visible"
        else:
            mood = ", ".join(f"{g} {info[g]:.0%}" for g in ("positive", "neutral", "negative"))
        students = ", ".join(f"{k} {n}" for k, n in info["students"].items() if n)
        where = "now" if self.follow else "at the cursor"
        self.at_cursor.setText(f"<b>{where}: {clock} (minute {minute:.1f})</b> — class mood "
                               f"{mood}" + (f"; students: {students}" if students else ""))

    def set_aggregate_only(self, on: bool) -> None:
        self.scroll.setVisible(not on)
        self.key.setVisible(not on)

    def clear(self) -> None:
        for c in self.curves:
            c.setData([], [])
        self.image.clear()
        self._ticks = []
        self._rows = -1
        self._rec = None
        self.follow = True
        self.at_cursor.setText("")
