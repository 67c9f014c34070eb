"""Seconds a training epoch of an architecture would take on this machine, from a few steps.

Builds the model as `fer-desktop train` does (same optimizer and loss), trains ``--steps``
batches of real PublicTest faces (the speed does not depend on which faces) after
``--warmup`` untimed ones, and extrapolates the median step to an epoch of ``--faces``
training faces (default 26,300: the Training faces with FER+ votes). Prints one JSON line.

    KERAS_BACKEND=torch .venv/bin/python bench/epoch_time.py --arch resnet50 [--steps 20]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from fer_desktop.labels import EMOTIONS, FER_SIZE  # noqa: E402
from fer_desktop.train.data import DEFAULT_DATA_DIR, load_split  # noqa: E402
from fer_desktop.train.model import build_model  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--arch", default="resnet50")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--faces", type=int, default=26_300)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    args = p.parse_args(argv)
    faces = load_split(args.data, "PublicTest")
    model = build_model((FER_SIZE, FER_SIZE, 1), len(EMOTIONS), args.arch)
    model.compile(optimizer=keras.optimizers.AdamW(1e-4, weight_decay=1e-4),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1))
    rng = np.random.default_rng(0)
    times = []
    for step in range(args.warmup + args.steps):
        idx = rng.choice(len(faces), args.batch_size, replace=False)
        x = faces.images[idx, ..., None].astype(np.float32)
        y = np.eye(len(EMOTIONS), dtype=np.float32)[faces.labels[idx]]
        t = time.perf_counter()
        model.train_on_batch(x, y)
        if step >= args.warmup:
            times.append(time.perf_counter() - t)
    step_s = statistics.median(times)
    steps = math.ceil(args.faces / args.batch_size)
    print(json.dumps({
        "arch": args.arch, "params": model.count_params(), "batch_size": args.batch_size,
        "steps_timed": args.steps, "median_step_s": round(step_s, 3),
        "steps_per_epoch": steps, "epoch_s": round(step_s * steps, 1),
        "images_per_s": round(args.batch_size / step_s, 1),
        "keras_backend": keras.backend.backend(), "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
