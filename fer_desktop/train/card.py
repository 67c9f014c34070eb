"""`fer-desktop model-card RUN_DIR`: write models/MODEL_CARD.md from the files the other
commands produced (run config, history, training time, release info, evaluation reports),
so every figure in the card comes from the committed code's output."""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from datetime import date
from pathlib import Path

from fer_desktop.paths import default_models_dir


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = parser or argparse.ArgumentParser(prog="fer-desktop model-card", description=__doc__)
    p.add_argument("run_dir", type=Path)
    p.add_argument("--models", type=Path, default=None, help="models folder (default models/)")
    p.add_argument("--bench", type=Path, default=None, help="output of bench/classify.py")
    p.add_argument("--previous", type=Path, action="append", default=None,
                   help="run folder of an earlier stage whose weights led to this run "
                        "(--init-from); repeat it, earliest first, for several stages: the card "
                        "then describes every stage")
    p.add_argument("--candidate", type=Path, action="append", default=None,
                   help="a run folder that was considered for this release (its PublicTest "
                        "report: reports/PublicTest/ or eval_PublicTest/); repeat it: the card "
                        "tables FER+ agreement against FER-2013 accuracy over them")
    p.add_argument("--epoch-time", type=Path, action="append", default=None,
                   help="output of bench/epoch_time.py (JSON lines): seconds an epoch here")
    return p


def _report(models: Path, split: str) -> dict | None:
    path = models / "reports" / split / "report.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _table(r: dict) -> list[str]:
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for name, m in r["per_class"].items():
        lines.append(f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                     f"{m['support']} |")
    return lines


def _stage(run_dir: Path) -> tuple[dict, list[dict], float]:
    cfg = json.loads((run_dir / "config.json").read_text())
    secs = json.loads((run_dir / "train_time.json").read_text())["seconds"]
    with (run_dir / "history.csv").open() as fh:
        hist = list(csv.DictReader(fh))
    return cfg, hist, secs


def _hardware(cfg: dict) -> str:
    return cfg.get("hardware") or "2 CPU cores (no GPU)"


def _ferplus(cfg: dict) -> bool:
    return cfg.get("labels", "fer2013") == "ferplus"


def _targets_text(cfg: dict) -> str:
    if not _ferplus(cfg):
        return ", FER-2013's single labels"
    return (" with FER+ votes, learning their vote distribution over the 7 classes (contempt, "
            "unknown and not-a-face votes dropped, counts below "
            f"{cfg.get('min_votes', 1)} zeroed; unclear faces and non-faces left out)")


def _val_text(cfg: dict) -> str:
    return (", of which the faces with a single FER+ winner, labelled by it" if _ferplus(cfg)
            else "")


def _val_metric(cfg: dict) -> str:
    return "agreement with the FER+ majority" if _ferplus(cfg) else "accuracy"


def _label_options(cfg: dict) -> str:
    """The options that repeat the run's labels and backbone."""
    opts = ""
    if _ferplus(cfg):
        opts += " --labels ferplus"
        if cfg.get("min_votes", 1) != 1:
            opts += f" --min-votes {cfg['min_votes']}"
    if cfg.get("backbone_weights"):
        opts += f" --backbone-weights {cfg['backbone_weights']}"
    return opts


