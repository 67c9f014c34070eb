"""Zoom-like gallery frames composed from real FER-2013 faces (for tests and benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fer_desktop.labels import EMOTIONS

NAMES = ["Ana Souza", "Ben Okafor", "Chloé Martin", "Dmitri Ivanov", "Emma Larsen", "Farid Haddad",
         "Grace Kim", "Hugo Müller", "Ines Costa", "Jamal Wright", "Kenji Sato", "Lena Novak",
         "Mateo Ruiz", "Nora Ali", "Omar Farouk", "Priya Nair", "Quinn Baker", "Rosa Díaz",
         "Sven Berg", "Tara Singh", "Umar Khan", "Vera Popova", "Will Chen", "Xenia Lund",
         "Yusuf Demir", "Zoe Brown", "Alex 2", "Sam O'Neil", "Mia 3B", "Leo Rossi"]


def load_faces(data_dir: Path | str, n: int, split: str = "PublicTest", seed: int = 0,
               min_std: float = 30.0) -> tuple[list[np.ndarray], list[int]]:
    """``n`` real FER-2013 faces (48x48 gray) of one split, classes mixed, near-blanks skipped."""
    root = Path(data_dir) / "test"
    rng = np.random.default_rng(seed)
    files = sorted(root.glob(f"*/{split}_*.jpg"))
    faces, labels = [], []
    for i in rng.permutation(len(files)):
        img = cv2.imread(str(files[i]), cv2.IMREAD_GRAYSCALE)
        if img is None or img.std() < min_std:
            continue
        faces.append(img)
        labels.append(EMOTIONS.index(files[i].parent.name))
        if len(faces) == n:
            break
    return faces, labels


@dataclass(frozen=True)
class Tile:
    x: int
    y: int
    w: int
    h: int
    face_box: tuple[int, int, int, int] | None  # where the face image was pasted
    name: str
    label: int | None


def compose_gallery(faces: list[np.ndarray], labels: list[int] | None = None, rows: int = 5,
                    cols: int = 5, size: tuple[int, int] = (1920, 1080),
                    face_px: int | list[int] = 110, video_off: tuple[int, ...] = (),
                    jitter: tuple[int, int] = (0, 0), names: list[str] | None = None,
                    chrome: bool = True, hidden: tuple[int, ...] = (),
                    seed: int = 0, text_renderer: str = "cv2", speaker: int | None = None,
                    side_panel: int = 0, muted: tuple[int, ...] = ()
                    ) -> tuple[np.ndarray, list[Tile]]:
    """A BGR gallery frame: dark window chrome, a grid of tiles with a face and a name label.

    Tile ``i`` shows ``faces[i]`` (upscaled to ``face_px``) unless ``i`` is in ``video_off``
    (name only, as Zoom shows a participant without camera) or in ``hidden`` (empty tile).
    ``jitter`` moves faces by up to (dx, dy) pixels, as a live gallery does.
    ``text_renderer="pil"`` draws the names with Pillow and DejaVu Sans, so accents show
    (cv2.putText draws "?" for them); labels then have a Zoom-like size that does not grow with
    the tile. ``speaker`` draws the active-speaker border (green, 3 px, inside the tile);
    ``side_panel`` (px) puts a participants list on the right and shrinks the grid to the rest;
    ``muted`` tiles get a red slashed-microphone icon before the name (pil renderer only).
    """
    if text_renderer not in ("cv2", "pil"):
        raise ValueError(f"text_renderer must be 'cv2' or 'pil', not {text_renderer!r}")
    W, H = size  # noqa: N806
    rng = np.random.default_rng(seed)
    img = np.full((H, W, 3), 26, np.uint8)
    top, bottom, gap = (44, 64, 6) if chrome else (0, 0, 6)
    texts: list[_Text] = []  # drawn at the end when text_renderer == "pil"
    if chrome:
        img[:top] = (40, 40, 40)
        img[H - bottom:] = (30, 30, 30)
        cv2.putText(img, "Zoom Meeting", (W // 2 - 90, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                    (220, 220, 220), 1, cv2.LINE_AA)
        for k, label in enumerate(["Mute", "Stop Video", "Participants", "Chat", "Share"]):
            cv2.putText(img, label, (60 + k * 180, H - 25), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                        (200, 200, 200), 1, cv2.LINE_AA)
    names = names or NAMES
    GW = W - side_panel  # noqa: N806 (width left to the grid)
    if side_panel:
        _draw_side_panel(img, GW, top, H - bottom, names[:rows * cols], text_renderer, texts)
    tw = (GW - gap * (cols + 1)) // cols
    th = min((H - top - bottom - gap * (rows + 1)) // rows, tw * 9 // 16)
    oy = top + (H - top - bottom - rows * th - gap * (rows - 1)) // 2
    ox = (GW - cols * tw - gap * (cols - 1)) // 2
    sizes = face_px if isinstance(face_px, list) else [face_px] * (rows * cols)
    tiles: list[Tile] = []
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        x, y = ox + c * (tw + gap), oy + r * (th + gap)
        shade = 35 + int(rng.integers(0, 25))
        img[y:y + th, x:x + tw] = (shade, shade, shade)
        name = names[i % len(names)]
        face_box = None
        label = None
        if i in video_off and text_renderer == "pil":
            texts.append(_Text(name, x + tw // 2, y + th // 2, _label_px(th) * 2, "center"))
        elif i in video_off:
            fs = max(0.6, tw / 320)
            (nw, nh), _ = cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, fs, 2)
            cv2.putText(img, name, (x + (tw - nw) // 2, y + (th + nh) // 2),
                        cv2.FONT_HERSHEY_SIMPLEX, fs, (235, 235, 235), 2, cv2.LINE_AA)
        elif i not in hidden and i < len(faces):
            s = min(sizes[i], th - 10, tw - 10)
            face = cv2.resize(faces[i], (s, s), interpolation=cv2.INTER_CUBIC)
            dx = int(rng.integers(-jitter[0], jitter[0] + 1)) if jitter[0] else 0
            dy = int(rng.integers(-jitter[1], jitter[1] + 1)) if jitter[1] else 0
            fx = int(np.clip(x + (tw - s) // 2 + dx, x, x + tw - s))
            fy = int(np.clip(y + (th - s) // 2 + dy - th // 20, y, y + th - s))
            img[fy:fy + s, fx:fx + s] = face[..., None]
            face_box = (fx, fy, s, s)
            label = labels[i] if labels is not None and i < len(labels) else None
        if i not in video_off and text_renderer == "pil":
            texts.append(_Text(name, x + 4, y + th - 4, _label_px(th), "label", i in muted))
        elif i not in video_off:
            fs = max(0.4, tw / 700)
            (nw, nh), base = cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
            ly = y + th - 6
            img[ly - nh - base - 4:ly + 2, x + 4:x + nw + 14] = (20, 20, 20)
            cv2.putText(img, name, (x + 9, ly - base + 1), cv2.FONT_HERSHEY_SIMPLEX, fs,
                        (240, 240, 240), 1, cv2.LINE_AA)
        if i == speaker:
            b, green = 3, (80, 200, 40)  # inside the tile
            img[y:y + b, x:x + tw] = img[y + th - b:y + th, x:x + tw] = green
            img[y:y + th, x:x + b] = img[y:y + th, x + tw - b:x + tw] = green
        tiles.append(Tile(x, y, tw, th, face_box, name, label))
    if texts:
        img = _draw_texts_pil(img, texts)
    return img, tiles


@dataclass(frozen=True)
class _Text:
    text: str
    x: int
    y: int
    px: int
    kind: str  # "label": (x, y) is the bottom-left corner of the label box; "center"; "plain"
    muted: bool = False


def _label_px(tile_h: int) -> int:
    """Name-label font size: Zoom's labels hardly grow with the tile (13 px at 7x7 1080p)."""
    return int(np.clip(round(tile_h * 0.06), 13, 22))


