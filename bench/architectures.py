"""Classification cost of smaller `fernet` variants, before anyone trains one.

The product asks for <= 1 ms a face on 2 cores, with test-time flip averaging counted in; the
released `fernet` runs one pass in about 1.5 ms. This prints, for the released model and for
narrower or shallower variants of the same design (random weights: speed does not depend on
them), the multiply-adds a face, the parameters and the TFLite fp32 time a face at batch 64,
all timed in one process with the calls interleaved, so a busy machine slows every row alike.

    .venv/bin/python bench/architectures.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from fer_desktop.train.export import convert_to_tflite  # noqa: E402
from fer_desktop.train.model import (  # noqa: E402
    build_fernet,
    build_fernet_half,
    multiply_adds,
)

# name -> builder(input_shape, num_classes); the first row is the released design
VARIANTS: dict[str, Callable[..., keras.Model]] = {
    "fernet (released design)": build_fernet,
    "one conv a stage": partial(build_fernet, convs=(1, 1, 1, 1, 1)),
    "widths x0.75": partial(build_fernet, widths=(24, 48, 96, 192, 384), dense=384),
    "widths x0.75, one conv a stage": partial(build_fernet, widths=(24, 48, 96, 192, 384),
                                              convs=(1, 1, 1, 1, 1), dense=384),
    "widths x0.5 (fernet_half)": build_fernet_half,
}
BATCH = 64


def main(argv: list[str] | None = None) -> int:
    from ai_edge_litert.interpreter import Interpreter

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args(argv)
    faces = np.random.default_rng(0).integers(0, 256, (BATCH, 48, 48, 1)).astype(np.float32)
    runners = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, build) in enumerate(VARIANTS.items()):
            model = build((48, 48, 1), 7)
            keras_file = Path(tmp) / f"{i}.keras"
            model.save(keras_file)
            convert_to_tflite(keras_file, keras_file.with_suffix(".tflite"))
            interp = Interpreter(model_path=str(keras_file.with_suffix(".tflite")), num_threads=2)
            index = interp.get_input_details()[0]["index"]
            interp.resize_tensor_input(index, [BATCH, 48, 48, 1])
            interp.allocate_tensors()
            interp.set_tensor(index, faces)
            interp.invoke()
            runners[name] = (interp, multiply_adds(model), model.count_params())
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.repeat):
        for name, (interp, _, _) in runners.items():
            t = time.perf_counter()
            interp.invoke()
            times[name].append(time.perf_counter() - t)
    base = statistics.median(next(iter(times.values())))  # the released design
    print(f"\nTFLite fp32, batch {BATCH}, {os.cpu_count()} cores, median of {args.repeat} "
          "interleaved calls\n")
    print("| variant | M multiply-adds | parameters | ms per face | x released | "
          "flip averaging, ms per face |")
    print("|---|---|---|---|---|---|")
    for name, (_, macs, params) in runners.items():
        t = statistics.median(times[name])
        ms = t * 1000 / BATCH
        print(f"| {name} | {macs / 1e6:.1f} | {params:,} | {ms:.3f} | {t / base:.2f} | "
              f"{2 * ms:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
