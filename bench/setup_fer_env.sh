#!/usr/bin/env bash
# Create (or refresh) bench/.venv-fer: a separate virtual environment that runs
# the PyPI `fer` package, the peer that fer_desktop is benchmarked against.
#
# `pip install fer` with its declared dependencies would pull torch (via
# facenet-pytorch), opencv-contrib-python, moviepy, pandas, matplotlib, ...
# None of that is used by `from fer.fer import FER; FER(mtcnn=False)`, so fer
# is installed with --no-deps and every other package is pinned here and also
# installed with --no-deps, so the venv holds exactly this list and nothing
# is resolved behind our back.
#
# What `fer.fer` imports at module level (fer 25.10.3):
#   cv2                  -> opencv-python-headless 4.x (OpenCV 5 dropped
#                           CascadeClassifier; headless = no Qt)
#   numpy
#   pkg_resources        -> setuptools < 81 (81 removed pkg_resources)
#   requests             (only used for tfserving / URL images)
#   tensorflow + tensorflow.keras (keras 3)
#                        -> tensorflow-cpu; the default model is
#                           data/emotion_model_quantized.tflite, run through
#                           tf.lite.Interpreter (fer hard-imports tensorflow,
#                           so ai-edge-litert alone cannot replace it)
#   PIL (via fer.utils)  -> pillow
# The remaining pins are tensorflow-cpu 2.21.0's and keras's own
# dependencies, as pip resolved them.
#
# Usage: bench/setup_fer_env.sh [--force]    (--force recreates the venv)
# Env:   PYTHON=python3.11 to choose the interpreter (default: python3).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv-fer"
PYTHON="${PYTHON:-python3}"

PINS=(
  # the peer itself and what fer.fer imports
  fer==25.10.3
  tensorflow-cpu==2.21.0
  opencv-python-headless==4.14.0.94
  numpy==2.4.6
  setuptools==80.9.0
  requests==2.34.2
  pillow==13.0.0
  # requests' dependencies
  certifi==2026.10.19.post1
  charset-normalizer==3.5.3
  idna==3.20
  urllib3==2.8.0
  # tensorflow-cpu 2.21.0 dependencies
  absl-py==2.5.1
  astunparse==1.6.3
  flatbuffers==25.12.19
  gast==0.7.0
  google-pasta==0.2.0
  grpcio==1.85.3
  h5py==3.14.0
  keras==3.15.1
  libclang==18.1.1
  ml-dtypes==0.6.0
  opt-einsum==3.4.0
  packaging==26.4
  protobuf==7.36.2
  six==1.17.0
  termcolor==3.3.0
  typing-extensions==4.16.0
  wrapt==2.5.2
  # keras 3.15.1 dependencies
  namex==0.1.0
  optree==0.20.0
  rich==15.0.0
  markdown-it-py==4.3.0
  mdurl==0.1.2
  pygments==2.21.0
)

if [[ "${1:-}" == "--force" && -d "$VENV" ]]; then
  echo "[setup_fer_env] removing $VENV"
  rm -rf "$VENV"
fi

if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c "import sys" 2>/dev/null; then
  echo "[setup_fer_env] reusing $VENV"
else
  rm -rf "$VENV"
  echo "[setup_fer_env] creating $VENV with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi

echo "[setup_fer_env] installing ${#PINS[@]} pinned packages (--no-deps)"
# pip is a no-op for pins that are already satisfied, so re-running is cheap.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-deps --no-compile --only-binary=:all: "${PINS[@]}" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
# grep above hides harmless notes about absent local index folders; make sure
# pip itself succeeded by checking that every pin is now installed.
"$VENV/bin/python" - "${PINS[@]}" <<'EOF'
import sys
from importlib.metadata import version, PackageNotFoundError

missing = []
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        have = version(name)
    except PackageNotFoundError:
        have = None
    if have != want:
        missing.append(f"{name}: want {want}, have {have}")
if missing:
    sys.exit("[setup_fer_env] pip did not install:\n  " + "\n  ".join(missing))
EOF

echo "[setup_fer_env] installed packages:"
"$VENV/bin/python" -m pip list --disable-pip-version-check --format=freeze 2>/dev/null \
  | sed 's/^/  /'

echo "[setup_fer_env] smoke test: import fer.fer and build FER(mtcnn=False)"
TF_CPP_MIN_LOG_LEVEL=2 "$VENV/bin/python" -W ignore -c '
import fer
from fer.fer import FER
import cv2, tensorflow as tf
FER(mtcnn=False)
print(f"  fer {fer.__version__}, tensorflow {tf.__version__}, opencv {cv2.__version__}: OK")
'
echo "[setup_fer_env] done: run the peer with $VENV/bin/python $HERE/fer_peer.py"
