"""FER-2013 in the Kaggle folder layout (train/<class>/, test/<class>/, optional manifest.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fer_desktop.labels import EMOTIONS, FER_SIZE
from fer_desktop.vision.preprocess import fit_face

DEFAULT_DATA_DIR = Path("../shared/data/fer2013")
USAGES = ("Training", "PublicTest", "PrivateTest")
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


class DataError(Exception):
    """The data set is missing, incomplete or unreadable; the message names the path."""


@dataclass(frozen=True, slots=True)
class Split:
    """One usage of FER-2013 in memory: images (N, 48, 48) uint8, labels (N,) int, file paths."""

    usage: str
    images: np.ndarray
    labels: np.ndarray
    paths: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, idx: np.ndarray) -> Split:
        """The images at ``idx`` (indices, in that order), with their labels and paths."""
        idx = np.asarray(idx, dtype=np.int64)
        return Split(self.usage, self.images[idx], self.labels[idx],
                     tuple(self.paths[i] for i in idx))

    def head_indices(self, n: int, seed: int = 0) -> np.ndarray:
        """The sorted indices of :meth:`head`'s subset."""
        if n >= len(self):
            return np.arange(len(self))
        rng = np.random.default_rng(seed)
        return np.sort(rng.choice(len(self), size=n, replace=False))

    def head(self, n: int, seed: int = 0) -> Split:
        """A class-stratified random subset of at most ``n`` images (for smoke runs and tests)."""
        return self if n >= len(self) else self.take(self.head_indices(n, seed))


def _usage_from_name(rel: str) -> str:
    """Infer the usage from a path when there is no manifest (file name prefix, else folder)."""
    name = Path(rel).name
    for usage in USAGES:
        if name.startswith(usage + "_"):
            return usage
    return "Training" if rel.startswith("train/") else "PublicTest"


def list_files(data_dir: Path | str) -> list[tuple[str, str, str]]:
    """Return (relative path, class name, usage) for every image, checking the layout."""
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError(
            f"FER-2013 folder not found: {root.resolve()}. Pass --data DIR pointing at the folder "
            "that holds train/ and test/ (Kaggle layout)."
        )
    for part in ("train", "test"):
        if not (root / part).is_dir():
            raise DataError(f"FER-2013 folder {root.resolve()} has no '{part}/' subfolder.")
    manifest: dict[str, str] = {}
    manifest_path = root / "manifest.csv"
    if manifest_path.is_file():
        with manifest_path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                manifest[row["path"]] = row["usage"]
    files: list[tuple[str, str, str]] = []
    for part in ("train", "test"):
        for cls in EMOTIONS:
            folder = root / part / cls
            if not folder.is_dir():
                raise DataError(f"Class folder missing: {folder.resolve()}")
            found = sorted(p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES)
            if not found:
                raise DataError(f"Class folder is empty: {folder.resolve()}")
            for p in found:
                rel = f"{part}/{cls}/{p.name}"
                files.append((rel, cls, manifest.get(rel) or _usage_from_name(rel)))
    return files


def load_split(data_dir: Path | str, usage: str) -> Split:
    """Load every image of one usage (Training, PublicTest or PrivateTest) as 48x48 uint8."""
    if usage not in USAGES:
        raise ValueError(f"usage must be one of {USAGES}, not {usage!r}")
    root = Path(data_dir)
    rows = [r for r in list_files(root) if r[2] == usage]
    if not rows:
        raise DataError(f"No images of usage {usage} under {root.resolve()}")
    images = np.empty((len(rows), FER_SIZE, FER_SIZE), np.uint8)
    labels = np.empty(len(rows), np.int64)
    for i, (rel, cls, _) in enumerate(rows):
        path = root / rel
        img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise DataError(f"Unreadable image: {path.resolve()}")
        images[i] = fit_face(img, FER_SIZE)  # the app's resize (vision.preprocess)
        labels[i] = EMOTIONS.index(cls)
    return Split(usage, images, labels, tuple(r[0] for r in rows))


def class_weights(labels: np.ndarray, num_classes: int = len(EMOTIONS),
                  power: float = 0.5, cap: float = 4.0) -> dict[int, float]:
    """Softened inverse-frequency weights (mean 1), capped so `disgust` is helped, not dominant."""
    counts = np.bincount(labels, minlength=num_classes).astype(float)
    w = (counts.sum() / np.maximum(counts, 1) / num_classes) ** power
    w = np.minimum(w / w.mean(), cap)
    return {i: float(v) for i, v in enumerate(w)}
