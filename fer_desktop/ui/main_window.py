"""The live class monitor window: layout, actions and slots only.

The session itself (recorder, file, names, merges, snapshots, review, export) is a Qt-free
:class:`~fer_desktop.session.live.LiveSession`; sources and engines come from
:mod:`fer_desktop.pipeline.factories`. The window shows what they say.
"""

from __future__ import annotations

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
    QStackedWidget,
    QToolBar,
)

from fer_desktop.datatypes import FrameResult
from fer_desktop.paths import default_models_dir
from fer_desktop.pipeline import factories
from fer_desktop.pipeline.controller import PipelineController
from fer_desktop.pipeline.worker import PipelineState
from fer_desktop.session.live import LiveSession
from fer_desktop.session.store import StoreError
from fer_desktop.settings import AppSettings, save_settings
from fer_desktop.ui.review_panel import ReviewPanel
from fer_desktop.ui.session_files import SessionFilesMixin, documents_dir
from fer_desktop.ui.student_table import StudentTable
from fer_desktop.ui.timeline_plot import TimelinePanel
from fer_desktop.ui.video_view import VideoView

SOURCE_LABELS = {"screen": "Screen region", "webcam": "Webcam", "video": "Video file"}
#: Appended to a webcam that cannot start: where another camera is chosen.
CAMERA_HINT = "Choose another camera in File > Settings > Webcam index, then press Start."


