"""Backend-independent augmentation and batching (NumPy + OpenCV), so training runs on any
Keras 3 backend (tensorflow, torch, jax)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import cv2
import keras
import numpy as np


def augment_batch(faces: np.ndarray, rng: np.random.Generator, max_rot: float = 10.0,
                  scale: tuple[float, float] = (0.9, 1.1), shift: float = 0.1,
                  erase_p: float = 0.5, erase_area: tuple[float, float] = (0.02, 0.15)
                  ) -> np.ndarray:
    """Augment a whole (N, H, W) uint8 batch of faces.

    Each face gets a random rotation (±``max_rot`` degrees), zoom (``scale``) and shift
    (±``shift`` of its size) about its centre, border reflected, as ``cv2.getRotationMatrix2D``
    plus a translation; then a horizontal flip with p 0.5; then, with p ``erase_p``, one
    rectangle of ``erase_area`` of the face and aspect 0.3-3.3 filled with noise (random
    erasing, Zhong et al. 2017). Every random draw is made for the batch at once.
    """
    n, h, w = faces.shape
    out = np.empty_like(faces)
    if n == 0:
        return out
    theta = np.deg2rad(rng.uniform(-max_rot, max_rot, n))
    s = rng.uniform(*scale, n)
    shifts = rng.uniform(-shift, shift, (n, 2)) * (w, h)
    a, b = s * np.cos(theta), s * np.sin(theta)
    cx, cy = w / 2, h / 2
    mats = np.empty((n, 2, 3))  # cv2.getRotationMatrix2D's matrix, plus the shift
    mats[:, 0, 0], mats[:, 0, 1] = a, b
    mats[:, 1, 0], mats[:, 1, 1] = -b, a
    mats[:, 0, 2] = (1 - a) * cx - b * cy + shifts[:, 0]
    mats[:, 1, 2] = b * cx + (1 - a) * cy + shifts[:, 1]
    for i in range(n):
        cv2.warpAffine(faces[i], mats[i], (w, h), dst=out[i], flags=cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REFLECT_101)
    flip = rng.random(n) < 0.5
    out[flip] = out[flip, :, ::-1]
    erase = rng.random(n) < erase_p
    area = rng.uniform(*erase_area, n) * h * w
    ratio = np.exp(rng.uniform(np.log(0.3), np.log(3.3), n))
    eh = np.minimum(h, np.round(np.sqrt(area * ratio))).astype(int)
    ew = np.minimum(w, np.round(np.sqrt(area / ratio))).astype(int)
    y0 = (rng.random(n) * (h - eh + 1)).astype(int)
    x0 = (rng.random(n) * (w - ew + 1)).astype(int)
    yy, xx = np.arange(h)[None, :, None], np.arange(w)[None, None, :]
    mask = ((yy >= y0[:, None, None]) & (yy < (y0 + eh)[:, None, None])
            & (xx >= x0[:, None, None]) & (xx < (x0 + ew)[:, None, None])
            & erase[:, None, None])
    noise = rng.integers(0, 256, out.shape, dtype=np.uint8)
    return np.where(mask, noise, out)


class FaceBatches(keras.utils.PyDataset):
    """Batches of (faces (B,48,48,1) float32 0..255, targets, sample weights).

    Targets are one-hot labels, or the rows of ``targets`` (soft labels such as FER+ vote
    distributions) where given; with a ``teacher`` (a function from a float batch to class
    probabilities) they are ``(1 - teacher_weight) * one_hot + teacher_weight * teacher(x)``,
    computed on the same augmented faces the student sees (knowledge distillation with a
    consistent teacher, Beyer et al. 2022).

    With ``views`` (``(K, N, H, W)`` uint8 augmented faces and ``(K, N, C)`` teacher
    probabilities on them, from :func:`teacher_views`), epoch ``e`` draws its faces and the
    teacher's part of the targets from view ``e % K`` instead of augmenting and asking the
    teacher again: the teacher's cost is paid once, not every epoch.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, num_classes: int,
                 batch_size: int = 64, augment: bool = False, seed: int = 0,
                 class_weight: dict[int, float] | None = None,
                 teacher: Callable[[np.ndarray], np.ndarray] | None = None,
                 teacher_weight: float = 0.5,
                 views: tuple[np.ndarray, np.ndarray] | None = None,
                 targets: np.ndarray | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= teacher_weight <= 1.0:
            raise ValueError(f"teacher weight must be in 0..1, got {teacher_weight}")
        if views is not None and (len(views[0]) == 0 or views[0].shape[:2] != views[1].shape[:2]
                                  or views[0].shape[1] != len(labels)):
            raise ValueError(f"teacher views {views[0].shape} / {views[1].shape} do not match "
                             f"{len(labels)} faces")
        if targets is not None and targets.shape != (len(labels), num_classes):
            raise ValueError(f"targets {targets.shape} do not match {len(labels)} faces x "
                             f"{num_classes} classes")
        self.teacher, self.teacher_weight, self.views = teacher, teacher_weight, views
        self.targets = targets
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
        soft = None
        if self.views is not None:
            k = self.epoch % len(self.views[0])
            faces, soft = self.views[0][k][sel], np.asarray(self.views[1][k][sel], np.float32)
        else:
            faces = self.images[sel]
        if self.augment and self.views is None:
            rng = np.random.default_rng((self.seed, self.epoch, idx))
            faces = augment_batch(faces, rng)
        x = faces[..., None].astype(np.float32)
        if self.targets is not None:
            y = np.asarray(self.targets[sel], np.float32)
        else:
            y = np.eye(self.num_classes, dtype=np.float32)[self.labels[sel]]
        if self.teacher is not None and soft is None:
            soft = np.asarray(self.teacher(x), np.float32)
        if soft is not None:
            if soft.shape != y.shape:
                raise ValueError(f"teacher gave shape {soft.shape}, expected {y.shape}")
            y = (1.0 - self.teacher_weight) * y + self.teacher_weight * soft
        if self.weights is None:
            return x, y
        return x, y, self.weights[sel]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._order = self._make_order()


def teacher_views(images: np.ndarray, k: int, seed: int,
                  teacher: Callable[[np.ndarray], np.ndarray], first: int = 0,
                  chunk: int = 512) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield ``(v, faces, probs)`` for views ``first..k-1`` of ``images``: each view is the
    whole set augmented once by :func:`augment_batch` (seeded by ``seed``, the view and the
    chunk, so a view is the same however often it is made), with the teacher's probabilities
    on those very faces."""
    n = len(images)
    for v in range(first, k):
        faces = np.empty_like(images)
        probs = None
        for c, s in enumerate(range(0, n, chunk)):
            rng = np.random.default_rng((seed, 7919, v, c))
            faces[s:s + chunk] = augment_batch(images[s:s + chunk], rng)
            p = np.asarray(teacher(faces[s:s + chunk, ..., None].astype(np.float32)), np.float32)
            if probs is None:
                probs = np.empty((n, p.shape[1]), np.float32)
            probs[s:s + chunk] = p
        yield v, faces, probs


def shifted(x: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """A (N, H, W, C) batch moved by whole pixels (``dx`` right, ``dy`` down), the border
    reflected (as ``cv2.BORDER_REFLECT_101``)."""
    m = max(abs(dx), abs(dy))
    if m == 0:
        return x
    h, w = x.shape[1:3]
    pad = np.pad(x, ((0, 0), (m, m), (m, m), (0, 0)), mode="reflect")
    return pad[:, m - dy:m - dy + h, m - dx:m - dx + w]
