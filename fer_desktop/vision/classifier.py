"""EmotionClassifier: the released CNN behind one batched call per frame.

Backends: ``tflite`` (ai-edge-litert; the app's default, no TensorFlow import) and ``keras``
(the ``.keras`` file). Labels, input size, flip test-time averaging and the calibration
temperature (``fer-desktop calibrate``) come from labels.json.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fer_desktop.vision.preprocess import faces_to_batch

KERAS_NAME = "model.keras"
TFLITE_NAME = "model.tflite"
LABELS_NAME = "labels.json"


class ModelError(Exception):
    """The model files are missing, damaged or inconsistent; the message names the file."""


def _read_labels(path: Path) -> dict:
    if not path.is_file():
        raise ModelError(f"labels.json not found next to the model: {path}. Re-export the model "
                         "with `fer-desktop train` or restore the models/ folder.")
    try:
        meta = json.loads(path.read_text())
        labels = meta["labels"]
        size = meta.get("input_size", [48, 48])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path} is damaged ({exc}); restore it from the release.") from exc
    if not isinstance(labels, list) or not labels or not all(isinstance(s, str) for s in labels):
        raise ModelError(f"{path}: 'labels' must be a non-empty list of class names.")
    if len(size) != 2 or not all(isinstance(v, int) and v > 0 for v in size):
        raise ModelError(f"{path}: 'input_size' must be [height, width].")
    t = meta.get("temperature", 1.0)
    if isinstance(t, bool) or not isinstance(t, int | float) or not np.isfinite(t) or t <= 0:
        raise ModelError(f"{path}: 'temperature' must be a positive number, not {t!r}.")
    return meta


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Temperature scaling of probabilities: ``softmax(log p / T)`` row by row (Guo et al.
    2017). T > 1 softens, T < 1 sharpens; the argmax never changes; T = 1 returns ``probs``."""
    if temperature == 1.0:
        return probs
    z = np.log(np.clip(np.asarray(probs, np.float64), 1e-12, None)) / temperature
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


class EmotionClassifier:
    """Classifies grayscale face crops into the model's expression classes."""

    def __init__(self, path: Path, labels: Sequence[str], input_size: tuple[int, int],
                 backend: str, tta_flip: bool, runner, temperature: float = 1.0) -> None:
        self.path = path
        self.labels: tuple[str, ...] = tuple(labels)
        self.input_size = input_size
        self.backend = backend
        self.tta_flip = tta_flip
        #: calibration: the output is ``softmax(log p / temperature)`` (1.0: the raw output)
        self.temperature = float(temperature)
        self._run = runner

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_dir(cls, models_dir: Path | str, backend: str = "auto",
                 tta_flip: bool | None = None) -> EmotionClassifier:
        """Load ``model.tflite`` (preferred) or ``model.keras``, and ``labels.json``, from a dir."""
        return cls.load(Path(models_dir), backend=backend, tta_flip=tta_flip)

    @classmethod
    def load(cls, path: Path | str, backend: str = "auto", tta_flip: bool | None = None,
             temperature: float | None = None) -> EmotionClassifier:
        """Load from a models/run folder or a model file (``.keras`` or ``.tflite``).

        Args:
            path: a folder holding ``model.tflite``/``model.keras`` and ``labels.json``, or one
                of those model files (its ``labels.json`` beside it).
            backend: ``auto`` (TFLite where present), ``keras`` or ``tflite``.
            tta_flip: average each face with its mirror image (default: labels.json's choice).
            temperature: calibration temperature (default: labels.json's ``temperature``, 1.0
                where absent); 1.0 gives the model's raw probabilities.
        """
        path = Path(path)
        if path.is_dir():
            folder = path
            if backend == "auto":
                backend = "tflite" if (folder / TFLITE_NAME).is_file() else "keras"
            model_file = folder / (TFLITE_NAME if backend == "tflite" else KERAS_NAME)
        else:
            folder, model_file = path.parent, path
            if backend == "auto":
                backend = "tflite" if path.suffix == ".tflite" else "keras"
        if not model_file.is_file():
            raise ModelError(f"Model file not found: {model_file}. The released model lives in "
                             "models/ (model.keras, model.tflite, labels.json).")
        meta = _read_labels(folder / LABELS_NAME)
        size = (int(meta["input_size"][0]), int(meta["input_size"][1]))
        flip = bool(meta.get("tta_flip", False)) if tta_flip is None else bool(tta_flip)
        temp = float(meta.get("temperature", 1.0)) if temperature is None else float(temperature)
        if not np.isfinite(temp) or temp <= 0:
            raise ValueError(f"temperature must be positive, not {temp}")
        if backend == "tflite":
            runner, in_shape, out_n = _tflite_runner(model_file)
        elif backend == "keras":
            runner, in_shape, out_n = _keras_runner(model_file)
        else:
            raise ValueError(f"backend must be auto, keras or tflite, not {backend!r}")
        if tuple(in_shape) != (size[0], size[1], 1):
            raise ModelError(f"{model_file} expects input {tuple(in_shape)}, but labels.json "
                             f"says {size[0]}x{size[1]}x1 grayscale.")
        if out_n != len(meta["labels"]):
            raise ModelError(f"{model_file} has {out_n} outputs, but labels.json lists "
                             f"{len(meta['labels'])} classes; they belong to different models.")
        return cls(model_file, meta["labels"], size, backend, flip, runner, temp)

    # ---- inference ----------------------------------------------------------------------
    def predict_batch(self, gray_faces: Sequence[np.ndarray], batch_size: int = 64) -> np.ndarray:
        """(n, k) probabilities for n grayscale face crops of any size, in one call per chunk."""
        n = len(gray_faces)
        if n == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        x = faces_to_batch(list(gray_faces), self.input_size[0])
        out = np.empty((n, len(self.labels)), np.float32)
        for s in range(0, n, batch_size):
            out[s:s + batch_size] = self._probabilities(x[s:s + batch_size])
        return _sanitize(out)

    def predict_prepared(self, x: np.ndarray) -> np.ndarray:
        """(n, k) probabilities for a batch already at the input size, (n, h, w, 1) float32
        0..255 (a training batch, say), averaged with the mirror image where ``tta_flip``,
        then temperature-scaled as :meth:`predict_batch` is."""
        return _sanitize(self._probabilities(x))

    def _probabilities(self, xb: np.ndarray) -> np.ndarray:
        if not self.tta_flip:
            p = self._run(xb)
        else:
            both = self._run(np.concatenate([xb, xb[:, :, ::-1]]))
            p = (both[: len(xb)] + both[len(xb):]) / 2.0
        return apply_temperature(p, self.temperature)


