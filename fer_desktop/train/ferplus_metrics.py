"""How a model's probabilities agree with what people see: the FER+ votes of 10 taggers.

Every figure is computed against the FER+ **majority** (:func:`ferplus.majority_labels`: the
single winner among the ten vote columns, one of our seven classes), except the cross-entropy
and KL divergence, which compare the probabilities with the **vote distribution** over our
seven classes (:func:`ferplus.vote_distribution`). "Negative" is angry, disgust, fear or sad.
Calibration is the top-label expected calibration error (Guo et al. 2017): the confidence of
the predicted class against whether it is the FER+ majority, in equal-width bins.
"""

from __future__ import annotations

import numpy as np

from fer_desktop.labels import EMOTIONS
from fer_desktop.train.ferplus import (
    FERPLUS_COLUMNS,
    FERPLUS_TO_OURS,
    NEGATIVE,
    NEUTRAL,
    majority_labels,
    vote_distribution,
)

#: Bins of the expected calibration error and of the reliability diagram.
ECE_BINS = 15
_EPS = 1e-7


def reliability_bins(probs: np.ndarray, y_true: np.ndarray, n_bins: int = ECE_BINS) -> list[dict]:
    """Top-label reliability in ``n_bins`` equal-width confidence bins over [0, 1]: per bin its
    edges, the number of faces, their mean confidence and the share whose predicted class is
    ``y_true`` (empty bins have count 0 and no mean)."""
    probs, y_true = np.asarray(probs), np.asarray(y_true)
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y_true
    # bin b holds (edge_b, edge_b+1]; a confidence of exactly 0 falls into the first bin
    which = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        m = which == b
        n = int(m.sum())
        out.append({"low": b / n_bins, "high": (b + 1) / n_bins, "count": n,
                    "confidence": float(conf[m].mean()) if n else None,
                    "accuracy": float(correct[m].mean()) if n else None})
    return out


def expected_calibration_error(probs: np.ndarray, y_true: np.ndarray,
                               n_bins: int = ECE_BINS) -> float:
    """Top-label ECE: the count-weighted mean of |accuracy - confidence| over the bins."""
    bins = reliability_bins(probs, y_true, n_bins)
    n = sum(b["count"] for b in bins)
    if n == 0:
        return float("nan")
    return float(sum(b["count"] * abs(b["accuracy"] - b["confidence"])
                     for b in bins if b["count"]) / n)


def cross_entropy(probs: np.ndarray, targets: np.ndarray) -> float:
    """Mean cross-entropy (nats) of the probabilities against target distributions."""
    p = np.clip(np.asarray(probs, np.float64), _EPS, 1.0)
    return float(-(np.asarray(targets, np.float64) * np.log(p)).sum(axis=1).mean())


def kl_divergence(probs: np.ndarray, targets: np.ndarray) -> float:
    """Mean KL(targets || probs) in nats: the cross-entropy less the targets' own entropy."""
    t = np.asarray(targets, np.float64)
    entropy = -(t * np.log(np.where(t > 0, t, 1.0))).sum(axis=1).mean()
    return cross_entropy(probs, t) - float(entropy)


