"""Finding the participant's name label in a gallery tile and preparing it for OCR.

What a real Zoom label looks like (from real screenshots): white text at the bottom-left of
the tile on a *translucent* dark box (over a bright wall the box is mid-grey, not dark), drawn
with sub-pixel (ClearType) anti-aliasing, so thin white strokes carry orange and blue fringes
and one colour channel of a stroke may be far below the others; a red slashed-microphone icon
almost touching the name when the participant is muted; a cap height of 5-9 px in screenshots
of 1,000-1,920 px, often JPEG. Meet draws the name without a box, white with a shadow; a
camera that is off shows the name large in the middle of the tile.

So the label is found by what survives all of that: strokes **brighter than their
surroundings** in luminance (a white top-hat; the mean of the channels keeps a ClearType
stroke bright where its weakest channel is not), glyph-sized, chained into one line from the
left at the bottom of the tile. Red icon pixels are painted over with the ground before
anything else. The line is then handed to OCR in several binarisations
(:func:`ocr_variants`); the reader keeps the one Tesseract is most confident of.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["LabelLine", "find_label", "label_line", "ocr_variants"]


@dataclass(frozen=True, slots=True)
class LabelLine:
    """A line of text found in a tile: its box (tile pixels), where it was found
    (``"label"``: bottom-left; ``"center"``: a camera-off tile's big name), and the
    luminance crop around it (uint8, icon removed, text bright)."""

    box: tuple[int, int, int, int]
    where: str
    crop: np.ndarray


def _luminance_without_icon(tile_bgr: np.ndarray) -> np.ndarray:
    """Luminance (uint8) of a BGR tile with the mute icon's pixels painted dark.

    The icon is opaque, saturated red (about RGB 224, 50, 50): red far above both green and
    blue, and bright. A ClearType fringe is orange or blue (green stays close to one of the
    others), and the video seen through the translucent box is dimmed by it, so neither is
    taken for the icon; the icon's anti-aliased rim is dark already.
    """
    if tile_bgr.ndim == 2:
        return tile_bgr
    b, g, r = (c.astype(np.int16) for c in cv2.split(tile_bgr[..., :3]))
    lum = cv2.cvtColor(np.ascontiguousarray(tile_bgr[..., :3]), cv2.COLOR_BGR2GRAY)
    red = (r - g > 90) & (r - b > 90) & (r > 150)
    if red.any():
        lum = lum.copy()
        lum[red] = int(np.percentile(lum[~red], 20)) if (~red).any() else 0
    return lum


def _tophat(lum: np.ndarray, k: int) -> np.ndarray:
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    return cv2.morphologyEx(lum, cv2.MORPH_TOPHAT, kernel)


def _glyphs(th: np.ndarray, max_h: int,
            min_contrast: int) -> list[tuple[int, int, int, int, float]]:
    """Bright, glyph-sized blobs of a top-hat image: (x0, y0, x1, y1, stroke half-width)."""
    h, w = th.shape
    if th.size == 0 or int(th.max()) < min_contrast:
        return []
    level = max(min_contrast, int(0.45 * float(np.percentile(th[th > 0], 99.5)))
                if np.any(th > 0) else min_contrast)
    ink = (th >= level).view(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return []
    x, y, gw, gh, area = stats[1:].T
    thin, thick = np.minimum(gw, gh), np.maximum(gw, gh)
    solid = (area > 0.85 * gw * gh) & (thin >= np.maximum(5, 0.4 * thick))
    keep = ((gh <= max_h) & (gw <= 2 * max_h) & (y > 0) & (x + gw < w) & (y + gh < h)
            & ~solid & (area >= 2))
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    out = []
    for i in np.flatnonzero(keep).tolist():
        x0, y0, bw, bh = stats[i + 1, :4].tolist()
        box = (slice(y0, y0 + bh), slice(x0, x0 + bw))
        own = lab[box] == i + 1
        stroke = float(dist[box][own].max())
        out.append((x0, y0, x0 + bw, y0 + bh, stroke))
    return sorted(out)


def _text_line(glyphs: list[tuple[int, int, int, int, float]], min_h: int,
               left_limit: float) -> tuple[int, int, int, int] | None:
    """The lowest line of glyphs that starts within ``left_limit`` px of the left: glyphs
    chained from the left while they sit on the line and lie at most about a letter's
    height apart (a word gap included); then the glyphs that float above the line's
    baseline (the picture above a label, seen through its box) are dropped."""
    best = None
    used: set[int] = set()
    for k, (x0, y0, x1, y1, stroke) in enumerate(glyphs):
        if k in used or y1 - y0 < min_h or x0 > left_limit:
            continue
        members, line, ref = [k], [x0, y0, x1, y1], y1 - y0
        for j in range(k + 1, len(glyphs)):
            gx0, gy0, gx1, gy1, gs = glyphs[j]
            if gx0 - line[2] > max(4, 1.1 * ref):
                break
            mid = (gy0 + gy1) / 2
            if not (line[1] - 0.5 * ref <= mid <= line[3] + 0.5 * ref) or gy1 - gy0 > 2.2 * ref:
                continue  # above or below the line: part of the picture
            if gs > 2.5 * stroke + 1.5:
                break  # a thick bright blob: the picture next to the label
            line = [min(line[0], gx0), min(line[1], gy0), max(line[2], gx1), max(line[3], gy1)]
            ref = max(ref, min(gy1 - gy0, 1.6 * ref))
            members.append(j)
            used.add(j)
        line = _on_baseline([glyphs[m] for m in members])
        if line is None or line[2] - line[0] < 1.2 * (line[3] - line[1]):
            continue  # a lone blob, not a line of text
        key = (-line[3], line[0])  # lowest, then leftmost
        if best is None or key < best[0]:
            best = (key, line)
    return None if best is None else tuple(best[1])  # type: ignore[return-value]


def _on_baseline(members: list[tuple[int, int, int, int, float]]) -> list[int] | None:
    """The box of the glyphs that stand on the line's baseline (bottoms within a third of a
    letter of the median bottom, descenders allowed below), or None if fewer than two.
    One blob wide enough to be a word counts too: a short name in a small JPEG screenshot
    ("Nora" at 5-px caps) blurs into one."""
    if len(members) == 1:
        x0, y0, x1, y1, _ = members[0]
        return [x0, y0, x1, y1] if x1 - x0 >= 2.0 * (y1 - y0) else None
    bottoms = np.array([g[3] for g in members])
    heights = np.array([g[3] - g[1] for g in members])
    base, size = float(np.median(bottoms)), float(np.median(heights))
    keep = [g for g in members
            if base - 0.4 * size <= g[3] <= base + 0.6 * size and g[3] - g[1] <= 2.0 * size]
    if len(keep) < 2:
        return None
    return [min(g[0] for g in keep), min(g[1] for g in keep), max(g[2] for g in keep),
            max(g[3] for g in keep)]


def label_line(tile_bgr: np.ndarray) -> LabelLine | None:
    """The name line of a tile: its bottom-left label, else a camera-off tile's centred name."""
    h, w = tile_bgr.shape[:2]
    if h < 12 or w < 24:
        return None
    lum = _luminance_without_icon(tile_bgr)
    # bottom-left: Zoom's label sits within the bottom ~30% and starts in the left third
    sh = min(h // 2, max(28, round(0.32 * h)))
    sw = max(24, round(0.9 * w))
    band = lum[h - sh:, :sw]
    k = 9 if sh < 90 else 13
    glyphs = _glyphs(_tophat(band, k), max_h=max(14, sh // 2), min_contrast=35)
    line = _text_line(glyphs, min_h=3, left_limit=0.35 * w)
    if line is not None:
        x0, y0, x1, y1 = line
        return _line(lum, (x0, y0 + h - sh, x1, y1 + h - sh), "label")
    y_top, y_bot = round(0.2 * h), round(0.8 * h)
    mid = lum[y_top:y_bot]
    k = max(15, (y_bot - y_top) // 5) | 1
    glyphs = _glyphs(_tophat(mid, k), max_h=max(20, (y_bot - y_top) // 2), min_contrast=60)
    line = _text_line(glyphs, min_h=6, left_limit=0.6 * w)
    if line is None:
        return None
    x0, y0, x1, y1 = line
    if abs((x0 + x1) / 2 - w / 2) > 0.2 * w:
        return None  # a centred name is centred; text elsewhere is part of the picture
    return _line(lum, (x0, y0 + y_top, x1, y1 + y_top), "center")


def _line(lum: np.ndarray, box: tuple[int, int, int, int], where: str) -> LabelLine:
    x0, y0, x1, y1 = box
    lh = y1 - y0
    pad_y, pad_x = max(2, round(0.35 * lh)), max(2, round(0.5 * lh))
    crop = lum[max(0, y0 - pad_y):y1 + pad_y, max(0, x0 - pad_x):x1 + pad_x]
    return LabelLine(box, where, np.ascontiguousarray(crop))


def find_label(tile_bgr: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the name in a tile: its bottom-left label, else a centred name."""
    line = label_line(tile_bgr)
    return None if line is None else line.box


def ocr_variants(line: LabelLine, target_h: int = 40) -> list[np.ndarray]:
    """Black-on-white pictures of the line for OCR, best first: the luminance stretched, its
    Otsu binarisation, a binarisation of the top-hat (for an uneven ground), and a local
    (adaptive) threshold."""
    crop = line.crop
    if crop.size == 0:
        return []
    x0, y0, x1, y1 = line.box
    scale = float(np.clip(target_h / max(1, y1 - y0), 1.0, 8.0))
    big = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    lo, hi = np.percentile(big, (5, 99.5))
    stretched = np.clip((big.astype(np.float32) - lo) * (255.0 / max(1.0, hi - lo)), 0, 255)
    gray = 255 - stretched.astype(np.uint8)
    _, otsu = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    k = max(9, round(1.6 * target_h)) | 1
    th = _tophat(big, k)
    _, th_bin = cv2.threshold(th, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    # a local threshold for a ground that changes along the line (Meet: no box, the video
    # behind the name goes from light to dark)
    block = max(11, round(1.5 * target_h)) | 1
    local = cv2.adaptiveThreshold(cv2.GaussianBlur(gray, (3, 3), 0), 255,
                                  cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)
    m = max(8, target_h // 2)
    return [cv2.copyMakeBorder(v, m, m, m, m, cv2.BORDER_CONSTANT, value=255)
            for v in (gray, otsu, th_bin, local)]
