from __future__ import annotations

import json

import numpy as np

from fer_desktop.cli import main as cli_main
from fer_desktop.train.evaluate import compute_report


def test_compute_report_known_values():
    y = np.array([0, 0, 1, 1, 2, 2])
    p = np.eye(3)[[0, 1, 1, 1, 2, 0]] * 0.8 + 0.2 / 3
    r = compute_report(y, p, ["a", "b", "c"], "PublicTest")
    assert r["n"] == 6 and abs(r["accuracy"] - 4 / 6) < 1e-9
    assert r["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert abs(r["per_class"]["b"]["precision"] - 2 / 3) < 1e-9
    assert r["per_class"]["c"]["recall"] == 0.5 and r["per_class"]["a"]["support"] == 2
    assert 0.5 < r["roc_auc_ovr"] <= 1.0


def test_evaluate_released_model_on_real_public_test(data_dir, tmp_path, capsys):
    out = tmp_path / "eval"
    rc = cli_main(["evaluate", "--data", str(data_dir), "--split", "PublicTest",
                   "--limit", "350", "--out", str(out)])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    assert report["split"] == "PublicTest" and report["n"] == 350
    assert report["accuracy"] > 0.55  # chance 0.14
    assert set(report["per_class"]) == set(report["labels"])
    assert np.array(report["confusion_matrix"]).sum() == 350
    assert 0.8 < report["roc_auc_ovr"] <= 1.0
    for f in ("confusion_matrix.png", "roc.png"):
        assert (out / f).stat().st_size > 10_000
    assert "accuracy" in (out / "report.md").read_text()
    assert "accuracy" in capsys.readouterr().out


def test_evaluate_damaged_model_is_a_clear_error(data_dir, tmp_path, capsys):
    bad = tmp_path / "model.keras"
    bad.write_bytes(b"PK\x03\x04 definitely not a model")
    (tmp_path / "labels.json").write_text(json.dumps({"labels": ["a"] * 7,
                                                      "input_size": [48, 48]}))
    rc = cli_main(["evaluate", "--model", str(bad), "--data", str(data_dir),
                   "--out", str(tmp_path / "o")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "model.keras" in err


def test_evaluate_missing_data_is_a_clear_error(tmp_path, capsys):
    rc = cli_main(["evaluate", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "FER-2013 folder not found" in capsys.readouterr().err
