"""The window driven like a teacher would, offscreen: real widgets, real worker thread,
real engine and model on a synthetic source of real-face gallery frames."""

from __future__ import annotations

import pytest

from fer_desktop.capture import SourceError, SyntheticSource
from fer_desktop.pipeline.worker import PipelineState
from fer_desktop.settings import AppSettings
from fer_desktop.testing.gallery import compose_gallery, load_faces
from fer_desktop.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def gallery_frames(data_dir):
    faces, labels = load_faces(data_dir, 9, seed=2)
    return [compose_gallery(faces, labels, rows=3, cols=3, size=(960, 540), face_px=110,
                            jitter=(2, 2), seed=k, video_off=(4,))[0] for k in range(20)]


@pytest.fixture
def window(qtbot, qsettings, models_dir, tmp_path):
    w = MainWindow(AppSettings(notice_accepted=True), qsettings, models_dir,
                   settings_path=tmp_path / "settings.json")
    qtbot.addWidget(w)
    w.show()
    yield w
    w.controller.stop()


def test_start_analyse_stop(window, qtbot, gallery_frames):
    frames = gallery_frames
    window.source_factory_override = lambda: SyntheticSource(
        lambda i: frames[i % len(frames)], fps=15.0, realtime=True)
    window.act_start.trigger()
    qtbot.waitUntil(lambda: window.controller.state == PipelineState.RUNNING, timeout=20000)
    assert not window.act_start.isEnabled() and window.act_stop.isEnabled()
    qtbot.waitUntil(lambda: len(window.recorder.students) >= 7, timeout=20000)
    window._refresh_panels()
    assert window.table.rowCount() >= 7
    assert "fps" in window.lbl_fps.text() and "faces" in window.lbl_faces.text()
    # pause: no new results while paused
    window.act_pause.setChecked(True)
    qtbot.waitUntil(lambda: window.controller.state == PipelineState.PAUSED, timeout=20000)
    qtbot.wait(300)
    n = window.recorder.n_bins, sum(s.counts.sum() for s in window.recorder.students.values())
    qtbot.wait(500)
    assert sum(s.counts.sum() for s in window.recorder.students.values()) == n[1]
    window.act_pause.setChecked(False)
    window.act_stop.trigger()
    assert window.controller.running is False
    assert window.controller.state == PipelineState.STOPPED
    assert window.act_start.isEnabled()


def test_rename_shows_everywhere(window, qtbot, gallery_frames):
    frames = gallery_frames
    window.source_factory_override = lambda: SyntheticSource(frames, fps=15.0, realtime=True)
    window.start()
    qtbot.waitUntil(lambda: len(window.recorder.students) >= 3, timeout=20000)
    window.stop()
    window._refresh_panels()
    item = window.table.item(0, 0)
    item.setText("Ana")
    sid = item.data(0x0100)
    assert window.names[sid] == "Ana"
    assert window.recorder.students[sid].label == "Ana"
    assert window.video.names[sid] == "Ana"


def test_source_error_surfaces_as_message(window, qtbot, no_modal_messageboxes):
    def broken():
        raise SourceError("The screen region (5000, 5000, 10, 10) is off the screen: select "
                          "the region again.")

    window.source_factory_override = broken
    window.start()
    qtbot.waitUntil(lambda: window.controller.state == PipelineState.FAULTED, timeout=10000)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=20000)
    assert "select the region again" in window.statusBar().currentMessage()
    assert no_modal_messageboxes and "off the screen" in no_modal_messageboxes[0]
    assert window.act_start.isEnabled()


