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
