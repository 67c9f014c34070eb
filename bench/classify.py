"""Classification speed: ms per face for batches of 1, 25 and 64 faces, Keras vs TFLite.

Runs the released model (models/) on real FER-2013 faces, through the same
``EmotionClassifier.predict_batch`` the app calls, in one process, and prints a table.

    .venv/bin/python bench/classify.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
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
    args = ap.parse_args(argv)
    faces = list(load_split(args.data, "PublicTest").images[:64])
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