_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def _font(px: int):  # -> PIL.ImageFont.FreeTypeFont
    from PIL import ImageFont

    for d in _FONT_DIRS:
        if (d / "DejaVuSans.ttf").is_file():
            return ImageFont.truetype(str(d / "DejaVuSans.ttf"), px)
    return ImageFont.load_default(px)  # Pillow's bundled font (fewer glyphs)


def _draw_texts_pil(img: np.ndarray, texts: list[_Text]) -> np.ndarray:
    """Draw all names with Pillow (Unicode, antialiased) on a BGR image."""
    from PIL import Image, ImageDraw

    pil = Image.fromarray(np.ascontiguousarray(img[..., ::-1]))
    draw = ImageDraw.Draw(pil)
    for t in texts:
        font = _font(t.px)
        ascent, descent = font.getmetrics()
        tw = int(draw.textlength(t.text, font=font))
        if t.kind == "center":
            draw.text((t.x - tw // 2, t.y - (ascent + descent) // 2), t.text, font=font,
                      fill=(235, 235, 235))
            continue
        if t.kind == "plain":
            draw.text((t.x, t.y), t.text, font=font, fill=(220, 220, 220))
            continue
        pad = max(4, t.px // 3)
        bh = ascent + descent + 2 * pad
        icon = (t.px + 2) if t.muted else 0
        x0, y1 = t.x, t.y
        draw.rectangle((x0, y1 - bh, x0 + pad + icon + tw + pad, y1 - 1), fill=(20, 20, 20))
        if t.muted:  # red microphone with a slash
            cx, cy, r = x0 + pad + t.px // 2, y1 - bh // 2, max(2, t.px // 4)
            draw.rounded_rectangle((cx - r, cy - 2 * r, cx + r, cy + r // 2), radius=r,
                                   fill=(230, 50, 50))
            draw.line((cx - 2 * r, cy + 2 * r, cx + 2 * r, cy - 3 * r), fill=(230, 50, 50),
                      width=2)
        draw.text((x0 + pad + icon, y1 - bh + pad), t.text, font=font, fill=(240, 240, 240))
    return np.asarray(pil)[..., ::-1].copy()


def _draw_side_panel(img: np.ndarray, x0: int, y0: int, y1: int, names: list[str],
                     text_renderer: str, texts: list[_Text]) -> None:
    """A Zoom-like participants panel at columns ``x0:`` between rows ``y0`` and ``y1``."""
    img[y0:y1, x0:] = (44, 44, 44)
    img[y0:y1, x0:x0 + 1] = (60, 60, 60)
    entries = [(f"Participants ({len(names)})", y0 + 12)]
    entries += [(n, y0 + 48 + 28 * k) for k, n in enumerate(names) if y0 + 76 + 28 * k < y1]
    for text, ty in entries:
        if text_renderer == "pil":
            texts.append(_Text(text, x0 + 16, ty, 14, "plain"))
        else:
            cv2.putText(img, text, (x0 + 16, ty + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                        (220, 220, 220), 1, cv2.LINE_AA)
