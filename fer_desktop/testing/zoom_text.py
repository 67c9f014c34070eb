"""Text for synthetic Zoom galleries: fonts, participant names, ClearType glyphs, mic icons.

Zoom on Windows draws its name labels with sub-pixel (ClearType) anti-aliasing: each pixel's
R, G and B come from three horizontal thirds of it, so thin white strokes carry orange and blue
fringes. ``text_coverage`` renders a string at three times the horizontal resolution (a 3x
font, averaged back vertically), filters the sub-pixel row with FreeType's default LCD filter
and maps the three sub-pixel columns of each pixel to its R, G and B coverage.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

__all__ = ["FontMissingError", "fit_text", "font_for", "font_path", "icon_coverage",
           "make_names", "script_of", "text_coverage", "text_width"]

_FONT_FILES: dict[str, tuple[str, ...]] = {
    "lato": ("/usr/share/fonts/truetype/lato/Lato-Regular.ttf",),
    "lato-medium": ("/usr/share/fonts/truetype/lato/Lato-Medium.ttf",
                    "/usr/share/fonts/truetype/lato/Lato-Regular.ttf"),
    "dejavu": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
               "/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    "noto": ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",),
    "hangul": ("/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
               "/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
               "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
               "/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf"),
}
_LATIN_ORDER = ("lato", "noto", "dejavu")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
# FreeType's default LCD filter (FT_LCD_FILTER_DEFAULT), over five sub-pixels.
_LCD_FILTER = np.array([0x08, 0x4D, 0x56, 0x4D, 0x08], np.float32) / 256.0


class FontMissingError(RuntimeError):
    """No font file of the wanted family is installed (install.sh installs them)."""


@lru_cache(maxsize=32)
def font_path(family: str) -> str:
    """Path of an installed font of ``family`` ("lato", "dejavu", "noto", "hangul", ...)."""
    order = _LATIN_ORDER if family == "latin" else (family,)
    for fam in order:
        for p in _FONT_FILES.get(fam, ()):
            if Path(p).is_file():
                return p
    if family in ("lato", "lato-medium", "noto"):
        return font_path("latin")
    raise FontMissingError(f"no {family} font installed (install.sh: fonts-lato, fonts-nanum, "
                           f"fonts-dejavu-core)")


@lru_cache(maxsize=16)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=0, lazy=True) as f:
        return frozenset(f.getBestCmap())


@lru_cache(maxsize=4096)
def font_for(text: str, family: str = "lato") -> str:
    """The font file to draw ``text`` with: ``family`` if it has every glyph, else a fallback."""
    need = {ord(c) for c in text if not c.isspace()}
    candidates = ([font_path("hangul")] if _HANGUL.search(text) else [])
    candidates += [font_path(family)]
    candidates += [p for fam in _LATIN_ORDER for p in _FONT_FILES[fam] if Path(p).is_file()]
    for p in candidates:
        if need <= _cmap(p):
            return p
    return candidates[0]


def script_of(text: str) -> str:
    """"latin", "hangul" or "mixed" (Hangul and Latin letters) for a name."""
    h, latin = bool(_HANGUL.search(text)), bool(_LATIN.search(text))
    return "mixed" if h and latin else "hangul" if h else "latin"


@lru_cache(maxsize=64)
def _pil_font(path: str, px: int):  # -> PIL.ImageFont.FreeTypeFont
    from PIL import ImageFont

    return ImageFont.truetype(path, px)


def text_width(text: str, path: str, px: int) -> float:
    """Advance width of ``text`` in pixels at size ``px``."""
    return _pil_font(path, px * 3).getlength(text) / 3.0


@lru_cache(maxsize=4096)
def fit_text(text: str, path: str, px: int, max_w: float, ellipsis: str = "..."
             ) -> tuple[str, str]:
    """(drawn, shown): ``text`` cut with ``ellipsis`` to fit ``max_w`` px, as Zoom cuts names.

    ``shown`` is the visible part without the ellipsis (``drawn`` minus it, right-stripped),
    i.e. what a label reader should return; both are ``text`` when it fits.
    """
    if text_width(text, path, px) <= max_w:
        return text, text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid].rstrip() + ellipsis, path, px) <= max_w:
            lo = mid
        else:
            hi = mid - 1
    shown = text[:max(lo, 1)].rstrip()
    return shown + ellipsis, shown


def _nbytes(value: Any) -> int:
    """Bytes of the arrays in a cached value (an array, a tuple of them, a slotted dataclass)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple):
        return sum(_nbytes(v) for v in value)
    return sum(_nbytes(getattr(value, f)) for f in getattr(value, "__slots__", ()))


