"""The model card is written from the release's own files, with every stage of a chain of runs."""

from __future__ import annotations

import json
import shutil

from fer_desktop.train.card import write_card


def test_card_describes_every_stage_and_the_released_figures(models_dir, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(models_dir, models, ignore=shutil.ignore_patterns("MODEL_CARD.md"))
    stages = sorted(models.glob("stage*"))
    assert len(stages) >= 2, "the release is a chain of warm restarts"
    path = write_card(models, models, previous=stages)
    card = path.read_text()
    n = len(stages) + 1
    for k in range(1, n + 1):
        assert f"**Stage {k}:**" in card
    assert card.count("fer-desktop train --arch") == n
    assert card.count("--init-from models/model.keras") == n - 1
    private = json.loads((models / "reports/PrivateTest/report.json").read_text())
    assert f"accuracy {private['accuracy'] * 100:.2f}%" in card
    config = json.loads((models / "config.json").read_text())
    assert config["hardware"] in card
    history_epochs = len((models / "history.csv").read_text().splitlines()) - 1
    assert f"**Stage {n}:** from stage {n - 1}'s released weights (`--init-from`), " \
           f"{history_epochs} epochs" in card


def test_card_repeats_a_distilled_stage(models_dir, tmp_path):
    """A stage trained with --teacher says so, and its command repeats the teacher options."""
    models = tmp_path / "models"
    shutil.copytree(models_dir, models, ignore=shutil.ignore_patterns("MODEL_CARD.md"))
    config = json.loads((models / "config.json").read_text())
    # values no shipped stage uses, so that each is counted once whatever models/ ships
    config.update(teacher=["models/model.keras"], teacher_weight=0.65, label_smoothing=0.0,
                  swa_from=9)
    (models / "config.json").write_text(json.dumps(config))
    card = write_card(models, models, previous=sorted(models.glob("stage*"))).read_text()
    n = len(list(models.glob("stage*"))) + 1
    assert f"distilled from stage {n - 1}'s released model" in card
    assert "0.35 x the label + 0.65 x the teacher's probabilities" in card
    assert card.count("--teacher models/model.keras --teacher-weight 0.65") == 1
    assert card.count("--label-smoothing 0.0 --swa-from 9") == 1


def test_card_names_each_teacher_of_an_ensemble(models_dir, tmp_path):
    """Two teachers: the released model and an earlier stage's model, both named by stage."""
    models = tmp_path / "models"
    shutil.copytree(models_dir, models, ignore=shutil.ignore_patterns("MODEL_CARD.md"))
    config = json.loads((models / "config.json").read_text())
    config.update(teacher=["models/model.keras", "runs/stage2/model.keras"], teacher_weight=0.55)
    (models / "config.json").write_text(json.dumps(config))
    card = write_card(models, models, previous=sorted(models.glob("stage*"))).read_text()
    n = len(list(models.glob("stage*"))) + 1
    assert (f"the mean of stage {n - 1}'s released model and stage 2's model, each averaged "
            "with its mirror image") in card
    assert "0.45 x the label + 0.55 x the teacher's probabilities" in card
    assert card.count("--teacher models/model.keras --teacher runs/stage2/model.keras "
                      "--teacher-weight 0.55") == 1


def test_card_shows_both_label_sets_calibration_candidates_and_speed(models_dir, data_dir,
                                                                      tmp_path):
    """Everything the FER+ sections print comes from the report files of this test's runs."""
    from fer_desktop.cli import main as cli_main
    from fer_desktop.train.card_ferplus import TARGETS

    models = tmp_path / "models"
    shutil.copytree(models_dir, models, ignore=shutil.ignore_patterns(
        "MODEL_CARD.md", "reports", "calibration.json", "fer2013"))
    labels = json.loads((models / "labels.json").read_text())
    labels.pop("temperature", None)
    (models / "labels.json").write_text(json.dumps(labels))
    assert cli_main(["calibrate", str(models), "--data", str(data_dir)]) == 0
    pub = models / "reports" / "PublicTest"
    assert cli_main(["evaluate", "--model", str(models), "--data", str(data_dir), "--split",
                     "PublicTest", "--limit", "300", "--out", str(pub)]) == 0
    # the card only reads files: a PublicTest report stands in for PrivateTest here
    shutil.copytree(pub, models / "reports" / "PrivateTest")
    cand = tmp_path / "runs" / "ferplus_try"
    cand.mkdir(parents=True)
    (cand / "config.json").write_text(json.dumps({"arch": "fernet_half", "labels": "ferplus"}))
    assert cli_main(["evaluate", "--model", str(models), "--data", str(data_dir), "--split",
                     "PublicTest", "--limit", "300", "--temperature", "1", "--out",
                     str(cand / "eval_PublicTest")]) == 0
    shutil.copytree(cand / "eval_PublicTest", models / "fer2013" / "reports" / "PublicTest")
    epoch_times = tmp_path / "epoch_time.jsonl"
    epoch_times.write_text(json.dumps({
        "arch": "resnet50", "params": 23602055, "batch_size": 64, "median_step_s": 9.5,
        "images_per_s": 6.7, "epoch_s": 3904.5, "keras_backend": "torch", "cpu_count": 2}))

    card = write_card(models, models, previous=sorted(models.glob("stage*")),
                      candidates=[cand], epoch_times=[epoch_times]).read_text()
    report = json.loads((pub / "report.json").read_text())
    f = report["ferplus"]
    assert "| figure | released, PublicTest | released, PrivateTest | fer2013 model, " \
           "PublicTest |" in card
    assert f"| **FER+ majority agreement** | {f['agreement'] * 100:.2f}% |" in card
    assert f"| **FER-2013 accuracy** | {report['accuracy'] * 100:.2f}% |" in card
    assert f"(unscaled {f['ece_unscaled']:.4f})" in card
    for key, sense, bound, text in TARGETS:
        ok = f[key] >= bound if sense == ">=" else f[key] <= bound
        assert f"- {text} {sense} " in card
        line = next(x for x in card.splitlines() if x.startswith(f"- {text} {sense} "))
        assert line.endswith("**met**" if ok else "**NOT met**")
    cal = json.loads((models / "calibration.json").read_text())
    assert f"**T = {cal['temperature']:.3f}**" in card
    assert f"| ECE | {cal['before']['ece']:.4f} | {cal['after']['ece']:.4f} |" in card
    other = json.loads((cand / "eval_PublicTest" / "report.json").read_text())["ferplus"]
    assert f"| `ferplus_try` | fernet_half | ferplus | {other['agreement'] * 100:.2f}% |" in card
    assert "| resnet50 | 23,602,055 | 64 | 9.50 | 6.7 | 3,904 (65 min) |" in card
    release = json.loads((models / "release.json").read_text())
    ms = release["tflite_ms_per_face_batch25_flip" if release["tta_flip"] else
                 "tflite_ms_per_face_batch25"]
    assert f"**{ms:.2f} ms a face**" in card
    assert f"--candidate {cand} --epoch-time {epoch_times}" in card
    assert card.index("## Against people") < card.index("## Reference points")
    assert (models / "reports" / "tradeoff.png").stat().st_size > 10_000
    (tmp_path / "card.md").write_text(card)
