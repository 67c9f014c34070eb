"""Named benchmark cases of realistic galleries: ``CASES[name](seed) -> (image, truth)``.

Each case draws its own people (faces, names, looks) from the seed, varies the client's look
(label box opacity 0.4-0.7, margins, speaker colour, 12-13 px text) and, for the shared
copies, scales the 1920x1080 frame down and JPEG-compresses it.

    from fer_desktop.testing.zoom_cases import CASES
    image, truth = CASES["zoom-5x5-1200-q70"](seed=0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from fer_desktop.testing.zoom import (
    MEET,
    ZOOM,
    GalleryTruth,
    Layout,
    Style,
    TileTruth,
    default_data_dir,
    make_people,
    render,
    rescale,
)
from fer_desktop.testing.zoom_text import make_names, script_of

__all__ = ["CASES", "Case", "legacy", "vary_style"]

Case = Callable[..., tuple[np.ndarray, GalleryTruth]]


def vary_style(base: Style, seed: int) -> Style:
    """``base`` with the label look of one of many real clients/machines (seeded)."""
    rng = np.random.default_rng([seed, 404])
    if base.kind == "meet":
        return replace(base, text_px=int(rng.choice([13, 14, 15])),
                       subpixel=bool(rng.random() < 0.3))
    green = rng.random() < 0.5
    return replace(base, box_alpha=float(rng.uniform(0.4, 0.7)),
                   label_margin=int(rng.choice([0, 0, 2, 3])),
                   text_px=int(rng.choice([12, 12, 12, 13])), icon_gap=int(rng.integers(1, 4)),
                   speaker_color=(90, 205, 35) if green else (0, 210, 250),
                   speaker_px=int(rng.integers(2, 5)),
                   window_bg=(0, 0, 0) if rng.random() < 0.3 else (26, 26, 26),
                   tile_radius=int(rng.choice([0, 0, 8])))  # Zoom Workplace: rounded tiles


_FULL = Layout()


def _case(n: int, *, script: str = "latin", layout: Layout = _FULL, style: Style = ZOOM,
          width: int | None = None, quality: int | None = None, bright: bool = False,
          close: float = 0.12, off_name: float = 0.08, off_black: float = 0.03) -> Case:
    def make(seed: int = 0, data_dir: Path | str | None = None
             ) -> tuple[np.ndarray, GalleryTruth]:
        people = make_people(n, seed, script, data_dir, bright=bright, close=close)
        rng = np.random.default_rng([seed, 99])
        cams = rng.choice(["on", "off_name", "off_black"], size=n,
                          p=[1 - off_name - off_black, off_name, off_black])
        people = [replace(p, camera=str(c)) for p, c in zip(people, cams, strict=True)]
        on = [p.student for p in people if p.camera == "on"] or [people[0].student]
        img, truth = render(people, layout, vary_style(style, seed), seed,
                            speaker=int(rng.choice(on)))
        if width is not None or quality is not None:
            img, truth = rescale(img, truth, width or img.shape[1], quality)
        return img, truth

    return make


def legacy(seed: int = 0, data_dir: Path | str | None = None) -> tuple[np.ndarray, GalleryTruth]:
    """Today's clean ``gallery.compose_gallery`` frame (5x5, Pillow labels) as a case."""
    from fer_desktop.testing.gallery import compose_gallery, load_faces

    faces, labels = load_faces(data_dir or default_data_dir(), 25, seed=seed)
    names = make_names(25, seed)
    img, tiles = compose_gallery(faces, labels, names=names, face_px=[60 + (i % 6) * 12
                                                                     for i in range(25)],
                                 text_renderer="pil", speaker=seed % 25,
                                 video_off=((seed + 2) % 25,), muted=(0, 6), seed=seed)
    truth = tuple(TileTruth(t.x, t.y, t.w, t.h, i, t.name, t.name, t.face_box,
                            "on" if t.face_box else "off_name", i in (0, 6), i == seed % 25,
                            script_of(t.name), None, t.label) for i, t in enumerate(tiles))
    return img, GalleryTruth(img.shape[1], img.shape[0], "legacy", truth,
                             (0, 44, img.shape[1], img.shape[0] - 108))


_SIDE = Layout(side_panel=320)
CASES: dict[str, Case] = {
    "zoom-5x5": _case(25),
    "zoom-5x5-1200-q70": _case(25, width=1200, quality=70),
    "zoom-5x5-1000-q60": _case(25, width=1000, quality=60),
    "zoom-5x5-1500-q85": _case(25, width=1500, quality=85),
    "zoom-5x5-q75": _case(25, quality=75),
    "zoom-4x4": _case(16),
    "zoom-4x4-bright": _case(16, bright=True),
    "zoom-4x4-bright-1200-q70": _case(16, bright=True, width=1200, quality=70),
    "zoom-3x3": _case(9),
    "zoom-2x2": _case(4, close=0.5),
    "zoom-webcam": _case(1, close=0.0, off_name=0.0, off_black=0.0),
    "zoom-7x7": _case(49, layout=Layout(per_page=49)),
    "zoom-7x7-1200-q75": _case(49, layout=Layout(per_page=49), width=1200, quality=75),
    "zoom-6x5-partial": _case(28, layout=Layout(per_page=49)),
    "zoom-3x3-sidepanel": _case(9, layout=_SIDE),
    "zoom-5x5-sidepanel-1200-q70": _case(25, layout=_SIDE, width=1200, quality=70),
    "zoom-5x5-margin": _case(25, layout=Layout(margin=(140, 60, 90, 40))),
    "zoom-page2": _case(30, layout=Layout(page=1)),
    "zoom-mac-5x5": _case(25, style=replace(ZOOM, subpixel=False)),  # macOS: grayscale AA
    "zoom-mac-5x5-1200-q70": _case(25, style=replace(ZOOM, subpixel=False), width=1200,
                                   quality=70),
    "meet-4x4": _case(16, style=MEET),
    "meet-4x4-camera-off": _case(16, style=MEET, off_name=0.3, off_black=0.1),
    "meet-3x3-1200-q80": _case(9, style=MEET, width=1200, quality=80),
    "hangul-5x5": _case(25, script="hangul"),
    "hangul-5x5-1200-q70": _case(25, script="hangul", width=1200, quality=70),
    "mixed-4x4": _case(16, script="mixed"),
    "camera-off": _case(16, off_name=0.35, off_black=0.25),
    "long-names-7x7-sidepanel": _case(49, layout=Layout(per_page=49, side_panel=320)),
    "clean-legacy": legacy,
}
