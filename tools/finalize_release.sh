#!/usr/bin/env bash
# After `fer-desktop train --out runs/release`: release into models/, evaluate PublicTest and
# (once) PrivateTest, benchmark, and write the model card. Logs go to runs/release/finalize/.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:-runs/release}
LOG=$RUN/finalize
mkdir -p "$LOG"
export TF_CPP_MIN_LOG_LEVEL=3
.venv/bin/fer-desktop release "$RUN" 2>&1 | grep -v "TensorSpec\|^W0000\|^I0000\|WARNING" | tee "$LOG/release.txt"
.venv/bin/fer-desktop evaluate --split PublicTest --out models/reports/PublicTest 2>&1 | tee "$LOG/public.txt"
.venv/bin/fer-desktop evaluate --split PrivateTest --out models/reports/PrivateTest 2>&1 | tee "$LOG/private.txt"
.venv/bin/python bench/classify.py 2>&1 | grep -v "INFO\|^W0000\|^I0000" | tee "$LOG/classify.md"
.venv/bin/fer-desktop model-card "$RUN" --bench "$LOG/classify.md"
