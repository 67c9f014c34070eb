from __future__ import annotations

import subprocess
import sys


def test_python_m_and_help_list_the_subcommands():
    out = subprocess.run([sys.executable, "-m", "fer_desktop", "--help"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    for cmd in ("train", "evaluate", "release"):
        assert cmd in out
