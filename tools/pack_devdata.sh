#!/usr/bin/env bash
# Pack FER-2013 Training and PublicTest (not PrivateTest) for tools/device_train.sh:
#   bash tools/pack_devdata.sh [DATA_DIR]   -> .devdata/fer.tar.xz (about 39 MB, git-ignored)
set -euo pipefail
data=$(cd "${1:-../shared/data/fer2013}" && pwd)
mkdir -p .devdata
awk -F, 'NR > 1 && ($2 == "Training" || $2 == "PublicTest") {print $1}' "$data/manifest.csv" \
  > .devdata/files.txt
tar cf - -C "$data" manifest.csv README.md -T .devdata/files.txt | xz -T2 -9 > .devdata/fer.tar.xz
rm .devdata/files.txt  # it would travel with .devdata and count towards the 64 MiB
ls -l .devdata/fer.tar.xz