def write_card(run_dir: Path, models: Path, bench: Path | None = None,
               previous: list[Path] | None = None, candidates: list[Path] | None = None,
               epoch_times: list[Path] | None = None) -> Path:
    cfg = json.loads((run_dir / "config.json").read_text())
    rel = json.loads((models / "release.json").read_text())
    labels = json.loads((models / "labels.json").read_text())
    secs = json.loads((run_dir / "train_time.json").read_text())["seconds"]
    with (run_dir / "history.csv").open() as fh:
        hist = list(csv.DictReader(fh))
    best = max(hist, key=lambda r: float(r["val_accuracy"]))
    pub, priv = _report(models, "PublicTest"), _report(models, "PrivateTest")
    import keras

    model = keras.models.load_model(models / "model.keras", compile=False)
    n_params = model.count_params()
    tflite_kb = (models / "model.tflite").stat().st_size / 1024
    lines = [
        "# Model card: fer_desktop emotion CNN", "",
        f"- **Date:** {date.today().isoformat()}",
        f"- **Task:** 7 facial expressions of FER-2013 ({', '.join(labels['labels'])}), from a "
        f"{labels['input_size'][0]}x{labels['input_size'][1]} grayscale face crop.",
        f"- **Architecture:** `{cfg['arch']}` (`fer_desktop/train/model.py`), "
        f"{n_params:,} parameters; rescaling inside the model.",
        f"- **Files:** `model.keras` (Keras 3), `model.tflite` (fp32, {tflite_kb:.0f} kB, run by "
        "ai-edge-litert in the app), `labels.json` (class order, input size, preprocessing, "
        "test-time flip averaging).",
        f"- **Test-time augmentation:** horizontal-flip averaging "
        f"{'on' if labels.get('tta_flip') else 'off'} (chosen on PublicTest: "
        f"{rel['publictest_accuracy_plain']:.4f} without, "
        f"{rel['publictest_accuracy_flip_tta']:.4f} with; allowed only within 1 ms per face: "
        f"{rel.get('tflite_ms_per_face_batch25', float('nan')):.2f} ms without, "
        f"{rel.get('tflite_ms_per_face_batch25_flip', float('nan')):.2f} ms with, TFLite, "
        "batch 25, 2 cores).",
        f"- **TFLite vs Keras:** max abs difference of probabilities "
        f"{rel['tflite_max_abs_diff']:.1e} on 256 PublicTest faces.", "",
        "## Data and protocol", "",
        "FER-2013 (Goodfellow et al., 2013) in the Kaggle folder layout with `manifest.csv`. "
        f"Trained on **Training** ({cfg['n_train']:,} images{_targets_text(cfg)}); the "
        "checkpoint, the learning-rate schedule, early stopping"
        + (", the TTA choice and the calibration" if (models / "calibration.json").is_file()
           else " and the TTA choice")
        + f" used **PublicTest** ({cfg['n_val']:,}{_val_text(cfg)}); **PrivateTest** was "
        "evaluated once, for this card, after all choices were made.", "",
        "## Recipe", "",
        f"- {cfg['epochs']} epochs planned, batch {cfg['batch_size']}, AdamW (peak lr "
        f"{cfg['lr']}, weight decay {cfg['weight_decay']}), {cfg['warmup_epochs']} warm-up "
        "epoch(s) then cosine decay; categorical cross-entropy with label smoothing "
        f"{cfg['label_smoothing']}.",
        ("- Class weights (softened inverse frequency, `disgust` highest): "
         + ", ".join(f"{labels['labels'][int(k)]} {v:.2f}"
                     for k, v in cfg["class_weights"].items()) + "."
         if cfg.get("class_weights") else "- No class weights."),
        "- Augmentation (`fer_desktop/train/augment.py`): random rotation ±10°, zoom 0.9-1.1, "
        "shift ±10%, horizontal flip, random erasing (p 0.5).",
        f"- Seed {cfg['seed']}; Keras {cfg['keras_version']} on the `{cfg['keras_backend']}` "
        "backend (2x faster on this 2-core CPU than the TensorFlow backend for this model); "
        "the `.keras` file loads in tensorflow-cpu.",
        f"- Best PublicTest {_val_metric(cfg)} during training: "
        f"{float(best['val_accuracy']):.4f} at epoch "
        f"{int(best['epoch']) + 1} of {len(hist)} run.",
        f"- Training time: {secs / 60:.1f} min on {_hardware(cfg)}.", "",
        "Reproduce:", "", "```",
        f"KERAS_BACKEND={cfg['keras_backend']} .venv/bin/fer-desktop train --arch {cfg['arch']} "
        f"--epochs {cfg['epochs']}{_label_options(cfg)} --out runs/release",
        "  # (pip install torch==2.13.0 into .venv first for the torch backend; without it the "
        "TensorFlow backend runs the same code, about 2x slower)",
        ".venv/bin/fer-desktop release runs/release",
        ".venv/bin/fer-desktop evaluate --split PublicTest --out models/reports/PublicTest",
        ".venv/bin/fer-desktop evaluate --split PrivateTest --out models/reports/PrivateTest",
        ".venv/bin/fer-desktop model-card runs/release", "```", "",
    ]
    for split, r in (("PrivateTest", priv), ("PublicTest", pub)):
        if r is None:
            continue
        lines += [f"## {split} ({r['n']} images)", "",
                  f"- **accuracy {r['accuracy'] * 100:.2f}%**, macro F1 {r['macro_f1']:.4f}, "
                  f"ROC AUC (one-vs-rest, macro) {r['roc_auc_ovr']:.4f}", "", *_table(r), "",
                  f"![confusion matrix](reports/{split}/confusion_matrix.png)", ""]
    if priv is not None:
        status = "meets" if priv["accuracy"] >= 0.70 else "does NOT yet meet"
        lines += [f"**Status:** this release {status} the project's 70% PrivateTest target "
                  f"({priv['accuracy'] * 100:.2f}%).", ""]
    lines += [
        "## Reference points (FER-2013 PrivateTest)", "",
        "Human agreement about 65%; the `fer` package's mini-Xception 65.9% measured here; "
        "best single networks published 72-73% (Pramerdorfer & Kampel 2016; Khaireddin & Chen "
        "2021).", "",
        "## Limits", "",
        "FER-2013 faces are small, grayscale, mostly frontal and posed or web-sourced; models "
        "trained on it read real webcam faces less well (double-digit drops are reported in "
        "the field). The outputs are observed facial expressions, not feelings. See the "
        "responsible-use notice in the README.", ""]
    if previous:
        lines = _stages(lines, [_stage(p) for p in previous] + [(cfg, hist, secs)])
    from fer_desktop.train import card_ferplus

    people = card_ferplus.sections(models, candidates, epoch_times)
    if people:  # after the FER-2013 figures, before the reference points
        at = lines.index("## Reference points (FER-2013 PrivateTest)")
        lines = lines[:at] + people + lines[at:]
    if bench is not None and bench.is_file():
        lines += ["## Speed (bench/classify.py)", "", bench.read_text().strip(), ""]
    path = models / "MODEL_CARD.md"
    path.write_text("\n".join(lines))
    return path


