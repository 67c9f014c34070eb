"""The live picture with a box per face, the student's name, expression and confidence."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from fer_desktop.datatypes import FrameResult
from fer_desktop.labels import EMOTIONS
from fer_desktop.vision.overlay import COLORS


def qcolor(name: str) -> QColor:
    b, g, r = COLORS.get(name, (200, 200, 200))
    return QColor(r, g, b)


def to_qimage(image: np.ndarray) -> QImage:
    """A deep-copied QImage of a BGR (or gray) uint8 array (GUI thread only)."""
    img = np.ascontiguousarray(image)
    if img.ndim == 2:
        h, w = img.shape
        return QImage(img.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    h, w = img.shape[:2]
    return QImage(img.data, w, h, 3 * w, QImage.Format.Format_BGR888).copy()


class VideoView(QWidget):
    """Stores the newest FrameResult; paints it when the window's timer asks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._result: FrameResult | None = None
        self._image: QImage | None = None
        self._dirty = False
        self.names: dict[int, str] = {}
        self.show_faces = True
        self.message = "Choose a source and press Start"

    def set_result(self, result: FrameResult) -> None:
        self._result = result
        self._dirty = True

    def clear(self, message: str = "") -> None:
        self._result, self._image, self.message = None, None, message
        self.update()

    def refresh(self) -> None:
        """Called by the ~30 Hz paint timer: convert and repaint only when a new frame came."""
        if self._dirty and self._result is not None:
            self._image = to_qimage(self._result.frame.image)
            self._dirty = False
            self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 24, 24))
        if self._image is None or self._result is None:
            p.setPen(QColor(200, 200, 200))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        iw, ih = self._image.width(), self._image.height()
        s = min(self.width() / iw, self.height() / ih)
        ox, oy = (self.width() - iw * s) / 2, (self.height() - ih * s) / 2
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(QRectF(ox, oy, iw * s, ih * s), self._image)
        if not self.show_faces:
            return
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, min(11.0, 9.0 * s * 1.5)))
        p.setFont(font)
        fm = p.fontMetrics()
        for face in self._result.faces:
            k = int(np.argmax(face.smoothed))
            color = qcolor(EMOTIONS[k])
            b = face.box
            rect = QRectF(ox + b.x * s, oy + b.y * s, b.w * s, b.h * s)
            p.setPen(QPen(color, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            who = self.names.get(face.student_id) or face.student_name or f"#{face.student_id}"
            text = f"{who} · {EMOTIONS[k]} {face.smoothed[k]:.0%}"
            tw, th = fm.horizontalAdvance(text) + 6, fm.height() + 2
            label = QRectF(rect.left(), max(0.0, rect.top() - th), tw, th)
            p.fillRect(label, color)
            p.setPen(QColor(0, 0, 0))
            p.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
        # faces whose student is not settled yet (the gallery just changed): grey, dashed
        p.setPen(QPen(QColor(190, 190, 190), 1, Qt.PenStyle.DashLine))
        for b in getattr(self._result, "waiting", ()):
            rect = QRectF(ox + b.x * s, oy + b.y * s, b.w * s, b.h * s)
            p.drawRect(rect)
            p.drawText(QRectF(rect.left(), max(0.0, rect.top() - fm.height() - 2),
                              fm.horizontalAdvance("identifying…") + 6, fm.height() + 2),
                       Qt.AlignmentFlag.AlignCenter, "identifying…")
