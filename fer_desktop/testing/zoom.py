"""Realistic synthetic Zoom / Google Meet gallery frames with ground truth (tests, benchmarks).

Unlike ``gallery.compose_gallery`` (flat tiles, crisp labels), these frames copy what real
screenshots show: colour head-and-shoulders figures made from real FER-2013 faces in front of
busy, often bright rooms; name labels of white ClearType text (colour fringes) on a translucent
box at the bottom-left, 8-9 px caps at 1920 px wide, a red slashed microphone almost touching
muted names, long names cut with an ellipsis, speaker borders, camera-off tiles, window chrome,
side panels, pages, and ``rescale`` to the 1,000-1,500 px JPEG copies that get shared.

    people = make_people(25, seed=1, data_dir=DATA)
    image, truth = render(people, Layout(), ZOOM, seed=0, speaker=3)
    small, small_truth = rescale(image, truth, 1200, jpeg_quality=70)
    for t in small_truth.tiles: t.shown, t.face, t.student

Named benchmark cases: ``CASES`` (defined in ``zoom_cases``, importable from here too).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from fer_desktop.testing.zoom_scene import JITTER, Look, background, make_look, person_layer
from fer_desktop.testing.zoom_text import _Cache, make_names, script_of
from fer_desktop.testing.zoom_ui import (
    draw_chrome,
    draw_label,
    draw_off_name,
    draw_side_panel,
    round_corners,
)

__all__ = ["MEET", "ZOOM", "ZOOM_GREEN", "GalleryTruth", "Layout", "Person", "Style",
           "TileTruth", "default_data_dir", "grid", "jpeg", "make_people", "render", "rescale"]

Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class TileTruth:
    """Ground truth of one tile, in frame pixels."""

    x: int
    y: int
    w: int
    h: int
    student: int  # stable identity of the person across frames
    name: str  # the full participant name
    shown: str  # the label text as a reader should return it (a cut name without the "...")
    face: Box | None  # the pasted face square (forehead to chin), None when the camera is off
    camera: str  # "on" | "off_name" (name in the middle) | "off_black" (plain black)
    muted: bool
    speaker: bool
    script: str  # "latin" | "hangul" | "mixed" (of ``name``)
    label: Box | None = None  # the bottom-left label (box, or text for Meet)
    emotion: int | None = None  # FER-2013 class of the face (fer_desktop.labels.EMOTIONS)


@dataclass(frozen=True, slots=True)
class GalleryTruth:
    """Ground truth of one frame."""

    width: int
    height: int
    style: str  # "zoom" | "meet" | "legacy"
    tiles: tuple[TileTruth, ...]
    gallery: Box = (0, 0, 0, 0)  # the area the tiles are laid out in
    cap_px: float = 0.0  # cap height of the label text, px
    page: int = 0
    pages: int = 1


@dataclass(frozen=True, slots=True, eq=False)
class Person:
    """One participant: name, face (48x48 gray FER-2013), look and default call state."""

    student: int
    name: str
    face: np.ndarray
    emotion: int | None
    look: Look
    uid: str  # cache key: unique per (seed, script, index, face)
    muted: bool = True
    camera: str = "on"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the gallery sits in the frame."""

    width: int = 1920
    height: int = 1080
    cols: int | None = None  # None: chosen as Zoom does, the largest tiles for the count
    rows: int | None = None
    side_panel: int = 0  # width of a participants panel at the right of the window, px
    margin: tuple[int, int, int, int] = (0, 0, 0, 0)  # desktop around the window: l, t, r, b
    per_page: int = 25  # Zoom shows 25 (or 49) tiles a page
    page: int = 0


@dataclass(frozen=True, slots=True)
class Style:
    """Look of the meeting client; sizes are for a 1920-px-wide frame and scale with it."""

    kind: str = "zoom"  # "zoom" | "meet"
    font: str = "lato"
    text_px: int = 12  # label font size (cap height ~ 0.72 of it)
    box_alpha: float = 0.55  # opacity of the label box (the video shows through)
    subpixel: bool = True  # ClearType text
    speaker_color: tuple[int, int, int] = (0, 210, 250)  # BGR yellow
    speaker_px: int = 3
    gap: int = 6
    window_bg: tuple[int, int, int] = (26, 26, 26)
    label_margin: int = 0  # px between the tile's corner and the label box
    label_max: float = 0.85  # longest label, fraction of the tile width (longer: "...")
    icon_gap: int = 2  # px between the muted icon and the name
    chrome: bool = True
    jitter: int = 3  # px a face moves between frames
    ellipsis: str = "..."
    tile_radius: int = 0  # rounded tile corners (Meet)
    name: str = field(default="zoom", compare=False)


