"""Composition root: QApplication, logging, settings, first-run notice, main window."""

from __future__ import annotations

import logging
import sys


def main(argv: list[str] | None = None, quit_after: float = 0.0) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from fer_desktop.settings import load_settings, save_settings
    from fer_desktop.ui.main_window import MainWindow
    from fer_desktop.ui.notice import NoticeDialog

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1] + list(argv or []))
    app.setApplicationName("fer_desktop")
    app.setOrganizationName("fer_desktop")
    from PySide6.QtGui import QIcon

    from fer_desktop.paths import resources_dir

    app.setWindowIcon(QIcon(str(resources_dir() / "icon.png")))
    settings = load_settings()
    if not settings.notice_accepted:
        if NoticeDialog().exec() != NoticeDialog.DialogCode.Accepted:
            return 0
        settings.notice_accepted = True
        save_settings(settings)
    window = MainWindow(settings)
    window.show()
    window.check_model()
    if quit_after <= 0:
        window.offer_recovery()
    if quit_after > 0:
        QTimer.singleShot(int(quit_after * 1000), window.close)
    logging.getLogger(__name__).info("window open (model folder %s)", window.models_dir)
    return app.exec()
