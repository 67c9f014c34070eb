"""`fer-desktop calibrate DIR`: fit a temperature on PublicTest so the model's percentages mean
what they say against people (the FER+ votes), and store it in DIR/labels.json.

The app then shows ``softmax(log p / T)`` (``EmotionClassifier``, Keras and TFLite alike).
Two objectives are fitted: the cross-entropy against the FER+ vote distributions (``votes``)
and the negative log-likelihood of the FER+ majority (``majority``). ``--objective auto``
keeps the one whose temperature, fitted on one half of PublicTest, gives the lower expected
calibration error on the other half (both ways round). PrivateTest is never used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from fer_desktop.train.data import DEFAULT_DATA_DIR, DataError, load_split

OBJECTIVES = ("votes", "majority")
CALIBRATION_FILE = "calibration.json"


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = parser or argparse.ArgumentParser(prog="fer-desktop calibrate", description=__doc__)
    p.add_argument("model_dir", type=Path,
                   help="a run or models folder (model.keras + labels.json)")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR,
                   help="FER-2013 folder with ferplus_votes.csv beside train/ and test/")
    p.add_argument("--objective", choices=("auto", *OBJECTIVES), default="auto",
                   help="votes: cross-entropy against the FER+ vote distributions; majority: "
                        "NLL of the FER+ majority; auto: the one with the lower held-out ECE")
    p.add_argument("--dry-run", action="store_true", help="print, write nothing")
    return p


def main(argv: list[str] | None = None) -> int:
    return run_checked(build_parser().parse_args(argv))


def run_checked(args: argparse.Namespace) -> int:
    from fer_desktop.vision.classifier import ModelError

    try:
        info = calibrate(args.model_dir, args.data, args.objective, write=not args.dry_run)
    except (DataError, ModelError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, fit in info["objectives"].items():
        print(f"objective {name}: T={fit['temperature']:.4f} held-out ECE "
              f"{fit['heldout_ece']:.4f} (halves: T={fit['half_temperatures'][0]:.3f}, "
              f"{fit['half_temperatures'][1]:.3f})")
    b, a = info["before"], info["after"]
    print(f"PublicTest FER+ (n={info['n']}), {info['objective']}: temperature "
          f"{info['temperature']:.4f}; ECE {b['ece']:.4f} -> {a['ece']:.4f}; NLL of the majority "
          f"{b['nll_majority']:.4f} -> {a['nll_majority']:.4f}; CE to the votes "
          f"{b['cross_entropy_votes']:.4f} -> {a['cross_entropy_votes']:.4f}")
    if not args.dry_run:
        print(f"wrote the temperature into {Path(args.model_dir) / 'labels.json'}")
    return 0


def _figures(probs: np.ndarray, major: np.ndarray, dist: np.ndarray) -> dict:
    from fer_desktop.train.ferplus_metrics import cross_entropy, expected_calibration_error

    s = major >= 0
    return {"ece": expected_calibration_error(probs[s], major[s]),
            "nll_majority": cross_entropy(probs[s], np.eye(probs.shape[1])[major[s]]),
            "cross_entropy_votes": cross_entropy(probs, dist),
            "mean_confidence": float(probs[s].max(axis=1).mean())}


def _targets(objective: str, major: np.ndarray, dist: np.ndarray, k: int):
    """(rows, targets) the objective fits on: every face and its vote shares, or the faces
    with a single winner and their one-hot majority."""
    if objective == "votes":
        return np.arange(len(major)), dist
    rows = np.flatnonzero(major >= 0)
    return rows, np.eye(k)[major[rows]]


def calibrate(model_dir: Path | str, data_dir: Path | str, objective: str = "auto",
              write: bool = True) -> dict:
    """Fit the temperature on PublicTest's FER+ votes; write it into labels.json (and the
    figures into calibration.json) unless ``write`` is False. Returns those figures."""
    from fer_desktop.train.ferplus import (
        FERPLUS_COLUMNS,
        FERPLUS_TO_OURS,
        majority_labels,
        read_votes,
        vote_distribution,
        with_votes,
    )
    from fer_desktop.train.ferplus_metrics import expected_calibration_error, fit_temperature
    from fer_desktop.vision.classifier import EmotionClassifier, apply_temperature

    model_dir = Path(model_dir)
    labels_path = model_dir / "labels.json"
    if not labels_path.is_file():
        raise FileNotFoundError(f"No labels.json in {model_dir.resolve()}")
    clf = EmotionClassifier.load(model_dir, backend="keras", temperature=1.0)
    voted = with_votes(load_split(data_dir, "PublicTest"), read_votes(data_dir))
    ours = [FERPLUS_COLUMNS.index(c) for c in FERPLUS_TO_OURS]
    keep = voted.votes[:, ours].sum(axis=1) > 0  # some vote in our 7 classes
    votes = voted.votes[keep]
    raw = clf.predict_batch(list(voted.split.images[keep]), batch_size=256).astype(np.float64)
    major, dist = majority_labels(votes), vote_distribution(votes).astype(np.float64)
    k = raw.shape[1]
    halves = (np.arange(len(major)) % 2 == 0, np.arange(len(major)) % 2 == 1)
    fits = {}
    for name in OBJECTIVES:
        rows, t = _targets(name, major, dist, k)
        temp = fit_temperature(raw[rows], t)
        half_t, eces = [], []
        for fit_on, test_on in (halves, halves[::-1]):
            r, tt = _targets(name, major[fit_on], dist[fit_on], k)
            ht = fit_temperature(raw[fit_on][r], tt)
            sel = test_on & (major >= 0)
            eces.append(expected_calibration_error(apply_temperature(raw[sel], ht), major[sel]))
            half_t.append(ht)
        fits[name] = {"temperature": temp, "heldout_ece": float(np.mean(eces)),
                      "half_temperatures": half_t}
    chosen = min(OBJECTIVES, key=lambda n: fits[n]["heldout_ece"]) if objective == "auto" \
        else objective
    temp = fits[chosen]["temperature"]
    info = {
        "fitted_on": "PublicTest", "tta_flip": clf.tta_flip, "model": str(clf.path),
        "n": int((major >= 0).sum()), "n_distribution": int(len(major)),
        "objective": chosen, "objective_asked": objective, "temperature": temp,
        "objectives": fits,
        "heldout": "fitted on the even-numbered PublicTest faces, ECE on the odd ones, and the "
                   "other way round; the mean of the two",
        "before": _figures(raw, major, dist),
        "after": _figures(apply_temperature(raw, temp).astype(np.float64), major, dist),
    }
    if write:
        labels = json.loads(labels_path.read_text())
        labels["temperature"] = round(temp, 6)
        labels_path.write_text(json.dumps(labels, indent=2))
        (model_dir / CALIBRATION_FILE).write_text(json.dumps(info, indent=2))
    return info


if __name__ == "__main__":
    raise SystemExit(main())
