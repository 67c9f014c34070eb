"""Child process of the end-to-end test: on a real X display (Xvfb), one window shows a
Zoom-like gallery of real FER-2013 faces; the app, driven through its own actions, captures
that screen region with mss, analyses it, stops, opens the class from File > Sessions,
writes the report, and says what it saw as JSON on stdout."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QApplication, QLabel

from fer_desktop.pipeline.worker import PipelineState
from fer_desktop.settings import AppSettings
from fer_desktop.testing.gallery import compose_gallery, load_faces
from fer_desktop.ui.main_window import MainWindow


def main() -> int:
    data_dir, models_dir, out_dir = (Path(a) for a in sys.argv[1:4])
    app = QApplication([])
    faces, labels = load_faces(data_dir, 16, seed=3)
    img, tiles = compose_gallery(faces, labels, rows=4, cols=4, size=(960, 540),
                                 face_px=100, video_off=(5,))
    qimg = QImage(img.data, img.shape[1], img.shape[0], 3 * img.shape[1],
                  QImage.Format.Format_BGR888).copy()
    gallery = QLabel()
    gallery.setWindowFlags(Qt.WindowType.FramelessWindowHint)
    gallery.setPixmap(QPixmap.fromImage(qimg))
    gallery.setGeometry(0, 0, 960, 540)
    gallery.show()
    tmp = Path(tempfile.mkdtemp())
    settings = AppSettings(notice_accepted=True, source="screen", region=[0, 0, 960, 540])
    window = MainWindow(settings, QSettings(str(tmp / "q.ini"), QSettings.Format.IniFormat),
                        models_dir, settings_path=tmp / "s.json")
    window.sessions_dir = out_dir / "sessions"
    window.setGeometry(980, 0, 900, 700)
    window.show()
    report: dict = {"faces_in_gallery": sum(1 for t in tiles if t.face_box)}

    def check() -> None:
        if window.controller.state == PipelineState.FAULTED:
            report["error"] = window.statusBar().currentMessage()
            finish()
        elif len(window.recorder.students) >= report["faces_in_gallery"] - 2 and (
                window.recorder.now > 2.0):
            finish()

    def finish() -> None:
        window.act_stop.trigger()
        window._refresh_panels()
        rec = window.recorder
        report.update(
            students=len(rec.students), table_rows=window.table.rowCount(),
            mood_bins=int(rec.n_bins), seconds=rec.now,
            state=window.controller.state.value, thread_running=window.controller.running,
            status_fps=window.lbl_fps.text(), source=window.settings.source)
        window.grab().save(str(out_dir / "e2e_window.png"))
        # after class: File > Sessions lists it; the teacher opens it and writes the report
        from fer_desktop.ui import sessions_dialog

        listed = {}

        def pick_first(dlg) -> int:
            listed["rows"] = dlg.table.rowCount()
            listed["students"] = dlg.table.item(0, 4).text()
            dlg.choose(0)
            return sessions_dialog.SessionsDialog.DialogCode.Accepted

        sessions_dialog.SessionsDialog.exec = pick_first
        window.act_sessions.trigger()
        report.update(listed_rows=listed.get("rows"), listed_students=listed.get("students"),
                      reviewing=window.picture.currentWidget() is window.review,
                      review_students=window.table.rowCount())
        out = window.write_report(out_dir / "e2e_report.html", open_it=False)
        report["report"] = str(out) if out else None
        print(json.dumps(report))
        window.close()
        app.quit()

    QTimer.singleShot(500, window.act_start.trigger)
    poll = QTimer(interval=200, timeout=check)
    poll.start()
    QTimer.singleShot(60000, finish)
    app.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