def _sanitize(p: np.ndarray) -> np.ndarray:
    """Replace NaN/inf rows by a uniform distribution and renormalise (never crash on bad math)."""
    bad = ~np.isfinite(p).all(axis=1)
    if bad.any():
        p[bad] = 1.0 / p.shape[1]
    p = np.clip(p.astype(np.float64), 0.0, None)  # float64: a row of huge values cannot sum to inf
    s = p.sum(axis=1, keepdims=True)
    return np.where(s > 0, p / np.where(s > 0, s, 1), 1.0 / p.shape[1]).astype(np.float32)


def _keras_runner(model_file: Path):
    try:
        import keras

        model = keras.models.load_model(model_file, compile=False)
    except Exception as exc:  # keras raises many types for a damaged file
        raise ModelError(f"Cannot load the model {model_file}: it is damaged or not a Keras "
                         f"model ({type(exc).__name__}: {str(exc)[:200]}). Restore models/ "
                         "from the release or retrain.") from exc
    in_shape = tuple(model.input_shape[1:])
    out_n = int(model.output_shape[-1])

    def run(x: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict_on_batch(np.ascontiguousarray(x)))

    return run, in_shape, out_n


def _tflite_runner(model_file: Path):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover - fallback when only TensorFlow is installed
        from tensorflow.lite import Interpreter  # type: ignore[no-redef]
    try:
        interp = Interpreter(model_path=str(model_file), num_threads=2)
        interp.allocate_tensors()
    except Exception as exc:
        raise ModelError(f"Cannot load the TFLite model {model_file}: it is damaged "
                         f"({type(exc).__name__}: {str(exc)[:200]}). Restore models/ from the "
                         "release or re-export it.") from exc
    inp = interp.get_input_details()[0]
    outp = interp.get_output_details()[0]
    in_shape = tuple(int(v) for v in inp["shape"][1:])
    out_n = int(outp["shape"][-1])
    state = {"n": int(inp["shape"][0])}

    def run(x: np.ndarray) -> np.ndarray:
        n = len(x)
        if n != state["n"]:
            interp.resize_tensor_input(inp["index"], [n, *in_shape])
            interp.allocate_tensors()
            state["n"] = n
        interp.set_tensor(inp["index"], np.ascontiguousarray(x, dtype=np.float32))
        interp.invoke()
        return np.array(interp.get_tensor(outp["index"]))

    return run, in_shape, out_n
