"""Whole-pipeline speed on a 1920x1080 5x5 gallery (realistic Zoom frames from
fer_desktop.testing.zoom by default, ``--stream clean`` for the old flat tiles), us vs `fer`.

One run measures, on the same stream of frames (the gallery changes a little from frame to
frame, as a live gallery does):
  * ours: detect (amortised: at most every 0.8 s, or when the picture changes) + classify
    every visible face in every frame (TFLite, one batch) + track, for both detectors;
  * ours with detection on every frame (no amortisation), for reference;
  * the `fer` package: ``FER(mtcnn=False).detect_emotions(frame)`` in its own environment
    (bench/setup_fer_env.sh), on the same frames.
Faces found are true positives against the known face positions (IoU > 0.3), out of 25.

    bash bench/setup_fer_env.sh && .venv/bin/python bench/pipeline.py [--frames 60]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fer_desktop.datatypes import BBox, Frame  # noqa: E402
from fer_desktop.testing.gallery import compose_gallery, load_faces  # noqa: E402
from fer_desktop.train.data import DEFAULT_DATA_DIR  # noqa: E402
from fer_desktop.vision.classifier import EmotionClassifier  # noqa: E402
from fer_desktop.vision.detector import make_detector  # noqa: E402
from fer_desktop.vision.engine import AnalysisEngine, EngineConfig  # noqa: E402
from fer_desktop.vision.identity import make_gallery  # noqa: E402


def make_stream(data_dir: Path, n: int) -> tuple[list[np.ndarray], list[list[BBox]]]:
    faces, labels = load_faces(data_dir, 25, seed=11)
    sizes = [60 + (i * 7) % 50 for i in range(25)]  # 60..109 px faces
    frames, truths = [], []
    for k in range(n):
        img, tiles = compose_gallery(faces, labels, face_px=sizes, jitter=(3, 2), seed=k)
        frames.append(img)
        truths.append([BBox(*t.face_box) for t in tiles if t.face_box])
    return frames, truths


def make_realistic_stream(data_dir: Path, n: int) -> tuple[list[np.ndarray], list[list[BBox]]]:
    """The realistic generator's 1080p 5x5 Zoom gallery (fer_desktop.testing.zoom): the
    same 25 people, cameras all on, each frame with its own small movements."""
    from fer_desktop.testing.zoom import ZOOM, Layout, make_people, render

    people = make_people(25, seed=11, data_dir=data_dir)
    frames, truths = [], []
    for k in range(n):
        img, truth = render(people, Layout(), ZOOM, seed=k, speaker=people[3].student)
        frames.append(img)
        truths.append([BBox(*t.face) for t in truth.tiles if t.face])
    return frames, truths


def found(boxes: list[BBox], truth: list[BBox]) -> int:
    from fer_desktop.testing.scoring import _fit

    return sum(any(_fit(b.as_tuple(), g.as_tuple()) >= 0.3 for b in boxes) for g in truth)


def run_ours(frames, truths, detector: str, models: Path, interval: float,
             names: bool = False) -> dict:
    gallery = make_gallery(True)[0] if names else None
    engine = AnalysisEngine(make_detector(detector), EmotionClassifier.from_dir(models),
                            EngineConfig(detect_interval_s=interval), gallery=gallery)
    engine.process(Frame(frames[0], time.monotonic(), 0, "bench"))  # warm-up
    engine.reset()
    hits, det_ms, t0 = [], [], time.perf_counter()
    for k, img in enumerate(frames):
        r = engine.process(Frame(img, time.monotonic(), k, "bench"))
        hits.append(found([f.box for f in r.faces], truths[k]))
        if r.stats.detect_ms:
            det_ms.append(r.stats.detect_ms)
    dt = time.perf_counter() - t0
    return {"fps": len(frames) / dt, "ms": dt * 1000 / len(frames),
            "faces": float(np.mean(hits)), "min_faces": int(min(hits)),
            "detections": engine.detections, "detect_ms": float(np.median(det_ms))}


def run_fer(frames, truths, calls: int) -> dict | None:
    py = ROOT / "bench" / ".venv-fer" / "bin" / "python"
    if not py.exists():
        print("(fer peer skipped: run `bash bench/setup_fer_env.sh` first)")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        distinct = min(len(frames), 10)
        for k in range(distinct):
            cv2.imwrite(os.path.join(tmp, f"frame_{k:03d}.png"), frames[k])
        out = Path(tmp) / "fer.json"
        subprocess.run([str(py), str(ROOT / "bench" / "fer_peer.py"), "--frames", tmp,
                        "--repeat", str(calls), "--out", str(out)], check=True)
        res = json.loads(out.read_text())
    hits = [found([BBox(*map(int, b)) for b in boxes], truths[k])
            for k, boxes in enumerate(res["boxes"])]
    return {"fps": res["fps"], "ms": res["mean_ms"], "faces": float(np.mean(hits)),
            "min_faces": int(min(hits)), "detections": res["calls"], "detect_ms": res["mean_ms"],
            "runtime": res.get("runtime", "?"), "version": res.get("fer_version", "?")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--models", type=Path, default=ROOT / "models")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--fer-calls", type=int, default=10)
    ap.add_argument("--stream", choices=("realistic", "clean"), default="realistic",
                    help="realistic: fer_desktop.testing.zoom's Zoom gallery; clean: the old "
                         "compose_gallery frames")
    args = ap.parse_args(argv)
    make = make_realistic_stream if args.stream == "realistic" else make_stream
    frames, truths = make(args.data, args.frames)
    rows = []
    for det in ("blazeface", "haar"):
        rows.append((f"fer_desktop ({det}, detect <= every 0.8 s)",
                     run_ours(frames, truths, det, args.models, 0.8)))
    rows.append(("fer_desktop (blazeface, detect <= every 0.8 s, + tiles and names)",
                 run_ours(frames, truths, "blazeface", args.models, 0.8, names=True)))
    rows.append(("fer_desktop (blazeface, detect every frame)",
                 run_ours(frames[:15], truths[:15], "blazeface", args.models, 0.0)))
    peer = run_fer(frames, truths, args.fer_calls)
    if peer:
        rows.append((f"fer {peer['version']} FER(mtcnn=False).detect_emotions", peer))
    what = ("the realistic Zoom gallery (fer_desktop.testing.zoom)" if args.stream ==
            "realistic" else "25 real FER-2013 faces (60-109 px) on flat tiles")
    print(f"\n1920x1080 5x5 gallery, {what}, {args.frames} frames, {os.cpu_count()} cores\n")
    n_true = len(truths[0])
    print(f"| pipeline | frames/s | ms/frame | faces found (mean, min) of {n_true} | detect ms |")
    print("|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['fps']:.1f} | {r['ms']:.1f} | {r['faces']:.1f}, {r['min_faces']} "
              f"| {r['detect_ms']:.0f} |")
    if peer:
        print(f"\nspeed ratio ours (blazeface) / fer: {rows[0][1]['fps'] / peer['fps']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
