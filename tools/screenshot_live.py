"""Open the window on a synthetic 5x5 gallery of real FER-2013 faces, let it run, and save a
screenshot (used for docs/). Run under a display, e.g. Xvfb:

    Xvfb :91 -screen 0 1600x1000x24 & DISPLAY=:91 .venv/bin/python tools/screenshot_live.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from fer_desktop.capture import SyntheticSource
    from fer_desktop.settings import AppSettings
    from fer_desktop.testing.gallery import compose_gallery, load_faces
    from fer_desktop.ui.main_window import MainWindow

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "live_window.png"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    app = QApplication([])
    faces, labels = load_faces(ROOT.parent / "shared" / "data" / "fer2013", 25, seed=4)
    pools = [load_faces(ROOT.parent / "shared" / "data" / "fer2013", 25, seed=s) for s in
             range(5, 9)]
    frames = []
    for k in range(60):
        f, lab = (faces, labels) if k % 15 < 10 else pools[(k // 15) % len(pools)]
        frames.append(compose_gallery(f, lab, face_px=[70 + (i * 7) % 40 for i in range(25)],
                                      jitter=(2, 2), seed=k, video_off=(7,),
                                      text_renderer="pil")[0])
    tmp = tempfile.mkdtemp()
    qs = QSettings(str(Path(tmp) / "q.ini"), QSettings.Format.IniFormat)
    w = MainWindow(AppSettings(notice_accepted=True, negative_s=6, missing_s=30), qs,
                   settings_path=Path(tmp) / "s.json")
    w.resize(1560, 960)
    w.sessions_dir = Path(tmp) / "sessions"
    w.source_factory_override = lambda: SyntheticSource(lambda i: frames[(i // 8) % 60],
                                                        fps=8.0, realtime=True)
    w.show()
    w.start()

    def shoot() -> None:
        w._refresh_panels()
        w.video.refresh()
        app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        w.grab().save(str(out))
        print(f"saved {out}: {w.lbl_fps.text()}, {w.lbl_faces.text()}, "
              f"{w.lbl_dropped.text()}, {len(w.recorder.students)} students")
        w.stop()
        w.open_session(w.last_session_path)
        app.processEvents()
        review = out.with_name("reviewed_session.png")
        w.grab().save(str(review))
        print(f"saved {review}")
        w.close()
        app.quit()

    QTimer.singleShot(int(seconds * 1000), shoot)
    app.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
