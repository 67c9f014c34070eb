"""Batch augmentation and the learning-rate schedule, on real FER-2013 faces."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fer_desktop.train.augment import FaceBatches, augment_batch
from fer_desktop.train.train import warmup_cosine


@pytest.fixture(scope="module")
def faces(public_test):
    return public_test.images[:256]


def test_augment_batch_matches_the_per_image_affine(faces):
    """With erasing off, each output is cv2's rotation-zoom-shift of its face, maybe mirrored."""
    out = augment_batch(faces[:32], np.random.default_rng(7), erase_p=0.0)
    rng = np.random.default_rng(7)  # the same draws, in the order augment_batch makes them
    n = 32
    theta, scale = rng.uniform(-10, 10, n), rng.uniform(0.9, 1.1, n)
    shifts = rng.uniform(-0.1, 0.1, (n, 2)) * 48
    flips = rng.random(n) < 0.5
    for i in range(n):
        m = cv2.getRotationMatrix2D((24, 24), theta[i], scale[i])
        m[:, 2] += shifts[i]
        ref = cv2.warpAffine(faces[i], m, (48, 48), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REFLECT_101)
        ref = ref[:, ::-1] if flips[i] else ref
        assert np.abs(out[i].astype(int) - ref).max() <= 1, i
    assert 0 < flips.sum() < n


def test_augment_batch_erases_one_rectangle_per_erased_face(faces):
    rng = np.random.default_rng(3)
    plain = augment_batch(faces, np.random.default_rng(3), erase_p=0.0)
    erased = augment_batch(faces, rng, erase_p=1.0)
    changed = erased != plain
    for i in range(len(faces)):
        ys, xs = np.nonzero(changed[i])
        assert len(ys) > 0, i  # every face got its rectangle (noise can match a pixel or two)
        box = (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)
        assert box <= 0.15 * 48 * 48 + 2 * 48, i  # within the largest area asked for
    assert erased.dtype == np.uint8 and erased.shape == faces.shape


def test_face_batches_are_reproducible_and_vary_by_epoch(faces):
    labels = np.arange(len(faces)) % 7
    a = FaceBatches(faces, labels, 7, 64, augment=True, seed=5)
    b = FaceBatches(faces, labels, 7, 64, augment=True, seed=5)
    xa, ya = a[1]
    xb, yb = b[1]
    assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
    assert xa.shape == (64, 48, 48, 1) and xa.dtype == np.float32
    a.on_epoch_end()
    assert not np.array_equal(a[1][0], xb)


def test_warmup_cosine_schedule():
    peak, warm, total = 2e-3, 100, 1000
    assert warmup_cosine(0, peak, warm, total) == pytest.approx(peak / 20)
    assert warmup_cosine(warm, peak, warm, total) == pytest.approx(peak)
    assert warmup_cosine(total, peak, warm, total) == pytest.approx(peak / 100)
    assert warmup_cosine(5 * total, peak, warm, total) == pytest.approx(peak / 100)
    rates = [warmup_cosine(s, peak, warm, total) for s in range(total)]
    assert all(x < y for x, y in zip(rates[:warm], rates[1:warm + 1], strict=True))
    assert all(x >= y for x, y in zip(rates[warm:], rates[warm + 1:], strict=False))
