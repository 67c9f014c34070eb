"""`fer-desktop evaluate`: accuracy, per-class P/R/F1, confusion matrix, ROC AUC, curves; and,
where ``ferplus_votes.csv`` lies beside the data, agreement with the FER+ majority of 10
taggers, negative calls against people's, KL to the votes and calibration (ECE, reliability)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

from fer_desktop.paths import default_models_dir
from fer_desktop.train.data import DEFAULT_DATA_DIR, USAGES, DataError, load_split


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = parser or argparse.ArgumentParser(prog="fer-desktop evaluate", description=__doc__)
    p.add_argument("--model", type=Path, default=None,
                   help="a .keras/.tflite file, a run folder or a models folder "
                        "(default: the released model in models/)")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="FER-2013 folder")
    p.add_argument("--split", default="PrivateTest", choices=USAGES)
    p.add_argument("--out", type=Path, required=True, help="report folder")
    p.add_argument("--limit", type=int, default=0, help="evaluate a stratified subset of N")
    p.add_argument("--no-tta", action="store_true", help="disable flip test-time averaging")
    p.add_argument("--temperature", type=float, default=None,
                   help="calibration temperature (default: the model's labels.json, 1.0 where "
                        "absent; --temperature 1 evaluates the raw probabilities)")
    return p


def main(argv: list[str] | None = None) -> int:
    return run_checked(build_parser().parse_args(argv))


def run_checked(args: argparse.Namespace) -> int:
    """Evaluate; expected failures become a one-line message and exit status 2."""
    from fer_desktop.vision.classifier import ModelError

    try:
        report = evaluate_model(args.model, args.data, args.split, args.out, limit=args.limit,
                                tta=False if args.no_tta else None,
                                temperature=args.temperature)
    except (DataError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.split}: n={report['n']} accuracy={report['accuracy']:.4f} "
          f"macro_f1={report['macro_f1']:.4f} roc_auc_ovr={report['roc_auc_ovr']:.4f} "
          f"(FER-2013 labels; temperature {report['temperature']:g})")
    if "ferplus" in report:
        from fer_desktop.train.ferplus_metrics import headline

        print(f"{args.split}: {headline(report['ferplus'])}")
    print(f"Report: {Path(args.out).resolve() / 'report.md'}")
    return 0


def compute_report(y_true: np.ndarray, probs: np.ndarray, labels: list[str],
                   split: str) -> dict:
    """All metrics from true labels and (n, k) probabilities, with scikit-learn."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    k = len(labels)
    y_pred = probs.argmax(axis=1)
    prec, rec, f1, sup = precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(k)), zero_division=0)
    present = np.unique(y_true)
    try:
        if len(present) == k:
            auc = float(roc_auc_score(y_true, probs, multi_class="ovr", average="macro",
                                      labels=list(range(k))))
        else:
            auc = float("nan")
    except ValueError:
        auc = float("nan")
    return {
        "split": split,
        "n": int(len(y_true)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=list(range(k)),
                                   zero_division=0)),
        "roc_auc_ovr": auc,
        "per_class": {labels[i]: {"precision": float(prec[i]), "recall": float(rec[i]),
                                  "f1": float(f1[i]), "support": int(sup[i])} for i in range(k)},
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=list(range(k))).tolist(),
        "labels": list(labels),
    }


