"""Cost of the window's 1 Hz panel refresh (student list + timelines) as a class grows.

Feeds a real SessionRecorder with 25 or 50 students for 10 min, 1 h and 3 h of analysed frames
(one frame every 2 s, the timeline bin), then times MainWindow._refresh_panels offscreen.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/timelines.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fer_desktop.settings import AppSettings  # noqa: E402
from fer_desktop.ui.main_window import MainWindow  # noqa: E402


def main() -> int:
    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    os.environ["FER_DESKTOP_DATA"] = str(tmp / "data")
    print("| students | class length | panel refresh ms (median of 10) | timeline MB |")
    print("|---|---|---|---|")
    for students in (25, 50):
        for minutes in (10, 60, 180):
            w = MainWindow(AppSettings(notice_accepted=True),
                           QSettings(str(tmp / "q.ini"), QSettings.Format.IniFormat),
                           settings_path=tmp / "s.json")
            w.resize(1280, 800)
            w.show()
            rng = np.random.default_rng(0)
            probs = rng.dirichlet(np.ones(7), size=(64, students))
            for k in range(minutes * 30):
                w.recorder.add_faces(2.0 * k, 1_760_000_000.0 + 2 * k,
                                     [(s + 1, "", probs[k % 64, s]) for s in range(students)])
            app.processEvents()
            times = []
            for _ in range(10):
                t = time.perf_counter()
                w._refresh_panels()
                app.processEvents()
                times.append((time.perf_counter() - t) * 1000)
            mb = w.recorder.timeline.nbytes / 2**20
            print(f"| {students} | {minutes} min | {statistics.median(times):.1f} | {mb:.1f} |")
            w.close()
            w.deleteLater()
            app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
