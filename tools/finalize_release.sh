#!/usr/bin/env bash
# After `fer-desktop train --out runs/release`: release into models/, evaluate PublicTest and
# (once) PrivateTest, benchmark, and write the model card. Logs go to RUN/finalize/.
# Usage: bash tools/finalize_release.sh [RUN] [PREVIOUS_RUN]
#   PREVIOUS_RUN: for a warm restart (--init-from), the run whose weights it started from;
#   its config and history are kept as models/stage1/ and the card describes both stages.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:-runs/release}
PREV=${2:-}
LOG=$RUN/finalize
mkdir -p "$LOG"
export TF_CPP_MIN_LOG_LEVEL=3
.venv/bin/fer-desktop release "$RUN" 2>&1 | grep -v "TensorSpec\|^W0000\|^I0000\|WARNING" | tee "$LOG/release.txt"
.venv/bin/fer-desktop evaluate --split PublicTest --out models/reports/PublicTest 2>&1 | tee "$LOG/public.txt"
.venv/bin/fer-desktop evaluate --split PrivateTest --out models/reports/PrivateTest 2>&1 | tee "$LOG/private.txt"
.venv/bin/python bench/classify.py 2>&1 | grep -v "INFO\|^W0000\|^I0000" | tee "$LOG/classify.md"
if [ -n "$PREV" ]; then
  mkdir -p models/stage1
  cp "$PREV"/config.json "$PREV"/history.csv "$PREV"/train_time.json models/stage1/
  .venv/bin/fer-desktop model-card "$RUN" --bench "$LOG/classify.md" --previous models/stage1
else
  .venv/bin/fer-desktop model-card "$RUN" --bench "$LOG/classify.md"
fi