def _scaled(probs: np.ndarray, beta: float) -> np.ndarray:
    z = np.log(np.clip(np.asarray(probs, np.float64), 1e-12, None)) * beta
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(probs: np.ndarray, targets: np.ndarray, low: float = 0.05,
                    high: float = 20.0, tol: float = 1e-5) -> float:
    """The temperature T minimising the mean cross-entropy of ``softmax(log p / T)`` against
    ``targets`` (one-hot rows: the NLL of those labels; vote shares: the CE against them).

    The loss is convex in 1/T (a log-sum-exp of a linear function, less a linear term), so a
    golden-section search over 1/T in [1/high, 1/low] finds its minimum."""
    targets = np.asarray(targets, np.float64)

    def loss(beta: float) -> float:
        return cross_entropy(_scaled(probs, beta), targets)

    a, b = 1.0 / high, 1.0 / low
    g = (np.sqrt(5.0) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = loss(c), loss(d)
    while b - a > tol:
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = loss(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = loss(d)
    return float(2.0 / (a + b))


def _prf(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> dict[str, dict]:
    out = {}
    for i, name in enumerate(EMOTIONS[:k]):
        tp = int(((y_pred == i) & (y_true == i)).sum())
        called, support = int((y_pred == i).sum()), int((y_true == i).sum())
        p = tp / called if called else 0.0
        r = tp / support if support else 0.0
        out[name] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                     "support": support, "predicted": called}
    return out


def ferplus_report(probs: np.ndarray, votes: np.ndarray,
                   fer2013_labels: np.ndarray | None = None) -> dict:
    """The FER+ section of an evaluation report.

    Args:
        probs: (n, 7) probabilities in :data:`EMOTIONS` order, one row per face with votes.
        votes: (n, 10) FER+ votes of the same faces (``ferplus.FERPLUS_COLUMNS`` order).
        fer2013_labels: the faces' FER-2013 labels, to say how often they agree with people.
    """
    probs, votes = np.asarray(probs, np.float64), np.asarray(votes)
    k = len(EMOTIONS)
    major = majority_labels(votes)
    single = major >= 0
    y, p = major[single], probs[single]
    pred = p.argmax(axis=1)
    neg = np.array(NEGATIVE)
    people_neutral = y == NEUTRAL
    called_neg, people_neg = np.isin(pred, neg), np.isin(y, neg)
    ours = [FERPLUS_COLUMNS.index(c) for c in FERPLUS_TO_OURS]
    with_ours = votes[:, ours].sum(axis=1) > 0  # some vote in our 7 classes
    dist = vote_distribution(votes[with_ours])
    confusion = np.zeros((k, k), np.int64)
    np.add.at(confusion, (y, pred), 1)
    report = {
        "n_with_votes": int(len(votes)),
        "n": int(single.sum()),
        "majority": "the single winner among FER+'s 10 vote columns, one of the 7 classes",
        "agreement": float((pred == y).mean()) if len(y) else float("nan"),
        "neutral_read_negative": float(called_neg[people_neutral].mean())
        if people_neutral.any() else float("nan"),
        "n_people_neutral": int(people_neutral.sum()),
        "negative_precision": float(people_neg[called_neg].mean())
        if called_neg.any() else float("nan"),
        "negative_recall": float(called_neg[people_neg].mean())
        if people_neg.any() else float("nan"),
        "n_called_negative": int(called_neg.sum()),
        "n_people_negative": int(people_neg.sum()),
        "per_class": _prf(y, pred, k),
        "confusion_matrix": confusion.tolist(),
        "confusion_rows": "FER+ majority", "confusion_columns": "predicted",
        "n_distribution": int(with_ours.sum()),
        "cross_entropy_votes": cross_entropy(probs[with_ours], dist),
        "kl_votes": kl_divergence(probs[with_ours], dist),
        "nll_majority": cross_entropy(p, np.eye(k)[y]),
        "ece": expected_calibration_error(p, y),
        "ece_bins": ECE_BINS,
        "ece_definition": f"top-label, {ECE_BINS} equal-width bins, against the FER+ majority",
        "reliability": reliability_bins(p, y),
        "mean_confidence": float(p.max(axis=1).mean()) if len(y) else float("nan"),
    }
    report["macro_f1"] = float(np.mean([m["f1"] for m in report["per_class"].values()]))
    if fer2013_labels is not None:
        report["fer2013_label_agreement"] = float(
            (np.asarray(fer2013_labels)[single] == y).mean())
    return report


def headline(f: dict) -> str:
    """The FER+ figures of a report in one line, for the command line."""
    return (f"FER+ majority (n={f['n']}): agreement={f['agreement']:.4f} "
            f"neutral_read_negative={f['neutral_read_negative']:.4f} "
            f"negative_precision={f['negative_precision']:.4f} ece={f['ece']:.4f} "
            f"kl_votes={f['kl_votes']:.4f}")
