"""Open the window on a realistic synthetic 5x5 Zoom gallery (fer_desktop.testing.zoom), let
it run, and save screenshots for docs/: the live window, then (after Stop) File > Sessions,
the class opened from it, and the class report as headless Chromium renders it. Run under a
display, e.g. Xvfb:

    Xvfb :91 -screen 0 1600x1000x24 & DISPLAY=:91 .venv/bin/python tools/screenshot_live.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _past_classes(folder: Path) -> None:
    """Three earlier classes in the sessions folder, so the list looks like a teacher's."""
    import time

    import numpy as np

    from fer_desktop.datatypes import BBox
    from fer_desktop.session.export import Observation
    from fer_desktop.session.store import SessionStore
    from fer_desktop.testing.gallery import NAMES

    rng = np.random.default_rng(1)
    now = time.time()
    for days, title, minutes, students in ((7, "History 4A", 48, 24), (5, "", 50, 22),
                                           (2, "History 4A — revision", 45, 25)):
        start = now - days * 86400
        store = SessionStore.create(folder, "screen", started_at=start)
        for k in range(0, minutes * 60, 30):
            rows = []
            for sid in range(1, students + 1):
                p = tuple(rng.dirichlet(np.ones(7)))
                rows.append(Observation(store.session_id, "screen", k, float(k), start + k,
                                        sid, NAMES[sid - 1], BBox(0, 0, 50, 50), p, p))
            store.add(rows)
        store.finish(ended_at=start + minutes * 60)
        if title:
            store.set_title(title)
        store.close()


def main() -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from fer_desktop.capture import SyntheticSource
    from fer_desktop.settings import AppSettings
    from fer_desktop.ui.main_window import MainWindow

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "live_window.png"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    app = QApplication([])
    from dataclasses import replace

    from fer_desktop.testing.zoom import ZOOM, Layout, make_people, render

    people = make_people(25, seed=4, data_dir=ROOT.parent / "shared" / "data" / "fer2013")
    people[7] = replace(people[7], camera="off_name")
    frames = [render(people, Layout(), ZOOM, seed=k, speaker=people[3].student)[0]
              for k in range(60)]
    tmp = tempfile.mkdtemp()
    qs = QSettings(str(Path(tmp) / "q.ini"), QSettings.Format.IniFormat)
    w = MainWindow(AppSettings(notice_accepted=True, negative_s=6, missing_s=30), qs,
                   settings_path=Path(tmp) / "s.json")
    w.resize(1560, 960)
    w.sessions_dir = Path(tmp) / "sessions"
    _past_classes(w.sessions_dir)
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
        from fer_desktop.ui.sessions_dialog import SessionsDialog

        dlg = SessionsDialog(w.sessions_dir, w)
        dlg.rename(0, "History 4A — the French Revolution")
        dlg.show()
        app.processEvents()
        dlg.grab().save(str(out.with_name("sessions_list.png")))
        print(f"saved {out.with_name('sessions_list.png')}")
        dlg.choose(0)
        w.open_session(dlg.chosen)
        w.timelines.set_cursor(w.recorder.now * 0.6)
        app.processEvents()
        review = out.with_name("reviewed_session.png")
        w.grab().save(str(review))
        print(f"saved {review}")
        html = Path(tmp) / "report.html"
        w.write_report(html, open_it=False)
        sys.path.insert(0, str(ROOT))
        from tests import chromium

        png = out.with_name("report.png")
        console = chromium.render(html, png, (1100, 1500))
        print(f"saved {png} (console: {console or 'clean'})")
        w.close()
        app.quit()

    QTimer.singleShot(int(seconds * 1000), shoot)
    app.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
