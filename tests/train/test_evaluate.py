from __future__ import annotations

import json
import shutil

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
    printed = capsys.readouterr().out
    assert "accuracy" in printed
    # beside the FER-2013 figures: the FER+ section (ferplus_votes.csv lies beside the data)
    fp = report["ferplus"]
    assert 300 < fp["n"] < fp["n_with_votes"] <= 350
    assert np.array(fp["confusion_matrix"]).sum() == fp["n"]
    assert fp["agreement"] > 0.55
    assert 0 <= fp["neutral_read_negative"] <= 1 and 0 < fp["negative_precision"] <= 1
    assert sum(b["count"] for b in fp["reliability"]) == fp["n"]
    assert 0 < fp["ece"] < 0.3 and fp["kl_votes"] > 0
    assert set(fp["per_class"]) == set(report["labels"])
    assert (out / "reliability.png").stat().st_size > 10_000
    assert "FER+ majority of 10 taggers" in (out / "report.md").read_text()
    assert f"agreement={fp['agreement']:.4f}" in printed


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


def test_evaluate_a_model_kept_in_its_own_folder(models_dir, data_dir, tmp_path):
    """`--model models/fer2013`: the FER-2013-trained model kept beside a newer release."""
    kept = tmp_path / "models" / "fer2013"
    kept.mkdir(parents=True)
    for name in ("model.keras", "model.tflite", "labels.json"):
        shutil.copy2(models_dir / name, kept / name)
    out = tmp_path / "eval"
    rc = cli_main(["evaluate", "--model", str(kept), "--data", str(data_dir), "--split",
                   "PublicTest", "--limit", "100", "--out", str(out)])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    assert report["model"] == str(kept / "model.keras") and report["n"] == 100


def test_evaluate_without_votes_has_no_ferplus_section(data_dir, tmp_path):
    """A FER-2013 folder without ferplus_votes.csv: the FER-2013 figures only."""
    data = tmp_path / "fer2013"
    data.mkdir()
    for part in ("train", "test"):
        (data / part).symlink_to(data_dir / part)
    shutil.copy2(data_dir / "manifest.csv", data / "manifest.csv")
    out = tmp_path / "eval"
    assert cli_main(["evaluate", "--data", str(data), "--split", "PublicTest", "--limit", "50",
                     "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert "ferplus" not in report and report["n"] == 50
    assert not (out / "reliability.png").exists()
