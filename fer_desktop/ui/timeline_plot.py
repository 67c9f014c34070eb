"""Timelines (pyqtgraph): the class-mood line and one compact row per student.

Both are redrawn from the recorder's arrays by the window's slow (1 Hz) timer with setData /
setImage, never per frame. The student rows are one image (students x time bins, colour =
expression), so 50 students over 3 hours stay cheap to draw.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from fer_desktop.labels import EMOTIONS
from fer_desktop.session.recorder import SessionRecorder
from fer_desktop.vision.overlay import COLORS

# row value + 1 -> colour: absent, the seven expressions, camera off (recorder.CAMERA_OFF_BIN)
_LUT = np.array([[40, 40, 40]] + [list(COLORS[e][::-1]) for e in EMOTIONS] + [[75, 80, 110]],
                np.uint8)


#: The class-mood lines and their colours (RGB).
MOOD_COLORS = {"positive": (60, 190, 60), "neutral": (170, 170, 170), "negative": (220, 60, 60)}


class ClockAxis(pg.DateAxisItem):
    """Wall-clock time of day, never finer than whole seconds: pyqtgraph's own axis labels a
    short session in milliseconds ("05.250"), which a teacher does not need."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zoomLevels = type(self.zoomLevels)(
            (spacing, level) for spacing, level in self.zoomLevels.items() if spacing > 1)


class TimelinePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=False)
        self.glw = pg.GraphicsLayoutWidget()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.glw)
        self.mood = self.glw.addPlot(row=0, col=0, axisItems={"bottom": ClockAxis()})
        self.mood.setYRange(0, 1)
        self.mood.showGrid(x=True, y=True, alpha=0.2)
        self.curves = []
        keys = []
        for name, color in MOOD_COLORS.items():
            c = self.mood.plot(name=name, pen=pg.mkPen(color, width=1))
            c.setDownsampling(auto=True, method="peak")
            c.setClipToView(True)
            keys.append(f'<span style="color: #{bytes(color).hex()}">&#9644; {name}</span>')
            self.curves.append(c)
        # the key lives in the title, so no legend box covers the lines
        self.mood.setTitle("Class mood (share of faces): " + " &nbsp; ".join(keys))
        self.students = self.glw.addPlot(row=1, col=0, axisItems={"bottom": ClockAxis()})
        self.students.setTitle("Students (colour = expression; slate = camera off; select "
                               "students in the list to show only them)")
        self.students.invertY(True)
        self.students.setXLink(self.mood)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.students.addItem(self.image)
        self.glw.ci.layout.setRowStretchFactor(0, 2)
        self.glw.ci.layout.setRowStretchFactor(1, 3)
        self._ticks: list = []
        self._title = ""

    def refresh(self, rec: SessionRecorder, names: dict[int, str] | None = None,
                only: list[int] | None = None) -> None:
        """Redraw from the recorder; ``only``: the students to show (the list's selection),
        all when None or empty."""
        if rec.n_bins == 0:
            return
        t, shares = rec.mood_series()
        x = rec.wall0 + t
        for c, col in zip(self.curves, (2, 1, 0), strict=True):
            c.setData(x, shares[:, col], connect="finite", skipFiniteCheck=True)
        shown = [sid for sid in (only or []) if sid in rec.row_of] or sorted(
            rec.row_of, key=rec.row_of.get)
        rows = rec.timeline[[rec.row_of[sid] for sid in shown], : rec.n_bins]
        rgb = _LUT[rows.astype(np.int16) + 1]
        self.image.setImage(rgb, autoLevels=False)
        self.image.setRect(rec.wall0, 0, rec.n_bins * rec.bin_s, max(1, rgb.shape[0]))
        title = "Students (colour = expression; slate = camera off)"
        if len(shown) < len(rec.row_of):
            title += f": {len(shown)} selected of {len(rec.row_of)}"
        if title != self._title:
            self._title = title
            self.students.setTitle(title)
        # a label per row where rows are tall enough to read, else every k-th one
        px = max(1.0, self.students.vb.height()) / max(1, len(shown))
        step = max(1, int(np.ceil(13 / px)))
        labels = [(i + 0.5, (names or {}).get(sid) or rec.students[sid].label)
                  for i, sid in enumerate(shown) if i % step == 0]
        if labels != self._ticks:
            self._ticks = labels
            self.students.getAxis("left").setTicks([labels])

    def set_aggregate_only(self, on: bool) -> None:
        self.students.setVisible(not on)

    def clear(self) -> None:
        for c in self.curves:
            c.setData([], [])
        self.image.clear()
        self._ticks = []
