"""The first-run notice (PRODUCT.md, Responsible use) that must be acknowledged."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout

NOTICE = """<h3>Before you start</h3>
<p>fer_desktop estimates the <b>observed facial expressions</b> of the people it sees, with a
model trained on FER-2013 (about 70% accurate on that benchmark, and often less on real
webcam faces). It does not know what anyone feels: read its output as a trend, never as a
judgement of a student.</p>
<ul>
<li>Everything runs on this computer. Nothing is sent over the network.</li>
<li>No images or video are stored unless you turn that on for a session.</li>
<li><b>Tell the participants and obtain their agreement</b> before you monitor a class.
An aggregate-only mode (class mood, no per-student data) is available in Settings.</li>
<li>In the EU, emotion inference in education institutions is prohibited since
2 February 2025 (AI Act, Regulation 2024/1689, Article 5(1)(f)), except for medical or
safety reasons.</li>
</ul>"""


class NoticeDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("fer_desktop — responsible use")
        lay = QVBoxLayout(self)
        text = QLabel(NOTICE)
        text.setWordWrap(True)
        lay.addWidget(text)
        self.check = QCheckBox("I have read this, and participants are informed and agree")
        lay.addWidget(self.check)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.check.toggled.connect(ok.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.resize(560, 420)
