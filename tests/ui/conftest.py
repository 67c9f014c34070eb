from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_DESKTOP_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("FER_DESKTOP_DATA", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def qsettings(tmp_path):
    return QSettings(str(tmp_path / "qsettings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True)
def no_modal_messageboxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name,
                            staticmethod(lambda *a, **k: shown.append(a[2] if len(a) > 2 else "")))

    def question(*a, **k):
        shown.append(a[2] if len(a) > 2 else "")
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return shown