ZOOM = Style()
ZOOM_GREEN = Style(speaker_color=(90, 205, 35), box_alpha=0.45, label_margin=2, name="zoom")
MEET = Style(kind="meet", font="lato-medium", text_px=14, subpixel=False, gap=8,
             window_bg=(36, 33, 32), speaker_color=(245, 160, 60), label_margin=12,
             tile_radius=10, name="meet")


def default_data_dir() -> Path:
    """FER-2013 folder: $FER2013_DIR, else shared/data/fer2013 beside the repository."""
    root = Path(__file__).resolve().parents[2]
    return Path(os.environ.get("FER2013_DIR", root.parent / "shared" / "data" / "fer2013"))


def make_people(n: int, seed: int = 0, script: str = "latin", data_dir: Path | str | None = None,
                bright: bool = False, close: float = 0.12, muted: float = 0.8,
                start: int = 0) -> list[Person]:
    """``n`` participants with real FER-2013 faces, names of ``script``, students start..start+n.

    Args:
        bright: bright rooms (white walls, windows) behind everyone.
        close: share of people sitting close to the camera (large faces).
        muted: share of people muted by default.
    """
    from fer_desktop.testing.gallery import load_faces

    faces, emotions = load_faces(data_dir or default_data_dir(), n + start, seed=seed)
    if len(faces) < n + start:
        raise ValueError(f"only {len(faces)} FER-2013 faces found, {n + start} wanted")
    names = make_names(n + start, seed, script)
    people = []
    for i in range(start, start + n):
        rng = np.random.default_rng([seed, i, 31])
        digest = hashlib.blake2b(faces[i].tobytes(), digest_size=6).hexdigest()
        people.append(Person(student=i, name=names[i], face=faces[i], emotion=emotions[i],
                             look=make_look(rng, bright, close),
                             uid=f"{seed}:{script}:{i}:{bright}:{close}:{digest}",
                             muted=bool(rng.random() < muted)))
    return people


