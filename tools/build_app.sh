#!/usr/bin/env bash
# Builds the one-folder app into dist/fer-desktop/ with PyInstaller (build.spec).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install -q "pyinstaller>=6.10,<7"
.venv/bin/python -m PyInstaller --noconfirm --clean --log-level WARN build.spec
echo "built dist/fer-desktop/fer-desktop"
