from __future__ import annotations

import subprocess
import sys

import pytest

FORBIDDEN = ("PySide6", "pyqtgraph", "tensorflow", "keras", "fer_desktop.vision")


@pytest.mark.parametrize("package", ["fer_desktop.capture", "fer_desktop.session"])
def test_package_imports_no_qt_and_no_vision(package: str) -> None:
    code = (
        f"import sys, {package}\n"
        f"bad = [m for m in sys.modules for f in {FORBIDDEN!r}\n"
        "       if m == f or m.startswith(f + '.')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
