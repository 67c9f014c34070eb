"""Write sample frames of the realistic gallery cases to bench/out/ (PNG, or JPEG when scaled).

Also writes, per case, a 4x (nearest-neighbour) crop of the first few labels, to check the
ClearType fringes, the muted icon and the label box translucency by eye, and with ``--json``
the truth (``dataclasses.asdict`` of the GalleryTruth) beside each frame.

    .venv/bin/python bench/gallery_samples.py [--cases zoom-5x5 hangul-5x5] [--seeds 0 1] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fer_desktop.testing.zoom_cases import CASES  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def label_crops(image: np.ndarray, truth, n: int = 4, zoom: int = 4) -> np.ndarray | None:
    """The first ``n`` labels (with a few px of video around), stacked, scaled ``zoom`` x."""
    crops = []
    for t in truth.tiles[:n]:
        if t.label is None:
            continue
        x, y, w, h = t.label
        x0, y0 = max(0, x - 4), max(0, y - 6)
        c = image[y0:y + h + 4, x0:x + w + 30]
        crops.append(cv2.resize(c, (c.shape[1] * zoom, c.shape[0] * zoom),
                                interpolation=cv2.INTER_NEAREST))
    if not crops:
        return None
    width = max(c.shape[1] for c in crops)
    return np.vstack([np.pad(c, ((0, 6), (0, width - c.shape[1]), (0, 0))) for c in crops])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", nargs="*", default=sorted(CASES))
    ap.add_argument("--seeds", type=int, nargs="*", default=[0])
    ap.add_argument("--json", action="store_true", help="write the truth as JSON too")
    args = ap.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    for seed in args.seeds:
        for name in args.cases:
            t0 = time.perf_counter()
            image, truth = CASES[name](seed=seed)
            ms = (time.perf_counter() - t0) * 1000
            # JPEG cases are compressed already: PNG keeps them as they are, not compressed twice
            path = OUT / f"{name}-s{seed}.png"
            cv2.imwrite(str(path), image)
            crops = label_crops(image, truth)
            if crops is not None:
                cv2.imwrite(str(OUT / f"{name}-s{seed}-labels.png"), crops)
            if args.json:
                path.with_suffix(".json").write_text(json.dumps(dataclasses.asdict(truth),
                                                                ensure_ascii=False))
            print(f"{name:28s} {truth.width}x{truth.height} {len(truth.tiles):2d} tiles, "
                  f"cap {truth.cap_px:.1f} px, {ms:6.0f} ms -> {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