def evaluate_model(model: Path | str | None, data_dir: Path | str, split: str,
                   out: Path | str, run_dir: Path | str | None = None, limit: int = 0,
                   tta: bool | None = None, temperature: float | None = None) -> dict:
    """Evaluate a model on one split and write report.json/.md and the figures into ``out``."""
    from fer_desktop.vision.classifier import EmotionClassifier

    out = Path(out)
    model_path = Path(model) if model is not None else default_models_dir()
    if model_path.is_dir() and (model_path / "model.keras").is_file() and run_dir is None:
        run_dir = model_path if (model_path / "history.csv").is_file() else None
    data = load_split(data_dir, split)
    clf = EmotionClassifier.load(model_path, backend="keras", tta_flip=tta,
                                 temperature=temperature)
    if limit:
        data = data.head(limit)
    probs = clf.predict_batch(list(data.images), batch_size=256)
    report = compute_report(data.labels, probs, list(clf.labels), split)
    report.update(model=str(clf.path), tta_flip=clf.tta_flip, temperature=clf.temperature,
                  data=str(Path(data_dir)))
    out.mkdir(parents=True, exist_ok=True)
    fp = ferplus_section(data, probs, data_dir, clf.temperature, list(clf.labels))
    if fp is not None:
        report["ferplus"] = fp
        _plot_reliability(fp, out / "reliability.png")
    (out / "report.json").write_text(json.dumps(report, indent=2))
    _plot_confusion(report, out / "confusion_matrix.png")
    _plot_roc(data.labels, probs, list(clf.labels), out / "roc.png")
    curves = None
    if run_dir is not None and (Path(run_dir) / "history.csv").is_file():
        curves = out / "curves.png"
        plot_curves(Path(run_dir) / "history.csv", curves)
    (out / "report.md").write_text(report_markdown(report, curves is not None))
    return report


def ferplus_section(data, probs: np.ndarray, data_dir: Path | str, temperature: float,
                    labels: list[str]) -> dict | None:
    """The report's ``ferplus`` section for the faces of ``data`` that FER+ has votes for, or
    None without ``ferplus_votes.csv`` (or for a model whose classes are not ours). With a
    temperature other than 1 it also gives the ECE of the raw (unscaled) probabilities."""
    from fer_desktop.labels import EMOTIONS
    from fer_desktop.train.ferplus import VOTES_FILE, majority_labels, read_votes
    from fer_desktop.train.ferplus_metrics import expected_calibration_error, ferplus_report
    from fer_desktop.vision.classifier import apply_temperature

    if not (Path(data_dir) / VOTES_FILE).is_file() or tuple(labels) != EMOTIONS:
        return None
    votes = read_votes(data_dir)
    idx = [i for i, path in enumerate(data.paths) if path in votes]
    if not idx:
        return None
    v = np.stack([votes[data.paths[i]] for i in idx])
    section = ferplus_report(probs[idx], v, data.labels[idx])
    section["temperature"] = temperature
    if temperature != 1.0:  # the same probabilities before scaling: softmax(T log p)
        major = majority_labels(v)
        raw = apply_temperature(probs[idx][major >= 0], 1.0 / temperature)
        section["ece_unscaled"] = expected_calibration_error(raw, major[major >= 0])
    return section


def report_markdown(r: dict, with_curves: bool = False) -> str:
    """A short human-readable report."""
    lines = [
        f"# Evaluation on FER-2013 {r['split']}", "",
        f"- model: `{r.get('model', '?')}` (flip TTA: {r.get('tta_flip', False)})",
        f"- images: {r['n']}",
        f"- **accuracy: {r['accuracy'] * 100:.2f}%**",
        f"- macro F1: {r['macro_f1']:.4f}",
        f"- ROC AUC (one-vs-rest, macro): {r['roc_auc_ovr']:.4f}", "",
        "| class | precision | recall | F1 | support |", "|---|---|---|---|---|",
    ]
    for name, m in r["per_class"].items():
        lines.append(f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                     f"{m['support']} |")
    lines += ["", "![confusion matrix](confusion_matrix.png)", "", "![ROC](roc.png)"]
    if "ferplus" in r:
        lines += ["", *ferplus_markdown(r["ferplus"], r["split"])]
    if with_curves:
        lines += ["", "![learning curves](curves.png)"]
    return "\n".join(lines) + "\n"


