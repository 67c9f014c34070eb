"""Classification speed: ms per face for batches of 1, 25 and 64 faces, Keras vs TFLite.

Runs the released model (models/) on real FER-2013 faces, through the same
``EmotionClassifier.predict_batch`` the app calls, in one process, and prints a table.

    .venv/bin/python bench/classify.py [--repeat 30] [--quantized]

``--quantized`` also converts the released Keras model to two int8 TFLite variants in a
temporary folder (dynamic-range: int8 weights; full integer: int8 weights and activations,
calibrated on 300 Training faces) and prints their speed beside fp32, with each one's PublicTest
accuracy, so a smaller or faster export is chosen on both counts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fer_desktop.train.data import DEFAULT_DATA_DIR, load_split  # noqa: E402
from fer_desktop.vision.classifier import EmotionClassifier  # noqa: E402


def time_call(fn, repeat: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--models", type=Path, default=Path("models"))
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--quantized", action="store_true",
                    help="also time int8 TFLite variants of the model (needs TensorFlow)")
    args = ap.parse_args(argv)
    val = load_split(args.data, "PublicTest")
    faces = list(val.images[:64])
    rows = []
    for backend in ("keras", "tflite"):
        for tta in (False, True):
            clf = EmotionClassifier.from_dir(args.models, backend=backend, tta_flip=tta)
            for n in (1, 25, 64):
                ms = time_call(lambda clf=clf, n=n: clf.predict_batch(faces[:n]), args.repeat)
                rows.append((backend, "flip" if tta else "none", n, ms, ms / n))
    print(f"\nmodel: {args.models.resolve()}  cores: {os.cpu_count()}  "
          f"median of {args.repeat} calls\n")
    print("| runtime | TTA | batch | ms per call | ms per face |")
    print("|---|---|---|---|---|")
    for backend, tta, n, ms, per in rows:
        print(f"| {backend} | {tta} | {n} | {ms:.2f} | {per:.3f} |")
    base = {(b, t, n): ms for b, t, n, ms, _ in rows}
    print("\nTFLite speed-up over Keras (no TTA): " + ", ".join(
        f"batch {n}: {base[('keras', 'none', n)] / base[('tflite', 'none', n)]:.1f}x"
        for n in (1, 25, 64)))
    if args.quantized:
        quantized_table(args, val)
    return 0


def quantized_table(args: argparse.Namespace, val) -> None:
    import numpy as np

    from fer_desktop.train.export import convert_to_tflite

    train = load_split(args.data, "Training")
    calibration = train.images[np.random.default_rng(0).choice(len(train.labels), 300,
                                                                replace=False)]
    faces = list(val.images[:64])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, how in (("fp32", "none"), ("dynamic-range int8", "dynamic"),
                          ("int8", "int8")):
            folder = args.models  # fp32: the released export itself
            if how != "none":
                folder = Path(tmp) / how
                folder.mkdir()
                shutil.copy(args.models / "labels.json", folder)
                convert_to_tflite(args.models / "model.keras", folder / "model.tflite", how,
                                  calibration)
            clf = EmotionClassifier.from_dir(folder, backend="tflite", tta_flip=False)
            acc = float((clf.predict_batch(list(val.images)).argmax(1) == val.labels).mean())
            ms = {n: time_call(lambda clf=clf, n=n: clf.predict_batch(faces[:n]), args.repeat)
                  / n for n in (1, 25, 64)}
            size = (folder / "model.tflite").stat().st_size / 1e6
            rows.append((kind, size, acc, ms))
    print("\nQuantized TFLite exports of the same model (no TTA), ms per face:\n")
    print("| export | MB | PublicTest acc | batch 1 | batch 25 | batch 64 |")
    print("|---|---|---|---|---|---|")
    for kind, size, acc, ms in rows:
        print(f"| {kind} | {size:.1f} | {acc:.2%} | {ms[1]:.3f} | {ms[25]:.3f} | {ms[64]:.3f} |")


if __name__ == "__main__":
    raise SystemExit(main())
