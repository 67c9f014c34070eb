"""What a teacher meets before, during and after class, in the real window (offscreen): the
sessions list, the report button, the user guide, the status bar, a camera that does not
start, and where files go."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog

from fer_desktop.capture import SyntheticSource
from fer_desktop.pipeline.worker import PipelineState
from fer_desktop.settings import AppSettings
from fer_desktop.testing.gallery import compose_gallery, load_faces
from fer_desktop.ui.main_window import CAMERA_HINT, MainWindow, documents_dir


@pytest.fixture(scope="module")
def frames(data_dir):
    faces, labels = load_faces(data_dir, 6, seed=3)
    return [compose_gallery(faces, labels, rows=2, cols=3, size=(960, 540), face_px=110,
                            seed=k)[0] for k in range(6)]


@pytest.fixture
def window(qtbot, qsettings, models_dir, tmp_path):
    w = MainWindow(AppSettings(notice_accepted=True, max_fps=15.0), qsettings, models_dir,
                   settings_path=tmp_path / "settings.json")
    w.sessions_dir = tmp_path / "sessions"
    qtbot.addWidget(w)
    w.show()
    yield w
    w.controller.stop()


def run_class(window, qtbot, frames, n: int = 24) -> None:
    window.source_factory_override = lambda: SyntheticSource(frames * (n // len(frames)),
                                                             fps=30.0)
    window.start()
    qtbot.waitUntil(lambda: not window.controller.running and window.store is None,
                    timeout=60000)


def test_sessions_list_names_a_class_and_opens_it(window, qtbot, frames, monkeypatch):
    from fer_desktop.session.store import list_sessions
    from fer_desktop.ui.sessions_dialog import COLUMNS, SessionsDialog

    run_class(window, qtbot, frames)
    run_class(window, qtbot, frames)
    dlg = SessionsDialog(window.live.folder, window)
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 2
    assert COLUMNS == ("Name", "Date", "Start", "Duration", "Students", "Status")
    row = [dlg.table.item(0, c).text() for c in range(len(COLUMNS))]
    assert row[4] == str(len(window.recorder.students)) and row[5] == "finished"
    assert ":" in row[2] and ("s" in row[3])
    newest = dlg.sessions[0].path
    dlg.rename(0, "Biology 2B")
    assert {s.title for s in list_sessions(window.live.folder)} == {"Biology 2B", ""}
    # File > Sessions, the teacher picks the named class
    from fer_desktop.ui import sessions_dialog

    def exec_choose_first(self):
        self.choose(0)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(sessions_dialog.SessionsDialog, "exec", exec_choose_first)
    window.act_sessions.trigger()
    assert window.last_session_path == newest
    assert window.picture.currentWidget() is window.review
    assert "Biology 2B" in window.review.toPlainText()
    assert "Biology 2B" in window.windowTitle()
    assert window.table.rowCount() == len(window.recorder.students) > 0
    assert window.timelines.image.image is not None


def test_report_button_after_stop_writes_and_opens_the_report(window, qtbot, frames, tmp_path,
                                                             monkeypatch):
    from PySide6.QtGui import QDesktopServices

    assert not window.act_report.isEnabled()  # nothing recorded yet
    run_class(window, qtbot, frames)
    assert window.act_report.isEnabled()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(
        url.toLocalFile()) or True))
    out = tmp_path / "class-report.html"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(out), "")))
    window.act_report.trigger()
    assert out.is_file() and opened == [str(out)]
    assert "Class mood over the class" in out.read_text(encoding="utf-8")


def test_export_and_report_dialogs_open_in_the_documents_folder(window, qtbot, frames,
                                                                 monkeypatch):
    run_class(window, qtbot, frames, 12)
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda parent, title, path, *a: asked.append(path)
                                     or ("", "")))
    window.export_csv()
    window.write_report()
    docs = documents_dir()
    assert len(asked) == 2 and all(p.startswith(str(docs)) for p in asked), asked
    assert asked[1].endswith(f"report-{window.last_session_path.stem}.html")


def test_a_webcam_that_does_not_start_leaves_no_session_and_says_where_to_choose(
        window, qtbot, no_modal_messageboxes):
    window.settings.source, window.settings.webcam_index = "webcam", 7  # no such camera
    window.start()
    qtbot.waitUntil(lambda: not window.controller.running and window.store is None,
                    timeout=30000)
    assert window.controller.state == PipelineState.FAULTED
    assert no_modal_messageboxes and CAMERA_HINT in no_modal_messageboxes[-1]
    assert "Webcam index" in window.statusBar().currentMessage()
    assert list(window.live.folder.glob("*.sqlite")) == []  # no empty "finished" session
    assert window.last_session_path is None


def test_status_bar_clears_on_pause_and_stop(window, qtbot, frames):
    window.source_factory_override = lambda: SyntheticSource(
        lambda i: frames[i % len(frames)], fps=15.0, realtime=True)
    window.start()
    qtbot.waitUntil(lambda: "fps" in window.lbl_fps.text(), timeout=30000)
    window.act_pause.setChecked(True)
    qtbot.waitUntil(lambda: window.controller.state == PipelineState.PAUSED, timeout=20000)
    qtbot.wait(200)  # no result arrives while paused, so nothing refills the labels
    assert window.lbl_fps.text() == window.lbl_faces.text() == ""
    window.act_pause.setChecked(False)
    qtbot.waitUntil(lambda: "fps" in window.lbl_fps.text(), timeout=30000)
    window.act_stop.trigger()
    assert window.lbl_fps.text() == window.lbl_faces.text() == window.lbl_dropped.text() == ""


def test_help_opens_the_user_guide_shipped_with_the_app(window):
    from fer_desktop.ui.guide import guide_path

    assert guide_path().is_file()
    window.act_guide.trigger()
    text = window._guide.text.toPlainText()
    assert "Before class" in text and "After class" in text and "Report" in text
    window._guide.close()
