"""The meeting client's drawing on a gallery frame: name labels, window chrome, side panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from fer_desktop.testing.zoom_text import fit_text, font_for, icon_coverage, text_coverage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fer_desktop.testing.zoom import Person, Style

__all__ = ["blend", "draw_chrome", "draw_label", "draw_off_name", "draw_side_panel", "fill",
           "round_corners"]

Box = tuple[int, int, int, int]
_RED = (45, 45, 232)  # BGR of Zoom's muted microphone
_CAP = 0.72  # cap height / font size (Lato, DejaVu)


def blend(img: np.ndarray, cov: np.ndarray, x: int, y: int, colour: Sequence[float]) -> None:
    """Blend ``colour`` (BGR) into ``img`` at (x, y) with coverage ``cov`` (HxW or HxWx3 RGB)."""
    h, w = cov.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, img.shape[1]), min(y + h, img.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    a = cov[y0 - y:y1 - y, x0 - x:x1 - x]
    a = a[..., ::-1] if a.ndim == 3 else a[..., None]  # RGB sub-pixels -> BGR channels
    roi = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = np.clip(roi + (np.asarray(colour, np.float32) - roi) * a + 0.5, 0, 255)


def _corner(radius: int) -> np.ndarray:
    """Coverage of a quarter disc of ``radius`` (its centre at the bottom-right)."""
    yy, xx = np.mgrid[0:radius, 0:radius].astype(np.float32)
    return np.clip(radius - np.hypot(radius - xx - 0.5, radius - yy - 0.5) + 0.5, 0, 1)


def round_corners(img: np.ndarray, box: Box, radius: int, colour: Sequence[float]) -> None:
    """Paint ``colour`` outside rounded corners of ``box`` (Meet's tiles)."""
    x, y, w, h = box
    if radius <= 0 or w <= 2 * radius or h <= 2 * radius:
        return
    out = 1.0 - _corner(radius)
    blend(img, out, x, y, colour)
    blend(img, out[:, ::-1], x + w - radius, y, colour)
    blend(img, out[::-1], x, y + h - radius, colour)
    blend(img, out[::-1, ::-1], x + w - radius, y + h - radius, colour)


def fill(img: np.ndarray, box: Box, colour: Sequence[float], alpha: float = 1.0,
         radius: int = 0) -> None:
    """A (translucent, rounded) rectangle."""
    x, y, w, h = box
    cov = np.full((h, w), alpha, np.float32)
    if radius > 0 and w > 2 * radius and h > 2 * radius:
        corner = _corner(radius) * alpha
        cov[:radius, :radius] = corner
        cov[:radius, -radius:] = corner[:, ::-1]
        cov[-radius:, :radius] = corner[::-1]
        cov[-radius:, -radius:] = corner[::-1, ::-1]
    blend(img, cov, x, y, colour)


def draw_text(img: np.ndarray, text: str, x: int, y_top: int, px: int, colour: Sequence[float],
              family: str = "lato", subpixel: bool = True) -> tuple[int, int]:
    """Draw ``text`` with its ascent line at ``y_top``; returns its (width, height) in px."""
    cov, _ = text_coverage(text, font_for(text, family), px, subpixel)
    blend(img, cov, x, y_top, colour)
    return cov.shape[1], cov.shape[0]


def draw_label(img: np.ndarray, tile: Box, name: str, muted: bool, style: Style, k: float,
               phase: int = 0, inset: int = 0) -> tuple[Box, str, float]:
    """The bottom-left name label of a tile; returns (label box, shown text, cap height px).

    ``inset`` moves the label inside a border of that width (the active speaker's).
    """
    x, y, w, h = (tile[0] + inset, tile[1] + inset, tile[2] - 2 * inset, tile[3] - 2 * inset)
    px = max(6, round(style.text_px * k))
    path = font_for(name, style.font)
    if style.kind == "meet":
        return _meet_label(img, tile, name, muted, style, k, px, path)
    pad = max(2, round(px * 0.45))
    box_h = max(px + 2, round(px * 1.8))
    icon_h = max(5, round(px * 0.95)) if muted else 0
    icon_w = icon_coverage("mic_off", icon_h).shape[1] if muted else 0
    lead = icon_w + max(1, round(style.icon_gap * k)) if muted else 0
    margin = round(style.label_margin * k)
    max_text = max(px, int(w * style.label_max) - 2 * pad - lead)
    drawn, shown = fit_text(name, path, px, max_text, style.ellipsis)
    cov, base = text_coverage(drawn, path, px, style.subpixel, phase)
    bw = min(pad + lead + cov.shape[1] + pad, w - margin)
    x0, y1 = x + margin, y + h - margin
    y0 = y1 - box_h
    fill(img, (x0, y0, bw, box_h), (18, 18, 18), style.box_alpha, radius=max(0, round(2 * k)))
    if muted:
        blend(img, icon_coverage("mic_off", icon_h), x0 + pad, y0 + (box_h - icon_h) // 2, _RED)
    cap = _CAP * px
    top = y0 + int(round((box_h + cap) / 2)) - base  # caps centred in the box
    blend(img, cov[:, :bw - pad - lead], x0 + pad + lead, top, (255, 255, 255))
    return (x0, y0, bw, box_h), shown, cap


def _meet_label(img: np.ndarray, tile: Box, name: str, muted: bool, style: Style, k: float,
                px: int, path: str) -> tuple[Box, str, float]:
    """Google Meet: white text with a dark shadow, no box; mute icon at the top-right."""
    x, y, w, h = tile
    margin = round(style.label_margin * k)
    drawn, shown = fit_text(name, path, px, int(w * style.label_max) - margin, "\u2026")
    cov, base = text_coverage(drawn, path, px, style.subpixel)
    tx, top = x + margin, y + h - margin - cov.shape[0]
    shadow = cv2.GaussianBlur(np.pad(cov.mean(axis=2), 3), (0, 0), 1.2) * 0.85
    blend(img, np.clip(shadow * 1.6, 0, 0.9), tx - 3, top - 2, (0, 0, 0))
    blend(img, cov, tx, top, (255, 255, 255))
    if muted:
        r = max(6, round(13 * k))
        cx, cy = x + w - margin - r, y + margin + r
        disc = np.zeros((2 * r + 2, 2 * r + 2), np.float32)
        cv2.circle(disc, (r + 1, r + 1), r, 1.0, -1, cv2.LINE_AA)
        blend(img, disc * 0.55, cx - r - 1, cy - r - 1, (40, 40, 40))
        icon = icon_coverage("mic_off", r)
        blend(img, icon, cx - icon.shape[1] // 2, cy - r // 2, (255, 255, 255))
    return (tx, top, cov.shape[1], cov.shape[0]), shown, _CAP * px


_AVATAR = ((64, 125, 245), (180, 120, 30), (60, 160, 60), (150, 60, 150), (40, 120, 200),
           (120, 120, 40))  # BGR: Meet's avatar circles


def draw_off_name(img: np.ndarray, tile: Box, name: str, style: Style, k: float) -> None:
    """A camera-off tile's middle: Zoom writes the name large, Meet draws an initial's disc."""
    x, y, w, h = tile
    if style.kind == "meet":
        r = max(8, round(h * 0.2))
        disc = np.zeros((2 * r + 2, 2 * r + 2), np.float32)
        cv2.circle(disc, (r + 1, r + 1), r, 1.0, -1, cv2.LINE_AA)
        blend(img, disc, x + w // 2 - r - 1, y + h // 2 - r - 1,
              _AVATAR[sum(map(ord, name)) % len(_AVATAR)])
        name, px = name.lstrip("[(_")[:1].upper() or "?", round(r * 1.1)
    else:
        px = int(np.clip(h * 0.13, 12 * k, 46 * k))
    path = font_for(name, style.font)
    drawn, _ = fit_text(name, path, px, int(w * 0.85), style.ellipsis)
    cov, base = text_coverage(drawn, path, px, style.subpixel)
    blend(img, cov, x + (w - cov.shape[1]) // 2, y + h // 2 - base + int(_CAP * px / 2),
          (255, 255, 255))


def draw_chrome(img: np.ndarray, win: Box, style: Style, k: float, count: int, side: int,
                page: int, pages: int) -> Box:
    """Window background, top bar, toolbar and page arrows; returns the gallery area."""
    x, y, w, h = win
    img[y:y + h, x:x + w] = style.window_bg
    if not style.chrome:
        return (x, y, w - round(side * k), h)
    top = round((40 if style.kind == "zoom" else 0) * k)
    bottom = round((60 if style.kind == "zoom" else 72) * k)
    px = max(7, round(12 * k))
    if top:
        img[y:y + top, x:x + w] = (36, 36, 36)
        fill(img, (x + round(12 * k), y + top // 2 - round(6 * k), round(12 * k),
                   round(12 * k)), (60, 190, 60), 1.0, round(3 * k))
        draw_text(img, "Zoom Meeting", x + w // 2 - round(40 * k), y + (top - px) // 2, px,
                  (225, 225, 225))
        draw_text(img, "View", x + w - round(60 * k), y + (top - px) // 2, px, (225, 225, 225))
    yb = y + h - bottom
    img[yb:y + h, x:x + w] = (26, 26, 26) if style.kind == "zoom" else style.window_bg
    items = (["Unmute", "Start Video", "Security", f"Participants {count}", "Chat",
              "Share Screen", "Record", "Reactions"] if style.kind == "zoom"
             else ["10:42 | abc-defg-hij", "", "", "", ""])
    step = w // (len(items) + 2)
    for i, item in enumerate(items):
        cx = x + step * (i + 1)
        fill(img, (cx - round(9 * k), yb + round(10 * k), round(18 * k), round(18 * k)),
             (200, 200, 200) if style.kind == "zoom" else (80, 70, 70), 1.0, round(4 * k))
        if item:
            draw_text(img, item, cx - round(20 * k), yb + round(34 * k), px, (200, 200, 200))
    if style.kind == "zoom":
        fill(img, (x + w - round(90 * k), yb + round(16 * k), round(64 * k), round(28 * k)),
             (40, 40, 220), 1.0, round(6 * k))
        draw_text(img, "End", x + w - round(70 * k), yb + round(22 * k), px, (255, 255, 255))
    strip = 0
    if pages > 1:  # page arrows in strips at both sides of the gallery
        strip = round(40 * k)
        mid = y + h // 2
        for sx, arrow in ((x + round(12 * k), "<"), (x + w - round(side * k) - round(26 * k), ">")):
            draw_text(img, arrow, sx, mid - round(12 * k), round(20 * k), (230, 230, 230))
        draw_text(img, f"{page + 1}/{pages}", x + round(6 * k), mid + round(16 * k), px,
                  (200, 200, 200))
    return (x + strip, y + top, w - round(side * k) - 2 * strip, h - top - bottom)


def draw_side_panel(img: np.ndarray, box: Box, people: Sequence[Person], style: Style,
                    k: float) -> None:
    """A participants panel: heading, then one row per person with mic and camera icons."""
    x, y, w, h = box
    img[y:y + h, x:x + w] = (45, 45, 45) if style.kind == "zoom" else (255, 255, 255)
    ink = (225, 225, 225) if style.kind == "zoom" else (40, 40, 40)
    img[y:y + h, x:x + 1] = (70, 70, 70)
    px = max(7, round(13 * k))
    draw_text(img, f"Participants ({len(people)})", x + round(16 * k), y + round(12 * k),
              px + 1, ink)
    row = round(30 * k)
    for i, p in enumerate(people):
        ry = y + round(48 * k) + i * row
        if ry + row > y + h:
            break
        fill(img, (x + round(14 * k), ry, round(22 * k), round(22 * k)),
             p.look.shirt, 1.0, round(11 * k))
        draw_text(img, p.name, x + round(44 * k), ry + round(4 * k), px, ink)
        if p.muted:
            icon = icon_coverage("mic_off", round(14 * k))
            blend(img, icon, x + w - round(40 * k), ry + round(4 * k), _RED)
