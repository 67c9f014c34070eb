#!/usr/bin/env bash
# After `fer-desktop train --out RUN`: release into models/, evaluate PublicTest and (once)
# PrivateTest, benchmark, and write the model card. Logs go to RUN/finalize/.
# Usage: bash tools/finalize_release.sh [RUN] [EARLIER_STAGE...]
#   EARLIER_STAGE: for a chain of warm restarts (--init-from), the run folders of the stages
#   before RUN, earliest first; their config and history are kept as models/stage1/,
#   models/stage2/, ... and the card describes every stage.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:-runs/release}
shift || true
LOG=$RUN/finalize
mkdir -p "$LOG"
export TF_CPP_MIN_LOG_LEVEL=3
previous=()
k=1
for prev in "$@"; do  # before the release, which replaces models/config.json
  dest=models/stage$k
  if [ "$(realpath "$prev")" != "$(realpath -m "$dest")" ]; then
    mkdir -p "$dest"
    cp "$prev"/config.json "$prev"/history.csv "$prev"/train_time.json "$dest"/
  fi
  previous+=(--previous "$dest")
  k=$((k + 1))
done
.venv/bin/fer-desktop release "$RUN" 2>&1 | grep -v "TensorSpec\|^W0000\|^I0000\|WARNING" | tee "$LOG/release.txt"
# the temperature (FER+ votes of PublicTest) before the evaluations, which apply it
.venv/bin/fer-desktop calibrate models 2>&1 | grep -v "^W0000\|^I0000\|WARNING" | tee "$LOG/calibrate.txt"
.venv/bin/fer-desktop evaluate --split PublicTest --out models/reports/PublicTest 2>&1 | tee "$LOG/public.txt"
.venv/bin/fer-desktop evaluate --split PrivateTest --out models/reports/PrivateTest 2>&1 | tee "$LOG/private.txt"
.venv/bin/python bench/classify.py 2>&1 | grep -v "INFO\|^W0000\|^I0000" | tee "$LOG/classify.md"
# CANDIDATES="runs/a runs/b": the other runs considered, tabled in the card beside the release
candidates=()
for cand in ${CANDIDATES:-}; do candidates+=(--candidate "$cand"); done
epoch_time=()
if [ -f docs/epoch_time.jsonl ]; then epoch_time=(--epoch-time docs/epoch_time.jsonl); fi
.venv/bin/fer-desktop model-card "$RUN" --bench "$LOG/classify.md" "${previous[@]}" \
  "${candidates[@]}" "${epoch_time[@]}"