def grid(n: int, area: Box, gap: int, cols: int | None = None, rows: int | None = None
         ) -> list[Box]:
    """Tile boxes for ``n`` 16:9 tiles in ``area`` (x, y, w, h), last row centred as Zoom does."""
    ax, ay, aw, ah = area
    if n <= 0:
        return []
    if cols is None:
        best = (0.0, 1)
        for c in range(1, n + 1):
            r = -(-n // c)
            tw = min((aw - gap * (c + 1)) / c, (ah - gap * (r + 1)) / r * 16 / 9)
            best = max(best, (tw, -c))
        cols = -best[1]
    rows = rows or -(-n // cols)
    tw = int(min((aw - gap * (cols + 1)) / cols, (ah - gap * (rows + 1)) / rows * 16 / 9))
    th = tw * 9 // 16
    oy = ay + (ah - rows * th - (rows - 1) * gap) // 2
    boxes = []
    for r in range(rows):
        k = min(cols, n - r * cols)
        ox = ax + (aw - k * tw - (k - 1) * gap) // 2
        boxes += [(ox + c * (tw + gap), oy + r * (th + gap), tw, th) for c in range(k)]
    return boxes[:n]


def _video(person: Person, w: int, h: int, style: Style, rng: np.random.Generator
           ) -> tuple[np.ndarray, Box]:
    """A tile's camera picture (h x w BGR) and the face square in tile pixels."""
    bg = background(person.look, w, h)
    layer = person_layer(person.uid, person.face, person.look, w, h)
    jx, jy = (int(v) for v in rng.integers(-style.jitter, style.jitter + 1, 2))
    y0, x0 = JITTER - jy, JITTER - jx
    fg = layer.bgr[y0:y0 + h, x0:x0 + w]
    a = np.ascontiguousarray(layer.alpha[y0:y0 + h, x0:x0 + w])
    out = cv2.blendLinear(fg, bg, a, 1.0 - a)
    gain = float(rng.uniform(0.94, 1.06))  # auto exposure
    out = cv2.convertScaleAbs(out, alpha=gain, beta=float(rng.uniform(-4, 4)))
    fx, fy, s = layer.face
    return out, (fx - x0, fy - y0, s, s)


_BASE_CACHE = _Cache(8, max_mb=64)


def _base(people: Sequence[Person], layout: Layout, style: Style, page: int, pages: int
          ) -> tuple[np.ndarray, Box]:
    """The frame without tiles: desktop margin, window, chrome, side panel; and the tile area."""
    W, H = layout.width, layout.height  # noqa: N806
    k = W / 1920.0
    img = np.empty((H, W, 3), np.uint8)
    ml, mt, mr, mb = layout.margin
    if any(layout.margin):  # the region was picked with some desktop around the window
        img[:] = background(Look((0,) * 3, (0,) * 3, (0,) * 3, 0, 0.3, 0.5, 0.5, "photo", 77),
                            W, H)
    area = draw_chrome(img, (ml, mt, W - ml - mr, H - mt - mb), style, k, len(people),
                       layout.side_panel, page, pages)
    if layout.side_panel:
        draw_side_panel(img, (area[0] + area[2], area[1], round(layout.side_panel * k), area[3]),
                        people, style, k)
    return img, area


def render(people: Sequence[Person], layout: Layout = Layout(), style: Style = ZOOM,
           seed: int = 0, speaker: int | None = None) -> tuple[np.ndarray, GalleryTruth]:
    """A gallery frame (BGR uint8) of ``people`` in order, and its truth.

    Args:
        people: everyone in the meeting, in gallery order; ``layout.page`` picks the page.
        seed: per-frame randomness (face jitter, exposure); same seed, same pixels.
        speaker: ``student`` of the active speaker (a coloured border), if on this page.
    """
    W, H = layout.width, layout.height  # noqa: N806
    k = W / 1920.0  # UI scale
    pages = max(1, -(-len(people) // layout.per_page))
    page = min(layout.page, pages - 1)
    shown = list(people[page * layout.per_page:(page + 1) * layout.per_page])
    key = (layout, style, page, pages, tuple((p.name, p.muted, p.look.shirt) for p in people)
           if layout.side_panel else len(people))
    base, area = _BASE_CACHE.get(key, lambda: _base(people, layout, style, page, pages))
    img = base.copy()
    gap = max(2, round(style.gap * k))
    boxes = grid(len(shown), area, gap, layout.cols, layout.rows)
    tiles = []
    cap = 0.0
    for person, (x, y, w, h) in zip(shown, boxes, strict=False):
        rng = np.random.default_rng([seed, person.student, 5])
        face = None
        if person.camera == "on":
            img[y:y + h, x:x + w], (fx, fy, fw, fh) = _video(person, w, h, style, rng)
            x0, y0 = max(x, x + fx), max(y, y + fy)  # the visible part of the face square
            face = (x0, y0, min(x + w, x + fx + fw) - x0, min(y + h, y + fy + fh) - y0)
        elif person.camera == "off_name":
            img[y:y + h, x:x + w] = (34, 34, 34) if style.kind == "zoom" else (60, 64, 68)
            draw_off_name(img, (x, y, w, h), person.name, style, k)
        else:
            img[y:y + h, x:x + w] = (0, 0, 0) if style.kind == "zoom" else (24, 24, 24)
        inset = 0
        if speaker is not None and person.student == speaker:
            inset = b = max(2, round(style.speaker_px * k))
            c = style.speaker_color
            img[y:y + b, x:x + w] = img[y + h - b:y + h, x:x + w] = c
            img[y:y + h, x:x + b] = img[y:y + h, x + w - b:x + w] = c
        label, text, cap = draw_label(img, (x, y, w, h), person.name, person.muted, style, k,
                                      phase=person.student % 3, inset=inset)
        round_corners(img, (x, y, w, h), round(style.tile_radius * k), style.window_bg)
        tiles.append(TileTruth(x, y, w, h, person.student, person.name, text, face,
                               person.camera, person.muted, speaker == person.student,
                               script_of(person.name), label, person.emotion))
    truth = GalleryTruth(W, H, style.name, tuple(tiles), area, cap, page, pages)
    return img, truth


def _scale_box(b: Box | None, f: float) -> Box | None:
    if b is None:
        return None
    x, y = round(b[0] * f), round(b[1] * f)
    return (x, y, round((b[0] + b[2]) * f) - x, round((b[1] + b[3]) * f) - y)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """JPEG round trip (4:2:0 chroma, as shared screenshots are)."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def rescale(image: np.ndarray, truth: GalleryTruth, width: int,
            jpeg_quality: int | None = None) -> tuple[np.ndarray, GalleryTruth]:
    """Resize to ``width`` (INTER_AREA, aspect kept), optionally JPEG round trip; truth scaled."""
    f = width / image.shape[1]
    height = round(image.shape[0] * f)
    out = image if width == image.shape[1] else cv2.resize(image, (width, height),
                                                           interpolation=cv2.INTER_AREA)
    if jpeg_quality is not None:
        out = jpeg(out, jpeg_quality)
    tiles = []
    for t in truth.tiles:
        x, y, w, h = _scale_box((t.x, t.y, t.w, t.h), f)
        tiles.append(TileTruth(x, y, w, h, t.student, t.name, t.shown, _scale_box(t.face, f),
                               t.camera, t.muted, t.speaker, t.script, _scale_box(t.label, f),
                               t.emotion))
    return out, GalleryTruth(width, height, truth.style, tuple(tiles),
                             _scale_box(truth.gallery, f), truth.cap_px * f, truth.page,
                             truth.pages)


def __getattr__(name: str) -> object:  # ``from fer_desktop.testing.zoom import CASES`` works too
    if name == "CASES":
        from fer_desktop.testing.zoom_cases import CASES

        return CASES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
