"""The model card's sections on agreement with people (FER+) beside FER-2013, the trade-off
over candidate runs, calibration and speed, each read from files the other commands wrote
(evaluation reports, ``calibration.json``, ``release.json``, ``bench/epoch_time.py`` output);
no figure is typed by hand."""

from __future__ import annotations

import json
from pathlib import Path

#: The issue's targets on PrivateTest: (key in the ferplus section, sense, bound, text).
TARGETS = (("agreement", ">=", 0.85, "FER+ majority agreement"),
           ("neutral_read_negative", "<=", 0.06, "people-neutral faces read as negative"),
           ("negative_precision", ">=", 0.80, "precision of negative calls"),
           ("ece", "<=", 0.03, "expected calibration error"))

#: Where a run folder or a models folder keeps its PublicTest report, first found wins.
_PUBLIC_REPORTS = ("reports/PublicTest/report.json", "eval_PublicTest/report.json")


def _json(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def public_report(folder: Path) -> dict | None:
    """The PublicTest report of a run or models folder (``reports/`` or ``eval_PublicTest/``)."""
    for rel in _PUBLIC_REPORTS:
        r = _json(Path(folder) / rel)
        if r is not None:
            return r
    return None


def _pct(v: float | None, digits: int = 1) -> str:
    return "–" if v is None else f"{v * 100:.{digits}f}%"


def _num(v: float | None, digits: int = 4) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _rows(r: dict) -> list[tuple[str, str]]:
    """(figure, value) of one report: FER+ first, FER-2013 after."""
    f = r.get("ferplus") or {}
    ece = _num(f.get("ece"))
    if "ece_unscaled" in f:
        ece += f" (unscaled {_num(f['ece_unscaled'])})"
    return [
        ("faces with a single FER+ winner", str(f["n"]) if f else "–"),
        ("**FER+ majority agreement**", _pct(f.get("agreement"), 2)),
        ("**people-neutral read as negative**", _pct(f.get("neutral_read_negative"))),
        ("**precision of negative calls**", _pct(f.get("negative_precision"))),
        ("recall of people-negative faces", _pct(f.get("negative_recall"))),
        ("macro F1 against the FER+ majority", _num(f.get("macro_f1"))),
        ("**ECE** (15 bins, FER+ majority)", ece),
        ("KL to the vote distribution (nats)", _num(f.get("kl_votes"))),
        ("temperature", _num(r.get("temperature", 1.0), 3)),
        ("FER-2013's own labels agree with FER+", _pct(f.get("fer2013_label_agreement"))),
        ("**FER-2013 accuracy**", _pct(r["accuracy"], 2)),
        ("FER-2013 macro F1", _num(r["macro_f1"])),
    ]


def label_sets(models: Path) -> list[str]:
    """Both label sets side by side: the released model's FER+ and FER-2013 figures on
    PublicTest and PrivateTest, and those of the FER-2013-trained model kept in
    ``models/fer2013/`` where it has reports. Empty where no report has a FER+ section."""
    cols = []
    for folder, who in ((models, "released"), (models / "fer2013", "fer2013 model")):
        for split in ("PublicTest", "PrivateTest"):
            r = _json(folder / "reports" / split / "report.json")
            if r is not None and "ferplus" in r:
                cols.append((f"{who}, {split}", r))
    if not cols:
        return []
    rows = [_rows(r) for _, r in cols]
    lines = ["## Against people (FER+) and against FER-2013's labels", "",
             "FER+ (Barsoum et al. 2016) had 10 crowd taggers label every FER-2013 face again. "
             "The FER+ figures count the faces whose votes have a single winner among FER+'s 10 "
             "columns that is one of our 7 classes; \"negative\" is angry, disgust, fear or sad; "
             "the ECE is top-label, in 15 equal-width bins, against the FER+ majority. The "
             "FER-2013 figures are the same model against the data set's single labels, on "
             "every face of the split.", "",
             "| figure | " + " | ".join(name for name, _ in cols) + " |",
             "|---" * (len(cols) + 1) + "|"]
    for i, (name, _) in enumerate(rows[0]):
        lines.append(f"| {name} | " + " | ".join(r[i][1] for r in rows) + " |")
    priv = _json(models / "reports" / "PrivateTest" / "report.json")
    if priv is not None and "ferplus" in priv:
        f = priv["ferplus"]
        lines += ["", "Targets of issue #16 on PrivateTest, released model:", ""]
        for key, sense, bound, text in TARGETS:
            v = f[key]
            ok = v >= bound if sense == ">=" else v <= bound
            shown = _num(v) if key == "ece" else _pct(v)
            want = _num(bound, 2) if key == "ece" else _pct(bound, 0)
            lines.append(f"- {text} {sense} {want}: {shown}, **{'met' if ok else 'NOT met'}**")
        lines += ["", *_per_class(priv)]
    return lines + [""]


def _per_class(r: dict) -> list[str]:
    f = r["ferplus"]
    lines = ["Per class on PrivateTest, released model (precision / recall):", "",
             "| class | against FER-2013 | against the FER+ majority |", "|---|---|---|"]
    for name, m in r["per_class"].items():
        p = f["per_class"][name]
        lines.append(f"| {name} | {m['precision']:.3f} / {m['recall']:.3f} | "
                     f"{p['precision']:.3f} / {p['recall']:.3f} |")
    return lines + ["", "![reliability diagram, PrivateTest](reports/PrivateTest/"
                        "reliability.png)"]


def candidates(runs: list[Path], models: Path) -> list[str]:
    """The trade-off between agreement with people and FER-2013 accuracy, on PublicTest, over
    the released model and the candidate run folders (each with its PublicTest report)."""
    rows = []
    released = public_report(models)
    if released is not None:
        rows.append(("**released**", _json(models / "config.json") or {}, released))
    for run in runs:
        r = public_report(run)
        if r is None:
            raise FileNotFoundError(f"No PublicTest report in the candidate run {run} (run "
                                    "`fer-desktop evaluate --split PublicTest --out "
                                    f"{run}/reports/PublicTest`)")
        rows.append((f"`{Path(run).name}`", _json(Path(run) / "config.json") or {}, r))
    if not runs or not rows:
        return []
    lines = ["## Candidates: agreement with people against FER-2013 accuracy (PublicTest)", "",
             "Every run that was considered, with its own PublicTest report. The release is "
             "chosen on agreement with the FER+ majority; FER-2013 accuracy shows what that "
             "costs on the data set's single labels.", "",
             "| run | arch | trained on | FER+ agreement | neutral read as negative | "
             "negative precision | ECE (at T) | T | KL to votes | FER-2013 accuracy | faces |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, cfg, r in rows:
        f = r.get("ferplus") or {}
        lines.append(
            f"| {name} | {cfg.get('arch', '?')} | {cfg.get('labels', 'fer2013')} | "
            f"{_pct(f.get('agreement'), 2)} | {_pct(f.get('neutral_read_negative'))} | "
            f"{_pct(f.get('negative_precision'))} | {_num(f.get('ece'))} | "
            f"{_num(r.get('temperature', 1.0), 3)} | {_num(f.get('kl_votes'))} | "
            f"{_pct(r['accuracy'], 2)} | {r['n']} |")
    if any(r["n"] != rows[0][2]["n"] for _, _, r in rows):
        lines += ["", "Runs evaluated on different numbers of faces (a `--limit` run) are not "
                      "comparable; the last column says how many."]
    points = [(name.strip("*`"), r["accuracy"], r["ferplus"]["agreement"])
              for name, _, r in rows if "ferplus" in r]
    if len(points) >= 2:
        _plot_tradeoff(points, models / "reports" / "tradeoff.png")
        lines += ["", "![FER+ agreement against FER-2013 accuracy](reports/tradeoff.png)"]
    return lines + [""]


def _plot_tradeoff(points: list[tuple[str, float, float]], path: Path) -> None:
    """FER+ agreement against FER-2013 accuracy, one labelled point a run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name, acc, agree in points:
        ax.scatter(acc * 100, agree * 100, color="#c44e52" if name == "released" else "#4c72b0")
        ax.annotate(name, (acc * 100, agree * 100), textcoords="offset points", xytext=(4, 4),
                    fontsize=8)
    ax.set_xlabel("FER-2013 accuracy, PublicTest (%)")
    ax.set_ylabel("agreement with the FER+ majority, PublicTest (%)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def calibration(models: Path) -> list[str]:
    """Temperature scaling as `fer-desktop calibrate` fitted it (``calibration.json``)."""
    c = _json(models / "calibration.json")
    if c is None:
        return []
    b, a = c["before"], c["after"]
    alt = "; ".join(f"{n}: T {f['temperature']:.3f}, held-out ECE {f['heldout_ece']:.4f}"
                    for n, f in c["objectives"].items())
    return [
        "## Calibration", "",
        f"Temperature scaling (Guo et al. 2017): the app shows softmax(log p / T) with **T = "
        f"{c['temperature']:.3f}** (`temperature` in labels.json, applied to the Keras and "
        "TFLite models alike). Fitted on PublicTest by `fer-desktop calibrate models`, "
        f"objective `{c['objective']}` (`votes`: cross-entropy against the FER+ vote "
        "distributions; `majority`: NLL of the FER+ majority), kept because its temperature, "
        "fitted on one half of PublicTest, calibrates the other half best (" + alt + ").", "",
        "| PublicTest, FER+ majority | before (T = 1) | after |", "|---|---|---|",
        f"| ECE | {b['ece']:.4f} | {a['ece']:.4f} |",
        f"| NLL of the majority | {b['nll_majority']:.4f} | {a['nll_majority']:.4f} |",
        f"| cross-entropy to the votes | {b['cross_entropy_votes']:.4f} | "
        f"{a['cross_entropy_votes']:.4f} |",
        f"| mean confidence | {b['mean_confidence']:.3f} | {a['mean_confidence']:.3f} |", "",
        "PrivateTest's ECE, before and after, is in the table above (\"unscaled\").", ""]


def speed(models: Path, epoch_times: list[Path] | None = None) -> list[str]:
    """ms a face of the release (``release.json``) and seconds an epoch of each architecture
    measured by ``bench/epoch_time.py`` (JSON lines)."""
    rel = _json(models / "release.json") or {}
    lines = []
    if "tflite_ms_per_face_batch25" in rel:
        flip = rel.get("tta_flip")
        ms = rel["tflite_ms_per_face_batch25_flip" if flip else "tflite_ms_per_face_batch25"]
        lines += ["## Speed", "",
                  f"- TFLite fp32, batch 25, 2 cores: **{ms:.2f} ms a face** as released (flip "
                  f"averaging {'on' if flip else 'off'}; "
                  f"{rel['tflite_ms_per_face_batch25']:.2f} ms without it, "
                  f"{rel['tflite_ms_per_face_batch25_flip']:.2f} ms with it); the budget is "
                  "1 ms a face, test-time averaging included. The temperature adds a log "
                  "and a softmax over 7 numbers (about 0.001 ms a face at batch 25, timed "
                  "with `timeit` on 2026-12-02).", ""]
    rows = []
    for path in epoch_times or []:
        for line in Path(path).read_text().splitlines():
            if line.strip():
                rows.append(json.loads(line))
    if rows:
        if not lines:
            lines += ["## Speed", ""]
        lines += ["Training speed measured here (`bench/epoch_time.py`: 20 timed steps, "
                  "extrapolated to an epoch of the 26,300 Training faces with FER+ votes):", "",
                  "| arch | parameters | batch | s a step | images/s | s an epoch | backend | "
                  "note |", "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            lines.append(f"| {r['arch']} | {r['params']:,} | {r['batch_size']} | "
                         f"{r['median_step_s']:.2f} | {r['images_per_s']:.1f} | "
                         f"{r['epoch_s']:,.0f} ({r['epoch_s'] / 60:.0f} min) | "
                         f"{r['keras_backend']}, {r['cpu_count']} cores | {r.get('note', '')} |")
        lines.append("")
    return lines


def reproduce(candidate_runs: list[Path], epoch_times: list[Path] | None) -> list[str]:
    """The commands that give this card's FER+ figures again."""
    extra = "".join(f" --candidate {r}" for r in candidate_runs)
    extra += "".join(f" --epoch-time {p}" for p in epoch_times or [])
    return ["Reproduce the FER+ figures (after `fer-desktop release`):", "", "```",
            ".venv/bin/fer-desktop calibrate models",
            ".venv/bin/fer-desktop evaluate --split PublicTest --out models/reports/PublicTest",
            ".venv/bin/fer-desktop evaluate --split PrivateTest --out models/reports/PrivateTest",
            ".venv/bin/fer-desktop evaluate --model models/fer2013 --split PrivateTest "
            "--out models/fer2013/reports/PrivateTest",
            "KERAS_BACKEND=torch .venv/bin/python bench/epoch_time.py --arch resnet50",
            f".venv/bin/fer-desktop model-card RUN{extra}", "```", ""]


def sections(models: Path, candidate_runs: list[Path] | None = None,
             epoch_times: list[Path] | None = None) -> list[str]:
    """All of this module's sections, in the card's order (empty for a release without FER+
    reports, calibration or candidates)."""
    runs = list(candidate_runs or [])
    body = (label_sets(models) + calibration(models) + candidates(runs, models)
            + speed(models, epoch_times))
    if label_sets(models) or runs:
        body += reproduce(runs, epoch_times)
    return body
