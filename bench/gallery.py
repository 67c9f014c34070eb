"""Tiles, names and faces on realistic generated galleries (fer_desktop.testing.zoom_cases).

Per case (layout, client, size and JPEG quality; several seeds): tiles found exactly, names
read exactly as shown (case, accents, punctuation; a cut name without its "..."), faces found
as the pipeline keeps them (BlazeFace on the colour frame in windows fitted to the tiles, then
the identity layer's per-tile checks; recall / precision at IoU >= 0.3 or the face found
inside a larger true square), and the OCR time of a
frame whose labels are all new, and of the same frame again (labels from the cache).

    .venv/bin/python bench/gallery.py [--seeds 2] [--cases zoom-5x5,hangul-5x5] [--misread]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402

from fer_desktop.testing.scoring import face_score, match_tiles  # noqa: E402
from fer_desktop.testing.zoom_cases import CASES  # noqa: E402
from fer_desktop.vision.detector import BlazeFaceDetector, BlazeFaceParams  # noqa: E402
from fer_desktop.vision.identity import GalleryIdentities  # noqa: E402
from fer_desktop.vision.names import NameReader  # noqa: E402
from fer_desktop.vision.tiles import find_tiles  # noqa: E402

DATA = Path(os.environ.get("FER2013_DIR", Path(__file__).resolve().parents[2] / "shared"
                           / "data" / "fer2013"))


def run_case(name: str, seeds: int, reader: NameReader, detector: BlazeFaceDetector,
             misread: list[str]) -> dict:
    r = dict(tiles=0, tiles_ok=0, names=0, names_ok=0, found=0, faces=0, dets=0, ocr=[],
             cached=[], size="")
    for seed in range(seeds):
        img, truth = CASES[name](seed, DATA)
        r["size"] = f"{img.shape[1]}x{img.shape[0]}"
        tiles = find_tiles(img)
        pairs = match_tiles(tiles, truth)
        r["tiles"] += len(truth.tiles)
        r["tiles_ok"] += sum(hit is not None for _, hit in pairs)
        reader.clear_cache()
        t0 = time.perf_counter()
        got = reader.read(img, tiles)
        r["ocr"].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        reader.read(img, tiles)
        r["cached"].append((time.perf_counter() - t0) * 1000)
        by_tile = dict(zip(tiles, got, strict=True))
        for t, hit in pairs:
            read = by_tile.get(hit, "") if hit is not None else ""
            r["names"] += 1
            if read == t.shown:
                r["names_ok"] += 1
            else:
                misread.append(f"{name}/{seed}: {read!r} for {t.shown!r}")
        boxes = detector.detect(img, [t.as_tuple() for t in tiles] or None)
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        kept = [boxes[k] for k in GalleryIdentities()._real_faces(gray, boxes, tiles)]
        s = face_score(kept if tiles else boxes, truth)
        r["found"] += s.found
        r["faces"] += s.truth
        r["dets"] += s.detections
    return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    ap.add_argument("--lang", default=None, help="Tesseract languages (default: Latin+Hangul)")
    ap.add_argument("--score", type=float, default=None, help="BlazeFace score threshold")
    ap.add_argument("--misread", action="store_true", help="list every name not read exactly")
    args = ap.parse_args(argv)
    names = [c for c in args.cases.split(",") if c] or list(CASES)
    reader = NameReader(args.lang)
    params = BlazeFaceParams() if args.score is None else BlazeFaceParams(score=args.score)
    detector = BlazeFaceDetector(params)
    print(f"\nOCR: {reader.backend}, lang {reader.lang}; BlazeFace score {params.score} in "
          f"tile windows; cores: {os.cpu_count()}; {args.seeds} seed(s) a case\n")
    print("| case | size | tiles exact | names exact | faces found | face recall | "
          "face precision | OCR ms a frame (new labels) | OCR ms (cached) |")
    print("|---|---|---|---|---|---|---|---|---|")
    misread: list[str] = []
    groups: dict[str, list[int]] = {}
    for name in names:
        r = run_case(name, args.seeds, reader, detector, misread)
        rec = r["found"] / r["faces"] if r["faces"] else 1.0
        prec = r["found"] / r["dets"] if r["dets"] else 1.0
        ocr = sorted(r["ocr"])[len(r["ocr"]) // 2]
        cached = sorted(r["cached"])[len(r["cached"]) // 2]
        print(f"| {name} | {r['size']} | {r['tiles_ok']}/{r['tiles']} | "
              f"{r['names_ok']}/{r['names']} ({r['names_ok'] / max(1, r['names']):.1%}) | "
              f"{r['found']}/{r['faces']} | {rec:.3f} | {prec:.3f} | {ocr:.0f} | {cached:.0f} |")
        key = ("1080p" if r["size"].startswith("1920") else
               "1200-px JPEG" if r["size"].startswith("1200") else "other sizes")
        g = groups.setdefault(key, [0, 0, 0, 0, 0])
        for i, v in enumerate((r["names_ok"], r["names"], r["found"], r["faces"], r["dets"])):
            g[i] += v
    print()
    for key, (ok, n, found, faces, dets) in groups.items():
        print(f"{key}: names {ok}/{n} = {ok / max(1, n):.1%}; faces recall "
              f"{found / max(1, faces):.3f}, precision {found / max(1, dets):.3f}")
    if args.misread:
        print("\nNot read exactly:")
        print("\n".join(misread))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
