"""Settings: attention thresholds, privacy modes, detector and analysis rate."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QSpinBox,
)

from fer_desktop.settings import AppSettings


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = settings
        form = QFormLayout(self)
        self.negative = QSpinBox(minimum=10, maximum=3600, suffix=" s",
                                 value=int(settings.negative_s))
        self.missing = QSpinBox(minimum=5, maximum=3600, suffix=" s",
                                value=int(settings.missing_s))
        self.fps = QDoubleSpinBox(minimum=1, maximum=30, decimals=0, suffix=" frames/s",
                                  value=settings.max_fps)
        self.fps.setToolTip("Every face is refreshed in every analysed frame. 3 frames/s "
                            "refreshes each face three times a second and leaves most of the "
                            "computer to the meeting; more costs CPU (about 0.2 of one core at "
                            "3, 0.6 at 15, on a 25-face gallery).")
        self.detector = QComboBox()
        self.detector.addItem("BlazeFace (more faces found)", "blazeface")
        self.detector.addItem("Haar cascade (OpenCV)", "haar")
        self.detector.setCurrentIndex(max(0, self.detector.findData(settings.detector)))
        self.webcam = QSpinBox(minimum=0, maximum=16, value=settings.webcam_index)
        self.names = QCheckBox("Read participant names in gallery tiles (Tesseract OCR)")
        self.names.setChecked(settings.read_names)
        from fer_desktop.vision.names import available_scripts, default_scripts

        chosen = settings.name_scripts or default_scripts()
        self.scripts: dict[str, QCheckBox] = {}
        for name in available_scripts():
            box = QCheckBox(name)
            box.setChecked(name in chosen)
            self.scripts[name] = box
        self.snapshots = QCheckBox("Keep an annotated snapshot of the picture every minute "
                                   "(next session only)")
        self.snapshots.setChecked(settings.store_images)
        self.aggregate = QCheckBox("Aggregate only: class mood, no per-student data")
        self.aggregate.setChecked(settings.aggregate_only)
        form.addRow("Flag negative expressions after", self.negative)
        form.addRow("Flag a face not seen after", self.missing)
        form.addRow("Analyse at most", self.fps)
        form.addRow("Face detector", self.detector)
        form.addRow("Webcam index", self.webcam)
        form.addRow(self.names)
        if self.scripts:
            row = QHBoxLayout()
            for box in self.scripts.values():
                row.addWidget(box)
            form.addRow("Names written in", row)
        form.addRow(self.aggregate)
        form.addRow(self.snapshots)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def result_settings(self) -> AppSettings:
        return replace(self._settings, negative_s=float(self.negative.value()),
                       missing_s=float(self.missing.value()), max_fps=self.fps.value(),
                       detector=self.detector.currentData(), webcam_index=self.webcam.value(),
                       aggregate_only=self.aggregate.isChecked(),
                       read_names=self.names.isChecked(),
                       name_scripts=[n for n, b in self.scripts.items() if b.isChecked()],
                       store_images=self.snapshots.isChecked())
