"""A whole class in minutes: memory and responsiveness of the live window over a long session.

The real window (offscreen), worker thread, engine (BlazeFace + released model + tiles and
names), recorder and SQLite session store run on a synthetic source of real FER-2013 gallery
frames whose timestamps advance ``--step`` seconds per frame, so 3 hours of class time pass in
``3 h / step`` analysed frames. Printed: resident memory (RSS) at the start and along the run,
the session file's size, and how late a 50 ms GUI timer fired (the window's responsiveness).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/long_run.py [--hours 3] [--step 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fer_desktop.capture import SyntheticSource  # noqa: E402
from fer_desktop.paths import default_models_dir  # noqa: E402
from fer_desktop.settings import AppSettings  # noqa: E402
from fer_desktop.testing.gallery import NAMES, compose_gallery, load_faces  # noqa: E402
from fer_desktop.ui.main_window import MainWindow  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, default=3.0)
    ap.add_argument("--step", type=float, default=2.0, help="class seconds per frame")
    ap.add_argument("--students", type=int, default=16)
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    n = args.students
    side = int(n ** 0.5 + 0.999)
    faces, labels = load_faces(args.data, n, seed=21)
    frames = [compose_gallery(faces, labels, rows=side, cols=side, size=(1280, 720),
                              face_px=80, names=NAMES[:n], text_renderer="pil", seed=k,
                              jitter=(2, 1))[0] for k in range(8)]
    total = int(args.hours * 3600 / args.step)
    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    os.environ["FER_DESKTOP_DATA"] = str(tmp / "data")
    w = MainWindow(AppSettings(notice_accepted=True, max_fps=1000.0),
                   QSettings(str(tmp / "q.ini"), QSettings.Format.IniFormat),
                   default_models_dir(), settings_path=tmp / "s.json")
    w.resize(1280, 800)
    w.show()
    w.source_factory_override = lambda: SyntheticSource(
        lambda i: frames[i % len(frames)], fps=1.0 / args.step, count=total)
    lateness: list[float] = []
    tick = QElapsedTimer()
    tick.start()

    def on_tick() -> None:
        lateness.append(max(0.0, tick.restart() - 50.0))

    probe = QTimer(interval=50, timeout=on_tick)
    probe.start()
    w.start()
    print("| class time | frames | RSS MB | session file MB | students | GUI timer late, max ms |")
    print("|---|---|---|---|---|---|")
    t0 = time.perf_counter()
    last_row = -1.0

    def report(label: str) -> None:
        size = 0.0
        if w.store is not None:
            for suffix in ("", "-wal"):
                f = Path(f"{w.store.path}{suffix}")
                size += f.stat().st_size / 2**20 if f.exists() else 0.0
        late = max(lateness) if lateness else 0.0
        lateness.clear()
        frames_done = int(w.recorder.now / args.step) + 1
        print(f"| {label} | {frames_done} | {rss_mb():.0f} | {size:.1f} | "
              f"{len(w.recorder.students)} | {late:.0f} |", flush=True)

    while w.controller.running:
        app.processEvents()
        time.sleep(0.005)
        row = int(w.recorder.now / 900) * 0.25  # a row every 15 min of class time
        if row > last_row:
            last_row = row
            report(f"{row:.2f} h")
    report(f"end ({w.recorder.now / 3600:.2f} h)")
    w.stop()
    print(f"\n{total} frames ({args.hours} h of class at {args.step} s per frame) in "
          f"{time.perf_counter() - t0:.0f} s; final RSS {rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
