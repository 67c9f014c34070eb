"""The live class monitor window: layout and wiring only (widgets live in their modules)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
)

from fer_desktop.datatypes import FrameResult
from fer_desktop.paths import default_models_dir
from fer_desktop.pipeline.controller import PipelineController
from fer_desktop.pipeline.worker import PipelineState
from fer_desktop.session.recorder import AttentionRules, SessionRecorder
from fer_desktop.settings import AppSettings, save_settings
from fer_desktop.ui.student_table import StudentTable
from fer_desktop.ui.timeline_plot import TimelinePanel
from fer_desktop.ui.video_view import VideoView


def _renamed(obs, name: str):
    return replace(obs, student_name=name)


#: Seconds between two kept snapshots when the teacher turned snapshots on for a session.
SNAPSHOT_INTERVAL_S = 60.0

SOURCE_LABELS = {"screen": "Screen region", "webcam": "Webcam", "video": "Video file"}


class MainWindow(QMainWindow):
    def __init__(self, settings: AppSettings, qsettings: QSettings | None = None,
                 models_dir: Path | None = None, settings_path: Path | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.qsettings = qsettings or QSettings("fer_desktop", "fer_desktop")
        self.models_dir = models_dir or default_models_dir()
        self.settings_path = settings_path
        self.setWindowTitle("fer_desktop — class monitor")
        self.controller = PipelineController(self)
        self.recorder = self._new_recorder()
        self.names: dict[int, str] = {}
        self.aliases: dict[int, int] = {}  # merged student id -> the id it was merged into
        self.model_problem = ""  # why the model cannot be used ("" when it can)
        self._store_failing = False
        self.source_problem = ""  # the source's message while it is lost
        self._switching = False  # switch_source() stops the worker to start another
        self.snapshot_dir: Path | None = None  # set for a session the teacher keeps pictures of
        self._last_snapshot = -1e9
        self.store = None  # SessionStore of the running session
        self.last_session_path: Path | None = None
        self.sessions_dir = None  # default_sessions_dir() unless set (tests)
        self.source_factory_override = None  # tests inject a source here
        self.engine_factory_override = None
        self._build_ui()
        self.controller.result_ready.connect(self._on_result_ready)
        self.controller.state_changed.connect(self._on_state_changed)
        self.controller.source_status.connect(self._on_source_status)
        self.controller.ended.connect(self._on_pipeline_ended)
        self.controller.error_occurred.connect(self._on_error_occurred)
        self.paint_timer = QTimer(self, interval=33, timeout=self.video.refresh)
        self.plot_timer = QTimer(self, interval=1000, timeout=self._refresh_panels)
        self.paint_timer.start()
        self.plot_timer.start()
        self._restore_window()
        self._on_state_changed(PipelineState.STOPPED)
        self.apply_settings(settings)

    # ---- layout -------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.video = VideoView()
        self.table = StudentTable()
        self.table.renamed.connect(self._on_renamed)
        self.table.itemSelectionChanged.connect(
            lambda: self.timelines.refresh(self.recorder, self.names, self.table.selected_ids()))
        self.timelines = TimelinePanel()
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.video)
        top.addWidget(self.table)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([900, 560])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.timelines)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([560, 340])
        self.setCentralWidget(self.splitter)

        self.act_start = QAction("&Start", self, shortcut=QKeySequence("Ctrl+R"),
                                 triggered=self.start)
        self.act_pause = QAction("&Pause", self, shortcut=QKeySequence("Ctrl+P"),
                                 checkable=True, toggled=self.controller.set_paused)
        self.act_stop = QAction("S&top", self, shortcut=QKeySequence("Ctrl+T"),
                                triggered=self.stop)
        self.act_region = QAction("Select &region…", self, shortcut=QKeySequence("Ctrl+G"),
                                  triggered=self.select_region)
        self.act_video = QAction("Open &video…", self, shortcut=QKeySequence.StandardKey.Open,
                                 triggered=self.open_video)
        self.act_quit = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit,
                                triggered=self.close)
        self.act_about = QAction("&Responsible use…", self, triggered=self.show_notice)
        self.act_export = QAction("&Export CSV…", self, shortcut=QKeySequence("Ctrl+E"),
                                  triggered=lambda: self.export_csv())
        file_menu = self.menuBar().addMenu("&File")
        self.act_open_session = QAction("Open &session…", self,
                                        shortcut=QKeySequence("Ctrl+Shift+O"),
                                        triggered=lambda: self.open_session())
        self.act_export_pseudo = QAction("Export CSV with &pseudonyms…", self,
                                         triggered=lambda: self.export_csv(pseudonyms=True))
        file_menu.addActions([self.act_video, self.act_open_session, self.act_export,
                              self.act_export_pseudo])
        self.act_settings = QAction("Se&ttings…", self, shortcut=QKeySequence("Ctrl+,"),
                                    triggered=self.edit_settings)
        file_menu.addAction(self.act_settings)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        session_menu = self.menuBar().addMenu("&Session")
        session_menu.addActions([self.act_start, self.act_pause, self.act_stop, self.act_region])
        self.act_merge = QAction("&Merge selected students", self,
                                 shortcut=QKeySequence("Ctrl+M"),
                                 triggered=self.merge_selected)
        self.act_merge.setToolTip("One person seen as two (e.g. after leaving and rejoining): "
                                  "keep the first selected and add the others to it")
        students_menu = self.menuBar().addMenu("St&udents")
        students_menu.addAction(self.act_merge)
        self.table.addAction(self.act_merge)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.menuBar().addMenu("&Help").addAction(self.act_about)

        tb = QToolBar("Main")
        tb.setObjectName("main_toolbar")
        self.source_box = QComboBox()
        for key, label in SOURCE_LABELS.items():
            self.source_box.addItem(label, key)
        idx = self.source_box.findData(self.settings.source)
        self.source_box.setCurrentIndex(max(0, idx))
        self.source_box.currentIndexChanged.connect(self._on_source_changed)
        tb.addWidget(QLabel(" Source: "))
        tb.addWidget(self.source_box)
        tb.addActions([self.act_region, self.act_start, self.act_pause, self.act_stop])
        self.addToolBar(tb)

        self.lbl_state = QLabel()
        self.lbl_fps = QLabel()
        self.lbl_faces = QLabel()
        self.lbl_dropped = QLabel()
        self.lbl_model = QLabel(f"model: {self.models_dir.name}/")
        self.lbl_saved = QLabel()
        for w in (self.lbl_state, self.lbl_fps, self.lbl_faces, self.lbl_dropped,
                  self.lbl_saved):
            self.statusBar().addWidget(w)
        self.statusBar().addPermanentWidget(self.lbl_model)

    def _new_recorder(self) -> SessionRecorder:
        return SessionRecorder(AttentionRules(self.settings.negative_s, self.settings.missing_s))

    # ---- actions ------------------------------------------------------------------------
    def _source_factory(self):
        if self.source_factory_override is not None:
            return self.source_factory_override
        s = self.settings
        if s.source == "screen":
            from fer_desktop.capture import ScreenRegionSource

            region = tuple(s.region)
            return lambda: ScreenRegionSource(region)
        if s.source == "webcam":
            from fer_desktop.capture import WebcamSource

            index = s.webcam_index
            return lambda: WebcamSource(index)
        from fer_desktop.capture import VideoFileSource

        path = s.video_path
        return lambda: VideoFileSource(path, realtime=True)

    def _engine_factory(self):
        if self.engine_factory_override is not None:
            return self.engine_factory_override
        models, detector = self.models_dir, self.settings.detector
        # Tiles and names belong to galleries (screen, recorded class), not to a webcam.
        names = self.settings.read_names and self.settings.source != "webcam"

        def make():
            from fer_desktop.vision.classifier import EmotionClassifier
            from fer_desktop.vision.detector import make_detector
            from fer_desktop.vision.engine import AnalysisEngine
            from fer_desktop.vision.identity import make_gallery

            gallery, warning = make_gallery(names)
            engine = AnalysisEngine(make_detector(detector), EmotionClassifier.from_dir(models),
                                    gallery=gallery)
            engine.warnings += [warning] if warning else []
            return engine

        return make

    def start(self) -> None:
        if self.controller.running:
            return
        if self.source_factory_override is None:
            if self.settings.source == "screen" and len(self.settings.region) != 4:
                self.select_region(start_after=True)
                return
            if self.settings.source == "video" and not self.settings.video_path:
                self.open_video()
                return
        if self.store is not None:  # the last session could not be saved when it stopped
            self._close_store()
            if self.store is not None:
                QMessageBox.warning(
                    self, "The last session is not saved yet",
                    f"{self.store.pending} rows of the last session could not be saved to "
                    f"{self.store.path}. Free disk space or export the session (File > Export "
                    "CSV) before starting a new one.")
                return
        self.recorder = self._new_recorder()
        self.names.clear()
        self.aliases.clear()
        self.table.reset()
        self.timelines.clear()
        if not self._open_store():
            return  # nothing recorded yet, so nothing is lost: the message says what to do
        self.controller.start(self._source_factory(), self._engine_factory(),
                              self.settings.max_fps)

    def check_model(self) -> bool:
        """Load the model once at start; if it is unusable, say why and disable Start.

        Past sessions can still be opened, reviewed and exported.
        """
        from fer_desktop.labels import EMOTIONS
        from fer_desktop.vision.classifier import EmotionClassifier, ModelError

        try:
            clf = EmotionClassifier.from_dir(self.models_dir)
            if list(clf.labels) != list(EMOTIONS):
                raise ModelError(
                    f"{clf.path.parent / 'labels.json'} lists the classes "
                    f"{', '.join(clf.labels)}; this version of fer_desktop needs "
                    f"{', '.join(EMOTIONS)} in that order. Restore models/ from the release.")
        except ModelError as exc:
            self.model_problem = str(exc)
        else:
            self.model_problem = ""
            self.lbl_model.setText(f"model: {clf.path.name} ({clf.backend})")
        if self.model_problem:
            self.lbl_model.setText("model: unusable")
            self.video.clear(f"The expression model cannot be used.\n{self.model_problem}\n"
                             "Past sessions can still be opened and exported.")
            QMessageBox.critical(self, "fer_desktop: model problem", self.model_problem)
        self._on_state_changed(self.controller.state)
        return not self.model_problem

    def switch_source(self) -> None:
        """Go on with the running session from the source and region now in the settings.

        The session, the student list and the engine (its names and tracks) are kept; only
        the capture is restarted.
        """
        if not self.controller.running:
            return
        paused = self.act_pause.isChecked()
        self.act_pause.setChecked(False)
        self._switching = True
        try:
            self.controller.stop()
        finally:
            self._switching = False
        engine = self.controller.last_engine
        factory = (lambda: engine) if engine is not None else self._engine_factory()
        self.controller.start(self._source_factory(), factory, self.settings.max_fps)
        self.act_pause.setChecked(paused)
        self.statusBar().showMessage(f"Now analysing: {self._source_text()}", 8000)

    def _source_text(self) -> str:
        s = self.settings
        if s.source == "screen":
            if len(s.region) != 4:
                return "screen region"
            return "screen region {}×{} at ({}, {})".format(*s.region[2:], *s.region[:2])
        if s.source == "webcam":
            return f"webcam {s.webcam_index}"
        return Path(s.video_path).name

    def stop(self) -> None:
        self.act_pause.setChecked(False)
        self.controller.stop()
        self._refresh_panels()
        self._close_store()

    # ---- session file -------------------------------------------------------------------
    def _open_store(self) -> bool:
        from dataclasses import asdict

        from fer_desktop.session.store import SessionStore, StoreError, default_sessions_dir

        folder = self.sessions_dir or default_sessions_dir()
        source = {"screen": "screen", "webcam": f"webcam:{self.settings.webcam_index}",
                  "video": Path(self.settings.video_path).name}.get(self.settings.source, "?")
        try:
            self.store = SessionStore.create(folder, source, asdict(self.settings),
                                             aggregate_only=self.settings.aggregate_only)
        except StoreError as exc:
            self.store = None
            self.lbl_saved.setText("⚠ NOT SAVED")
            QMessageBox.warning(
                self, "Cannot start a session",
                f"{exc}\n\nThe session was not started, so nothing is lost. Free disk space, "
                "or point FER_DESKTOP_DATA at a writable folder, then press Start again.")
            return False
        self.snapshot_dir = None
        if self.settings.store_images:
            # for this session only: the next one stores no pictures unless turned on again
            base = self.store.path if self.store is not None else Path(folder) / "session"
            self.snapshot_dir = base.with_name(base.stem + "_snapshots")
            self._last_snapshot = -1e9
            self.settings.store_images = False
            self._save_settings()
        return True

    def _flush_store(self, force: bool = False) -> None:
        from fer_desktop.session.store import StoreError

        if self.store is None:
            return
        try:
            if force:
                self.store.flush()
            elif not self.store.maybe_flush():
                return
            self._store_saved()
        except StoreError as exc:
            self._show_store_problem(f"{exc} — {self.store.pending} observations are kept in "
                                     "memory and saved when possible; you can also export.")

    def _close_store(self) -> None:
        from fer_desktop.session.store import StoreError

        if self.store is None:
            return
        try:
            self.last_session_path = self.store.path
            self.store.flush()
            self.store.finish()
            self.store.close()
            self.store = None
            self._store_saved()
        except StoreError as exc:
            self._show_store_problem(str(exc))

    def _maybe_snapshot(self, result: FrameResult) -> None:
        """Once a minute, the annotated picture (only when the teacher turned it on)."""
        import os

        import cv2

        from fer_desktop.vision.overlay import draw_result

        t = result.frame.timestamp
        if t - self._last_snapshot < SNAPSHOT_INTERVAL_S:
            return
        self._last_snapshot = t
        folder = self.snapshot_dir
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            ok, png = cv2.imencode(".png", draw_result(result.frame.image, result))
            name = folder / f"frame_{result.frame.index:07d}.png"
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(png.tobytes())
        except OSError as exc:
            self.statusBar().showMessage(f"Cannot keep a snapshot in {folder} ({exc}).", 10000)

    def _show_store_problem(self, message: str) -> None:
        """Say at once that saving fails (a dialog the first time, then the status bar)."""
        first = not self._store_failing
        self._store_failing = True
        self.lbl_saved.setText("⚠ NOT SAVED")
        self.lbl_saved.setStyleSheet("color: #c0392b; font-weight: bold")
        self.statusBar().showMessage(message, 20000)
        if first:
            QMessageBox.warning(self, "The session cannot be saved", message)

    def _store_saved(self) -> None:
        if self._store_failing:
            self._store_failing = False
            self.statusBar().showMessage("The session is being saved again; nothing was lost.",
                                         10000)
        self.lbl_saved.setText("saved")
        self.lbl_saved.setStyleSheet("")

    def export_csv(self, pseudonyms: bool = False) -> None:
        """Write the session's long and summary CSVs and the timelines PNG.

        ``pseudonyms``: names become stable pseudonyms (a new key per export) and the PNG,
        whose rows carry the names, is not written.
        """
        from fer_desktop.session.export import (
            ExportError,
            pseudonymize,
            write_long_csv,
            write_summary_csv,
        )
        from fer_desktop.session.store import SessionStore, StoreError

        path, _ = QFileDialog.getSaveFileName(
            self, "Export session as CSV", str(Path(self.qsettings.value("last_dir", "")) /
                                               "session.csv"), "CSV (*.csv)")
        if not path:
            return
        try:
            self._flush_store(force=True)
            store = self.store
            target = store.path if store is not None else self.last_session_path
            if target is None:
                raise ExportError("There is no session to export yet: press Start first.")
            with SessionStore.open(target) as saved:
                if saved.aggregate_only:  # no student rows exist: the class mood per frame
                    from fer_desktop.session.aggregate import write_frames_csv

                    frames = saved.frames()
                    write_frames_csv(path, frames)
                    self.statusBar().showMessage(
                        f"Exported the class mood of {len(frames)} frames to {path} "
                        "(aggregate-only session: no per-student data)", 10000)
                    return
                if store is not None and store.pending:  # saving fails: export it all
                    obs = store.saved_and_pending_observations()
                else:
                    obs = saved.observations()
            for sid, name in self.names.items():
                obs = [o if o.student_id != sid else _renamed(o, name) for o in obs]
            if pseudonyms:
                obs = pseudonymize(obs)
            write_long_csv(path, obs)
            write_summary_csv(Path(path).with_name(Path(path).stem + "_summary.csv"), obs)
            if pseudonyms:
                self.statusBar().showMessage(
                    f"Exported {len(obs)} rows with pseudonyms to {path}", 10000)
                return
            self._refresh_panels()
            png = Path(path).with_name(Path(path).stem + "_timelines.png")
            if not self.timelines.grab().save(str(png)):
                raise ExportError(f"Could not write the plot {png}")
        except (ExportError, StoreError) as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
            return
        self.statusBar().showMessage(f"Exported {len(obs)} rows to {path}", 10000)

    def select_region(self, start_after: bool = False) -> None:
        from fer_desktop.ui.region_selector import RegionSelector

        self._selector = RegionSelector()

        def chosen(region) -> None:
            self.settings.region = list(region)
            self.settings.source = "screen"
            self.source_box.blockSignals(True)
            self.source_box.setCurrentIndex(self.source_box.findData("screen"))
            self.source_box.blockSignals(False)
            self._save_settings()
            self.statusBar().showMessage(f"Region {region}", 5000)
            if self.controller.running:
                self.switch_source()
            elif start_after:
                self.start()

        self._selector.selected.connect(chosen)
        self._selector.show()

    def open_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a recorded class", self.qsettings.value("last_dir", ""),
            "Videos (*.mp4 *.avi *.mkv *.webm *.mov);;All files (*)")
        if not path:
            return
        self.qsettings.setValue("last_dir", str(Path(path).parent))
        self.settings.video_path, self.settings.source = path, "video"
        self.source_box.blockSignals(True)
        self.source_box.setCurrentIndex(self.source_box.findData("video"))
        self.source_box.blockSignals(False)
        self._save_settings()
        self.switch_source()

    def open_session(self, path: str | Path | None = None) -> None:
        """Review a saved session in this window (timelines, student list)."""
        from fer_desktop.session.store import SessionStore, StoreError, default_sessions_dir

        if self.controller.running:
            QMessageBox.information(self, "fer_desktop", "Stop the running session first.")
            return
        if path is None:
            folder = str(self.sessions_dir or default_sessions_dir())
            path, _ = QFileDialog.getOpenFileName(self, "Open a saved session", folder,
                                                  "Sessions (*.sqlite);;All files (*)")
            if not path:
                return
        try:
            with SessionStore.open(path) as saved:
                obs = saved.observations()
                info = saved.info()
        except StoreError as exc:
            QMessageBox.warning(self, "Cannot open the session", str(exc))
            return
        self.recorder = self._new_recorder()
        self.names.clear()
        self.aliases.clear()
        self.table.reset()
        self.timelines.clear()
        self.recorder.add_observations(obs)
        self.last_session_path = Path(path)
        self.video.clear(f"Reviewing session {info.session_id} ({len(obs)} observations)")
        self._refresh_panels()
        self.setWindowTitle(f"fer_desktop — session {info.session_id}")

    def edit_settings(self) -> None:
        from fer_desktop.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.settings, self)
        if dlg.exec() != SettingsDialog.DialogCode.Accepted:
            return
        self.apply_settings(dlg.result_settings())

    def apply_settings(self, settings: AppSettings) -> None:
        """New thresholds apply at once; detector, rate and privacy mode at the next Start."""
        self.settings = settings
        self.recorder.rules = AttentionRules(settings.negative_s, settings.missing_s)
        self.table.setVisible(not settings.aggregate_only)
        self.video.show_faces = not settings.aggregate_only
        self.timelines.set_aggregate_only(settings.aggregate_only)
        self._save_settings()
        self._refresh_panels()

    def offer_recovery(self) -> None:
        """At start-up: sessions left 'recording' by a crash are offered for recovery."""
        from fer_desktop.session.store import StoreError, default_sessions_dir, recover
        from fer_desktop.session.store import unfinished_sessions as unfinished

        try:
            pending = unfinished(self.sessions_dir or default_sessions_dir())
        except (StoreError, OSError):
            return
        for info in pending:
            answer = QMessageBox.question(
                self, "Recover a session",
                f"The session {info.session_id} ({info.source}) was not closed properly, "
                "probably because the app or the computer stopped. Recover it (keep what was "
                "saved and open it)?")
            if answer == QMessageBox.StandardButton.Yes:
                try:
                    recover(info.path)
                except StoreError as exc:
                    QMessageBox.warning(self, "Recovery failed", str(exc))
                    continue
                self.open_session(info.path)

    def show_notice(self) -> None:
        from fer_desktop.ui.notice import NoticeDialog

        NoticeDialog(self).exec()

    # ---- slots --------------------------------------------------------------------------
    def _on_result_ready(self, result: FrameResult) -> None:
        if not self.controller.running:  # a queued result that arrived after Stop
            return
        if self.aliases:
            result = _apply_aliases(result, self.aliases)
        self.recorder.add(result)
        if self.store is not None:
            self.store.add_result(result)
            self._flush_store()
        if self.snapshot_dir is not None:
            self._maybe_snapshot(result)
        self.video.set_result(result)
        s = result.stats
        self.lbl_fps.setText(f"{s.fps:.1f} fps")
        self.lbl_faces.setText(f"{len(result.faces)} faces")
        self.lbl_dropped.setText(f"{s.dropped} dropped")

    def _on_state_changed(self, state: PipelineState) -> None:
        running = state in (PipelineState.RUNNING, PipelineState.PAUSED, PipelineState.STARTING)
        self.act_start.setEnabled(not running and not self.model_problem)

        self.act_pause.setEnabled(state in (PipelineState.RUNNING, PipelineState.PAUSED))
        self.act_stop.setEnabled(running)
        self.lbl_state.setText(state.value)

    def _on_pipeline_ended(self) -> None:
        """The video ended or the analysis stopped on an error: the session is complete."""
        if self._switching or self.store is None:
            return
        self._refresh_panels()
        self._close_store()

    def _on_source_status(self, message: str) -> None:
        """The source was lost (camera unplugged, region off screen) or is back ("")."""
        self.source_problem = message
        if message:
            self.lbl_state.setText("⚠ source lost")
            self.statusBar().showMessage(message)
            self.video.clear(message)
        else:
            self.lbl_state.setText(self.controller.state.value)
            self.statusBar().showMessage("The picture is back; the session goes on.", 8000)

    def _on_error_occurred(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)
        self.video.clear(message)
        QMessageBox.warning(self, "fer_desktop", message)

    def _on_renamed(self, student_id: int, name: str) -> None:
        self.names[student_id] = name
        if self.store is not None:
            from fer_desktop.session.store import StoreError

            try:
                self.store.rename_student(student_id, name)
            except StoreError as exc:
                self._show_store_problem(str(exc))
        self.recorder.rename(student_id, name)
        self.video.names = dict(self.names)

    def merge_selected(self) -> None:
        ids = self.table.selected_ids()
        if len(ids) < 2:
            self.statusBar().showMessage(
                "Select two or more students in the list (Ctrl+click) to merge them.", 8000)
            return
        self.merge_students(ids[0], ids[1:])

    def merge_students(self, keep: int, others: list[int]) -> None:
        """The students ``others`` are ``keep``: one row everywhere, exports included."""
        from fer_desktop.session.store import SessionStore, StoreError

        others = [o for o in others if o != keep]
        for other in others:
            self.aliases[other] = keep
            self.aliases.update({k: keep for k, v in self.aliases.items() if v == other})
            self.recorder.merge(keep, other)
            if other in self.names:
                self.names.setdefault(keep, self.names.pop(other))
        try:
            if self.store is not None:
                for other in others:
                    self.store.merge_students(keep, other)
            elif self.last_session_path is not None and not self.settings.aggregate_only:
                with SessionStore.open(self.last_session_path) as saved:
                    for other in others:
                        saved.merge_students(keep, other)
        except (StoreError, ValueError) as exc:
            self._show_store_problem(str(exc))
        self.video.names = dict(self.names)
        self.table.reset()
        self._refresh_panels()
        self.statusBar().showMessage(
            f"Merged {len(others)} student(s) into {self.recorder.students[keep].label}"
            if keep in self.recorder.students else "Merged", 8000)

    def _on_source_changed(self) -> None:
        self.settings.source = self.source_box.currentData()
        self._save_settings()
        if not self.controller.running:
            return
        if self.settings.source == "screen" and len(self.settings.region) != 4:
            self.select_region()  # switches once a region is chosen
        elif self.settings.source == "video" and not self.settings.video_path:
            self.open_video()
        else:
            self.switch_source()

    def _refresh_panels(self) -> None:
        self._flush_store()
        self.table.refresh(self.recorder)
        self.timelines.refresh(self.recorder, self.names, self.table.selected_ids())

    # ---- persistence --------------------------------------------------------------------
    def _save_settings(self) -> None:
        save_settings(self.settings, self.settings_path)

    def _restore_window(self) -> None:
        geo = self.qsettings.value("geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 800)
        state = self.qsettings.value("window_state")
        if state is not None:
            self.restoreState(state)
        split = self.qsettings.value("splitter")
        if split is not None:
            self.splitter.restoreState(split)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.controller.stop()
        self._close_store()
        if self.store is not None and self.store.pending:
            answer = QMessageBox.question(
                self, "Unsaved observations",
                f"{self.store.pending} rows of this session could not be saved to "
                f"{self.store.path}. Export them to CSV before quitting?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel)
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Yes:
                self.export_csv()
                if self.store is not None and self.store.pending:
                    event.ignore()  # not exported (cancelled or failed): keep the window
                    return
        self.qsettings.setValue("geometry", self.saveGeometry())
        self.qsettings.setValue("window_state", self.saveState())
        self.qsettings.setValue("splitter", self.splitter.saveState())
        self._save_settings()
        super().closeEvent(event)


def _apply_aliases(result: FrameResult, aliases: dict[int, int]) -> FrameResult:
    """The result with merged students under the id they were merged into (and the name of
    that student: the merged one's name as read is dropped, so it cannot rename it)."""
    faces = tuple(replace(f, student_id=aliases[f.student_id], student_name="")
                  if f.student_id in aliases else f for f in result.faces)
    off = tuple(replace(c, student_id=aliases[c.student_id], student_name="")
                if c.student_id in aliases else c for c in result.camera_off)
    return replace(result, faces=faces, camera_off=off)
