#!/usr/bin/env bash
# Train several candidate models side by side on a lent GPU machine, within a time budget.
#
# Runs on the device machine (see README "Training on a GPU"), from the repository root:
#   bash tools/device_train.sh BUDGET_MINUTES
# It needs, carried with the checkout (both git-ignored):
#   .whl/      keras, namex and optree wheels for the machine's Python (it has torch, not keras)
#   .devdata/fer.tar.xz  FER-2013 Training and PublicTest JPEGs with manifest.csv, made by
#              tools/pack_devdata.sh (PrivateTest never leaves this machine)
# Each candidate is a plain `fer-desktop train` run (Keras 3, torch backend on the GPU). Results
# come back as $OUT/runs.tar.part-* (the run folders, each model saved without optimizer state).
set -uo pipefail
budget=${1:?budget in minutes}
out=${OUT:-/tmp/device_out}
mkdir -p "$out"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site "${FER_WHEELS:-.whl}"/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=torch PYTHONUNBUFFERED=1 OMP_NUM_THREADS=2
data=/tmp/fer2013
mkdir -p $data && tar xJf .devdata/fer.tar.xz -C $data || exit 1
nvidia-smi -L
python3 -c "import keras, torch; print('keras', keras.__version__, 'torch', torch.__version__,
      'cuda', torch.cuda.is_available())" || exit 1

runs=/tmp/runs
# FER_TRAIN_EXTRA: more train options (a local dry run: "--limit 600 --steps-per-epoch 3")
common=(--data $data --batch-size 128 --warmup-epochs 3 --epochs 400 --patience 1000
        --time-budget "$budget" --workers 3 --verbose 2 ${FER_TRAIN_EXTRA:-})
declare -A cand=(
  [fernet]="--arch fernet --lr 0.002"
  [fernet_wd]="--arch fernet --lr 0.002 --weight-decay 0.0005"
  [wide]="--arch fernet_wide --lr 0.002"
  [warm]="--arch fernet --lr 0.001 --init-from models/model.keras"
)
limit_s=$(python3 -c "print(int($budget * 60 + 90))")
for name in "${!cand[@]}"; do
  # shellcheck disable=SC2086
  timeout "$limit_s" python3 -m fer_desktop.train.train "${common[@]}" ${cand[$name]} \
      --out $runs/$name >$runs.$name.log 2>&1 &
done
wait

pack=/tmp/pack
for name in "${!cand[@]}"; do
  mkdir -p $pack/$name
  cp $runs.$name.log $pack/$name/train.log
  echo "== $name"; grep -E "Time budget|Error|error" $runs.$name.log | head -5
  tail -n 3 $runs/$name/history.csv 2>/dev/null
  (cd $runs/$name 2>/dev/null && cp -r config.json history.csv labels.json train_time.json \
      eval_PublicTest $pack/$name/ 2>/dev/null)
  src=$runs/$name/best.keras
  [ -f "$src" ] || src=$runs/$name/last.keras
  [ -f "$src" ] && python3 -c "import keras, sys
keras.models.load_model(sys.argv[1], compile=False).save(sys.argv[2])" "$src" $pack/$name/model.keras
done
tar cf - -C $pack . | split -b 15M - "$out/runs.tar.part-"
ls -l "$out"
