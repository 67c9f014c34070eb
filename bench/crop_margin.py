"""Choose the crop margin: accuracy on real FER-2013 PublicTest faces found by our detectors.

Each face is upscaled and pasted on a tile-like background in a larger frame, the detector
finds it, and the box is cropped with each candidate margin (fraction of the box side added
on each side) by `fer_desktop.vision.preprocess.crop_face`, the function the app uses. The
table gives accuracy on the faces that were found, next to the accuracy on the original
48x48 images (the ceiling). PublicTest only: margins are a hyper-parameter.

    .venv/bin/python bench/crop_margin.py --n 600
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fer_desktop.datatypes import BBox  # noqa: E402
from fer_desktop.train.data import DEFAULT_DATA_DIR, load_split  # noqa: E402
from fer_desktop.vision.classifier import EmotionClassifier  # noqa: E402
from fer_desktop.vision.detector import make_detector  # noqa: E402
from fer_desktop.vision.preprocess import crop_face  # noqa: E402

MARGINS = (-0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2)


def paste(face: np.ndarray, px: int, rng: np.random.Generator) -> tuple[np.ndarray, BBox]:
    import cv2

    frame = np.full((px * 2, px * 2), int(rng.integers(30, 70)), np.uint8)
    big = cv2.resize(face, (px, px), interpolation=cv2.INTER_CUBIC)
    x, y = int(rng.integers(px // 4, px * 3 // 4)), int(rng.integers(px // 4, px * 3 // 4))
    frame[y:y + px, x:x + px] = big
    return frame, BBox(x, y, px, px)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--models", type=Path, default=Path("models"))
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--px", type=int, default=110, help="face size in the frame")
    ap.add_argument("--detectors", default="blazeface,haar")
    args = ap.parse_args(argv)
    clf = EmotionClassifier.from_dir(args.models, tta_flip=False)
    split = load_split(args.data, "PublicTest").head(args.n, seed=7)
    ceiling = float((clf.predict_batch(list(split.images)).argmax(1) == split.labels).mean())
    print(f"PublicTest subset n={len(split)}; accuracy on the original 48x48 crops: "
          f"{ceiling:.3f}\n")
    print("| detector | found | " + " | ".join(f"margin {m:+.2f}" for m in MARGINS) + " |")
    print("|---|---|" + "---|" * len(MARGINS))
    for name in args.detectors.split(","):
        det = make_detector(name)
        rng = np.random.default_rng(0)
        crops: dict[float, list[np.ndarray]] = {m: [] for m in MARGINS}
        labels = []
        for img, label in zip(split.images, split.labels, strict=True):
            frame, truth = paste(img, args.px, rng)
            boxes = [b for b in det.detect(frame) if b.iou(truth) > 0.3]
            if not boxes:
                continue
            box = max(boxes, key=lambda b: b.iou(truth))
            labels.append(label)
            for m in MARGINS:
                crops[m].append(crop_face(frame, box.as_tuple(), m))
        y = np.array(labels)
        accs = [float((clf.predict_batch(crops[m]).argmax(1) == y).mean()) if len(y) else 0.0
                for m in MARGINS]
        print(f"| {name} | {len(y)}/{len(split)} | " + " | ".join(f"{a:.3f}" for a in accs)
              + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
