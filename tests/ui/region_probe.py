"""Run in its own process (the screens are fixed at QApplication start): drag on the region
selector across two screens of different scale and print what it selects, as JSON."""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from fer_desktop.ui.region_selector import RegionSelector, virtual_geometry

app = QApplication(sys.argv[:1])
drags = json.loads(sys.argv[1])
out = {"virtual": list(virtual_geometry().getRect()),
       "screens": [[*s.geometry().getRect(), s.devicePixelRatio()] for s in app.screens()],
       "selected": []}
for (x0, y0), (x1, y1) in drags:
    sel = RegionSelector()
    got: list = []
    sel.selected.connect(lambda r, got=got: got.append(list(r)))
    sel.cancelled.connect(lambda got=got: got.append(None))
    sel.show()
    QTest.qWaitForWindowExposed(sel)
    origin = sel.geometry().topLeft()
    QTest.mousePress(sel, Qt.MouseButton.LeftButton, pos=QPoint(x0, y0) - origin)
    QTest.mouseMove(sel, QPoint(x1, y1) - origin)
    QTest.mouseRelease(sel, Qt.MouseButton.LeftButton, pos=QPoint(x1, y1) - origin)
    out["selected"].append(got[0] if got else "none")
esc = RegionSelector()
cancelled: list = []
esc.cancelled.connect(lambda: cancelled.append(True))
esc.show()
QTest.keyClick(esc, Qt.Key.Key_Escape)
out["esc_cancels"] = bool(cancelled) and not esc.isVisible()
print(json.dumps(out))
