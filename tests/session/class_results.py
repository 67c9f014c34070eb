"""Pipeline results of a small class, built at the seam (no model, no camera)."""

from __future__ import annotations

import numpy as np

from fer_desktop.datatypes import BBox, CameraOff, FaceResult, Frame, FrameResult, PipelineStats
from fer_desktop.labels import EMOTIONS


def one_hot(k: int, p: float = 0.8) -> np.ndarray:
    v = np.full(len(EMOTIONS), (1 - p) / (len(EMOTIONS) - 1))
    v[k] = p
    return v


def class_results(n: int = 120, step: float = 0.5, seed: int = 0):
    """A class of four: 1 and 2 always there, 3 leaves for 20 s, 4 has the camera off."""
    rng = np.random.default_rng(seed)
    image = np.zeros((8, 8, 3), np.uint8)
    for i in range(n):
        t = i * step + rng.uniform(0, 0.05)
        faces = []
        for sid in (1, 2, 3):
            if sid == 3 and 40 <= i < 80:
                continue
            k = EMOTIONS.index("sad") if (sid == 2 and i > 60) else int(rng.integers(0, 7))
            faces.append(FaceResult(BBox(10 * sid, 0, 40, 40, 0.9), sid, one_hot(k),
                                    one_hot(k), f"Name {sid}"))
        off = (CameraOff(4, "Name 4", BBox(0, 0, 50, 50)),)
        yield FrameResult(Frame(image, 100.0 + t, i, "screen", 1.7e9 + t), tuple(faces),
                          PipelineStats(), off)
