"""`fer-desktop evaluate`: accuracy, per-class P/R/F1, confusion matrix, ROC AUC, curves."""

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
    return p


def main(argv: list[str] | None = None) -> int:
    return run_checked(build_parser().parse_args(argv))


def run_checked(args: argparse.Namespace) -> int:
    """Evaluate; expected failures become a one-line message and exit status 2."""
    from fer_desktop.vision.classifier import ModelError

    try:
        report = evaluate_model(args.model, args.data, args.split, args.out, limit=args.limit,
                                tta=False if args.no_tta else None)
    except (DataError, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.split}: n={report['n']} accuracy={report['accuracy']:.4f} "
          f"macro_f1={report['macro_f1']:.4f} roc_auc_ovr={report['roc_auc_ovr']:.4f}")
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
                   tta: bool | None = None) -> dict:
    """Evaluate a model on one split and write report.json/.md and the figures into ``out``."""
    from fer_desktop.vision.classifier import EmotionClassifier

    out = Path(out)
    model_path = Path(model) if model is not None else default_models_dir()
    if model_path.is_dir() and (model_path / "model.keras").is_file() and run_dir is None:
        run_dir = model_path if (model_path / "history.csv").is_file() else None
    data = load_split(data_dir, split)
    clf = EmotionClassifier.load(model_path, backend="keras", tta_flip=tta)
    if limit:
        data = data.head(limit)
    probs = clf.predict_batch(list(data.images), batch_size=256)
    report = compute_report(data.labels, probs, list(clf.labels), split)
    report.update(model=str(clf.path), tta_flip=clf.tta_flip, data=str(Path(data_dir)))
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2))
    _plot_confusion(report, out / "confusion_matrix.png")
    _plot_roc(data.labels, probs, list(clf.labels), out / "roc.png")
    curves = None
    if run_dir is not None and (Path(run_dir) / "history.csv").is_file():
        curves = out / "curves.png"
        plot_curves(Path(run_dir) / "history.csv", curves)
    (out / "report.md").write_text(report_markdown(report, curves is not None))
    return report


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
    if with_curves:
        lines += ["", "![learning curves](curves.png)"]
    return "\n".join(lines) + "\n"


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
