"""Distillation: targets mix the label with a flip-averaged teacher on the augmented faces."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from fer_desktop.train.augment import FaceBatches
from fer_desktop.train.train import _teacher, main
from fer_desktop.vision.classifier import EmotionClassifier, apply_temperature


@pytest.fixture(scope="module")
def faces(public_test):
    return public_test.images[:64], public_test.labels[:64]


def test_targets_mix_label_and_teacher_on_the_augmented_faces(faces):
    images, labels = faces
    seen = []

    def teacher(x):
        seen.append(x.copy())
        return np.full((len(x), 7), 1 / 7, np.float32)

    plain = FaceBatches(images, labels, 7, 32, augment=True, seed=2)
    taught = FaceBatches(images, labels, 7, 32, augment=True, seed=2, teacher=teacher,
                         teacher_weight=0.7)
    (x0, y0), (x1, y1) = plain[1], taught[1]
    assert np.array_equal(seen[0], x1) and np.array_equal(x0, x1)  # the augmented batch
    np.testing.assert_allclose(y1, 0.3 * y0 + 0.7 / 7, rtol=1e-6)
    np.testing.assert_allclose(y1.sum(axis=1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="teacher weight"):
        FaceBatches(images, labels, 7, 32, teacher=teacher, teacher_weight=1.5)


def test_teacher_averages_a_model_with_its_mirror_image(faces, models_dir):
    images, _ = faces
    x = images[:16, :, :, None].astype(np.float32)
    model = keras.models.load_model(models_dir / "model.keras", compile=False)
    expected = (model.predict(x, verbose=0) + model.predict(x[:, :, ::-1], verbose=0)) / 2
    # a calibrated release teaches its calibrated probabilities (labels.json's temperature)
    t = EmotionClassifier.load(models_dir / "model.keras").temperature
    expected = apply_temperature(expected, t)
    got = _teacher([models_dir / "model.keras"])(x)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # the released model is a real teacher: far better than chance on real faces
    assert (got.argmax(1) == faces[1][:16]).mean() > 0.4


def test_distilled_run_records_its_teacher(data_dir, models_dir, tmp_path, capsys):
    out = tmp_path / "run"
    teacher = models_dir / "model.keras"
    common = ["--data", str(data_dir), "--out", str(out), "--limit", "96", "--epochs", "1",
              "--steps-per-epoch", "2", "--batch-size", "16", "--verbose", "0"]
    assert main([*common, "--init-from", str(teacher), "--teacher", str(teacher),
                 "--teacher-weight", "0.7", "--label-smoothing", "0"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["teacher"] == [str(teacher)] and config["teacher_weight"] == 0.7
    assert main([*common, "--teacher", str(tmp_path / "nope.keras"),
                 "--out", str(tmp_path / "run2")]) == 2
    assert "--teacher model not found" in capsys.readouterr().err