class MainWindow(SessionFilesMixin, QMainWindow):
    def __init__(self, settings: AppSettings, qsettings: QSettings | None = None,
                 models_dir: Path | None = None, settings_path: Path | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.qsettings = qsettings or QSettings("fer_desktop", "fer_desktop")
        self.models_dir = models_dir or default_models_dir()
        self.settings_path = settings_path
        self.setWindowTitle("fer_desktop — class monitor")
        self.controller = PipelineController(self)
        self.live = LiveSession(settings)
        self.model_problem = ""  # why the model cannot be used ("" when it can)
        self._store_failing = False
        self.source_problem = ""  # the source's message while it is lost
        self._switching = False  # switch_source() stops the worker to start another
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

    # ---- the live session's state, as the window shows it --------------------------------
    @property
    def recorder(self):
        return self.live.recorder

    @property
    def names(self) -> dict[int, str]:
        return self.live.names

    @property
    def store(self):
        return self.live.store

    @property
    def last_session_path(self) -> Path | None:
        return self.live.last_session_path

    @property
    def snapshot_dir(self) -> Path | None:
        return self.live.snapshot_dir

    @property
    def sessions_dir(self) -> Path | None:
        return self.live.sessions_dir

    @sessions_dir.setter
    def sessions_dir(self, folder: Path | None) -> None:
        self.live.sessions_dir = folder

    # ---- layout -------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.video = VideoView()
        self.review = ReviewPanel()
        self.picture = QStackedWidget()
        self.picture.addWidget(self.video)
        self.picture.addWidget(self.review)
        self.table = StudentTable()
        self.table.renamed.connect(self._on_renamed)
        self.table.itemSelectionChanged.connect(self._refresh_timelines)
        self.timelines = TimelinePanel()
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.picture)
        top.addWidget(self.table)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([900, 560])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.timelines)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([470, 450])
        self.setCentralWidget(self.splitter)
        self._build_actions()

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
        tb.addActions([self.act_region, self.act_start, self.act_pause, self.act_stop,
                       self.act_report])
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

    def _build_actions(self) -> None:
        def act(text, slot, shortcut=None, **kw) -> QAction:
            a = QAction(text, self, triggered=slot, **kw)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            return a

        self.act_start = act("&Start", self.start, "Ctrl+R")
        self.act_pause = QAction("&Pause", self, shortcut=QKeySequence("Ctrl+P"),
                                 checkable=True, toggled=self._on_pause_toggled)
        self.act_stop = act("S&top", self.stop, "Ctrl+T")
        self.act_region = act("Select &region…", self.select_region, "Ctrl+G")
        self.act_video = act("Open &video…", self.open_video, QKeySequence.StandardKey.Open)
        self.act_quit = act("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_about = act("&Responsible use…", self.show_notice)
        self.act_guide = act("&User guide", self.show_guide, QKeySequence.StandardKey.HelpContents)
        self.act_export = act("&Export CSV…", lambda: self.export_csv(), "Ctrl+E")
        self.act_sessions = act("&Sessions…", lambda: self.show_sessions(), "Ctrl+Shift+S")
        self.act_open_session = act("Open session &file…", lambda: self.open_session(),
                                    "Ctrl+Shift+O")
        self.act_export_pseudo = act("Export CSV with &pseudonyms…",
                                     lambda: self.export_csv(pseudonyms=True))
        self.act_report = act("&Report…", lambda: self.write_report(), "Ctrl+Shift+R")
        self.act_report.setToolTip("A one-page report of the last class (HTML, opens in the "
                                   "browser)")
        self.act_settings = act("Se&ttings…", self.edit_settings, "Ctrl+,")
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addActions([self.act_sessions, self.act_video, self.act_open_session,
                              self.act_export, self.act_export_pseudo, self.act_report,
                              self.act_settings])
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        session_menu = self.menuBar().addMenu("&Session")
        session_menu.addActions([self.act_start, self.act_pause, self.act_stop, self.act_region])
        self.act_merge = act("&Merge selected students", self.merge_selected, "Ctrl+M")
        self.act_merge.setToolTip("One person seen as two (e.g. after leaving and rejoining): "
                                  "keep the first selected and add the others to it")
        self.menuBar().addMenu("St&udents").addAction(self.act_merge)
        self.table.addAction(self.act_merge)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addActions([self.act_guide, self.act_about])

    # ---- actions ------------------------------------------------------------------------
    def _source_factory(self):
        if self.source_factory_override is not None:
            return self.source_factory_override
        return factories.source_factory(self.settings)

    def _engine_factory(self):
        if self.engine_factory_override is not None:
            return self.engine_factory_override
        return factories.engine_factory(self.settings, self.models_dir)

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
        pictures = self.settings.store_images
        try:
            self.live.begin(factories.source_label(self.settings))
        except StoreError as exc:
            self.lbl_saved.setText("⚠ NOT SAVED" if self.store is not None else "")
            unsaved = self.store is not None
            QMessageBox.warning(
                self, "The last session is not saved yet" if unsaved else
                "Cannot start a session",
                str(exc) if unsaved else
                f"{exc}\n\nThe session was not started, so nothing is lost. Free disk space, "
                "or point FER_DESKTOP_DATA at a writable folder, then press Start again.")
            return
        if pictures:
            self._save_settings()  # pictures are kept for this session only
        self.table.reset()
        self.timelines.clear()
        self.picture.setCurrentWidget(self.video)
        self.video.clear("Starting…")
        self.setWindowTitle("fer_desktop — class monitor")
        self.controller.release_engine()
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
        self.controller.release_engine()  # its memory goes back (a new Start builds one)
        self._refresh_panels()
        self._close_store()
        self._clear_status()

    def _clear_status(self) -> None:
        for label in (self.lbl_fps, self.lbl_faces, self.lbl_dropped):
            label.setText("")

    def _on_pause_toggled(self, paused: bool) -> None:
        self.controller.set_paused(paused)
        if paused:
            self._clear_status()

    # ---- session file -------------------------------------------------------------------
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
            self, "Open a recorded class", self.qsettings.value("last_dir", "") or
            str(documents_dir()), "Videos (*.mp4 *.avi *.mkv *.webm *.mov);;All files (*)")
        if not path:
            return
        self.qsettings.setValue("last_dir", str(Path(path).parent))
        self.settings.video_path, self.settings.source = path, "video"
        self.source_box.blockSignals(True)
        self.source_box.setCurrentIndex(self.source_box.findData("video"))
        self.source_box.blockSignals(False)
        self._save_settings()
        self.switch_source()

    def edit_settings(self) -> None:
        from fer_desktop.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.settings, self)
        if dlg.exec() != SettingsDialog.DialogCode.Accepted:
            return
        self.apply_settings(dlg.result_settings())

    def apply_settings(self, settings: AppSettings) -> None:
        """New thresholds apply at once; detector, rate and privacy mode at the next Start."""
        self.settings = settings
        self.live.set_rules(settings)
        self.table.setVisible(not settings.aggregate_only)
        self.video.show_faces = not settings.aggregate_only
        self.timelines.set_aggregate_only(settings.aggregate_only)
        self._save_settings()
        self._refresh_panels()

    def show_notice(self) -> None:
        from fer_desktop.ui.notice import NoticeDialog

        NoticeDialog(self).exec()

    def show_guide(self) -> None:
        from fer_desktop.ui.guide import GuideDialog

        self._guide = GuideDialog(self)
        self._guide.show()

    # ---- slots --------------------------------------------------------------------------
    def _on_result_ready(self, result: FrameResult) -> None:
        if not self.controller.running or self.store is None:  # queued after Stop
            return
        self._show_save_status(self.live.add(result))
        if self.live.snapshot_problem:
            self.statusBar().showMessage(self.live.snapshot_problem, 10000)
            self.live.snapshot_problem = ""
        self.video.set_result(result)
        if self.act_pause.isChecked():  # a frame still in flight when Pause was pressed
            return
        s = result.stats
        self.lbl_fps.setText(f"{s.fps:.1f} fps")
        self.lbl_faces.setText(f"{len(result.faces)} faces")
        self.lbl_dropped.setText(f"{s.dropped} dropped")

    def _on_state_changed(self, state: PipelineState) -> None:
        running = state in (PipelineState.RUNNING, PipelineState.PAUSED, PipelineState.STARTING)
        self.act_start.setEnabled(not running and not self.model_problem)
        self.act_pause.setEnabled(state in (PipelineState.RUNNING, PipelineState.PAUSED))
        self.act_stop.setEnabled(running)
        self.act_report.setEnabled(not running and self.last_session_path is not None)
        self.lbl_state.setText(state.value)
        if state in (PipelineState.PAUSED, PipelineState.STOPPED, PipelineState.FAULTED):
            self._clear_status()

    def _on_pipeline_ended(self) -> None:
        """The video ended or the analysis stopped on an error: the session is complete."""
        if self._switching or self.store is None:
            return
        self._refresh_panels()
        self._close_store()
        self.controller.release_engine()
        self._clear_status()

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
        if self.settings.source == "webcam" and self.source_factory_override is None and (
                self.live.frames_added == 0):
            message = f"{message}\n\n{CAMERA_HINT}"
        self.statusBar().showMessage(" ".join(message.split()), 15000)
        self.video.clear(message)
        QMessageBox.warning(self, "fer_desktop", message)

    def _on_renamed(self, student_id: int, name: str) -> None:
        try:
            self.live.rename(student_id, name)
        except StoreError as exc:
            self._show_store_problem(str(exc))
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
        merged = [o for o in others if o != keep]
        try:
            self.live.merge(keep, merged)
        except (StoreError, ValueError) as exc:
            self._show_store_problem(str(exc))
        self.video.names = dict(self.names)
        self.table.reset()
        self._refresh_panels()
        self.statusBar().showMessage(
            f"Merged {len(merged)} student(s) into {self.recorder.students[keep].label}"
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

    def _refresh_timelines(self) -> None:
        self.timelines.refresh(self.recorder, self.names, self.table.selected_ids())

    def _refresh_panels(self) -> None:
        self._flush_store()
        self.table.refresh(self.recorder)
        self._refresh_timelines()

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
        self.controller.release_engine()
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
