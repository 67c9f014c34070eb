"""What a participant's camera shows: a room behind a colour head-and-shoulders figure.

Faces are real FER-2013 images (48x48 gray) coloured with a per-person skin-tone ramp and
blended through a soft ellipse onto a silhouette (hair, neck, shirt), so no square paste edge
shows. Backgrounds are scikit-image's bundled sample photographs (read from the installed
package, never downloaded), cropped, flipped and tinted per person, or drawn rooms: plain and
bright walls, windows, bookshelves and virtual backgrounds with a logo and printed text.
Everything is cached per (person, tile size): a frame only shifts and blends cached layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from fer_desktop.testing.zoom_text import _Cache, font_for, text_coverage

__all__ = ["BACKGROUNDS", "JITTER", "Look", "PersonLayer", "background", "make_look",
           "person_layer", "sample_photo"]

JITTER = 8  # person layers are this many px larger on each side, so a shifted crop stays full

# Bundled skimage samples without a human face (astronaut and camera show one, so they would
# add faces that no truth box lists).
_PHOTOS = ("coffee.png", "chelsea.png", "rocket.jpg", "coins.png", "ihc.png",
           "hubble_deep_field.jpg", "brick.png", "grass.png", "gravel.png", "retina.jpg",
           "motorcycle_left.png", "clock_motion.png", "color.png", "moon.png", "page.png")
BACKGROUNDS = ("photo", "wall", "bright_wall", "window", "shelf", "room", "virtual", "dark",
               "blurred")
_WEIGHTS = (0.2, 0.09, 0.12, 0.13, 0.11, 0.13, 0.08, 0.06, 0.08)
_SKIN = ((185, 205, 240), (150, 180, 225), (120, 160, 210), (95, 135, 190), (70, 105, 160),
         (50, 80, 125), (40, 60, 95), (165, 195, 235))  # BGR mid tones, light to dark
_HAIR = ((20, 20, 25), (30, 35, 50), (25, 45, 80), (40, 80, 130), (90, 140, 190),
         (160, 160, 165), (15, 15, 15))
_TEXTS = (("ACME University", "Dr. Jane Roe, Lecturer"),
          ("Faculty of Engineering", "Class of 2026"),
          ("Universitas Nusantara", "Teknik Informatika"), ("Stay curious", "Room 204"))


@dataclass(frozen=True, slots=True)
class Look:
    """How one participant appears on camera (all drawn from a seed)."""

    skin: tuple[int, int, int]  # BGR mid tone of the skin ramp
    hair: tuple[int, int, int]
    shirt: tuple[int, int, int]
    hair_style: int  # 0 short, 1 long, 2 very short, 3 head scarf
    face_frac: float  # face height / tile height
    cx: float  # face centre, fraction of the tile width
    cy: float  # face centre, fraction of the tile height
    background: str  # one of BACKGROUNDS
    bg_seed: int
    exposure: float = 1.0  # brightness of the person (< 1: backlit by a window, dim room)


def make_look(rng: np.random.Generator, bright: bool = False, close: float = 0.12) -> Look:
    """A random look; ``bright`` picks bright walls and windows, ``close`` = P(near camera)."""
    bg = (str(rng.choice(["bright_wall", "window", "room"])) if bright
          else str(rng.choice(BACKGROUNDS, p=_WEIGHTS)))
    frac = float(rng.uniform(0.55, 0.75) if rng.random() < close else rng.uniform(0.25, 0.52))
    exposure = rng.uniform(0.5, 0.9) if bg == "window" else rng.uniform(0.75, 1.12)
    exposure *= 0.7 if bg == "dark" else 1.0
    return Look(skin=tuple(int(v) for v in _SKIN[rng.integers(len(_SKIN))]),
                hair=tuple(int(v) for v in _HAIR[rng.integers(len(_HAIR))]),
                shirt=tuple(int(v) for v in rng.integers(20, 230, 3)),
                hair_style=int(rng.choice(4, p=[0.5, 0.3, 0.12, 0.08])), face_frac=frac,
                cx=float(rng.uniform(0.38, 0.62)), cy=float(rng.uniform(0.36, 0.5)),
                background=bg, bg_seed=int(rng.integers(1 << 30)), exposure=float(exposure))


@lru_cache(maxsize=32)
def sample_photo(name: str) -> np.ndarray:
    """A scikit-image sample photograph as BGR uint8 (read from the installed wheel)."""
    import skimage
    from PIL import Image

    path = Path(skimage.__file__).parent / "data" / name
    if not path.is_file():
        raise FileNotFoundError(f"scikit-image sample {path} missing (pip install scikit-image)")
    with Image.open(path) as im:  # Pillow: libpng would warn about page.png's ICC profile
        return np.ascontiguousarray(np.asarray(im.convert("RGB"))[..., ::-1])


_BG_CACHE = _Cache(512, max_mb=160)


def background(look: Look, w: int, h: int) -> np.ndarray:
    """The room behind a participant, ``h`` x ``w`` BGR uint8 (cached)."""
    return _BG_CACHE.get((look.background, look.bg_seed, w, h),
                         lambda: _make_background(look.background, look.bg_seed, w, h))


def _wall(rng: np.random.Generator, w: int, h: int, lo: int, hi: int) -> np.ndarray:
    base = rng.integers(lo, hi, 3).astype(np.float32)
    base += rng.integers(-15, 16, 3)
    light = np.linspace(rng.uniform(0.75, 1.0), rng.uniform(0.9, 1.15), w, dtype=np.float32)
    shade = np.linspace(rng.uniform(0.85, 1.05), rng.uniform(0.8, 1.0), h, dtype=np.float32)
    return base[None, None, :] * (shade[:, None] * light[None, :])[..., None]


def _window(img: np.ndarray, rng: np.random.Generator) -> None:
    h, w = img.shape[:2]
    ww = int(w * rng.uniform(0.3, 0.6))
    x0 = int(rng.choice([rng.integers(0, max(1, w // 8)), w - ww - rng.integers(0, w // 8 + 1)]))
    y0, y1 = int(h * rng.uniform(0.0, 0.2)), int(h * rng.uniform(0.7, 1.0))
    sky = np.array([rng.uniform(235, 255), rng.uniform(238, 255), rng.uniform(240, 255)])
    img[y0:y1, x0:x0 + ww] = sky
    img[y0 + (y1 - y0) * 3 // 4:y1, x0:x0 + ww] *= rng.uniform(0.75, 0.95)  # trees, far
    bar = max(2, w // 120)
    frame = rng.uniform(150, 250)
    img[y0:y1, x0 + ww // 2 - bar // 2:x0 + ww // 2 + bar] = frame
    img[(y0 + y1) // 2:(y0 + y1) // 2 + bar, x0:x0 + ww] = frame
    for xx in (x0, x0 + ww - bar):
        img[y0:y1, xx:xx + bar] = frame


def _shelf(img: np.ndarray, rng: np.random.Generator) -> None:
    h, w = img.shape[:2]
    sw = int(w * rng.uniform(0.3, 0.5))
    x0 = int(rng.choice([0, w - sw]))
    wood = np.array(rng.integers(30, 120, 3), np.float32) * (1.0, 1.3, 1.7)
    img[:, x0:x0 + sw] = wood * 0.6
    n = int(rng.integers(3, 5))
    step = h // n
    for r in range(n):
        yb = (r + 1) * step - max(2, h // 80)
        x = x0 + 3
        while x < x0 + sw - 4:
            bw = int(rng.integers(max(3, w // 90), max(5, w // 35)))
            bh = int(step * rng.uniform(0.55, 0.9))
            img[yb - bh:yb, x:min(x + bw, x0 + sw - 3)] = rng.integers(20, 240, 3)
            x += bw + int(rng.integers(0, 2))
        img[yb:yb + max(2, h // 80), x0:x0 + sw] = wood


def _photo(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    src = sample_photo(str(rng.choice(_PHOTOS)))
    sh, sw = src.shape[:2]
    cw = min(sw, int(sh * w / h))
    ch = int(cw * h / w)
    k = rng.uniform(0.45, 1.0)
    cw, ch = max(8, int(cw * k)), max(8, int(ch * k))
    x, y = int(rng.integers(0, sw - cw + 1)), int(rng.integers(0, sh - ch + 1))
    crop = cv2.resize(src[y:y + ch, x:x + cw], (w, h), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    tint = rng.uniform(0.8, 1.2, 3) * rng.uniform(0.8, 1.35)
    return crop.astype(np.float32) * tint


def _virtual(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    a, b = rng.integers(20, 200, 3), rng.integers(60, 255, 3)
    t = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    img = np.repeat(a + (b - a) * t, h, axis=0).astype(np.float32)
    cx, cy, r = int(w * 0.86), int(h * 0.16), max(6, h // 10)
    cv2.circle(img, (cx, cy), r, tuple(float(v) for v in rng.integers(0, 255, 3)), -1,
               cv2.LINE_AA)
    title, sub = _TEXTS[int(rng.integers(len(_TEXTS)))]
    colour = 250.0 if img[:h // 3].mean() < 140 else 20.0
    for text, px, yy in ((title, max(9, h // 12), int(h * 0.08)),
                         (sub, max(8, h // 17), int(h * 0.08) + max(9, h // 12) + 4)):
        cov, _ = text_coverage(text, font_for(text), px, subpixel=False)
        x0 = int(w * 0.05) if rng.random() < 0.5 else max(0, int(w * 0.55) - cov.shape[1] // 2)
        ch, cw = min(cov.shape[0], h - yy), min(cov.shape[1], w - x0)
        if ch > 0 and cw > 0:
            a = cov[:ch, :cw]
            img[yy:yy + ch, x0:x0 + cw] = img[yy:yy + ch, x0:x0 + cw] * (1 - a) + colour * a
    return img


def _make_background(kind: str, seed: int, w: int, h: int) -> np.ndarray:
    rng = np.random.default_rng([seed, w, h])
    if kind == "photo":
        img = _photo(rng, w, h)
    elif kind == "virtual":
        img = _virtual(rng, w, h)
    elif kind == "dark":
        img = _wall(rng, w, h, 15, 60)
    elif kind == "bright_wall":
        img = _wall(rng, w, h, 200, 250)
    elif kind == "blurred":  # the client's "blur my background"
        img = _wall(rng, w, h, 60, 220)
        (_window if rng.random() < 0.5 else _shelf)(img, rng)
        img = cv2.GaussianBlur(img, (0, 0), max(2.0, h / 18))
    else:
        img = _wall(rng, w, h, 90, 230)
        if kind in ("window", "room"):
            _window(img, rng)
        if kind in ("shelf", "room"):
            _shelf(img, rng)
    if kind != "virtual":
        img = cv2.GaussianBlur(img, (0, 0), max(0.6, h / 250))  # out of focus behind the person
    img += _grain(h, w, seed)  # camera sensor noise
    return np.clip(img, 0, 255).astype(np.uint8)


@lru_cache(maxsize=1)
def _noise() -> np.ndarray:
    return np.round(np.random.default_rng(1).normal(0, 2.5, (1100, 1940, 3))).astype(np.int8)


def _grain(h: int, w: int, seed: int) -> np.ndarray:
    """An h x w x 3 int8 crop of one fixed noise field (sigma 2.5), placed by ``seed``."""
    noise = _noise()
    nh, nw = noise.shape[:2]
    if h > nh or w > nw:
        noise = np.tile(noise, (-(-h // nh), -(-w // nw), 1))
        nh, nw = noise.shape[:2]
    oy, ox = seed % (nh - h + 1), (seed // 7) % (nw - w + 1)
    return noise[oy:oy + h, ox:ox + w]


@dataclass(frozen=True, slots=True)
class PersonLayer:
    """A figure for one tile size: colour, alpha and the face square, all JITTER px padded."""

    bgr: np.ndarray  # (h + 2J) x (w + 2J) x 3 uint8
    alpha: np.ndarray  # same size, float32 in [0, 1]
    face: tuple[int, int, int]  # (x, y, size) of the face square in layer pixels


def _skin_lut(skin: tuple[int, int, int]) -> np.ndarray:
    g = np.arange(256, dtype=np.float32)
    knots = np.array([0, 50, 130, 200, 255], np.float32)
    lut = np.empty((256, 3), np.float32)
    for c, tone in enumerate(skin):
        mult = np.array([0.1, 0.42, 0.88, 1.08, 1.2]) * (1.0 if c == 2 else (0.9, 0.95)[c])
        lut[:, c] = np.interp(g, knots, np.minimum(mult * tone, [40, 120, 235, 250, 255]))
    return np.clip(lut, 0, 255).astype(np.uint8)


_LAYER_CACHE = _Cache(512, max_mb=320)


def person_layer(uid: str, face: np.ndarray, look: Look, w: int, h: int) -> PersonLayer:
    """The head-and-shoulders figure of a ``w`` x ``h`` tile (cached per ``uid`` and size)."""
    return _LAYER_CACHE.get((uid, w, h), lambda: _make_layer(face, look, w, h))


def _make_layer(face: np.ndarray, look: Look, w: int, h: int) -> PersonLayer:
    j = JITTER
    lh, lw = h + 2 * j, w + 2 * j
    s = int(np.clip(round(look.face_frac * h), 16, min(h * 0.9, w * 0.6)))
    fx, fy = j + int(look.cx * w - s / 2), j + int(look.cy * h - s / 2)
    fy = int(np.clip(fy, j + 2, j + h - s - 2))
    cx, cy = fx + s // 2, fy + s // 2
    colour = np.zeros((lh, lw, 3), np.uint8)
    mask = np.zeros((lh, lw), np.uint8)
    skin_dark = tuple(int(v * 0.72) for v in look.skin)

    def shape(draw, col) -> None:
        draw(colour, col)
        draw(mask, 255)

    sy = int(fy + s * 1.12)  # shoulders
    if look.hair_style == 1:  # long hair, behind the shoulders
        shape(lambda im, c: cv2.ellipse(im, (cx, int(cy + s * 0.3)), (int(s * 0.62),
                                        int(s * 0.95)), 0, 0, 360, c, -1, cv2.LINE_AA), look.hair)
    if look.hair_style == 3:  # head scarf down to the shoulders
        shape(lambda im, c: cv2.ellipse(im, (cx, int(cy + s * 0.25)), (int(s * 0.66),
                                        int(s * 0.85)), 0, 0, 360, c, -1, cv2.LINE_AA),
              look.shirt[::-1])
    shape(lambda im, c: cv2.ellipse(im, (cx, sy - s // 5), (int(s * 0.24), int(s * 0.45)), 0, 0,
                                    360, c, -1, cv2.LINE_AA), skin_dark)
    rx, ry = int(s * 1.3), int(s * 0.5)  # shoulders: a flat arch, then straight down
    shape(lambda im, c: cv2.ellipse(im, (cx, sy + ry), (rx, ry), 0, 180, 360, c, -1,
                                    cv2.LINE_AA), look.shirt)
    shape(lambda im, c: cv2.rectangle(im, (cx - rx, sy + ry), (cx + rx, lh), c, -1), look.shirt)
    if look.hair_style in (0, 1):
        shape(lambda im, c: cv2.ellipse(im, (cx, int(cy - s * 0.14)), (int(s * 0.54),
                                        int(s * 0.5)), 0, 0, 360, c, -1, cv2.LINE_AA), look.hair)
    body = colour.astype(np.float32)
    body *= np.linspace(1.05, 0.8, lh, dtype=np.float32)[:, None, None]  # light from above
    rng = np.random.default_rng(look.bg_seed + 1)
    folds = rng.uniform(0.9, 1.06, (max(2, lh // 70), max(2, lw // 70))).astype(np.float32)
    body *= cv2.resize(folds, (lw, lh), interpolation=cv2.INTER_CUBIC)[..., None]  # cloth, hair
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), max(0.8, s / 90))
    big = cv2.resize(face, (s, s), interpolation=cv2.INTER_CUBIC)
    tone = _skin_lut(look.skin)[big].astype(np.float32)
    fmask = np.zeros((s, s), np.float32)
    cv2.ellipse(fmask, (s // 2, s // 2), (int(s * 0.44), int(s * 0.49)), 0, 0, 360, 1.0, -1)
    fmask = cv2.GaussianBlur(fmask, (0, 0), max(1.0, s * 0.05))
    ramp = np.clip(np.minimum(np.arange(s), np.arange(s)[::-1]) / (s * 0.07), 0, 1)
    fmask *= np.minimum.outer(ramp, ramp).astype(np.float32)  # nothing at the square's edge
    roi = (slice(fy, fy + s), slice(fx, fx + s))
    body[roi] = body[roi] * (1 - fmask[..., None]) + tone * fmask[..., None]
    alpha[roi] = np.maximum(alpha[roi], fmask)
    body *= look.exposure
    body += _grain(lh, lw, look.bg_seed + 3)
    return PersonLayer(np.clip(body, 0, 255).astype(np.uint8), alpha, (fx, fy, s))
