"""Temperature scaling: `fer-desktop calibrate` fits it on PublicTest's FER+ votes into
labels.json, and EmotionClassifier applies it (Keras and TFLite alike)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from fer_desktop.cli import main as cli_main
from fer_desktop.vision.classifier import EmotionClassifier, ModelError, apply_temperature


@pytest.fixture()
def model_copy(models_dir, tmp_path):
    """The released model, as it was before any calibration (no temperature)."""
    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("model.keras", "model.tflite"):
        shutil.copy2(models_dir / name, folder / name)
    labels = json.loads((models_dir / "labels.json").read_text())
    labels.pop("temperature", None)
    (folder / "labels.json").write_text(json.dumps(labels, indent=2))
    return folder


def test_calibrate_writes_a_temperature_that_lowers_the_ece(model_copy, data_dir, capsys):
    assert cli_main(["calibrate", str(model_copy), "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    labels = json.loads((model_copy / "labels.json").read_text())
    info = json.loads((model_copy / "calibration.json").read_text())
    t = labels["temperature"]
    assert t == pytest.approx(info["temperature"], abs=1e-6) and t != 1.0
    assert info["fitted_on"] == "PublicTest" and info["n"] == 3_322
    assert info["objective"] in ("votes", "majority")
    assert set(info["objectives"]) == {"votes", "majority"}
    chosen = info["objectives"][info["objective"]]["heldout_ece"]
    assert chosen == min(f["heldout_ece"] for f in info["objectives"].values())
    assert info["after"]["ece"] < info["before"]["ece"]
    assert info["after"]["nll_majority"] <= info["before"]["nll_majority"]
    assert f"{info['before']['ece']:.4f} -> {info['after']['ece']:.4f}" in out
    # the evaluation uses it and reports the ECE before scaling beside it
    rep_dir = model_copy / "eval"
    assert cli_main(["evaluate", "--model", str(model_copy), "--data", str(data_dir),
                     "--split", "PublicTest", "--out", str(rep_dir)]) == 0
    report = json.loads((rep_dir / "report.json").read_text())
    assert report["temperature"] == t
    assert report["ferplus"]["ece"] == pytest.approx(info["after"]["ece"], abs=1e-4)
    assert report["ferplus"]["ece_unscaled"] == pytest.approx(info["before"]["ece"], abs=1e-4)


@pytest.mark.parametrize("backend", ["keras", "tflite"])
def test_classifier_applies_the_temperature_of_labels_json(model_copy, public_test, backend):
    faces = list(public_test.images[:40])
    raw = EmotionClassifier.load(model_copy, backend=backend).predict_batch(faces)
    labels = json.loads((model_copy / "labels.json").read_text())
    labels["temperature"] = 1.7
    (model_copy / "labels.json").write_text(json.dumps(labels))
    clf = EmotionClassifier.load(model_copy, backend=backend)
    assert clf.temperature == 1.7
    scaled = clf.predict_batch(faces)
    assert np.allclose(scaled, apply_temperature(raw, 1.7), atol=1e-5)
    assert (scaled.argmax(1) == raw.argmax(1)).all()
    assert scaled.max(axis=1).mean() < raw.max(axis=1).mean()  # T > 1 softens
    # an explicit temperature overrides labels.json (1.0: the raw output)
    unscaled = EmotionClassifier.load(model_copy, backend=backend, temperature=1.0)
    assert np.allclose(unscaled.predict_batch(faces), raw, atol=1e-6)


def test_a_model_without_temperature_is_unchanged(model_copy):
    clf = EmotionClassifier.load(model_copy, backend="tflite")
    assert clf.temperature == 1.0


@pytest.mark.parametrize("bad", [0, -1.0, "warm", True, None])
def test_a_bad_temperature_is_a_clear_error(model_copy, bad):
    labels = json.loads((model_copy / "labels.json").read_text())
    labels["temperature"] = bad
    (model_copy / "labels.json").write_text(json.dumps(labels))
    with pytest.raises(ModelError, match="temperature"):
        EmotionClassifier.load(model_copy)


def test_calibrate_a_folder_without_labels_is_a_clear_error(tmp_path, data_dir, capsys):
    assert cli_main(["calibrate", str(tmp_path), "--data", str(data_dir)]) == 2
    assert "labels.json" in capsys.readouterr().err