_ORDINAL = ("one", "two", "three", "four", "five", "six")


def _train_command(cfg: dict, k: int, out: str) -> str:
    """The `fer-desktop train` line that repeats stage ``k`` (0-based) of a release."""
    epochs = cfg.get("epochs_fitted") or cfg["epochs"]
    return (f"KERAS_BACKEND={cfg['keras_backend']} .venv/bin/fer-desktop train --arch "
            f"{cfg['arch']}" + (" --init-from models/model.keras" if k else "")
            + f" --epochs {epochs} --lr {cfg['lr']} --batch-size {cfg['batch_size']} "
            f"--warmup-epochs {cfg['warmup_epochs']} --weight-decay {cfg['weight_decay']} "
            f"--patience {cfg['patience']}" + _extra_options(cfg) + f" --out {out}")


def _extra_options(cfg: dict) -> str:
    """The options a stage set beyond the ones every stage gives (only where they differ from
    the defaults), so its command repeats it."""
    opts = _label_options(cfg)
    if cfg.get("label_smoothing", 0.1) != 0.1:
        opts += f" --label-smoothing {cfg['label_smoothing']}"
    if cfg.get("lr_schedule", "cosine") != "cosine":
        opts += f" --lr-schedule {cfg['lr_schedule']}"
    if cfg.get("swa_from"):
        opts += f" --swa-from {cfg['swa_from']}"
    for teacher in cfg.get("teacher") or []:
        opts += f" --teacher {teacher}"
    if cfg.get("teacher"):
        opts += f" --teacher-weight {cfg['teacher_weight']}"
        if cfg.get("teacher_tta", "flip") != "flip":
            opts += f" --teacher-tta {cfg['teacher_tta']}"
        if cfg.get("teacher_views"):
            opts += f" --teacher-views {cfg['teacher_views']}"
    return opts


def _teacher_name(path: str, k: int) -> str:
    """A teacher as the card's reader knows it: by its stage where the path says which."""
    p = Path(path).as_posix()
    if re.search(r"(^|/)models/model\.(keras|tflite)$", p):
        return f"stage {k}'s released model"
    m = re.search(r"runs/stage(\d+)/model\.(keras|tflite)$", p)
    return f"stage {m.group(1)}'s model" if m else f"`{path}`"


