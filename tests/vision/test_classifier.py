"""The released model through the app's API, on real FER-2013 faces; broken model files."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from fer_desktop.labels import EMOTIONS
from fer_desktop.vision.classifier import EmotionClassifier, ModelError


@pytest.fixture(scope="module")
def tflite_clf(models_dir):
    return EmotionClassifier.from_dir(models_dir)


def test_released_model_reads_real_faces(tflite_clf, public_test):
    assert tflite_clf.backend == "tflite"
    assert tflite_clf.labels == EMOTIONS
    sub = public_test.head(400, seed=3)
    probs = tflite_clf.predict_batch(list(sub.images))
    assert probs.shape == (400, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    acc = float((probs.argmax(1) == sub.labels).mean())
    assert acc > 0.55, acc  # chance is 0.14 (0.25 for always-happy)


def test_keras_and_tflite_agree(models_dir, public_test):
    faces = list(public_test.images[:32])
    k = EmotionClassifier.from_dir(models_dir, backend="keras").predict_batch(faces)
    t = EmotionClassifier.from_dir(models_dir, backend="tflite").predict_batch(faces)
    assert np.abs(k - t).max() < 1e-3


def test_any_crop_size_and_empty_batch(tflite_clf):
    rng = np.random.default_rng(1)
    faces = [rng.integers(0, 255, s, dtype=np.uint8) for s in [(48, 48), (120, 100), (20, 31)]]
    assert tflite_clf.predict_batch(faces).shape == (3, 7)
    assert tflite_clf.predict_batch([]).shape == (0, 7)
    # batch sizes that change between calls (faces come and go)
    assert tflite_clf.predict_batch(faces[:1]).shape == (1, 7)


def _copy_models(models_dir, tmp_path):
    dst = tmp_path / "models"
    dst.mkdir()
    for name in ("model.keras", "model.tflite", "labels.json"):
        shutil.copy(models_dir / name, dst / name)
    return dst


@pytest.mark.parametrize("backend,name", [("keras", "model.keras"), ("tflite", "model.tflite")])
def test_damaged_model_file_is_named(models_dir, tmp_path, backend, name):
    dst = _copy_models(models_dir, tmp_path)
    data = (dst / name).read_bytes()
    (dst / name).write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelError, match=name):
        EmotionClassifier.from_dir(dst, backend=backend)


def test_missing_model_and_labels(models_dir, tmp_path):
    with pytest.raises(ModelError, match="not found"):
        EmotionClassifier.from_dir(tmp_path)
    dst = _copy_models(models_dir, tmp_path)
    (dst / "labels.json").unlink()
    with pytest.raises(ModelError, match="labels.json"):
        EmotionClassifier.from_dir(dst)


def test_labels_that_disagree_with_the_model(models_dir, tmp_path):
    dst = _copy_models(models_dir, tmp_path)
    meta = json.loads((dst / "labels.json").read_text())
    meta["labels"] = meta["labels"] + ["contempt"]
    (dst / "labels.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="8 classes"):
        EmotionClassifier.from_dir(dst)
    meta["labels"] = meta["labels"][:7]
    meta["input_size"] = [64, 64]
    (dst / "labels.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="64x64"):
        EmotionClassifier.from_dir(dst)


def test_nan_from_model_becomes_uniform(tflite_clf, monkeypatch):
    monkeypatch.setattr(tflite_clf, "_run", lambda x: np.full((len(x), 7), np.nan, np.float32))
    p = tflite_clf.predict_batch([np.zeros((48, 48), np.uint8)])
    np.testing.assert_allclose(p, 1 / 7, rtol=1e-5)
