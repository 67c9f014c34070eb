"""Tiles and names on synthetic 1920x1080 galleries, layouts 2x2 to 7x7: a table per layout.

Each layout is drawn twice (different names, speaker, muted and video-off tiles; the second
with a participants panel on the right) from real FER-2013 faces, names rendered with Pillow
(accents, digits). Per layout: tiles found exactly (within 3 px) / expected, names read
exactly / total, the time of ``find_tiles``, the time OCR adds to a frame when every label
is new (label search + Tesseract), and when the labels were read before (cache).

    .venv/bin/python bench/names.py [--lang Latin] [--batch stack|line] [--backend tesserocr]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fer_desktop.testing.gallery import NAMES, compose_gallery, load_faces  # noqa: E402
from fer_desktop.vision.names import NameReader  # noqa: E402
from fer_desktop.vision.tiles import find_tiles  # noqa: E402

DATA = Path(os.environ.get("FER2013_DIR", Path(__file__).resolve().parents[2] / "shared"
                           / "data" / "fer2013"))


def frames(faces, labels, n: int):
    """Two galleries of an n x n layout and their true tiles."""
    sizes = [60 + (i % 6) * 12 for i in range(n * n)]
    for k in range(2):
        names = [NAMES[(i + 7 * n + 13 * k) % len(NAMES)] for i in range(n * n)]
        yield compose_gallery(faces, labels, rows=n, cols=n, names=names, face_px=sizes,
                              text_renderer="pil", speaker=(n + 3 * k) % (n * n),
                              video_off=((2 + k) % (n * n),), muted=(0, n + 1),
                              side_panel=300 * k, seed=k)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--lang", default=None, help="Tesseract languages (default: Latin if any)")
    ap.add_argument("--batch", default="stack", choices=("stack", "line"))
    ap.add_argument("--backend", default="auto", choices=("auto", "tesserocr", "pytesseract"))
    ap.add_argument("--repeat", type=int, default=5, help="find_tiles timing runs per frame")
    args = ap.parse_args(argv)
    faces, labels = load_faces(args.data, 49)
    reader = NameReader(args.lang, batch=args.batch, backend=args.backend)
    print(f"\nOCR: {reader.backend}, lang {reader.lang}, batch {reader.batch}; "
          f"cores: {os.cpu_count()}; 2 frames per layout, 1920x1080\n")
    print("| layout | tiles exact / expected | names exact / total | find_tiles ms | "
          "OCR ms per frame (new labels) | ms per label | OCR ms (cached) | misread |")
    print("|---|---|---|---|---|---|---|---|")
    all_ok = all_n = 0
    for n in range(2, 8):
        t_ok = t_n = n_ok = n_n = 0
        t_ms, ocr_ms, cached_ms, wrong = [], [], [], []
        for img, truth in frames(faces, labels, n):
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                tiles = find_tiles(img)
                t_ms.append((time.perf_counter() - t0) * 1000)
            t_n += len(truth)
            if len(tiles) == len(truth):
                t_ok += sum(max(abs(a.x - b.x), abs(a.y - b.y), abs(a.w - b.w),
                                abs(a.h - b.h)) <= 3 for a, b in zip(tiles, truth, strict=True))
            reader.clear_cache()
            t0 = time.perf_counter()
            got = reader.read(img, tiles)
            ocr_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            reader.read(img, tiles)
            cached_ms.append((time.perf_counter() - t0) * 1000)
            want = [t.name for t in truth][:len(got)]
            n_ok += sum(g == w for g, w in zip(got, want, strict=True))
            n_n += len(truth)
            wrong += [f"{g!r} for {w!r}" for g, w in zip(got, want, strict=True) if g != w]
        all_ok, all_n = all_ok + n_ok, all_n + n_n
        ocr = statistics.mean(ocr_ms)
        print(f"| {n}x{n} | {t_ok}/{t_n} | {n_ok}/{n_n} | {statistics.median(t_ms):.1f} | "
              f"{ocr:.0f} | {ocr / (n * n):.1f} | {statistics.mean(cached_ms):.0f} | "
              f"{'; '.join(wrong) or '-'} |")
    print(f"\nnames read exactly: {all_ok}/{all_n} = {all_ok / all_n:.1%}")
    reader.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
