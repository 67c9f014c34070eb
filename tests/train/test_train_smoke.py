"""A real (tiny) training run on real FER-2013 images, then a resume after 'interruption'."""

from __future__ import annotations

import csv
import json

from fer_desktop.train.train import main


def test_train_smoke_then_resume(data_dir, tmp_path):
    out = tmp_path / "run"
    common = ["--data", str(data_dir), "--out", str(out), "--limit", "192",
              "--steps-per-epoch", "2", "--batch-size", "32", "--verbose", "0"]
    assert main([*common, "--epochs", "1"]) == 0
    for name in ("config.json", "history.csv", "model.keras", "labels.json", "last.keras",
                 "eval_PublicTest/report.json", "eval_PublicTest/curves.png"):
        assert (out / name).is_file(), name
    config = json.loads((out / "config.json").read_text())
    assert config["val_split"] == "PublicTest" and config["n_train"] == 192
    labels = json.loads((out / "labels.json").read_text())
    assert labels["labels"][1] == "disgust" and labels["input_size"] == [48, 48]
    # "interrupted" after epoch 1: asking for 2 epochs continues instead of starting over
    assert main([*common, "--epochs", "2"]) == 0
    with (out / "history.csv").open() as fh:
        epochs = [int(r["epoch"]) for r in csv.DictReader(fh)]
    assert epochs == [0, 1]
    assert json.loads((out / "state.json").read_text())["epochs_done"] == 2


def test_missing_data_gives_clear_error(tmp_path, capsys):
    rc = main(["--data", str(tmp_path / "missing"), "--out", str(tmp_path / "run")])
    assert rc == 2
    assert "FER-2013 folder not found" in capsys.readouterr().err


def test_time_budget_fixes_the_epoch_count_after_two_epochs(data_dir, tmp_path):
    """A budget too small for more than the two measured epochs stops there, and says so;
    running the same command again finds the run complete (the fitted count is kept)."""
    out = tmp_path / "run"
    argv = ["--data", str(data_dir), "--out", str(out), "--limit", "128",
            "--steps-per-epoch", "2", "--batch-size", "32", "--verbose", "0",
            "--epochs", "50", "--warmup-epochs", "2", "--time-budget", "0.001"]
    assert main(argv) == 0
    assert main(argv) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["epochs_fitted"] == 2 and config["seconds_per_epoch"] > 0
    with (out / "history.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["epoch"]) for r in rows] == [0, 1]
    assert float(rows[1]["lr"]) > float(rows[0]["lr"])  # still warming up


def test_time_budget_needs_two_warmup_epochs(data_dir, tmp_path, capsys):
    rc = main(["--data", str(data_dir), "--out", str(tmp_path / "run"), "--time-budget", "5",
               "--warmup-epochs", "1"])
    assert rc == 2 and "--warmup-epochs 2" in capsys.readouterr().err


def test_train_on_ferplus_votes_smoke(data_dir, tmp_path):
    """`--labels ferplus`: soft targets from the votes, validated on the FER+ majority."""
    out = tmp_path / "run"
    assert main(["--data", str(data_dir), "--out", str(out), "--labels", "ferplus",
                 "--limit", "160", "--steps-per-epoch", "2", "--batch-size", "32",
                 "--epochs", "1", "--verbose", "0"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["labels"] == "ferplus"
    assert config["val_labels"] == "FER+ majority (single winner)"
    assert config["n_train"] == 160 and config["class_weights"] is None
    with (out / "history.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1 and 0.0 <= float(rows[0]["val_accuracy"]) <= 1.0
    report = json.loads((out / "eval_PublicTest/report.json").read_text())
    assert report["ferplus"]["n"] > 100  # the run's own evaluation has the FER+ section


def test_train_resnet50_smoke(data_dir, tmp_path):
    """`--arch resnet50` from scratch (no --backbone-weights: weights=None, no download)."""
    out = tmp_path / "run"
    assert main(["--data", str(data_dir), "--out", str(out), "--arch", "resnet50",
                 "--limit", "48", "--steps-per-epoch", "2", "--batch-size", "16",
                 "--epochs", "1", "--verbose", "0"]) == 0
    assert json.loads((out / "labels.json").read_text())["architecture"] == "resnet50"
    report = json.loads((out / "eval_PublicTest/report.json").read_text())
    assert report["n"] == 48 and sum(map(sum, report["confusion_matrix"])) == 48


def test_train_with_missing_backbone_weights_is_a_clear_error(data_dir, tmp_path, capsys):
    rc = main(["--data", str(data_dir), "--out", str(tmp_path / "run"), "--arch", "resnet50",
               "--backbone-weights", str(tmp_path / "missing.h5"), "--limit", "32"])
    assert rc == 2 and "Backbone weights file not found" in capsys.readouterr().err
