"""The analysis engine: frame -> faces -> expressions -> student ids (no Qt, no threads).

Detection is the expensive step (a Haar pass over a 1080p gallery takes 0.1-1.4 s on two
cores), while the classifier handles 25 faces in a few milliseconds. The engine therefore
detects at most every ``detect_interval_s`` seconds (and at once when the picture changes a
lot), and in between classifies every tracked face at its last box, so every visible face's
expression is refreshed in every analysed frame and a new face is picked up within
``detect_interval_s``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np

from fer_desktop.datatypes import BBox, FaceResult, Frame, FrameResult, PipelineStats
from fer_desktop.vision.classifier import EmotionClassifier
from fer_desktop.vision.detector import FaceDetector
from fer_desktop.vision.identity import GalleryIdentities
from fer_desktop.vision.preprocess import as_uint8, crop_face, to_gray
from fer_desktop.vision.tracking import ExpressionSmoother, FaceTracker

#: Crop margin (fraction of the box side added on each side) chosen by measurement on
#: FER-2013 test faces found by the Haar detector in larger frames (bench/crop_margin.py).
DEFAULT_MARGIN = 0.05


@dataclass
class EngineConfig:
    detect_interval_s: float = 0.8
    change_threshold: float = 12.0  # mean abs difference of a 64x36 thumbnail, 0..255
    margin: float = DEFAULT_MARGIN
    smoothing_tau_s: float = 2.0


class AnalysisEngine:
    """Turns frames into FrameResults; keeps tracker and smoothing state between frames."""

    def __init__(self, detector: FaceDetector, classifier: EmotionClassifier,
                 config: EngineConfig | None = None, tracker: FaceTracker | None = None,
                 gallery: GalleryIdentities | None = None) -> None:
        self.detector = detector
        self.gallery = gallery
        self.warnings: list[str] = []  # for the user (e.g. names cannot be read), not fatal
        self.classifier = classifier
        self.config = config or EngineConfig()
        self.tracker = tracker or FaceTracker()
        self.smoother = ExpressionSmoother(self.config.smoothing_tau_s)
        self._last_detect_t: float | None = None
        self._last_thumb: np.ndarray | None = None
        self._boxes: list[BBox] = []
        self._ids: list[int] = []
        self._names: list[str] = []
        self._camera_off: tuple = ()
        self._waiting: tuple[BBox, ...] = ()
        self._frames = 0
        self._t_prev: float | None = None
        self._fps = 0.0
        self.detections = 0

    def reset(self) -> None:
        self.tracker.reset()
        self.smoother = ExpressionSmoother(self.config.smoothing_tau_s)
        self._last_detect_t = self._last_thumb = self._t_prev = None
        self._boxes, self._ids, self._names, self._camera_off = [], [], [], ()
        self._waiting = ()
        if self.gallery is not None:
            self.gallery.reset()

    def _changed(self, gray: np.ndarray) -> bool:
        thumb = cv2.resize(gray, (64, 36), interpolation=cv2.INTER_AREA).astype(np.int16)
        prev, self._last_thumb = self._last_thumb, thumb
        if prev is None or prev.shape != thumb.shape:
            return True
        return float(np.abs(thumb - prev).mean()) > self.config.change_threshold

    def process(self, frame: Frame, force_detect: bool = False) -> FrameResult:
        t0 = time.perf_counter()
        image = frame.image
        if image is None or image.size == 0 or image.ndim < 2:
            return FrameResult(frame, (), PipelineStats(frames=self._frames))
        image = as_uint8(image)  # Frame says uint8; a float or 16-bit picture is read as 0..255
        gray = to_gray(image)
        now = frame.timestamp
        changed = self._changed(gray)
        if not changed and self.gallery is not None:
            changed = self.gallery.tiles_changed(gray)
        due = (self._last_detect_t is None or now - self._last_detect_t
               >= self.config.detect_interval_s or now < self._last_detect_t)
        detect_ms = ocr_ms = 0.0
        if force_detect or due or changed:
            td = time.perf_counter()
            # the colour frame: BlazeFace is a colour model (recall on real galleries 0.944 in
            # colour, 0.905 on grey copies); Haar makes its own grey copy
            regions = None
            if self.gallery is not None:
                colour = image.ndim == 3 and image.shape[2] in (3, 4)
                image_bgr = image[..., :3] if colour else cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
                read = self.gallery.needs_read(now, changed or force_detect)
                # the gallery's tiles first: the detector fits its windows to them
                tiles = self.gallery.locate(image_bgr) if read else self.gallery.tiles
                regions = [t.as_tuple() for t in tiles] or None
            boxes = self.detector.detect(image, regions)
            detect_ms = (time.perf_counter() - td) * 1000
            self._boxes = boxes
            self._ids = self.tracker.update(boxes, now)
            self._names = [""] * len(boxes)
            if self.gallery is not None:
                found = self.gallery.update(image_bgr, gray, boxes, self._ids, self.tracker,
                                            now, read=read)
                self._camera_off, ocr_ms = found.camera_off, found.ocr_ms
                waiting, dropped = set(found.waiting), set(found.dropped)
                self._waiting = tuple(boxes[k] for k in sorted(waiting))
                keep = [k for k in range(len(boxes)) if k not in waiting | dropped]
                self._boxes = [boxes[k] for k in keep]
                self._ids = [found.ids[k] for k in keep]
                self._names = [found.names[k] for k in keep]
            self._last_detect_t = now
            self.detections += 1
        tc = time.perf_counter()
        crops = [crop_face(gray, b.as_tuple(), self.config.margin) for b in self._boxes]
        probs = self.classifier.predict_batch(crops)
        classify_ms = (time.perf_counter() - tc) * 1000
        faces = []
        for b, sid, name, p in zip(self._boxes, self._ids, self._names, probs, strict=True):
            smoothed = self.smoother.update(sid, p, now)
            faces.append(FaceResult(b, sid, p, smoothed, name))
        self._frames += 1
        if self._t_prev is not None and now > self._t_prev:
            inst = 1.0 / (now - self._t_prev)
            self._fps = inst if self._fps == 0 else 0.9 * self._fps + 0.1 * inst
        self._t_prev = now
        stats = PipelineStats(frames=self._frames, fps=self._fps, detect_ms=detect_ms,
                              classify_ms=classify_ms,
                              total_ms=(time.perf_counter() - t0) * 1000, ocr_ms=ocr_ms)
        return FrameResult(frame, tuple(faces), stats, self._camera_off, self._waiting)
