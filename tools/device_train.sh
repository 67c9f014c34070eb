#!/usr/bin/env bash
# Train candidate models side by side on a lent GPU machine, within a time budget.
#
# Runs on the device machine, from the repository root:
#   bash tools/device_train.sh BUDGET_MINUTES [NAME="TRAIN OPTIONS" ...]
# e.g. bash tools/device_train.sh 7.5 wide="--arch fernet_wide --lr 0.002"
# Without candidates it trains the default set below. It needs, carried with the checkout
# (both git-ignored):
#   .whl/      keras, namex and optree wheels for the machine's Python (it has torch and jax,
#              not keras)
#   .devdata/fer.tar.xz  FER-2013 Training and PublicTest JPEGs with manifest.csv, made by
#              tools/pack_devdata.sh (PrivateTest never leaves this machine)
# Each candidate is a plain `fer-desktop train` run. KERAS_BACKEND picks the backend (default
# jax: a jit-compiled training step; the torch backend ran eagerly at 36 ms a step of 128 on an
# H100). Results come back as $OUT/runs.tar.part-* (the run folders, models saved without
# optimizer state) and the end of each log on stdout.
set -uo pipefail
budget=${1:?budget in minutes}
shift
out=${OUT:-/tmp/device_out}
mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site "${FER_WHEELS:-.whl}"/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=${KERAS_BACKEND:-jax} PYTHONUNBUFFERED=1
export OMP_NUM_THREADS=2 XLA_PYTHON_CLIENT_PREALLOCATE=false
data=/tmp/fer2013
mkdir -p $data && tar xJf .devdata/fer.tar.xz -C $data || exit 1
nvidia-smi -L
python3 -c "import keras; from fer_desktop.train.train import _hardware
print('keras', keras.__version__, keras.backend.backend(), _hardware())" || exit 1

declare -A cand=()
for arg in "$@"; do cand[${arg%%=*}]=${arg#*=}; done
if [ ${#cand[@]} -eq 0 ]; then
  cand=(
    [fernet]="--arch fernet --lr 0.002"
    [wide]="--arch fernet_wide --lr 0.002"
  )
fi
runs=/tmp/runs
# FER_TRAIN_EXTRA: more options for every candidate (a local dry run: "--limit 600
# --steps-per-epoch 3")
common=(--data $data --batch-size 128 --warmup-epochs 3 --epochs 1000 --patience 10000
        --time-budget "$budget" --workers 4 --verbose 2 ${FER_TRAIN_EXTRA:-})
limit_s=$(python3 -c "print(int($budget * 60 + 90))")
mkdir -p $runs
for name in "${!cand[@]}"; do
  # shellcheck disable=SC2086
  timeout "$limit_s" python3 -m fer_desktop.train.train "${common[@]}" ${cand[$name]} \
      --out $runs/$name >$runs/$name.log 2>&1 &
done
wait

pack=/tmp/pack
for name in "${!cand[@]}"; do
  mkdir -p $pack/$name
  cp $runs/$name.log $pack/$name/train.log
  echo "== $name: ${cand[$name]}"
  grep -E "Time budget|Error|error|weight average" $runs/$name.log | tail -4
  tail -n 3 $runs/$name/history.csv 2>/dev/null
  (cd $runs/$name 2>/dev/null && cp -r config.json history.csv labels.json train_time.json \
      eval_PublicTest $pack/$name/ 2>/dev/null)
  if [ -f $runs/$name/model.keras ]; then  # train saved it without optimizer state
    cp $runs/$name/model.keras $pack/$name/
  else  # stopped by the time limit: its best (else last) checkpoint, model alone
    src=$runs/$name/best.keras
    [ -f "$src" ] || src=$runs/$name/last.keras
    [ -f "$src" ] && python3 -c "import keras, sys
keras.models.load_model(sys.argv[1], compile=False).save(sys.argv[2])" "$src" $pack/$name/model.keras
  fi
done
tar cf - -C $pack . | split -b 15M - "$out/runs.tar.part-"
ls -l "$out"
