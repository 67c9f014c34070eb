"""Backend-independent augmentation and batching (NumPy + OpenCV), so training runs on any
Keras 3 backend (tensorflow, torch, jax)."""

from __future__ import annotations

import math

import cv2
import keras
import numpy as np


def random_affine(img: np.ndarray, rng: np.random.Generator, max_rot: float = 10.0,
                  scale: tuple[float, float] = (0.9, 1.1), shift: float = 0.1,
                  flip: bool = True) -> np.ndarray:
    """Random rotation, zoom, shift and horizontal flip of one HxW uint8 face (border reflected)."""
    h, w = img.shape[:2]
    angle = rng.uniform(-max_rot, max_rot)
    s = rng.uniform(*scale)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, s)
    m[0, 2] += rng.uniform(-shift, shift) * w
    m[1, 2] += rng.uniform(-shift, shift) * h
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    if flip and rng.random() < 0.5:
        out = out[:, ::-1]
    return out


def random_erase(img: np.ndarray, rng: np.random.Generator, p: float = 0.5,
                 area: tuple[float, float] = (0.02, 0.15)) -> np.ndarray:
    """Cutout of one random rectangle filled with noise (RandomErasing, Zhong et al. 2017)."""
    if rng.random() >= p:
        return img
    h, w = img.shape[:2]
    a = rng.uniform(*area) * h * w
    r = math.exp(rng.uniform(math.log(0.3), math.log(3.3)))
    eh, ew = min(h, int(round(math.sqrt(a * r)))), min(w, int(round(math.sqrt(a / r))))
    y, x = rng.integers(0, h - eh + 1), rng.integers(0, w - ew + 1)
    img = img.copy()
    img[y:y + eh, x:x + ew] = rng.integers(0, 256, (eh, ew), dtype=np.uint8)
    return img


class FaceBatches(keras.utils.PyDataset):
    """Batches of (faces (B,48,48,1) float32 0..255, one-hot labels, sample weights)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, num_classes: int,
                 batch_size: int = 64, augment: bool = False, seed: int = 0,
                 class_weight: dict[int, float] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.images, self.labels = images, labels
        self.num_classes, self.batch_size, self.augment = num_classes, batch_size, augment
        self.seed, self.epoch = seed, 0
        self.weights = None
        if class_weight is not None:
            self.weights = np.array([class_weight[int(c)] for c in labels], np.float32)
        self._order = self._make_order()

    def _make_order(self) -> np.ndarray:
        if not self.augment:
            return np.arange(len(self.labels))
        return np.random.default_rng((self.seed, self.epoch)).permutation(len(self.labels))

    def __len__(self) -> int:
        return math.ceil(len(self.labels) / self.batch_size)

    def __getitem__(self, idx: int):
        sel = self._order[idx * self.batch_size:(idx + 1) * self.batch_size]
        faces = self.images[sel]
        if self.augment:
            rng = np.random.default_rng((self.seed, self.epoch, idx))
            faces = np.stack([random_erase(random_affine(f, rng), rng) for f in faces])
        x = faces[..., None].astype(np.float32)
        y = np.eye(self.num_classes, dtype=np.float32)[self.labels[sel]]
        if self.weights is None:
            return x, y
        return x, y, self.weights[sel]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._order = self._make_order()
