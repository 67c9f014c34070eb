"""Stochastic weight averaging and the constant schedule, in a real (tiny) run on FER-2013."""

from __future__ import annotations

import csv
import math

import keras
import numpy as np

from fer_desktop.train.train import main


def _run(data_dir, out, swa_from: int, epochs: int = 3) -> int:
    return main(["--data", str(data_dir), "--out", str(out), "--limit", "160",
                 "--steps-per-epoch", "2", "--batch-size", "16", "--verbose", "0",
                 "--epochs", str(epochs), "--warmup-epochs", "1", "--lr", "0.001",
                 "--lr-schedule", "constant", "--swa-from", str(swa_from)])


def _weights(path):
    return keras.models.load_model(path, compile=False).get_weights()


def test_weight_average_is_logged_and_saved(data_dir, tmp_path):
    out = tmp_path / "run"
    assert _run(data_dir, out, 2) == 0
    with (out / "history.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["swa_epochs"]) for r in rows] == [0, 1, 2]
    assert math.isnan(float(rows[0]["swa_val_accuracy"]))
    assert 0.0 <= float(rows[2]["swa_val_accuracy"]) <= 1.0
    assert [float(r["lr"]) for r in rows[1:]] == [0.001, 0.001]  # flat after the warm-up
    # an average of epochs 2 and 3 is not the weights after epoch 3 (last.keras)
    swa, last = _weights(out / "swa.keras"), _weights(out / "last.keras")
    assert any(not np.allclose(a, b) for a, b in zip(swa, last, strict=True))
    assert (out / "model.keras").is_file()


def test_an_average_of_one_epoch_is_that_epoch(data_dir, tmp_path):
    out = tmp_path / "run"
    assert _run(data_dir, out, 3) == 0
    swa, last = _weights(out / "swa.keras"), _weights(out / "last.keras")
    assert all(np.array_equal(a, b) for a, b in zip(swa, last, strict=True))


def test_a_resumed_run_goes_on_with_the_average_it_had(data_dir, tmp_path):
    """Interrupted after epoch 2 (an average of epochs 1-2 on disk), resumed for epoch 3: the
    average must hold all three epochs, not restart from epoch 3."""
    out = tmp_path / "run"
    assert _run(data_dir, out, 1, epochs=2) == 0
    two = _weights(out / "swa.keras")
    assert _run(data_dir, out, 1, epochs=3) == 0
    third, three = _weights(out / "last.keras"), _weights(out / "swa.keras")
    with (out / "history.csv").open() as fh:
        assert [int(r["swa_epochs"]) for r in csv.DictReader(fh)] == [1, 2, 3]
    for a2, w3, a3 in zip(two, third, three, strict=True):
        np.testing.assert_allclose(a3, (2 * a2.astype(np.float64) + w3) / 3, rtol=1e-5,
                                   atol=1e-6)
    assert any(not np.allclose(a3, w3) for w3, a3 in zip(third, three, strict=True))