def test_session_is_saved_as_it_happens_and_exports(window, qtbot, gallery_frames, tmp_path,
                                                    monkeypatch):
    import csv

    from PySide6.QtWidgets import QFileDialog

    from fer_desktop.session.export import LONG_COLUMNS
    from fer_desktop.session.store import SessionStore

    frames = gallery_frames
    window.sessions_dir = tmp_path / "sessions"
    window.source_factory_override = lambda: SyntheticSource(
        lambda i: frames[i % len(frames)], fps=15.0, realtime=True)
    window.start()
    qtbot.waitUntil(lambda: window.recorder.now > 1.5, timeout=20000)
    path = window.store.path
    # committed while running (at least every second), readable by another connection
    qtbot.waitUntil(lambda: len(SessionStore.open(path).observations()) > 0, timeout=20000)
    window.stop()
    out = tmp_path / "export.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out),
                                                                                      "")))
    window.act_export.trigger()
    with out.open(newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert tuple(reader.fieldnames) == LONG_COLUMNS and len(rows) > 10
    assert (tmp_path / "export_summary.csv").is_file()
    assert (tmp_path / "export_timelines.png").stat().st_size > 5000
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    # review: the saved session opens in the window with its students and timelines
    n_live = len(window.recorder.students)
    window.open_session(path)
    assert len(window.recorder.students) == n_live
    assert window.table.rowCount() == n_live and window.recorder.n_bins >= 1
    # the summary replaces the picture: date, duration, students, the class mood
    assert window.picture.currentWidget() is window.review
    text = window.review.toPlainText()
    assert path.stem in text and f"{n_live} students" in text and "Class mood" in text


def test_aggregate_only_stores_no_per_student_rows(window, qtbot, gallery_frames, tmp_path,
                                                   monkeypatch):
    from dataclasses import replace

    from fer_desktop.session.store import SessionStore

    frames = gallery_frames
    window.apply_settings(replace(window.settings, aggregate_only=True))
    assert window.table.isHidden() and not window.video.show_faces
    window.sessions_dir = tmp_path / "sessions"
    window.source_factory_override = lambda: SyntheticSource(frames, fps=15.0, realtime=True)
    window.start()
    qtbot.waitUntil(lambda: window.recorder.now > 1.0, timeout=20000)
    path = window.store.path
    window.stop()
    with SessionStore.open(path) as saved:
        assert saved.aggregate_only
        assert saved.observations() == [] and saved.students() == {}
        assert len(saved.frames()) > 5
    # the export holds the class mood per frame and nothing per student
    import csv

    from PySide6.QtWidgets import QFileDialog

    out = tmp_path / "mood.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(out), "")))
    window.export_csv()
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 5 and not any("student" in c for c in rows[0])
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv") == ["mood.csv"]


def test_unfinished_session_is_offered_for_recovery(window, tmp_path, monkeypatch,
                                                    gallery_frames):
    from PySide6.QtWidgets import QMessageBox

    from fer_desktop.datatypes import Frame
    from fer_desktop.session.store import SessionStore, list_sessions
    from fer_desktop.vision.classifier import EmotionClassifier
    from fer_desktop.vision.detector import BlazeFaceDetector
    from fer_desktop.vision.engine import AnalysisEngine

    folder = tmp_path / "sessions"
    engine = AnalysisEngine(BlazeFaceDetector(), EmotionClassifier.from_dir(window.models_dir))
    store = SessionStore.create(folder, "screen")
    for k in range(5):
        store.add_result(engine.process(Frame(gallery_frames[k], k * 0.5, k, "screen", 1e9 + k)))
    store.flush()
    store._conn.close()  # simulate a crash: never finished, never closed properly
    window.sessions_dir = folder
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes))
    window.offer_recovery()
    assert asked and "not closed properly" in asked[0]
    assert len(window.recorder.students) >= 7
    assert [s.status for s in list_sessions(folder)] == ["finished"]


