"""An overlay over all screens to drag the capture rectangle; Esc cancels.

The overlay shows a still of the screens taken just before it opens, dimmed outside the
rectangle, so the gallery stays visible while dragging even where the desktop has no
compositor (there a translucent window is drawn solid black). Where no still can be taken
(Wayland refuses screen grabs), it falls back to a translucent window.

The result is in physical screen pixels (what mss captures): logical Qt coordinates are
scaled by each screen's devicePixelRatio.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget


def virtual_geometry() -> QRect:
    rect = QRect()
    for screen in QGuiApplication.screens():
        rect = rect.united(screen.geometry())
    return rect


def to_physical(rect: QRect) -> tuple[int, int, int, int]:
    """Logical rect -> (left, top, width, height) in device pixels of the screen it starts on."""
    screen = QGuiApplication.screenAt(rect.center()) or QGuiApplication.primaryScreen()
    r = screen.devicePixelRatio() if screen else 1.0
    g = screen.geometry() if screen else QRect()
    left = g.x() + round((rect.x() - g.x()) * r)
    top = g.y() + round((rect.y() - g.y()) * r)
    return (left, top, round(rect.width() * r), round(rect.height() * r))


def _span(a: QPoint, b: QPoint) -> QRect:
    """The rectangle dragged from ``a`` to ``b`` (QRect(a, b) would be one pixel larger)."""
    return QRect(min(a.x(), b.x()), min(a.y(), b.y()), abs(b.x() - a.x()), abs(b.y() - a.y()))


class RegionSelector(QWidget):
    selected = Signal(object)  # (left, top, width, height) in physical pixels
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setGeometry(virtual_geometry())
        self.stills = self._take_stills()
        if not self.stills:
            self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self._origin: QPoint | None = None
        self._rect = QRect()

    def _take_stills(self) -> list[tuple[QRect, QPixmap]]:
        """A picture of each screen (in the overlay's coordinates); [] where none can be had."""
        stills = []
        origin = self.geometry().topLeft()
        for screen in QGuiApplication.screens():
            pix = screen.grabWindow(0)
            if pix.isNull() or pix.width() == 0:
                return []
            stills.append((screen.geometry().translated(-origin), pix))
        return stills

    def _draw_stills(self, p: QPainter, clip: QRect | None = None) -> None:
        for rect, pix in self.stills:
            if clip is None:
                p.drawPixmap(rect, pix)
                continue
            part = rect.intersected(clip)
            if part.isEmpty():
                continue
            sx, sy = pix.width() / rect.width(), pix.height() / rect.height()
            src = QRect(round((part.x() - rect.x()) * sx), round((part.y() - rect.y()) * sy),
                        round(part.width() * sx), round(part.height() * sy))
            p.drawPixmap(part, pix, src)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        if self.stills:
            self._draw_stills(p)
        p.fillRect(self.rect(), QColor(0, 0, 0, 90))
        p.setPen(QColor(255, 255, 255))
        p.drawText(self.rect().adjusted(20, 20, -20, -20), Qt.AlignmentFlag.AlignTop
                   | Qt.AlignmentFlag.AlignHCenter,
                   "Drag a rectangle over the Zoom gallery · Esc cancels")
        if not self._rect.isNull():
            if self.stills:  # the rectangle shows the screen undimmed
                self._draw_stills(p, self._rect)
            else:
                p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
                p.fillRect(self._rect, Qt.GlobalColor.transparent)
                p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            p.setPen(QPen(QColor(80, 170, 255), 2))
            p.drawRect(self._rect)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._origin = event.position().toPoint()
        self._rect = QRect(self._origin, self._origin)
        self.update()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._origin is not None:
            self._rect = _span(self._origin, event.position().toPoint())
            self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._origin is None:
            return
        rect = _span(self._origin, event.position().toPoint())
        self._origin = None
        self.close()
        if rect.width() < 20 or rect.height() < 20:
            self.cancelled.emit()
            return
        self.selected.emit(to_physical(rect.translated(self.geometry().topLeft())))

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            self.cancelled.emit()
