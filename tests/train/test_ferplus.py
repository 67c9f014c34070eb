"""The FER+ loader on the real ferplus_votes.csv: counts, the column mapping, the majority
label, the vote distribution and which faces are trainable."""

from __future__ import annotations

import numpy as np
import pytest

from fer_desktop.labels import EMOTIONS
from fer_desktop.train.data import DataError, Split, list_files
from fer_desktop.train.ferplus import (
    FERPLUS_COLUMNS,
    majority_labels,
    read_votes,
    trainable,
    vote_distribution,
    with_votes,
)


@pytest.fixture(scope="module")
def votes(data_dir):
    return read_votes(data_dir)


def _paths_only(data_dir, usage: str) -> Split:
    """A split of the real file list without decoding the images (1x1 placeholders)."""
    rows = [r for r in list_files(data_dir) if r[2] == usage]
    return Split(usage, np.zeros((len(rows), 1, 1), np.uint8),
                 np.array([EMOTIONS.index(c) for _, c, _ in rows]), tuple(r[0] for r in rows))


@pytest.fixture(scope="module")
def voted(data_dir, votes):
    return {u: with_votes(_paths_only(data_dir, u), votes)
            for u in ("Training", "PublicTest", "PrivateTest")}


def test_rows_with_votes_per_split(voted, votes):
    assert len(votes) == 26_300 + 3_527 + 3_540
    assert {u: len(v.split) for u, v in voted.items()} == {
        "Training": 26_300, "PublicTest": 3_527, "PrivateTest": 3_540}
    for v in voted.values():
        assert v.votes.shape == (len(v.split), 10)
        assert (v.votes >= 0).all()


def test_private_test_has_3318_single_winners(voted):
    major = voted["PrivateTest"].majority
    assert int((major >= 0).sum()) == 3_318
    assert set(np.unique(major)) == set(range(-1, 7))


def test_distribution_rows_sum_to_one(voted):
    for v in voted.values():
        d = v.distribution()
        assert d.shape == (len(v.split), 7)
        assert np.allclose(d.sum(axis=1), 1.0, atol=1e-6)
        assert (d >= 0).all()


# (path, our class of the single winner or None, its share of the 7-class votes); the votes
# are those of the CSV row, read by hand: neutral, happiness, surprise, sadness, anger,
# disgust, fear, contempt, unknown, NF
KNOWN_ROWS = [
    ("test/angry/PrivateTest_10304478.jpg", "angry", 9 / 10),   # 1,0,0,0,9,0,0,0,0,0
    ("test/angry/PrivateTest_1054527.jpg", "neutral", 7 / 9),   # 7,0,0,1,1,0,0,0,1,0
    ("test/angry/PrivateTest_10131363.jpg", "angry", 4 / 9),    # 2,1,2,0,4,0,0,0,1,0
    ("train/angry/Training_11292723.jpg", "disgust", 6 / 8),    # 2,0,0,0,0,6,0,2,0,0
    ("train/angry/Training_18649259.jpg", "fear", 7 / 10),      # 0,0,0,3,0,0,7,0,0,0
    ("train/angry/Training_18894040.jpg", "fear", 6 / 10),      # 0,0,4,0,0,0,6,0,0,0
]


@pytest.mark.parametrize(("path", "cls", "share"), KNOWN_ROWS)
def test_columns_map_onto_our_classes(votes, path, cls, share):
    v = votes[path][None]
    assert EMOTIONS[majority_labels(v)[0]] == cls
    d = vote_distribution(v)[0]
    assert d[EMOTIONS.index(cls)] == pytest.approx(share)
    assert trainable(v)[0]


def test_happiness_sadness_and_surprise_columns(votes):
    row = votes["train/angry/Training_18894040.jpg"][None]  # surprise 4, fear 6
    d = vote_distribution(row)[0]
    assert d[EMOTIONS.index("surprise")] == pytest.approx(0.4)
    row = votes["train/angry/Training_18649259.jpg"][None]  # sadness 3, fear 7
    assert vote_distribution(row)[0][EMOTIONS.index("sad")] == pytest.approx(0.3)
    assert FERPLUS_COLUMNS[1] == "happiness"
    happy = np.zeros((1, 10), np.int64)
    happy[0, 1] = 10
    assert EMOTIONS[majority_labels(happy)[0]] == "happy"


def test_unclear_faces_and_non_faces_have_no_majority_and_are_not_trained_on(votes):
    unknown = votes["test/angry/PrivateTest_36424712.jpg"][None]  # 3,0,0,0,0,2,0,0,5,0
    not_face = votes["test/fear/PublicTest_58756471.jpg"][None]   # 1,0,0,2,0,0,0,0,3,4
    for v in (unknown, not_face):
        assert majority_labels(v)[0] == -1
        assert not trainable(v)[0]


def test_a_tie_or_a_contempt_winner_has_no_majority_but_may_train(votes):
    tie = votes["test/disgust/PublicTest_1799001.jpg"][None]       # neutral 4 = anger 4
    contempt = votes["test/angry/PrivateTest_1623042.jpg"][None]   # contempt 4, anger 3
    assert majority_labels(tie)[0] == -1 and majority_labels(contempt)[0] == -1
    assert trainable(tie)[0] and trainable(contempt)[0]
    d = vote_distribution(contempt)[0]  # contempt and unknown votes dropped: 1 + 1 + 3 of 5
    assert d[EMOTIONS.index("angry")] == pytest.approx(3 / 5)


def test_min_votes_drops_single_votes():
    v = np.array([[7, 0, 0, 1, 1, 0, 0, 0, 1, 0]])
    assert vote_distribution(v, min_votes=2)[0][EMOTIONS.index("neutral")] == 1.0


def test_trainable_share_of_training(voted):
    mask = voted["Training"].trainable()
    # most faces are clear; a few hundred are unclear or not faces
    assert 0.97 * len(mask) < mask.sum() < len(mask)


def test_missing_votes_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="ferplus_votes.csv"):
        read_votes(tmp_path)