def test_names_camera_off_and_merge_in_the_window(window, qtbot, data_dir, tmp_path):
    """Names read from the gallery fill the list, the camera-off participant is listed as
    present, and merging two students leaves one row, in the session file too."""
    from fer_desktop.session.store import SessionStore

    faces, labels = load_faces(data_dir, 6, seed=3)
    names = ["Chloé Martin", "Alex 2", "Hugo Müller", "Rosa Díaz", "Ben Okafor", "Mia 3B"]
    frames = [compose_gallery(faces, labels, rows=2, cols=3, size=(1280, 720), face_px=120,
                              names=names, video_off=(4,), text_renderer="pil", seed=k)[0]
              for k in range(10)]
    window.source_factory_override = lambda: SyntheticSource(
        lambda i: frames[i % len(frames)], fps=10.0, realtime=True)
    window.start()

    def named() -> set[str]:
        return {s.name for s in window.recorder.students.values()}

    qtbot.waitUntil(lambda: len(named() & set(names)) >= 5, timeout=30000)
    window._refresh_panels()
    rows = {window.table.item(r, 0).text(): window.table.item(r, 1).text()
            for r in range(window.table.rowCount())}
    assert rows.get("Ben Okafor") == "camera off", rows
    assert sum(n in rows for n in names) >= 5
    # the teacher merges Alex 2 into Chloé Martin (say, one family's two devices)
    by_name = {s.name: sid for sid, s in window.recorder.students.items()}
    keep, other = by_name["Chloé Martin"], by_name["Alex 2"]
    n_before = window.table.rowCount()
    window.table.selectRow(window.table.row_of(keep))
    window.table.setSelectionMode(window.table.SelectionMode.MultiSelection)
    window.table.selectRow(window.table.row_of(other))
    assert window.table.selected_ids() == sorted([keep, other],
                                                 key=lambda s: window.table.row_of(s))
    window.merge_students(keep, [other])
    assert other not in window.recorder.students and window.table.rowCount() == n_before - 1
    qtbot.wait(1500)  # more frames: Alex's face keeps coming under Chloé's id
    window.stop()
    assert other not in window.recorder.students
    with SessionStore.open(window.last_session_path) as saved:
        ids = {o.student_id for o in saved.observations()}
        assert other not in ids and keep in ids
        assert saved.students()[keep] == "Chloé Martin"


def test_source_changes_while_running_keep_the_session(window, qtbot, data_dir):
    """The teacher moves the region mid-class: same session, same students (by name)."""
    faces, labels = load_faces(data_dir, 4, seed=6)
    names = ["Ana Souza", "Ben Okafor", "Chloé Martin", "Dmitri Ivanov"]
    left = [compose_gallery(faces, labels, rows=2, cols=2, size=(1280, 720), face_px=120,
                            names=names, text_renderer="pil", seed=k)[0] for k in range(4)]
    # the same class in another region: other size, tiles in another order
    order = [2, 0, 3, 1]
    right = [compose_gallery([faces[i] for i in order], [labels[i] for i in order], rows=2,
                             cols=2, size=(1600, 900), face_px=140,
                             names=[names[i] for i in order], text_renderer="pil",
                             seed=k)[0] for k in range(4)]
    window.source_factory_override = lambda: SyntheticSource(
        lambda i: left[i % 4], fps=10.0, realtime=True)
    window.start()
    qtbot.waitUntil(lambda: {s.name for s in window.recorder.students.values()} >= set(names),
                    timeout=30000)
    ids = {s.name: sid for sid, s in window.recorder.students.items()}
    session = window.store.path
    window.source_factory_override = lambda: SyntheticSource(
        lambda i: right[i % 4], fps=10.0, realtime=True)
    window.switch_source()
    assert window.controller.running and window.store.path == session
    n = window.recorder.students[ids["Ana Souza"]].counts.sum()
    qtbot.waitUntil(lambda: window.recorder.students[ids["Ana Souza"]].counts.sum() > n + 10,
                    timeout=30000)
    window.stop()
    after = {s.name: sid for sid, s in window.recorder.students.items() if s.name}
    assert {k: after[k] for k in names} == {k: ids[k] for k in names}


@pytest.mark.parametrize("damage", ["missing", "garbage", "labels_count", "labels_broken",
                                    "labels_order"])
