"""The window's session files: saving status, export, report, File > Sessions, review and
recovery (a mixin of MainWindow; the work itself is the Qt-free LiveSession's)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fer_desktop.session.export import ExportError
from fer_desktop.session.store import StoreError


def documents_dir() -> Path:
    """The user's documents folder (home when the desktop names none)."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs else Path.home()


class SessionFilesMixin:
    """Needs ``live``, ``controller``, ``qsettings``, ``models_dir``, the panels and labels
    that MainWindow builds."""

    def _flush_store(self, force: bool = False) -> None:
        self._show_save_status(self.live.flush(force))

    def _show_save_status(self, status: str | None) -> None:
        if status is None:
            return
        if status:
            self._show_store_problem(status)
        else:
            self._store_saved()

    def _close_store(self) -> None:
        if self.store is None:
            return
        problem = self.live.finish()
        if problem:
            self._show_store_problem(problem)
        else:
            self._store_saved()
        self.act_report.setEnabled(self.last_session_path is not None)

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

    def _save_path(self, title: str, name: str, filters: str) -> str:
        """A save dialog that opens in the folder last used, else the documents folder."""
        folder = Path(self.qsettings.value("last_export_dir", "") or documents_dir())
        path, _ = QFileDialog.getSaveFileName(self, title, str(folder / name), filters)
        if path:
            self.qsettings.setValue("last_export_dir", str(Path(path).parent))
        return path

    def export_csv(self, pseudonyms: bool = False) -> None:
        """Write the session's long and summary CSVs and the timelines PNG.

        ``pseudonyms``: names become stable pseudonyms (a new key per export) and the PNG,
        whose rows carry the names, is not written.
        """
        path = self._save_path("Export session as CSV", "session.csv", "CSV (*.csv)")
        if not path:
            return
        try:
            done = self.live.export(path, pseudonyms)
            if done.aggregate_only:
                self.statusBar().showMessage(
                    f"Exported the class mood of {done.rows} frames to {path} "
                    "(aggregate-only session: no per-student data)", 10000)
                return
            if pseudonyms:
                self.statusBar().showMessage(
                    f"Exported {done.rows} rows with pseudonyms to {path}", 10000)
                return
            self._refresh_panels()
            png = Path(path).with_name(Path(path).stem + "_timelines.png")
            if not self.timelines.grab().save(str(png)):
                raise ExportError(f"Could not write the plot {png}")
        except (ExportError, StoreError) as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
            return
        self.statusBar().showMessage(f"Exported {done.rows} rows to {path}", 10000)

    def write_report(self, path: str | Path | None = None, open_it: bool = True) -> Path | None:
        """The one-page HTML report of the last session; opens in the default browser."""
        from fer_desktop.session.report import ReportError, write_report

        session = self.last_session_path
        if session is None or self.store is not None:
            QMessageBox.information(self, "fer_desktop", "Stop the class first: the report "
                                    "is written from a finished session.")
            return None
        if path is None:
            path = self._save_path("Write the class report", f"report-{session.stem}.html",
                                   "HTML (*.html)")
            if not path:
                return None
        try:
            out = write_report(session, path, self.models_dir, names=self.names)
        except (ReportError, StoreError, ExportError) as exc:
            QMessageBox.warning(self, "Report failed", str(exc))
            return None
        self.statusBar().showMessage(f"Report written to {out}", 10000)
        if open_it:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
        return out

    def show_sessions(self) -> None:
        """File > Sessions: the past classes; the one chosen opens for review."""
        from fer_desktop.ui.sessions_dialog import SessionsDialog

        dlg = SessionsDialog(self.live.folder, self)
        self._sessions_dialog = dlg
        if dlg.exec() == SessionsDialog.DialogCode.Accepted and dlg.chosen is not None:
            self.open_session(dlg.chosen)

    def open_session(self, path: str | Path | None = None) -> None:
        """Review a saved session here: its summary, timelines with the cursor, students."""
        if self.controller.running:
            QMessageBox.information(self, "fer_desktop", "Stop the running session first.")
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open a saved session",
                                                  str(self.live.folder),
                                                  "Sessions (*.sqlite);;All files (*)")
            if not path:
                return
        try:
            review = self.live.review(path)
            summaries = self.live.summaries()
        except StoreError as exc:
            QMessageBox.warning(self, "Cannot open the session", str(exc))
            return
        self.table.reset()
        self.timelines.clear()
        self._refresh_panels()
        self.review.show_session(review.info, self.recorder, summaries, review.frames)
        self.picture.setCurrentWidget(self.review)
        self.act_report.setEnabled(True)
        self._clear_status()
        title = review.info.title or review.info.session_id
        self.setWindowTitle(f"fer_desktop — session {title}")

    def offer_recovery(self) -> None:
        """At start-up: sessions left 'recording' by a crash are offered for recovery."""
        from fer_desktop.session.store import recover
        from fer_desktop.session.store import unfinished_sessions as unfinished

        try:
            pending = unfinished(self.live.folder)
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
