"""Help > User guide: the short guide shipped with the app (resources/user_guide.md)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from fer_desktop.paths import resources_dir


def guide_path():
    return resources_dir() / "user_guide.md"


class GuideDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("fer_desktop — user guide")
        self.resize(720, 640)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        path = guide_path()
        try:
            self.text.setMarkdown(path.read_text(encoding="utf-8"))
        except OSError as exc:
            self.text.setPlainText(f"The user guide {path} cannot be read ({exc}); the "
                                   "installation may be incomplete: reinstall fer_desktop.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(buttons)
