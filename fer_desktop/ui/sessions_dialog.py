"""File > Sessions: the past classes (date, start, duration, students, a name to give)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from fer_desktop.session.store import SessionStore, StoreError, list_sessions

COLUMNS = ("Name", "Date", "Start", "Duration", "Students", "Status")


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


class SessionsDialog(QDialog):
    """Lists the sessions of ``folder``, newest first; double-click or Open reviews one.

    The Name column is editable: the name is saved in the session file at once."""

    def __init__(self, folder: Path, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sessions")
        self.resize(760, 420)
        self.folder = Path(folder)
        self.chosen: Path | None = None
        self.sessions = [s for s in reversed(list_sessions(self.folder)) if not s.error]
        self.table = QTableWidget(len(self.sessions), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.SelectedClicked)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for row, info in enumerate(self.sessions):
            start = time.localtime(info.started_at)
            status = {"recording": "not finished", "finished": "finished"}.get(info.status,
                                                                               info.status)
            if info.recovered:
                status = "recovered"
            values = (info.title, time.strftime("%a %d %b %Y", start),
                      time.strftime("%H:%M", start), _duration(info.duration_s),
                      "class mood only" if info.aggregate_only else str(info.students), status)
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                else:
                    item.setToolTip("Type a name for this class (e.g. 'Biology 2B')")
                item.setData(Qt.ItemDataRole.UserRole, str(info.path))
                self.table.setItem(row, col, item)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemDoubleClicked.connect(self._on_double_clicked)
        if self.sessions:
            self.table.selectRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._open_selected)
        buttons.rejected.connect(self.reject)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        self.open_button.setEnabled(bool(self.sessions))
        lay = QVBoxLayout(self)
        hint = ("Your past classes, newest first. Double-click a name to give the class a name; "
                "double-click another column, or press Open, to review it."
                if self.sessions else f"No class has been recorded yet (in {self.folder}).")
        lay.addWidget(QLabel(hint))
        lay.addWidget(self.table)
        lay.addWidget(buttons)

    def rename(self, row: int, title: str) -> None:
        """Give the class of ``row`` a name (saved in its file)."""
        self.table.item(row, 0).setText(title)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        path = Path(item.data(Qt.ItemDataRole.UserRole))
        try:
            with SessionStore.open(path) as store:
                store.set_title(item.text())
        except StoreError as exc:
            QMessageBox.warning(self, "Cannot name the class", str(exc))

    def _on_double_clicked(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            self.choose(item.row())

    def _open_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if rows:
            self.choose(min(rows))

    def choose(self, row: int) -> None:
        """Review the class of ``row`` (closes the dialog)."""
        self.chosen = self.sessions[row].path
        self.accept()
