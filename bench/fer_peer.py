"""Peer runner: time the PyPI `fer` package on a set of frames.

Run it with the separate peer environment made by bench/setup_fer_env.sh::

    bench/.venv-fer/bin/python bench/fer_peer.py \
        --frames DIR_OR_GLOB --repeat N --out result.json

What it does:

1. imports ``fer.fer`` (which imports TensorFlow; timed as ``import_s``);
2. builds ``FER(mtcnn=False)`` once and times that as ``load_s`` (Haar
   cascade from OpenCV's ``cv2.data`` + the TFLite emotion model);
3. reads every frame (PNG, BGR, e.g. the 1920x1080 gallery frames written by
   the fer_desktop benchmark) with ``cv2.imread``;
4. warms up with one untimed ``detect_emotions`` call on the first frame;
5. times ``N`` calls of ``detect_emotions``, cycling through the frames;
6. writes the JSON result (keys below) to ``--out``.

Peer configuration (fer 25.10.3 defaults, nothing overridden):

* face detector: OpenCV Haar cascade ``haarcascade_frontalface_default.xml``
  (``scaleFactor=1.1``, ``minNeighbors=5``, ``minSize=50``);
* emotion model: ``fer/data/emotion_model_quantized.tflite`` (64x64 gray
  input, 7 classes) run by ``tf.lite.Interpreter`` from tensorflow-cpu with
  its default XNNPACK CPU delegate, one face per ``invoke()``.

Threads, chosen to be fair on a 2-core machine: nothing is changed. OpenCV
keeps its default thread pool (``cv2.getNumThreads()``, i.e. one thread per
core: 2 here), and the TFLite interpreter keeps the runtime default (fer
creates it without ``num_threads``, so TFLite/XNNPACK pick their own default).
TensorFlow's own op thread pools are never used because only the TFLite
interpreter runs. Both values are recorded in the JSON (``opencv_threads``,
``tflite_num_threads``).

Nothing is downloaded at run time: the model and cascade files ship inside
the installed packages. No GUI/Qt is used (opencv-python-headless).

JSON keys: fer_version, runtime, calls, mean_ms, median_ms, fps (=1000 /
mean_ms), faces_per_frame (faces found per distinct frame, in frame order),
boxes (per distinct frame, list of [x, y, w, h]), load_s, plus extras:
import_s, min_ms, p90_ms, max_ms, frames (file names), frame_shapes,
opencv_version, opencv_threads, tflite_num_threads, model, warnings.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

# Keep TensorFlow's C++ INFO/WARNING chatter off stderr; does not change speed.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--frames",
        required=True,
        help="directory of *.png frames, or a glob pattern (quote it)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=50,
        help="number of timed detect_emotions calls in total (default 50)",
    )
    parser.add_argument("--out", required=True, help="path of the JSON result")
    return parser.parse_args(argv)


def find_frames(spec: str) -> list[Path]:
    path = Path(spec)
    if path.is_dir():
        files = sorted(path.glob("*.png"))
    else:
        files = sorted(Path(p) for p in glob.glob(spec))
    return [f for f in files if f.is_file()]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _boxes(result: list[dict]) -> list[list[int]]:
    return [[int(v) for v in face["box"]] for face in result]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.repeat < 1:
        sys.exit("--repeat must be at least 1")
    files = find_frames(args.frames)
    if not files:
        sys.exit(f"no frames found for {args.frames!r}")

    caught: list[str] = []

    def remember(message, category, filename, lineno, file=None, line=None):
        text = f"{category.__name__}: {str(message).strip()}"
        if text not in caught:
            caught.append(text)
        print(f"[fer_peer] warning: {text}", file=sys.stderr)

    warnings.showwarning = remember

    t0 = time.perf_counter()
    import cv2
    import fer
    from fer.fer import FER

    import_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    detector = FER(mtcnn=False)
    load_s = time.perf_counter() - t0

    frames = []
    for f in files:
        img = cv2.imread(str(f), cv2.IMREAD_COLOR)
        if img is None:
            sys.exit(f"cannot read frame {f}")
        frames.append(img)

    interpreter = getattr(FER, "_tflite_interpreter_cache", None)
    if detector.use_tflite and interpreter is not None:
        import tensorflow as tf

        runtime = (
            f"tensorflow-cpu {tf.__version__} "
            f"{type(interpreter).__module__}.{type(interpreter).__name__} "
            "(XNNPACK CPU delegate)"
        )
        model = "fer/data/emotion_model_quantized.tflite"
    else:  # not reached with fer 25.10.3 defaults
        import tensorflow as tf

        runtime = f"tensorflow-cpu {tf.__version__} keras"
        model = "fer/data/emotion_model.hdf5"

    # Warm-up (untimed): first-call allocations, XNNPACK weight packing, ...
    detector.detect_emotions(frames[0])

    per_frame: list[list[list[int]] | None] = [None] * len(frames)
    times_ms: list[float] = []
    for i in range(args.repeat):
        k = i % len(frames)
        img = frames[k]
        t0 = time.perf_counter()
        result = detector.detect_emotions(img)
        times_ms.append((time.perf_counter() - t0) * 1000.0)
        if per_frame[k] is None:
            per_frame[k] = _boxes(result)
    # Frames not reached by the timed calls (repeat < number of frames).
    for k, img in enumerate(frames):
        if per_frame[k] is None:
            per_frame[k] = _boxes(detector.detect_emotions(img))

    mean_ms = statistics.fmean(times_ms)
    out = {
        "fer_version": fer.__version__,
        "runtime": runtime,
        "calls": len(times_ms),
        "mean_ms": round(mean_ms, 3),
        "median_ms": round(statistics.median(times_ms), 3),
        "fps": round(1000.0 / mean_ms, 3),
        "faces_per_frame": [len(b) for b in per_frame],
        "boxes": per_frame,
        "load_s": round(load_s, 4),
        "import_s": round(import_s, 3),
        "min_ms": round(min(times_ms), 3),
        "p90_ms": round(_percentile(times_ms, 0.9), 3),
        "max_ms": round(max(times_ms), 3),
        "frames": [f.name for f in files],
        "frame_shapes": [list(img.shape) for img in frames],
        "model": model,
        "opencv_version": cv2.__version__,
        "opencv_threads": cv2.getNumThreads(),
        "tflite_num_threads": "runtime default (fer passes none)",
        "python": platform.python_version(),
        "warnings": caught,
    }
    out_path = Path(args.out)
    if out_path.parent != Path(""):
        out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_text(json.dumps(out, indent=2) + "\n")
    tmp.replace(out_path)
    print(
        f"[fer_peer] fer {out['fer_version']}: {out['calls']} calls on "
        f"{len(frames)} frame(s), mean {out['mean_ms']} ms, median "
        f"{out['median_ms']} ms, {out['fps']} fps, faces/frame "
        f"{out['faces_per_frame']}, load {out['load_s']} s -> {out_path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