class _Cache:
    """A small memo bounded by entries and by array bytes (least recently used dropped first)."""

    def __init__(self, size: int, max_mb: float = 256.0) -> None:
        self.size, self.max_bytes, self.bytes = size, int(max_mb * 2**20), 0
        self.data: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        if key in self.data:
            self.data.move_to_end(key)
            return self.data[key][0]
        value = make()
        n = _nbytes(value)
        self.data[key] = (value, n)
        self.bytes += n
        while len(self.data) > 1 and (len(self.data) > self.size or self.bytes > self.max_bytes):
            self.bytes -= self.data.popitem(last=False)[1][1]
        return value


_TEXT_CACHE = _Cache(4096)


def text_coverage(text: str, path: str, px: int, subpixel: bool = True, phase: int = 0,
                  bold: float = 0.8) -> tuple[np.ndarray, int]:
    """Per-channel glyph coverage of ``text``: (HxWx3 float32 in [0, 1] in R, G, B order, baseline).

    ``subpixel`` gives ClearType coverage (channels differ at stroke edges), else grayscale
    anti-aliasing (three equal channels). ``phase`` (0-2) shifts the text by sub-pixels.
    ``bold`` < 1 raises the coverage to that power, as ClearType's gamma thickens white text.
    The first row is the font's ascent line; ``baseline`` is the row of the baseline.
    """
    key = (text, path, px, subpixel, phase, bold)
    return _TEXT_CACHE.get(key, lambda: _render_coverage(text, path, px, subpixel, phase, bold))


