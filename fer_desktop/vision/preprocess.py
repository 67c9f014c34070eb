"""Face framing shared by training and the app: the one place where faces are cropped/resized."""

from __future__ import annotations

import cv2
import numpy as np

from fer_desktop.labels import FER_SIZE

#: Largest square (px) that :func:`crop_face` pads at full resolution. A bigger box (a wild
#: detection, far larger than any face on screen) is shrunk to the output size first, so it
#: cannot allocate gigabytes of border.
MAX_PADDED_SIDE = 4096


def as_uint8(image: np.ndarray) -> np.ndarray:
    """An image of any dtype as uint8 (a uint8 one as is).

    The scale follows the dtype, never the content: uint16 (a 16-bit camera or PNG) is read
    on its full 0..65535 scale; every other dtype on the 0..255 scale (a float picture in 0..1
    comes out nearly black rather than changing scale from frame to frame), clipped; NaN
    counts as 0.
    """
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.bool_:
        return image.astype(np.uint8)
    if image.dtype == np.uint16:
        return ((image.astype(np.uint32) + 128) // 257).astype(np.uint8)  # 65535 -> 255
    return np.clip(np.nan_to_num(image, nan=0.0, posinf=255.0, neginf=0.0), 0, 255).astype(
        np.uint8)


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any image (HxW, HxWx1, BGR or BGRA; uint8, else see :func:`as_uint8`) as 2-D uint8."""
    image = as_uint8(image)
    if image.size == 0:
        return np.zeros(image.shape[:2], np.uint8)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"Unsupported image shape {image.shape}")


def fit_face(face: np.ndarray, size: int = FER_SIZE) -> np.ndarray:
    """Resize a grayscale face crop to ``size`` x ``size`` (INTER_AREA down, INTER_LINEAR up)."""
    face = to_gray(np.asarray(face))
    if face.size == 0:
        return np.zeros((size, size), np.uint8)
    if face.shape == (size, size):
        return face
    interp = cv2.INTER_AREA if min(face.shape) > size else cv2.INTER_LINEAR
    return cv2.resize(face, (size, size), interpolation=interp)


def crop_face(gray: np.ndarray, box: tuple[int, int, int, int], margin: float = 0.0,
              size: int = FER_SIZE) -> np.ndarray:
    """Cut a detector box out of a grayscale frame in FER-2013 framing.

    The box (x, y, w, h) is made square around its centre and grown by ``margin`` (a fraction
    of its side on each side, negative to shrink); parts outside the frame are filled by
    replicating the border. Returns a ``size`` x ``size`` uint8 face.
    """
    x, y, w, h = (int(v) for v in box)
    side = max(1, int(round(max(w, h) * (1.0 + 2.0 * margin))))
    cx, cy = x + w / 2.0, y + h / 2.0
    x0, y0 = int(round(cx - side / 2.0)), int(round(cy - side / 2.0))
    x1, y1 = x0 + side, y0 + side
    H, W = gray.shape[:2]  # noqa: N806
    if H == 0 or W == 0:
        return np.zeros((size, size), np.uint8)
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if cx1 <= cx0 or cy1 <= cy0:
        return np.zeros((size, size), np.uint8)
    crop = gray[cy0:cy1, cx0:cx1]
    pad = (cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1)
    if any(pad) and side > MAX_PADDED_SIDE:
        crop, pad = _shrink(crop, pad, size / side)
    if any(pad):
        crop = cv2.copyMakeBorder(crop, *pad, borderType=cv2.BORDER_REPLICATE)
    return fit_face(crop, size)


def _shrink(crop: np.ndarray, pad: tuple[int, int, int, int],
            scale: float) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The in-frame part of a crop and its border widths, scaled by ``scale`` (< 1)."""
    h, w = crop.shape[:2]
    small = cv2.resize(crop, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    top, bottom, left, right = (round(p * scale) for p in pad)
    return small, (top, bottom, left, right)


def faces_to_batch(faces: list[np.ndarray], size: int = FER_SIZE) -> np.ndarray:
    """Stack grayscale face crops of any size into a (n, size, size, 1) float32 batch (0..255)."""
    if not faces:
        return np.zeros((0, size, size, 1), np.float32)
    return np.stack([fit_face(f, size) for f in faces])[..., None].astype(np.float32)