def test_unusable_model_is_named_and_start_is_disabled(qtbot, qsettings, models_dir, tmp_path,
                                                       no_modal_messageboxes, damage):
    import json
    import shutil

    bad = tmp_path / "models"
    bad.mkdir()
    for name in ("model.tflite", "labels.json"):
        shutil.copy(models_dir / name, bad / name)
    labels = json.loads((bad / "labels.json").read_text())
    culprit = bad / "model.tflite"
    if damage == "missing":
        culprit.unlink()
        (bad / "model.keras").unlink(missing_ok=True)
        culprit = bad / "model.keras"
    elif damage == "garbage":
        culprit.write_bytes(culprit.read_bytes()[:5000])  # a truncated download
    elif damage == "labels_count":
        labels["labels"] = labels["labels"][:5]
        (bad / "labels.json").write_text(json.dumps(labels))
    elif damage == "labels_broken":
        (bad / "labels.json").write_text('{"labels": ["angry",')
        culprit = bad / "labels.json"
    else:
        labels["labels"] = labels["labels"][::-1]
        (bad / "labels.json").write_text(json.dumps(labels))
        culprit = bad / "labels.json"
    w = MainWindow(AppSettings(notice_accepted=True), qsettings, bad,
                   settings_path=tmp_path / "settings.json")
    qtbot.addWidget(w)
    w.show()
    assert w.check_model() is False
    assert str(culprit) in w.model_problem, w.model_problem
    assert "Traceback" not in w.model_problem
    assert no_modal_messageboxes and str(culprit) in no_modal_messageboxes[-1]
    assert not w.act_start.isEnabled()
    assert w.act_open_session.isEnabled() and w.act_export.isEnabled()


def test_good_model_enables_start(window):
    assert window.check_model() is True and window.act_start.isEnabled()
    assert "model.tflite" in window.lbl_model.text()


def test_fifty_students_every_name_a_row_and_a_cursor(window, qtbot):
    import numpy as np

    from fer_desktop.labels import EMOTIONS
    from fer_desktop.ui.timeline_plot import ROW_PX

    rec = window.recorder
    rng = np.random.default_rng(0)
    for k in range(600):  # 20 minutes at one analysed frame per 2 s
        happy = k >= 300  # from minute 10, every student looks happy
        faces = [(sid, f"Student name {sid:02d}",
                  np.eye(7)[EMOTIONS.index("happy")] if happy else rng.dirichlet(np.ones(7)))
                 for sid in range(1, 51)]
        rec.add_faces(1_000.0 + 2 * k, 1_760_000_000.0 + 2 * k, faces)
    window.resize(1280, 800)
    window._refresh_panels()
    tl = window.timelines
    assert window.table.rowCount() == 50
    assert tl.image.image.shape[:2] == (50, rec.n_bins)
    ticks = tl.students.getAxis("left")._tickLevels[0]
    assert [t[1] for t in ticks] == [f"Student name {i:02d}" for i in range(1, 51)]
    # rows keep their height: 50 students scroll rather than shrink to 2 px
    assert tl.students_widget.minimumHeight() >= 50 * ROW_PX
    assert tl.scroll.verticalScrollBar().maximum() > 0
    # the cursor shows the class at a chosen moment (minute 15: all happy)
    tl.set_cursor(15 * 60.0)
    at = tl.at(15 * 60.0)
    assert at["positive"] == 1.0 and at["students"]["happy"] == 50
    assert "minute 15.0" in tl.at_cursor.text() and "positive 100%" in tl.at_cursor.text()
    for row in (3, 10, 42):
        window.table.selectionModel().select(
            window.table.model().index(row, 0),
            window.table.selectionModel().SelectionFlag.Select
            | window.table.selectionModel().SelectionFlag.Rows)
    assert tl.image.image.shape[0] == 3
    assert "3 selected of 50" in tl.students.titleLabel.text
    assert [t[1] for t in tl.students.getAxis("left")._tickLevels[0]] == [
        "Student name 04", "Student name 11", "Student name 43"]
    window.table.clearSelection()
    assert tl.image.image.shape[0] == 50


