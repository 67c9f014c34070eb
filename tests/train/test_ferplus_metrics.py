"""FER+ metrics on small cases worked by hand, and calibration on toy cases with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from fer_desktop.labels import EMOTIONS
from fer_desktop.train.ferplus_metrics import (
    cross_entropy,
    expected_calibration_error,
    ferplus_report,
    fit_temperature,
    kl_divergence,
    reliability_bins,
)
from fer_desktop.vision.classifier import apply_temperature

A, D, F, H, S, U, N = (EMOTIONS.index(e) for e in
                       ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"))
# FER+ vote columns: neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
# unknown, NF
COL = {N: 0, H: 1, U: 2, S: 3, A: 4, D: 5, F: 6}


def _votes(winner: int, n: int = 8, other: int | None = None) -> np.ndarray:
    v = np.zeros(10, np.int64)
    v[COL[winner]] = n
    if other is not None:
        v[COL[other]] = 10 - n
    return v


def _onehot(cls: int, conf: float = 0.9) -> np.ndarray:
    p = np.full(7, (1 - conf) / 6)
    p[cls] = conf
    return p


def test_hand_worked_report():
    # people: neutral x4, sad x2, happy x1, a tie, an unknown face and a non-face (no majority)
    # model:  neutral, sad, sad, neutral | sad, happy | happy | fear | angry | happy
    people = [N, N, N, N, S, S, H]
    said = [N, S, S, N, S, H, H]
    votes = [_votes(c) for c in people]
    tie = np.zeros(10, np.int64)
    tie[[COL[N], COL[A]]] = 5
    unknown = np.zeros(10, np.int64)
    unknown[[COL[N], 8]] = [3, 7]
    not_face = np.zeros(10, np.int64)
    not_face[9] = 10
    votes = np.stack([*votes, tie, unknown, not_face])
    probs = np.stack([_onehot(c) for c in [*said, F, A, H]])
    r = ferplus_report(probs, votes, fer2013_labels=np.array([N, S, N, N, S, A, H, A, N, H]))
    assert r["n_with_votes"] == 10 and r["n"] == 7
    assert r["agreement"] == pytest.approx(4 / 7)
    assert r["neutral_read_negative"] == pytest.approx(2 / 4)   # 2 of 4 neutral called sad
    assert r["n_called_negative"] == 3                          # sad x3
    assert r["negative_precision"] == pytest.approx(1 / 3)      # only one of them is sad
    assert r["negative_recall"] == pytest.approx(1 / 2)
    assert r["per_class"]["sad"] == pytest.approx(
        {"precision": 1 / 3, "recall": 1 / 2, "f1": 0.4, "support": 2, "predicted": 3})
    assert r["per_class"]["neutral"]["precision"] == 1.0
    assert r["per_class"]["neutral"]["recall"] == 0.5
    cm = np.array(r["confusion_matrix"])
    assert cm[N, S] == 2 and cm[N, N] == 2 and cm[S, H] == 1 and cm.sum() == 7
    assert r["fer2013_label_agreement"] == pytest.approx(5 / 7)
    # the unknown face has 3 neutral votes too; the non-face has no vote in our classes
    assert r["n_distribution"] == 9
    assert r["ece"] == pytest.approx(0.9 - 4 / 7)  # one bin: confidence 0.9, 4 of 7 right


def test_cross_entropy_and_kl_by_hand():
    p = np.array([[0.5, 0.5], [0.25, 0.75]])
    t = np.array([[1.0, 0.0], [0.5, 0.5]])
    ce = (np.log(2) + 0.5 * (np.log(4) + np.log(4 / 3))) / 2
    assert cross_entropy(p, t) == pytest.approx(ce)
    assert kl_divergence(p, t) == pytest.approx(ce - 0.5 * np.log(2))
    assert kl_divergence(t[1:], t[1:]) == pytest.approx(0.0, abs=1e-12)


def test_ece_of_a_perfectly_calibrated_case_is_zero():
    # 10 faces at confidence 0.7 of which 7 right, 10 at 0.4 of which 4 right
    p = np.stack([_onehot(0, 0.7)] * 10 + [_onehot(0, 0.4)] * 10)
    y = np.array([0] * 7 + [1] * 3 + [0] * 4 + [1] * 6)
    assert expected_calibration_error(p, y) == pytest.approx(0.0, abs=1e-12)


def test_ece_of_an_overconfident_case():
    # confidence 0.9, right 60% of the time: a gap of 0.3; half the faces at 0.5, all right
    p = np.stack([_onehot(0, 0.9)] * 10 + [_onehot(0, 0.5)] * 10)
    y = np.array([0] * 6 + [1] * 4 + [0] * 10)
    assert expected_calibration_error(p, y) == pytest.approx(0.5 * 0.3 + 0.5 * 0.5)
    bins = reliability_bins(p, y)
    assert len(bins) == 15 and sum(b["count"] for b in bins) == 20
    top = next(b for b in bins if b["low"] < 0.9 <= b["high"])
    assert top["count"] == 10 and top["accuracy"] == pytest.approx(0.6)


def test_fit_temperature_recovers_the_temperature_of_the_targets():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, (400, 7))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    targets = apply_temperature(p, 2.5).astype(np.float64)
    assert fit_temperature(p, targets) == pytest.approx(2.5, rel=1e-3)
    assert fit_temperature(p, apply_temperature(p, 0.5)) == pytest.approx(0.5, rel=1e-3)


def test_fit_temperature_cools_an_overconfident_model():
    # labels drawn from softmax(logits / 2): the model softmax(logits) is overconfident
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, (3000, 7))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    true_p = apply_temperature(p, 2.0).astype(np.float64)
    y = np.array([rng.choice(7, p=row / row.sum()) for row in true_p])
    t = fit_temperature(p, np.eye(7)[y])
    assert 1.7 < t < 2.3
    assert expected_calibration_error(apply_temperature(p, t), y) < \
        expected_calibration_error(p, y) / 2


def test_apply_temperature_keeps_the_argmax_and_t1_is_the_identity():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], np.float32)
    assert apply_temperature(p, 1.0) is p
    soft = apply_temperature(p, 2.0)
    assert np.allclose(soft.sum(axis=1), 1.0)
    assert (soft.argmax(1) == p.argmax(1)).all() and soft.max() < p.max()
    # by hand: softmax(log p / 2) is sqrt(p), renormalised
    assert soft[0] == pytest.approx(np.sqrt(p[0]) / np.sqrt(p[0]).sum(), rel=1e-5)
