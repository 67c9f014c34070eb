"""CPU share of the live window at several frame-rate caps, on a 1920x1080 gallery of 25 faces.

The real window (offscreen), worker thread, engine (BlazeFace + released model + tiles and
names), recorder and SQLite session store run on a synthetic live source of real FER-2013
gallery frames (with name labels), delivered at 30 frames/s like a screen. For each cap the
process's CPU time (user + system, all threads) over the wall time is printed as a share of
one core, with the frames/s analysed and how often each face was refreshed.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/cpu_share.py [--seconds 30] [--caps 2 4 15]
"""

from __future__ import annotations

import argparse
import os
import resource
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
from fer_desktop.pipeline.worker import PipelineState  # noqa: E402
from fer_desktop.settings import AppSettings  # noqa: E402
from fer_desktop.testing.gallery import NAMES, compose_gallery, load_faces  # noqa: E402
from fer_desktop.ui.main_window import MainWindow  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fer2013"


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_cap(app, frames, cap: float, seconds: float, tmp: Path) -> dict:
    w = MainWindow(AppSettings(notice_accepted=True, max_fps=cap),
                   QSettings(str(tmp / "q.ini"), QSettings.Format.IniFormat),
                   default_models_dir(), settings_path=tmp / "s.json")
    w.resize(1560, 960)
    w.show()
    w.source_factory_override = lambda: SyntheticSource(lambda i: frames[(i // 15) % len(frames)],
                                                         fps=30.0, realtime=True)
    w.start()
    while w.controller.state != PipelineState.RUNNING or w.recorder.n_bins == 0:
        app.processEvents()
        time.sleep(0.01)
    warm = time.monotonic() + 3.0  # engine built, first detections done
    while time.monotonic() < warm:
        app.processEvents()
        time.sleep(0.005)
    n0 = w.controller._worker.stats.frames if w.controller._worker else 0
    c0, t0 = cpu_s(), time.monotonic()
    while time.monotonic() - t0 < seconds:
        app.processEvents()
        time.sleep(0.005)
    c1, t1 = cpu_s(), time.monotonic()
    n1 = w.controller._worker.stats.frames if w.controller._worker else 0
    faces = len(w.video._result.faces) if w.video._result else 0
    w.stop()
    w.close()
    w.deleteLater()
    app.processEvents()
    fps = (n1 - n0) / (t1 - t0)
    return {"cap": cap, "fps": fps, "cpu": (c1 - c0) / (t1 - t0), "faces": faces}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--caps", type=float, nargs="+", default=[2.0, 4.0, 15.0])
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    faces, labels = load_faces(args.data, 25, seed=4)
    frames = [compose_gallery(faces, labels, face_px=[70 + (i * 7) % 40 for i in range(25)],
                              names=NAMES[:25], text_renderer="pil", jitter=(2, 2), seed=k,
                              video_off=(7,))[0] for k in range(6)]
    tmp = Path(tempfile.mkdtemp())
    os.environ["FER_DESKTOP_DATA"] = str(tmp / "data")
    print(f"1920x1080 gallery, 25 tiles (24 faces + 1 camera off), {args.seconds:.0f} s per "
          f"cap, {os.cpu_count()} cores")
    print("| cap (frames/s) | frames/s analysed | each face refreshed every | CPU, share of one "
          "core | faces in the last frame |")
    print("|---|---|---|---|---|")
    for cap in args.caps:
        r = run_cap(app, frames, cap, args.seconds, tmp)
        every = f"{1 / r['fps']:.2f} s" if r["fps"] else "–"
        print(f"| {cap:g} | {r['fps']:.1f} | {every} | {r['cpu']:.0%} | {r['faces']} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