def _distillation(cfg: dict, k: int) -> str:
    teachers = cfg.get("teacher") or []
    if not teachers:
        return ""
    w = cfg["teacher_weight"]
    names = [_teacher_name(t, k) for t in teachers]
    from fer_desktop.train.train import teacher_tta_text

    tta = cfg.get("teacher_tta", "flip")
    over = ("its mirror image" if tta == "flip" else
            f"{teacher_tta_text(tta)}, `--teacher-tta {tta}`")
    who = (f"{names[0]} averaged with {over}" if len(names) == 1 else
           f"the mean of {' and '.join(names)}, each averaged with {over}")
    text = (f"; distilled from {who} (`--teacher`), on the same augmented faces: each target "
            f"is {1 - w:.2g} x the label + {w:.2g} x the teacher's probabilities")
    if cfg.get("teacher_views"):
        k_views = cfg["teacher_views"]
        text += (f"; the training set was augmented {k_views} times once and the teacher asked "
                 f"once per face (`--teacher-views {k_views}`), epoch e training on view "
                 f"e mod {k_views}")
    return text


def _stages(lines: list[str], stages: list[tuple[dict, list[dict], float]]) -> list[str]:
    """Replace the one-run recipe and commands with every stage of a chain of warm restarts."""
    cfg = stages[-1][0]
    start = lines.index("## Recipe")
    end = lines.index("```", lines.index("Reproduce:") + 3) + 1  # the closing fence
    n = len(stages)
    recipe = [f"## Recipe ({_ORDINAL[n - 1] if n <= 6 else n} stages: a run, then warm "
              "restarts, each from the weights the stage before released)", ""]
    outs = [f"runs/stage{k + 1}" for k in range(n)]
    commands = []
    for k, (c, h, secs) in enumerate(stages):
        best = max(float(r["val_accuracy"]) for r in h)
        origin = "from random weights" if k == 0 else \
            f"from stage {k}'s released weights (`--init-from`)"
        fitted = ""
        if c.get("epochs_fitted"):
            fitted = (f" (the number that fitted `--time-budget {c['time_budget']}` minutes)"
                      if len(h) >= c["epochs_fitted"] else
                      f" (of the {c['epochs_fitted']} that fitted `--time-budget "
                      f"{c['time_budget']}` minutes)")
        recipe.append(
            f"- **Stage {k + 1}:** {origin}, {len(h)} epochs{fitted}, batch {c['batch_size']}, "
            f"AdamW peak lr {c['lr']}, weight decay {c['weight_decay']}, {c['warmup_epochs']} "
            f"warm-up epoch(s) then "
            + ("a constant rate" if c.get("lr_schedule") == "constant" else "cosine decay")
            + f"; best PublicTest {best:.4f}; "
            f"{secs / 60:.1f} min on {_hardware(c)}; Keras {c['keras_version']}, "
            f"`{c['keras_backend']}` backend; label smoothing {c['label_smoothing']}"
            + _distillation(c, k)
            + ("; targets: the FER+ vote distribution of 10 taggers (`--labels ferplus`), no "
               "class weights, selected on agreement with the PublicTest FER+ majority"
               if c.get("labels") == "ferplus" else "")
            + (f"; {c['note']}" if c.get("note") else "") + ".")
        commands += [_train_command(c, k, outs[k]), f".venv/bin/fer-desktop release {outs[k]}"]
    total = sum(secs for _, _, secs in stages)
    recipe += [
        "- Every stage: class weights (softened "
        "inverse frequency, `disgust` highest; not with FER+ targets), augmentation "
        "(`fer_desktop/train/augment.py`: "
        "rotation ±10°, zoom 0.9-1.1, shift ±10%, horizontal flip, random erasing p 0.5), seed "
        f"{cfg['seed']}. The `.keras` file loads in tensorflow-cpu whichever backend trained it.",
        f"- **Total training time: {total / 60:.1f} min.**", "",
        "Reproduce (each stage on the hardware it names; on a lent GPU machine "
        "`tools/device_train.sh` runs these `fer-desktop train` commands):", "", "```",
        *commands,
        "  # (the torch backend: pip install torch==2.13.0 into .venv first)",
        ".venv/bin/fer-desktop evaluate --split PublicTest --out models/reports/PublicTest",
        ".venv/bin/fer-desktop evaluate --split PrivateTest --out models/reports/PrivateTest",
        f".venv/bin/fer-desktop model-card {outs[-1]} "
        + " ".join(f"--previous {o}" for o in outs[:-1]), "```", ""]
    return lines[:start] + recipe + lines[end:]


def run_checked(args: argparse.Namespace) -> int:
    try:
        path = write_card(args.run_dir, args.models or default_models_dir(), args.bench,
                          args.previous, args.candidate, args.epoch_time)
    except (FileNotFoundError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0
