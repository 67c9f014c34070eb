"""Memory over Start/Stop cycles of the live window (each class builds its own engine).

The real window (offscreen), worker, engine (BlazeFace + released model + Tesseract names),
recorder and session store analyse a 1920x1080 gallery of 25 real FER-2013 faces for
``--seconds`` per class; resident memory (VmRSS) is printed after each Stop, and how many
engines are still alive (0: each class's model, detector and OCR were freed).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/start_stop_memory.py [--cycles 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fer_desktop.capture import SyntheticSource  # noqa: E402
from fer_desktop.paths import default_models_dir  # noqa: E402
from fer_desktop.settings import AppSettings  # noqa: E402
from fer_desktop.testing.gallery import NAMES, compose_gallery, load_faces  # noqa: E402
from fer_desktop.ui.main_window import MainWindow  # noqa: E402
from fer_desktop.vision.engine import AnalysisEngine  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013"


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS")) / 1024


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cycles", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=10.0, help="analysed per class")
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    faces, labels = load_faces(args.data, 25, seed=4)
    frames = [compose_gallery(faces, labels, names=NAMES[:25], text_renderer="pil", seed=k,
                              video_off=(7,))[0] for k in range(4)]
    tmp = Path(tempfile.mkdtemp())
    os.environ["FER_DESKTOP_DATA"] = str(tmp / "data")
    w = MainWindow(AppSettings(notice_accepted=True),
                   QSettings(str(tmp / "q.ini"), QSettings.Format.IniFormat),
                   default_models_dir(), settings_path=tmp / "s.json")
    w.show()
    w.source_factory_override = lambda: SyntheticSource(lambda i: frames[(i // 15) % 4],
                                                         fps=30.0, realtime=True)
    print(f"window open: {rss_mb():.0f} MB")
    print("| after Stop # | RSS MB | engines alive | students |")
    print("|---|---|---|---|")
    for k in range(1, args.cycles + 1):
        w.start()
        while w.recorder.n_bins == 0:
            pump(app, 0.05)
        pump(app, args.seconds)
        w.stop()
        pump(app, 0.2)
        gc.collect()
        alive = sum(isinstance(o, AnalysisEngine) for o in gc.get_objects())
        print(f"| {k} | {rss_mb():.0f} | {alive} | {len(w.recorder.students)} |", flush=True)
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