def ferplus_markdown(f: dict, split: str) -> list[str]:
    """The FER+ part of report.md."""
    labels = list(f["per_class"])
    lines = [
        f"## Against people: the FER+ majority of 10 taggers ({split})", "",
        f"- faces with FER+ votes: {f['n_with_votes']}; with a single winner among the 10 vote "
        f"columns that is one of the 7 classes: **{f['n']}** (the figures below)",
        f"- **agreement with the FER+ majority: {f['agreement'] * 100:.2f}%** (FER-2013's own "
        f"labels agree on {f.get('fer2013_label_agreement', float('nan')) * 100:.1f}%)",
        f"- **people-neutral faces read as negative** (angry, disgust, fear or sad): "
        f"**{f['neutral_read_negative'] * 100:.1f}%** of {f['n_people_neutral']}",
        f"- **precision of negative calls:** **{f['negative_precision'] * 100:.1f}%** of "
        f"{f['n_called_negative']} called negative are negative to people (recall "
        f"{f['negative_recall'] * 100:.1f}% of {f['n_people_negative']})",
        f"- macro F1 against the majority: {f['macro_f1']:.4f}",
        f"- against the vote distribution ({f['n_distribution']} faces with a vote in the 7 "
        f"classes): cross-entropy {f['cross_entropy_votes']:.4f} nats, KL "
        f"{f['kl_votes']:.4f} nats",
        f"- calibration ({f['ece_definition']}), temperature {f['temperature']:g}: **ECE "
        f"{f['ece']:.4f}**" + (f" (unscaled: {f['ece_unscaled']:.4f})"
                               if "ece_unscaled" in f else "")
        + f", mean confidence {f['mean_confidence']:.3f}; NLL of the majority "
        f"{f['nll_majority']:.4f}", "",
        "| class (FER+) | precision | recall | F1 | support | predicted |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in f["per_class"].items():
        lines.append(f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                     f"{m['support']} | {m['predicted']} |")
    lines += ["", "Confusion matrix (rows: FER+ majority, columns: predicted):", "",
              "| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for name, row in zip(labels, f["confusion_matrix"], strict=True):
        lines.append(f"| **{name}** | " + " | ".join(str(v) for v in row) + " |")
    lines += ["", "![reliability diagram](reliability.png)"]
    return lines


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot_confusion(r: dict, path: Path) -> None:
    plt = _plt()
    cm = np.array(r["confusion_matrix"], dtype=float)
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    labels = r["labels"]
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{int(cm[i, j])}\n{norm[i, j]:.0%}", ha="center", va="center",
                    fontsize=7, color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{r['split']}: accuracy {r['accuracy']:.1%}")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_reliability(f: dict, path: Path) -> None:
    """Reliability diagram: accuracy against the FER+ majority per confidence bin."""
    plt = _plt()
    bins = f["reliability"]
    fig, (ax, axn) = plt.subplots(2, 1, figsize=(5.5, 6), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    width = bins[0]["high"] - bins[0]["low"]
    mids = [b["low"] + width / 2 for b in bins]
    acc = [b["accuracy"] or 0.0 for b in bins]
    conf = [b["confidence"] if b["count"] else m for b, m in zip(bins, mids, strict=True)]
    ax.bar(mids, acc, width=width * 0.95, color="#4c72b0", label="accuracy (FER+ majority)")
    gap = [abs(c - a) if b["count"] else 0.0 for b, a, c in zip(bins, acc, conf, strict=True)]
    ax.bar(mids, gap, bottom=np.minimum(acc, conf), width=width * 0.95, color="#dd8452",
           alpha=0.5, label="gap to the mean confidence")
    ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(f"ECE {f['ece']:.4f} ({f['ece_bins']} bins), temperature {f['temperature']:g}")
    ax.legend(fontsize=8, loc="upper left")
    axn.bar(mids, [b["count"] for b in bins], width=width * 0.95, color="gray")
    axn.set_xlabel("confidence of the predicted class")
    axn.set_ylabel("faces")
    axn.set_xlim(0, 1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_roc(y_true: np.ndarray, probs: np.ndarray, labels: list[str], path: Path) -> None:
    from sklearn.metrics import auc, roc_curve

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 5))
    for i, name in enumerate(labels):
        if not (y_true == i).any():
            continue
        fpr, tpr, _ = roc_curve(y_true == i, probs[:, i])
        ax.plot(fpr, tpr, lw=1.2, label=f"{name} (AUC {auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC, one vs rest")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_curves(history_csv: Path, path: Path) -> None:
    """Loss and accuracy per epoch (train and PublicTest validation) from a CSVLogger file."""
    plt = _plt()
    with Path(history_csv).open() as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return
    ep = [int(r["epoch"]) + 1 for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for key, ax in (("loss", a1), ("accuracy", a2)):
        ax.plot(ep, [float(r[key]) for r in rows], label=f"train {key}")
        ax.plot(ep, [float(r[f"val_{key}"]) for r in rows], label=f"PublicTest {key}")
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
