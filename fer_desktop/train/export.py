"""`fer-desktop release RUN_DIR`: put a trained run into models/ with a TFLite fp32 export.

The TFLite file lets the app run the CNN with ai-edge-litert, without importing TensorFlow.
Flip test-time averaging is kept only if it helps on PublicTest (never PrivateTest).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from fer_desktop.paths import default_models_dir
from fer_desktop.train.data import DEFAULT_DATA_DIR, DataError, load_split


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = parser or argparse.ArgumentParser(prog="fer-desktop release", description=__doc__)
    p.add_argument("run_dir", type=Path, help="a run folder written by `fer-desktop train`")
    p.add_argument("--to", type=Path, default=None, help="models folder (default: models/)")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR,
                   help="FER-2013 folder (PublicTest decides flip TTA and checks the export)")
    p.add_argument("--tta", choices=("auto", "on", "off"), default="auto")
    return p


def main(argv: list[str] | None = None) -> int:
    return run_checked(build_parser().parse_args(argv))


def run_checked(args: argparse.Namespace) -> int:
    from fer_desktop.vision.classifier import ModelError

    try:
        info = release(args.run_dir, args.to or default_models_dir(), args.data, args.tta)
    except (DataError, ModelError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=2))
    return 0


def convert_to_tflite(keras_file: Path, tflite_file: Path, quantize: str = "none",
                      calibration: np.ndarray | None = None) -> None:
    """Keras -> TFLite through ``TFLiteConverter.from_keras_model`` (TensorFlow backend): fp32
    (``quantize="none"``), int8 weights (``"dynamic"``), or int8 weights and activations
    (``"int8"``, calibrated on ``calibration``, (n, h, w) uint8 faces)."""
    import keras
    import tensorflow as tf

    model = keras.models.load_model(keras_file, compile=False)
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantize not in ("none", "dynamic", "int8"):
        raise ValueError(f"quantize must be none, dynamic or int8, not {quantize!r}")
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "int8":
        if calibration is None:
            raise ValueError("int8 quantization needs calibration faces")
        converter.representative_dataset = lambda: (
            [f[None, :, :, None].astype(np.float32)] for f in calibration)
    data = converter.convert()
    tmp = tflite_file.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, tflite_file)


MAX_MS_PER_FACE = 1.0


def _ms_per_face(clf, images: np.ndarray, n: int = 25, repeat: int = 20) -> float:
    import time

    faces = list(images[:n])
    clf.predict_batch(faces)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        clf.predict_batch(faces)
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1000 / n)


def release(run_dir: Path, models_dir: Path, data_dir: Path, tta: str = "auto") -> dict:
    """Copy model.keras + labels.json, export model.tflite, choose TTA on PublicTest."""
    from fer_desktop.vision.classifier import EmotionClassifier

    run_dir, models_dir = Path(run_dir), Path(models_dir)
    src = run_dir / "model.keras"
    if not src.is_file():
        raise FileNotFoundError(f"No model.keras in the run folder {run_dir.resolve()}")
    models_dir.mkdir(parents=True, exist_ok=True)
    import keras

    # weights only (no optimizer state): a third of the size
    keras.models.load_model(src, compile=False).save(models_dir / "model.keras")
    for name in ("history.csv", "config.json", "train_time.json"):  # provenance, curves
        if (run_dir / name).is_file():
            shutil.copy2(run_dir / name, models_dir / name)
    labels = json.loads((run_dir / "labels.json").read_text())
    (models_dir / "labels.json").write_text(json.dumps(labels, indent=2))
    convert_to_tflite(models_dir / "model.keras", models_dir / "model.tflite")

    val = load_split(data_dir, "PublicTest")
    keras_clf = EmotionClassifier.load(models_dir, backend="keras", tta_flip=False)
    lite_clf = EmotionClassifier.load(models_dir, backend="tflite", tta_flip=False)
    p_keras = keras_clf.predict_batch(list(val.images[:256]))
    p_lite = lite_clf.predict_batch(list(val.images[:256]))
    max_diff = float(np.abs(p_keras - p_lite).max())
    if max_diff > 1e-3:
        raise RuntimeError(f"TFLite export disagrees with Keras (max diff {max_diff:.2e})")
    config = run_dir / "config.json"
    ferplus = config.is_file() and json.loads(config.read_text()).get("labels") == "ferplus"
    if ferplus:  # chosen on the labels the run was selected on: the FER+ majority
        from fer_desktop.train.ferplus import read_votes, with_votes

        val = with_votes(val, read_votes(data_dir)).single_winner()
    acc_plain = float((lite_clf.predict_batch(list(val.images)).argmax(1) == val.labels).mean())
    ms_plain = _ms_per_face(lite_clf, val.images)
    lite_clf.tta_flip = True
    acc_flip = float((lite_clf.predict_batch(list(val.images)).argmax(1) == val.labels).mean())
    ms_flip = _ms_per_face(lite_clf, val.images)
    # flip averaging only where it helps on PublicTest and keeps a face within the 1 ms budget
    use_flip = {"on": True, "off": False}.get(
        tta, acc_flip > acc_plain and ms_flip <= MAX_MS_PER_FACE)
    labels["tta_flip"] = use_flip
    (models_dir / "labels.json").write_text(json.dumps(labels, indent=2))
    info = {"models_dir": str(models_dir), "tflite_max_abs_diff": max_diff,
            "publictest_accuracy_plain": acc_plain, "publictest_accuracy_flip_tta": acc_flip,
            "tflite_ms_per_face_batch25": ms_plain, "tflite_ms_per_face_batch25_flip": ms_flip,
            "tta_flip": use_flip,
            "selected_on": "FER+ majority agreement" if ferplus else "FER-2013 accuracy"}
    (models_dir / "release.json").write_text(json.dumps(info, indent=2))
    return info


if __name__ == "__main__":
    raise SystemExit(main())
