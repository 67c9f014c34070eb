"""`fer-desktop analyze INPUT`: a video, an image or a folder of images -> session CSV (headless).

Composition of capture (sources), vision (detector, classifier, tracker) and session (CSV);
no Qt. Exit status 0 on success, 2 with a one-line message for bad input.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

from fer_desktop.paths import default_models_dir

VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".webm", ".mov", ".m4v", ".mpg", ".mpeg", ".wmv"}


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = parser or argparse.ArgumentParser(prog="fer-desktop analyze", description=__doc__)
    p.add_argument("input", type=Path, help="video file, image, or folder of images")
    p.add_argument("--csv", type=Path, required=True, help="long CSV (one row per face/frame)")
    p.add_argument("--summary", type=Path, default=None, help="per-student summary CSV")
    p.add_argument("--every", type=int, default=1, help="analyse every N-th video frame")
    p.add_argument("--annotate", type=Path, default=None,
                   help="write the input with boxes, ids and labels (video, image or folder)")
    p.add_argument("--detector", default="blazeface", choices=("blazeface", "haar"))
    p.add_argument("--models", type=Path, default=None, help="model folder (default models/)")
    p.add_argument("--no-names", action="store_true",
                   help="do not look for gallery tiles and participant names (OCR)")
    p.add_argument("--scripts", default="",
                   help="scripts the participants' names are written in, comma-separated "
                        "(Latin, Hangul, Cyrillic, Han (simplified), ...; default: Latin and "
                        "Hangul where installed)")
    p.add_argument("--session-id", default=None)
    p.add_argument("--no-progress", action="store_true")
    return p


def _open_source(path: Path):
    from fer_desktop.capture import ImageSource, SourceError, VideoFileSource
    from fer_desktop.capture.image import IMAGE_SUFFIXES

    if not path.exists():
        raise SourceError(f"Input not found: {path}. Give a video file, an image or a folder.")
    if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path), "images"
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return VideoFileSource(path), "video"
    raise SourceError(f"Unsupported input type '{path.suffix}' for {path}: give a video "
                      f"({', '.join(sorted(VIDEO_SUFFIXES))}), an image "
                      f"({', '.join(sorted(IMAGE_SUFFIXES))}) or a folder of images.")


class _Annotator:
    """Writes annotated output: a video for video input, images otherwise."""

    def __init__(self, out: Path, kind: str, fps: float, single_image: bool) -> None:
        self.out, self.kind, self.fps, self.single = out, kind, fps, single_image
        self._writer = None

    def write(self, result) -> None:
        import cv2

        from fer_desktop.vision.overlay import draw_result

        img = draw_result(result.frame.image, result)
        if self.kind == "video":
            if self._writer is None:
                h, w = img.shape[:2]
                fourcc = cv2.VideoWriter_fourcc(*("MJPG" if self.out.suffix.lower() == ".avi"
                                                  else "mp4v"))
                self._writer = cv2.VideoWriter(str(self.out), fourcc, self.fps, (w, h))
                if not self._writer.isOpened():
                    raise OSError(f"Cannot write the annotated video {self.out}")
            self._writer.write(img)
        elif self.single and self.out.suffix:
            _imwrite(self.out, img)
        else:
            self.out.mkdir(parents=True, exist_ok=True)
            _imwrite(self.out / f"{Path(result.frame.source_id).stem}_annotated.png", img)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()


def _imwrite(path: Path, img) -> None:
    import cv2

    ok, buf = cv2.imencode(path.suffix or ".png", img)
    if not ok:
        raise OSError(f"Cannot encode {path}")
    path.write_bytes(buf.tobytes())


def run(args: argparse.Namespace) -> int:
    from fer_desktop.capture import SourceError
    from fer_desktop.pipeline.factories import build_engine
    from fer_desktop.session.export import (
        ExportError,
        observations_from_result,
        write_long_csv,
        write_summary_csv,
    )
    from fer_desktop.vision.classifier import EmotionClassifier, ModelError
    from fer_desktop.vision.detector import DetectorError

    if args.every < 1:
        print("error: --every must be 1 or more", file=sys.stderr)
        return 2
    for out in (args.csv, args.summary):
        if out is not None and not out.parent.exists():
            print(f"error: the folder of {out} does not exist; create it or choose another "
                  "path.", file=sys.stderr)
            return 2
    try:
        source, kind = _open_source(args.input)
        source.open()
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        classifier = EmotionClassifier.from_dir(args.models or default_models_dir())
        scripts = [x.strip() for x in args.scripts.split(",") if x.strip()]
        engine = build_engine(Path(), args.detector, not args.no_names, classifier,
                              scripts=scripts)
        if kind == "images":
            engine.gallery.confirm = 1  # each picture is read once
        for warning in engine.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    except (ModelError, DetectorError) as exc:
        source.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    session_id = args.session_id or uuid.uuid4().hex[:12]
    observations = []
    annot = None
    if args.annotate is not None:
        fps = getattr(source, "fps", 25.0) / args.every
        annot = _Annotator(args.annotate, kind, fps, args.input.is_file())
    total = getattr(source, "frame_count", 0) if kind == "video" else None
    progress = None
    if not args.no_progress and kind == "video":
        from tqdm import tqdm

        progress = tqdm(total=total or None, unit="frame", desc=args.input.name,
                        file=sys.stderr)
    t0 = None
    frames = 0
    try:
        while not source.finished:
            frame = source.read()
            if frame is None:
                continue
            if progress is not None:
                progress.update(1)
            if kind == "video" and frame.index % args.every:
                continue
            if kind == "images":
                engine.reset()  # unrelated pictures: every image is detected afresh
            if t0 is None:
                t0 = frame.timestamp
            result = engine.process(frame, force_detect=kind == "images")
            frames += 1
            observations.extend(observations_from_result(
                result, session_id, t0=0.0 if kind == "video" else t0))
            if annot is not None:
                annot.write(result)
    except SourceError as exc:
        print(f"warning: {exc} (the rows before it are kept)", file=sys.stderr)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        source.close()
        if progress is not None:
            progress.close()
        if annot is not None:
            annot.close()
    for w in getattr(source, "warnings", []):
        print(f"warning: {w}", file=sys.stderr)
    try:
        write_long_csv(args.csv, observations)
        if args.summary is not None:
            write_summary_csv(args.summary, observations)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    students = len({o.student_id for o in observations})
    faces = sum(o.camera_on for o in observations)
    off = len(observations) - faces
    print(f"{frames} frame(s) analysed, {faces} face observation(s)"
          + (f", {off} camera-off observation(s)" if off else "")
          + f", {students} student id(s) -> {args.csv}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
