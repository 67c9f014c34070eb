#!/usr/bin/env bash
# Keep the FER-2013-trained release (69.85% PrivateTest) selectable in models/fer2013/ before a
# FER+-trained model is released into models/ (issue #16). Moves the release's files with
# `git mv` (history kept), then adds the FER+ figures to its reports, so that its card and the
# new card can show both label sets side by side. Run it once, from a clean checkout:
#   bash tools/keep_fer2013_model.sh            # move and evaluate
#   bash tools/keep_fer2013_model.sh --dry-run  # print what it would do
# Afterwards: `fer-desktop evaluate --model models/fer2013 ...`, `fer-desktop analyze --models
# models/fer2013 ...`, or FER_DESKTOP_MODELS=models/fer2013 for the app.
set -euo pipefail
cd "$(dirname "$0")/.."
DRY=${1:-}
run() { if [ "$DRY" = "--dry-run" ]; then echo "+ $*"; else "$@"; fi; }
DEST=models/fer2013
if [ -e "$DEST/model.keras" ]; then
  echo "error: $DEST already holds a model; nothing moved" >&2
  exit 2
fi
if grep -q '"labels": "ferplus"' models/config.json; then
  echo "error: models/ holds a FER+-trained release, not the FER-2013 one; nothing moved" >&2
  exit 2
fi
run mkdir -p "$DEST"
# the model, its provenance and its card; stage*/ hold the configs of the chain of warm restarts
for name in model.keras model.tflite labels.json config.json history.csv train_time.json \
            release.json MODEL_CARD.md reports models/stage*; do
  name=${name#models/}
  if [ -e "models/$name" ]; then run git mv "models/$name" "$DEST/$name"; fi
done
export TF_CPP_MIN_LOG_LEVEL=3
# evaluation of an existing release (no choice depends on it): the FER+ section of its reports
run .venv/bin/fer-desktop evaluate --model "$DEST" --split PublicTest --out "$DEST/reports/PublicTest"
run .venv/bin/fer-desktop evaluate --model "$DEST" --split PrivateTest --out "$DEST/reports/PrivateTest"
echo "kept the FER-2013 model in $DEST; release the new model into models/ now"