def test_full_disk_is_said_at_once_rows_kept_exported_and_saved_later(
        window, qtbot, gallery_frames, tmp_path, monkeypatch, no_modal_messageboxes):
    """SQLITE_FULL (max_page_count) while a class runs: a warning, "NOT SAVED", every row
    exportable meanwhile, and all rows in the file once space is back."""
    import csv

    from PySide6.QtWidgets import QFileDialog

    from fer_desktop.session.store import SessionStore

    frames = gallery_frames
    window.source_factory_override = lambda: SyntheticSource(
        lambda i: frames[i % len(frames)], fps=15.0, realtime=True)
    window.start()
    qtbot.waitUntil(lambda: len(window.recorder.students) > 0, timeout=20000)
    window._flush_store(force=True)
    db = window.store._conn
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    qtbot.waitUntil(lambda: "NOT SAVED" in window.lbl_saved.text(), timeout=10000)
    assert any("full" in m for m in no_modal_messageboxes), no_modal_messageboxes
    qtbot.waitUntil(lambda: window.store.pending > 50, timeout=20000)
    # the teacher exports elsewhere meanwhile: every row so far, saved or not
    out = tmp_path / "elsewhere.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out),
                                                                                       "")))
    window.act_pause.setChecked(True)
    qtbot.waitUntil(lambda: window.controller.state == PipelineState.PAUSED, timeout=20000)
    qtbot.wait(200)
    recorded = sum(int(s.counts.sum()) for s in window.recorder.students.values())
    window.export_csv()
    with open(out, newline="", encoding="utf-8") as fh:
        exported = [r for r in csv.DictReader(fh) if r["expression"] != "camera_off"]
    assert len(exported) == recorded
    # stopping with a full disk keeps the session open and in memory; Start is refused
    window.act_pause.setChecked(False)
    window.stop()
    assert window.store is not None and window.store.pending
    path = window.store.path
    window.start()
    assert not window.controller.running
    db.execute("PRAGMA max_page_count = 1073741823")  # space is back
    window.stop()
    window._close_store()
    assert window.store is None and window.lbl_saved.text() == "saved"
    with SessionStore.open(path) as saved:
        assert len([o for o in saved.observations() if o.camera_on]) == recorded


def test_lost_source_is_shown_and_the_session_goes_on(window, qtbot, gallery_frames):
    """A camera unplugged mid-class (a source that reports itself lost, at the source seam):
    the window says so, keeps the session, and goes on when frames come back."""
    from fer_desktop.capture import SourceLostError

    frames = gallery_frames
    opened: list[int] = []

    class Camera(SyntheticSource):
        reconnectable = True

        def __init__(self, attempt: int) -> None:
            super().__init__(lambda i: frames[i % len(frames)], fps=15.0, realtime=True)
            self.attempt = attempt

        def open(self) -> None:
            if self.attempt == 1:  # still unplugged when first retried
                raise SourceLostError("Camera 0 was disconnected. Waiting for it to come back…")
            super().open()

        def read(self):
            frame = super().read()
            if self.attempt == 0 and frame is not None and frame.index >= 15:
                raise SourceLostError("Camera 0 was disconnected. Waiting for it to come back…")
            return frame

    def factory():
        opened.append(len(opened))
        return Camera(opened[-1])

    window.source_factory_override = factory
    window.start()
    session = window.store.path
    qtbot.waitUntil(lambda: "source lost" in window.lbl_state.text(), timeout=30000)
    assert "disconnected" in window.source_problem
    seen = {sid: int(s.counts.sum()) for sid, s in window.recorder.students.items()}
    assert seen
    qtbot.waitUntil(lambda: window.source_problem == "", timeout=30000)
    qtbot.waitUntil(lambda: sum(int(s.counts.sum()) for s in window.recorder.students.values())
                    > sum(seen.values()) + 20, timeout=30000)
    assert window.controller.state == PipelineState.RUNNING and window.store.path == session
    assert len(opened) >= 3
    window.stop()


