"""Run on a real X display without a compositor (Xvfb): an orange window, the region overlay
over it, a drag; print what the screen shows (mss) inside and outside the rectangle, as JSON."""

from __future__ import annotations

import json
import sys
import time

import mss
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from fer_desktop.ui.region_selector import RegionSelector

app = QApplication(sys.argv[:1])
gallery = QWidget()
gallery.setWindowFlags(Qt.WindowType.FramelessWindowHint)
gallery.setStyleSheet("background: #ff8000")
gallery.setGeometry(0, 0, 800, 600)
gallery.show()
QTest.qWaitForWindowExposed(gallery)
for _ in range(30):
    app.processEvents()
    time.sleep(0.01)
sel = RegionSelector()
sel.show()
QTest.qWaitForWindowExposed(sel)
QTest.mousePress(sel, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
QTest.mouseMove(sel, QPoint(400, 300))
for _ in range(30):
    app.processEvents()
    time.sleep(0.01)


with mss.MSS() as grab:
    shot = grab.grab(grab.monitors[1])
    out = {"stills": len(sel.stills), "inside": list(shot.pixel(250, 200)),
           "outside": list(shot.pixel(600, 500))}
print(json.dumps(out))
