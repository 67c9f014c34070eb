"""FER+ crowd votes (Barsoum et al. 2016, arXiv:1608.01041) for the FER-2013 images.

``ferplus_votes.csv`` beside the FER-2013 folder gives, per image ``path`` of ``manifest.csv``,
the votes of 10 taggers in FER+'s own column order (neutral, happiness, surprise, sadness,
anger, disgust, fear, contempt, unknown, NF). This module maps them onto our seven classes
(:data:`fer_desktop.labels.EMOTIONS`) and gives:

- the **majority label**: the class with the most votes, where it is the single winner among
  all ten columns and one of our seven classes (as the agreement figures of the issue count
  it: 3,318 of 3,540 PrivateTest faces); ``-1`` otherwise;
- the **vote distribution** over the seven classes (the FER+ paper's "probability" target):
  ``contempt``, ``unknown`` and ``NF`` votes are dropped and the rest renormalised; votes
  below ``min_votes`` are treated as tagger noise (the FER+ paper removes single votes).

Faces whose votes say "not a face" or "unknown" (their plurality among the ten columns is
``unknown`` or ``NF``) or that have no vote in our classes are kept out of training:
:func:`trainable` says which.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from fer_desktop.labels import EMOTIONS
from fer_desktop.train.data import DataError, Split

VOTES_FILE = "ferplus_votes.csv"
#: The vote columns of ferplus_votes.csv, in the file's order.
FERPLUS_COLUMNS = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                   "contempt", "unknown", "NF")
#: FER+ name -> our class name (the seven shared classes).
FERPLUS_TO_OURS = {"neutral": "neutral", "happiness": "happy", "surprise": "surprise",
                   "sadness": "sad", "anger": "angry", "disgust": "disgust", "fear": "fear"}
#: Column index in FERPLUS_COLUMNS of each of our classes, in EMOTIONS order.
_OUR_COLUMNS = np.array([FERPLUS_COLUMNS.index(next(k for k, v in FERPLUS_TO_OURS.items()
                                                     if v == e)) for e in EMOTIONS])
NEGATIVE = tuple(EMOTIONS.index(e) for e in ("angry", "disgust", "fear", "sad"))
NEUTRAL = EMOTIONS.index("neutral")


@dataclass(frozen=True, slots=True)
class VotedSplit:
    """A split restricted to the images FER+ has votes for: the FER-2013 split, the (N, 10)
    votes in :data:`FERPLUS_COLUMNS` order, the majority label and the 7-class distribution."""

    split: Split
    votes: np.ndarray

    @property
    def majority(self) -> np.ndarray:
        return majority_labels(self.votes)

    def distribution(self, min_votes: int = 1) -> np.ndarray:
        return vote_distribution(self.votes, min_votes)

    def trainable(self) -> np.ndarray:
        return trainable(self.votes)

    def single_winner(self) -> Split:
        """The faces whose FER+ vote has a single winner among our classes, labelled by it
        (accuracy on them is the agreement with the FER+ majority)."""
        major = self.majority
        sel = np.flatnonzero(major >= 0)
        return replace(self.split.take(sel), labels=major[sel])


def read_votes(data_dir: Path | str) -> dict[str, np.ndarray]:
    """``path`` -> its 10 votes (int array), from ``DATA/ferplus_votes.csv``."""
    path = Path(data_dir) / VOTES_FILE
    if not path.is_file():
        raise DataError(f"FER+ votes not found: {path.resolve()}. --labels ferplus needs "
                        f"{VOTES_FILE} beside train/ and test/ (see that folder's README).")
    out: dict[str, np.ndarray] = {}
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("path", *FERPLUS_COLUMNS) if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path.resolve()} lacks the column(s) {', '.join(missing)}")
        for row in reader:
            try:
                out[row["path"]] = np.array([int(row[c]) for c in FERPLUS_COLUMNS], np.int64)
            except ValueError as exc:
                raise DataError(f"{path.resolve()}: bad vote in row {row['path']}: {exc}") from None
    return out


def with_votes(split: Split, votes: dict[str, np.ndarray]) -> VotedSplit:
    """The images of ``split`` that have FER+ votes, in the split's order, with their votes."""
    idx = [i for i, p in enumerate(split.paths) if p in votes]
    if not idx:
        raise DataError(f"No {split.usage} image has a FER+ vote (is {VOTES_FILE} for this "
                        "folder?)")
    return VotedSplit(split.take(np.array(idx)), np.stack([votes[split.paths[i]] for i in idx]))


def majority_labels(votes: np.ndarray) -> np.ndarray:
    """Our class index of each face's single winner among the ten columns; -1 where the top
    count is shared or the winner is contempt, unknown or NF."""
    votes = np.asarray(votes)
    top = votes.max(axis=1, keepdims=True)
    single = (votes == top).sum(axis=1) == 1
    winner = votes.argmax(axis=1)
    lookup = np.full(len(FERPLUS_COLUMNS), -1)
    lookup[_OUR_COLUMNS] = np.arange(len(EMOTIONS))
    out = lookup[winner]
    out[~single | (top[:, 0] == 0)] = -1
    return out


def vote_distribution(votes: np.ndarray, min_votes: int = 1) -> np.ndarray:
    """(N, 7) vote shares over our classes (EMOTIONS order), counts below ``min_votes`` zeroed
    (unless that would leave a face with none); a face without any vote in our classes gets
    a uniform row (such faces are not trained on, see :func:`trainable`)."""
    ours = np.asarray(votes)[:, _OUR_COLUMNS].astype(np.float64)
    kept = np.where(ours >= min_votes, ours, 0.0)
    kept = np.where(kept.sum(axis=1, keepdims=True) > 0, kept, ours)
    total = kept.sum(axis=1, keepdims=True)
    uniform = np.full_like(kept, 1.0 / len(EMOTIONS))
    return np.where(total > 0, kept / np.maximum(total, 1e-9), uniform).astype(np.float32)


def trainable(votes: np.ndarray) -> np.ndarray:
    """Boolean mask of the faces worth training on: some vote in our classes, and the most
    votes not for ``unknown`` or ``NF`` (an unclear face or not a face at all)."""
    votes = np.asarray(votes)
    ours = votes[:, _OUR_COLUMNS]
    unclear = votes[:, [FERPLUS_COLUMNS.index("unknown"), FERPLUS_COLUMNS.index("NF")]]
    return (ours.sum(axis=1) > 0) & (ours.max(axis=1) >= unclear.max(axis=1))
