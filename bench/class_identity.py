"""Who is who through a generated class (fer_desktop.testing.zoom_class): the real engine
(BlazeFace, the released model, tiles, Tesseract names, identities) over every frame of a
scripted class in which people join and leave (5x5 becomes 6x5), the side panel opens and
closes, the window shrinks to two pages, the region is picked again, tiles are reordered
and cameras go off and on; the session recorder's flags beside it.

Printed: people in the class and student ids made, people split over several ids, rows
(faces and camera-off tiles) under a student id that shows someone else, faces left waiting
(whose student was not sure yet), false "face not seen" flags (the person's face was in view),
and seconds of analysis a frame.

    .venv/bin/python bench/class_identity.py [--minutes 20] [--interval 2] [--width 1200 --jpeg 70]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fer_desktop.datatypes import Frame  # noqa: E402
from fer_desktop.paths import default_models_dir  # noqa: E402
from fer_desktop.session.recorder import AttentionRules, SessionRecorder  # noqa: E402
from fer_desktop.testing.scoring import IdentityTally  # noqa: E402
from fer_desktop.testing.zoom_class import make_class  # noqa: E402
from fer_desktop.vision.classifier import EmotionClassifier  # noqa: E402
from fer_desktop.vision.detector import BlazeFaceDetector  # noqa: E402
from fer_desktop.vision.engine import AnalysisEngine  # noqa: E402
from fer_desktop.vision.identity import GalleryIdentities  # noqa: E402
from fer_desktop.vision.names import NameReader  # noqa: E402

DATA = Path(os.environ.get("FER2013_DIR", Path(__file__).resolve().parents[2] / "shared"
                           / "data" / "fer2013"))


def run(minutes: float, interval: float, width: int | None, jpeg: int | None, seed: int,
        n: int = 25, verbose: bool = False) -> tuple[IdentityTally, dict]:
    cls = make_class(n, minutes=minutes, seed=seed, data_dir=DATA)
    engine = AnalysisEngine(BlazeFaceDetector(), EmotionClassifier.from_dir(default_models_dir()),
                            gallery=GalleryIdentities(NameReader()))
    recorder = SessionRecorder(AttentionRules(missing_s=60.0))
    tally = IdentityTally()
    t_engine = 0.0
    frames = 0
    for f in cls.frames(interval=interval, width=width, jpeg_quality=jpeg):
        t0 = time.perf_counter()
        result = engine.process(Frame(f.image, f.t, frames, "class", wall_time=f.t))
        t_engine += time.perf_counter() - t0
        recorder.add(result)
        tally.add(result, f.truth)
        tally.check_flags(recorder, f.truth)
        frames += 1
        if verbose and f.events:
            print(f"t={f.t:6.0f}s {', '.join(e.kind for e in f.events)}: students "
                  f"{tally.students}, waiting {len(result.waiting)}", flush=True)
    events = sorted({e.kind for e in cls.events})
    return tally, dict(frames=frames, s_per_frame=t_engine / max(1, frames), events=events)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between frames")
    ap.add_argument("--width", type=int, default=None, help="scale frames to this width")
    ap.add_argument("--jpeg", type=int, default=None, help="JPEG quality of the frames")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--verbose", action="store_true", help="a line at every event")
    args = ap.parse_args(argv)
    tally, info = run(args.minutes, args.interval, args.width, args.jpeg, args.seed,
                      verbose=args.verbose)
    size = f"{args.width or 1920} px" + (f", JPEG q{args.jpeg}" if args.jpeg else "")
    print(f"\nA {args.minutes:g}-minute class, a frame every {args.interval:g} s "
          f"({info['frames']} frames, {size}); events: {', '.join(info['events'])}\n")
    print("| people | student ids | people split | rows under the wrong student | rows | "
          "faces waiting | false 'face not seen' flags | s a frame |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {len(tally.people)} | {tally.students} | {tally.split} | {tally.wrong_rows} | "
          f"{tally.total_rows} | {tally.waiting} of {tally.faces} | "
          f"{len(tally.false_missing)} | {info['s_per_frame']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