def _render_coverage(text: str, path: str, px: int, subpixel: bool, phase: int, bold: float
                     ) -> tuple[np.ndarray, int]:
    from PIL import Image, ImageDraw

    font = _pil_font(path, px * 3)
    ascent, descent = font.getmetrics()
    asc1 = -(-ascent // 3)  # rows above the baseline at 1x
    h = asc1 + -(-descent // 3) + 1
    w = int(np.ceil(font.getlength(text) / 3.0)) + 4
    im = Image.new("L", (w * 3, h * 3), 0)
    ImageDraw.Draw(im).text((6 + phase, asc1 * 3 - ascent), text, font=font, fill=255)
    a = np.asarray(im, np.float32).reshape(h, 3, w * 3).mean(axis=1) / 255.0
    if subpixel:
        a = cv2.filter2D(a, -1, _LCD_FILTER[None, :], borderType=cv2.BORDER_CONSTANT)
        cov = a.reshape(h, w, 3)
    else:
        cov = np.repeat(a.reshape(h, w, 3).mean(axis=2, keepdims=True), 3, axis=2)
    cov = np.clip(cov, 0.0, 1.0) ** bold
    cols = np.flatnonzero(cov.max(axis=(0, 2)) > 0.02)
    if len(cols):
        cov = cov[:, cols[0]:cols[-1] + 2]
    return np.ascontiguousarray(cov, np.float32), asc1


_ICON_CACHE = _Cache(256)


def icon_coverage(kind: str, size: int) -> np.ndarray:
    """Anti-aliased coverage (size x w float32) of an icon: "mic_off" (slashed microphone)."""
    return _ICON_CACHE.get((kind, size), lambda: _draw_icon(kind, size))


def _draw_icon(kind: str, size: int) -> np.ndarray:
    if kind != "mic_off":
        raise ValueError(f"unknown icon {kind!r}")
    k = 8  # drawn 8x larger, then area-averaged: anti-aliased edges
    s = size * k
    w = int(round(size * 0.8)) * k
    im = np.zeros((s, w), np.uint8)
    cx = w // 2
    cap_w, cap_top, cap_bot = int(s * 0.17), int(s * 0.04), int(s * 0.58)
    cv2.rectangle(im, (cx - cap_w, cap_top + cap_w), (cx + cap_w, cap_bot - cap_w), 255, -1)
    cv2.circle(im, (cx, cap_top + cap_w), cap_w, 255, -1)
    cv2.circle(im, (cx, cap_bot - cap_w), cap_w, 255, -1)
    t = max(k, int(s * 0.08))
    cv2.ellipse(im, (cx, int(s * 0.45)), (int(s * 0.3), int(s * 0.27)), 0, 0, 180, 255, t)
    cv2.line(im, (cx, int(s * 0.72)), (cx, int(s * 0.88)), 255, t)
    cv2.line(im, (cx - int(s * 0.2), int(s * 0.9)), (cx + int(s * 0.2), int(s * 0.9)), 255, t)
    cv2.line(im, (int(w * 0.06), int(s * 0.06)), (int(w * 0.94), int(s * 0.94)), 0, 3 * t)
    cv2.line(im, (int(w * 0.06), int(s * 0.06)), (int(w * 0.94), int(s * 0.94)), 255, t)
    cov = cv2.resize(im, (w // k, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    cols = np.flatnonzero(cov.max(axis=0) > 0.05)
    return np.ascontiguousarray(cov[:, cols[0]:cols[-1] + 1])


# ---------------------------------------------------------------------------- participant names

_FIRST = ("Ana", "Ben", "Dina", "Rudi", "Putri", "Ayu", "Budi", "Siti", "Agus", "Dewi", "Joe",
          "Sam", "Emma", "Liam", "Olivia", "Noah", "Mia", "Lucas", "Sofia", "Mateo", "Grace",
          "Kenji", "Priya", "Omar", "Nora", "Tara", "Farid", "Lena", "Hugo", "Ines", "Yusuf",
          "Alex", "Kevin", "Maria", "David", "Sarah", "Jamal", "Aisha", "Wei", "Minh", "Carla")
_LAST = ("Kusuma", "Sitompul", "Nugroho", "Siregar", "Wibowo", "Santoso", "Hartono", "Lee",
         "Smith", "Brown", "Garcia", "Okafor", "Larsen", "Novak", "Ruiz", "Nair", "Khan", "Chen",
         "Singh", "Rossi", "Wright", "Sato", "Haddad", "Demir", "Popova", "Berg", "Baker")
_ACCENTED = ("Chloé Martin", "Hugo Müller", "José Núñez", "Zoë Fischer", "François Dubois",
             "Søren Kjær", "Łukasz Wójcik", "Ana Conceição", "Nguyễn Văn An", "Jürgen Groß",
             "İlkay Şahin", "Renée Côté", "Andrés Peña", "Björn Ström")
_APOSTROPHE = ("Sam O'Neil", "D'Arcy Smith", "Liam O'Brien", "N'Golo K.", "Mary-Jane D'Souza")
_LONG = ("Muhammad Rizky Pratama Nugroho", "Maria Fernanda Gonzalez Rodriguez",
         "Alexandra Konstantinopoulou", "Putu Ayu Kusumawardhani Saraswati",
         "Christopher Montgomery-Whitfield")
_PRONOUNS = ("she/her", "he/him", "they/them", "she/they")
_DEVICES = ("iPhone de {f}", "{f}'s iPad", "Galaxy A52", "{f}'s MacBook Air", "iPhone")
_HANGUL_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_HANGUL_GIVEN = {"민준": "Minjun", "서연": "Seoyeon", "지훈": "Jihoon", "하은": "Haeun",
                 "도윤": "Doyoon", "서준": "Seojun", "지우": "Jiwoo", "수아": "Sua",
                 "예준": "Yejun", "지민": "Jimin", "유진": "Yujin", "현우": "Hyunwoo",
                 "은서": "Eunseo", "민서": "Minseo", "시우": "Siwoo", "채원": "Chaewon",
                 "건우": "Gunwoo", "다은": "Daeun", "준서": "Junseo", "우진": "Woojin"}
_HANGUL_ROMAN = {"김": "Kim", "이": "Lee", "박": "Park", "최": "Choi", "정": "Jung", "강": "Kang",
                 "조": "Cho", "윤": "Yoon", "장": "Jang", "임": "Lim", "한": "Han", "오": "Oh",
                 "서": "Seo", "신": "Shin", "권": "Kwon", "황": "Hwang", "안": "Ahn", "송": "Song",
                 "류": "Ryu", "홍": "Hong"}


def _latin_name(rng: np.random.Generator) -> str:
    f, last = str(rng.choice(_FIRST)), str(rng.choice(_LAST))
    kind = rng.choice(13, p=[.27, .08, .06, .12, .04, .08, .05, .1, .04, .04, .04, .05, .03])
    if kind == 0:
        return f"{f} {last}"
    if kind == 1:
        return f"{f} {last}".lower()
    if kind == 2:
        return f"{f}.{last}".lower()
    if kind == 3:  # an Indonesian student number, initials, a long surname
        nim = f"{int(rng.integers(10, 20))}{int(rng.integers(100000, 999999))}"
        mid = " ".join(str(c) for c in rng.choice(list("ABDHMRSTW"), int(rng.integers(0, 3))))
        return " ".join(p for p in (f"{nim}_{f}", mid, last) if p)
    if kind == 4:
        return f"[TA] {f} {last}"
    if kind == 5:
        base = f if rng.random() < 0.5 else f"{f} {last}"
        return f"{base} ({rng.choice(_PRONOUNS)})"
    if kind == 6:
        return f
    if kind == 7:
        return str(rng.choice(_ACCENTED))
    if kind == 8:
        return str(rng.choice(_APOSTROPHE))
    if kind == 9:
        return str(rng.choice(_DEVICES)).format(f=f)
    if kind == 10:
        return str(rng.choice([f"{f} {int(rng.integers(2, 9))}{rng.choice(list('ABC'))}",
                               f"{f.lower()}{int(rng.integers(1, 99))}",
                               f"user_{int(rng.integers(1000, 9999))}"]))
    if kind == 11:
        return str(rng.choice(_LONG))
    return f"{f} {last[0]}."


def _hangul_name(rng: np.random.Generator) -> str:
    sur = str(rng.choice(list(_HANGUL_SURNAMES)))
    given = str(rng.choice(list(_HANGUL_GIVEN)))
    full, roman = sur + given, f"{_HANGUL_GIVEN[given]} {_HANGUL_ROMAN[sur]}"
    sid = f"20{int(rng.integers(18, 25))}{int(rng.integers(100000, 999999))}"
    kind = rng.choice(8, p=[.55, .1, .07, .06, .08, .03, .06, .05])
    return (full, f"{full} ({_HANGUL_GIVEN[given]})", f"{sid} {full}", f"{full}_{sid}",
            roman, f"[조교] {full}", f"{full} {roman}", given)[kind]


def make_names(n: int, seed: int = 0, script: str = "latin") -> list[str]:
    """``n`` distinct participant names shaped like a real class's ("latin", "hangul", "mixed")."""
    if script not in ("latin", "hangul", "mixed"):
        raise ValueError(f"script must be latin, hangul or mixed, not {script!r}")
    rng = np.random.default_rng([seed, 7919])
    names: list[str] = []
    while len(names) < n:
        hangul = script == "hangul" or (script == "mixed" and rng.random() < 0.45)
        name = _hangul_name(rng) if hangul else _latin_name(rng)
        if name not in names and not (name.startswith("[") and any(
                x.startswith("[") for x in names[-12:])):
            names.append(name)
    return names
