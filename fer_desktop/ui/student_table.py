"""Student list: editable name, current expression, time shares, "needs attention" flag."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from fer_desktop.labels import EMOTIONS
from fer_desktop.session.recorder import NEGATIVE, SessionRecorder
from fer_desktop.ui.video_view import qcolor

COLUMNS = ("Student", "Now", "Conf.", "Happy", "Neutral", "Negative", "Seen",
           "Attention")
#: What each column means, as the header's tooltip: the three shares are over the whole
#: session, unlike "Now", and read wrongly without saying so.
TOOLTIPS = (
    "The student's name: double-click to edit",
    "The expression now (smoothed over the last few frames)",
    "How sure the model is of the expression now",
    "Share of this session's analysed frames in which the student looked happy",
    "Share of this session's analysed frames in which the student looked neutral",
    "Share of this session's analysed frames in which the student looked angry, disgusted, "
    "afraid or sad",
    "How long the student's face has been seen this session",
    "Why the student may need attention, if they may",
)
_NEG_IDX = [EMOTIONS.index(e) for e in NEGATIVE]


class StudentTable(QTableWidget):
    """One row per student; the teacher edits names in the first column."""

    renamed = Signal(int, str)  # student_id, new name

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        for c, tip in enumerate(TOOLTIPS):
            self.horizontalHeaderItem(c).setToolTip(tip)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.setSortingEnabled(False)
        self._rows: dict[int, int] = {}
        self._updating = False
        self.itemChanged.connect(self._on_item_changed)

    def selected_ids(self) -> list[int]:
        """Student ids of the selected rows, in the order of the list."""
        rows = sorted({i.row() for i in self.selectedIndexes()})
        return [int(self.item(r, 0).data(Qt.ItemDataRole.UserRole)) for r in rows]

    def row_of(self, student_id: int) -> int | None:
        return self._rows.get(student_id)

    def refresh(self, rec: SessionRecorder) -> None:
        self._updating = True
        interval = rec.frame_interval()
        try:
            for sid, st in sorted(rec.students.items()):
                row = self._rows.get(sid)
                if row is None:
                    row = self.rowCount()
                    self.insertRow(row)
                    self._rows[sid] = row
                    item = QTableWidgetItem(st.label)
                    item.setData(Qt.ItemDataRole.UserRole, sid)
                    self.setItem(row, 0, item)
                    for c in range(1, len(COLUMNS)):
                        cell = QTableWidgetItem("")
                        cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                        self.setItem(row, c, cell)
                name_item = self.item(row, 0)
                if not self.isPersistentEditorOpen(name_item) and name_item.text() != st.label:
                    name_item.setText(st.label)
                shares = st.shares()
                expr = EMOTIONS[st.expression]
                reason = rec.attention(st)
                shown = "camera off" if st.camera_off else expr
                conf = "" if st.camera_off else f"{st.confidence:.0%}"
                values = (shown, conf, f"{shares[3]:.0%}", f"{shares[6]:.0%}",
                          f"{shares[_NEG_IDX].sum():.0%}",
                          f"{int(rec.seconds_seen(st, interval))} s",
                          f"⚠ {reason}" if reason else "")
                for c, v in enumerate(values, start=1):
                    self.item(row, c).setText(v)
                self.item(row, 1).setForeground(
                    QBrush(QColor(140, 140, 140) if st.camera_off else qcolor(expr)))
                bg = QColor(255, 200, 120, 90) if reason else QColor(0, 0, 0, 0)
                self.item(row, 7).setBackground(QBrush(bg))
        finally:
            self._updating = False

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating or item.column() != 0:
            return
        sid = item.data(Qt.ItemDataRole.UserRole)
        if sid is not None:
            self.renamed.emit(int(sid), item.text().strip())

    def reset(self) -> None:
        self.setRowCount(0)
        self._rows.clear()