def test_truncated_video_stops_at_the_damage_and_keeps_the_rows(window, qtbot, gallery_frames,
                                                                tmp_path,
                                                                no_modal_messageboxes):
    """A recorded class cut halfway (a copy that did not finish): the window says so, and
    the session holds the rows analysed up to the damage, finished and exportable."""
    import cv2

    from fer_desktop.session.store import SessionStore

    video = tmp_path / "class.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (960, 540))
    for k in range(40):
        writer.write(gallery_frames[k % len(gallery_frames)])
    writer.release()
    data = video.read_bytes()
    video.write_bytes(data[: len(data) // 2])  # the second half is gone
    window.settings.source, window.settings.video_path = "video", str(video)
    window.sessions_dir = tmp_path / "sessions"
    window.start()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60000)
    qtbot.waitUntil(lambda: window.store is None, timeout=20000)  # session finished by itself
    assert any("truncated" in m for m in no_modal_messageboxes), no_modal_messageboxes
    with SessionStore.open(window.last_session_path) as saved:
        assert saved.status == "finished"
        frames = {o.frame_index for o in saved.observations()}
    assert 5 <= len(frames) < 40 and max(frames) < 25


@pytest.mark.parametrize("where", ["missing_folder", "a_folder", "under_a_file"])
def test_export_to_a_bad_place_says_why_and_leaves_the_session_alone(
        window, qtbot, gallery_frames, tmp_path, monkeypatch, no_modal_messageboxes, where):
    import hashlib

    from PySide6.QtWidgets import QFileDialog

    window.sessions_dir = tmp_path / "sessions"
    window.source_factory_override = lambda: SyntheticSource(gallery_frames[:12], fps=30.0)
    window.start()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30000)
    session = window.last_session_path
    before = hashlib.sha256(session.read_bytes()).hexdigest()
    (tmp_path / "a_file.txt").write_text("x")
    (tmp_path / "folder.csv").mkdir()
    target = {"missing_folder": tmp_path / "no such folder" / "class.csv",
              "a_folder": tmp_path / "folder.csv",
              "under_a_file": tmp_path / "a_file.txt" / "class.csv"}[where]
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    window.export_csv()
    message = no_modal_messageboxes[-1]
    assert str(target.parent) in message or str(target) in message, message
    assert "Traceback" not in message
    assert hashlib.sha256(session.read_bytes()).hexdigest() == before
    assert not target.is_file()


def test_unwritable_sessions_folder_refuses_to_start_and_says_why(window, tmp_path,
                                                                  gallery_frames,
                                                                  no_modal_messageboxes):
    # a folder that cannot be created (its parent is a file): as root, permission bits
    # would not stop us, this does
    (tmp_path / "a_file").write_text("x")
    window.sessions_dir = tmp_path / "a_file" / "sessions"
    window.source_factory_override = lambda: SyntheticSource(gallery_frames, fps=15.0)
    window.start()
    assert not window.controller.running and window.store is None
    assert "a_file" in no_modal_messageboxes[-1] and "nothing is lost" in no_modal_messageboxes[-1]


def test_pseudonymised_export_from_the_window(window, qtbot, data_dir, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    faces, labels = load_faces(data_dir, 4, seed=6)
    names = ["Ana Souza", "Ben Okafor", "Chloé Martin", "Dmitri Ivanov"]
    frames = [compose_gallery(faces, labels, rows=2, cols=2, size=(1280, 720), face_px=120,
                              names=names, text_renderer="pil", seed=k)[0] for k in range(4)]
    window.sessions_dir = tmp_path / "sessions"
    window.source_factory_override = lambda: SyntheticSource(frames * 8, fps=4.0)
    window.start()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=60000)
    assert {s.name for s in window.recorder.students.values()} >= set(names[:3])
    out = tmp_path / "out" / "class.csv"
    out.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(out), "")))
    window.act_export_pseudo.trigger()
    text = out.read_text(encoding="utf-8") + (out.parent / "class_summary.csv").read_text(
        encoding="utf-8")
    assert "Student-" in text
    for name in names:
        for word in name.split():
            assert word not in text
    assert sorted(p.name for p in out.parent.iterdir()) == ["class.csv", "class_summary.csv"]


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS")) / 1024


def test_memory_returns_after_each_stop(window, qtbot, gallery_frames):
    """Five classes in a row, each with its own engine (model, detector, Tesseract: about
    140 MB): after Stop no engine is left, and memory stays at the level of the first."""
    import gc

    from fer_desktop.vision.engine import AnalysisEngine

    frames = gallery_frames
    window.source_factory_override = lambda: SyntheticSource(
        lambda i: frames[i % len(frames)], fps=15.0, realtime=True)
    after = []
    for _ in range(5):
        window.start()
        qtbot.waitUntil(lambda: len(window.recorder.students) >= 5, timeout=30000)
        window.stop()
        gc.collect()
        assert not [o for o in gc.get_objects() if isinstance(o, AnalysisEngine)]
        after.append(_rss_mb())
    assert after[-1] - after[0] < 60, after  # one engine kept per session would be ~+450 MB
