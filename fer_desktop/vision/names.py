"""Participant names read from the gallery tiles with Tesseract, and matched across frames.

Zoom writes each name in white on a dark label at the bottom-left of the tile (a camera that
is off shows the name in the middle instead). ``find_label`` finds that line of text: white
glyph-sized blobs on a dark ground, chained from the left. Each line is cropped, upscaled,
binarised to black on white, and all lines of a frame go to Tesseract stacked in one image (or
one call per line); ``clean_name`` strips what is left of icons, '...' and stray marks.
``NameMatcher`` then maps what was read to a known student by string similarity (accents and
case folded), so a name read slightly differently in another frame is still the same student.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from fer_desktop.vision.name_match import NameMatcher, clean_name, similarity
from fer_desktop.vision.tiles import Tile

__all__ = ["NameMatcher", "NameReader", "OcrUnavailableError", "clean_name", "default_lang",
           "find_label", "similarity", "tessdata_dir"]

_TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                  "/usr/share/tessdata", "/usr/local/share/tessdata",
                  "/opt/homebrew/share/tessdata", "C:/Program Files/Tesseract-OCR/tessdata")


class OcrUnavailableError(RuntimeError):
    """Tesseract (the binding or its language data) is not installed."""


def default_lang() -> str:
    """"Latin" (every Latin-script language: ü, í, ñ...) where installed, else "eng"."""
    return "Latin" if tessdata_dir("Latin") else "eng"


def tessdata_dir(lang: str = "eng") -> str | None:
    """The folder with ``<lang>.traineddata`` for every language of ``lang`` ("eng+deu")."""
    env = os.environ.get("TESSDATA_PREFIX")
    for d in ([env, str(Path(env) / "tessdata")] if env else []) + list(_TESSDATA_DIRS):
        if all((Path(d) / f"{part}.traineddata").is_file() for part in lang.split("+")):
            return d
    return None


# --- finding the label ----------------------------------------------------------------------

def _planes(bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, the darkest and the brightest channel (white text is bright in all three)."""
    b, g, r = cv2.split(bgr)
    return cv2.min(cv2.min(b, g), r), cv2.max(cv2.max(b, g), r)


def _glyphs(lo: np.ndarray, hi: np.ndarray,
            max_h: int) -> list[tuple[int, int, int, int, float]]:
    """White, glyph-sized blobs on a dark ground: (x0, y0, x1, y1, stroke half-width)."""
    h, w = lo.shape
    ink = (lo >= 150).view(np.uint8)
    _, lab, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    x, y, gw, gh, area = stats[1:].T
    thin, thick = np.minimum(gw, gh), np.maximum(gw, gh)
    # solid and thick: a bright patch of the picture, not a stroke
    solid = (area > 0.8 * gw * gh) & (thin >= np.maximum(6, 0.35 * thick))
    # too big, or cut by the edge of the search area
    keep = ((gh <= max_h) & (gw <= 2 * max_h) & (y > 0) & (x + gw < w) & (y + gh < h) & ~solid)
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    out = []
    for i in np.flatnonzero(keep).tolist():
        x, y, gw, gh = stats[i + 1, :4].tolist()
        x0, y0, x1, y1 = max(0, x - 2), max(0, y - 2), min(w, x + gw + 2), min(h, y + gh + 2)
        ring = np.concatenate((hi[y0, x0:x1], hi[y1 - 1, x0:x1], hi[y0:y1, x0], hi[y0:y1, x1 - 1]))
        if np.count_nonzero(ring <= 110) >= 0.75 * ring.size:  # on a dark ground
            box = (slice(y, y + gh), slice(x, x + gw))
            stroke = float(dist[box][lab[box] == i + 1].max())
            out.append((x, y, x + gw, y + gh, stroke))
    return sorted(out)


def _text_line(lo: np.ndarray, hi: np.ndarray, min_h: int = 5,
               max_h: int = 80) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the leftmost line of white text on a dark ground, or None.

    Glyphs are chained from the left while they sit on the line, have strokes as thin as
    its first glyph's, and are no further apart than about a letter's height.
    """
    glyphs = _glyphs(lo, hi, max_h)
    lines: list[list[int]] = []
    best = None
    for k, (x0, y0, x1, y1, stroke) in enumerate(glyphs):
        if y1 - y0 < min_h or any(a <= x0 and x1 <= c and b <= y0 and y1 <= d
                                  for a, b, c, d in lines):
            continue
        line, ref, count = [x0, y0, x1, y1], y1 - y0, 1
        for gx0, gy0, gx1, gy1, gs in glyphs[k + 1:]:
            if gx0 - line[2] > max(4, 0.9 * ref):
                break
            if (gy0 < line[1] - 0.6 * ref or gy1 > line[3] + 0.6 * ref
                    or gy1 - gy0 > 1.6 * ref):
                continue  # above or below the line: part of the picture
            if gs > 1.6 * stroke + 1.0:
                break  # a thick bright blob: the picture next to the label
            line = [min(line[0], gx0), min(line[1], gy0), max(line[2], gx1), max(line[3], gy1)]
            ref, count = max(ref, gy1 - gy0), count + 1
        lines.append(line)
        if count < 2 or line[2] - line[0] < 1.2 * (line[3] - line[1]):
            continue  # a lone blob, not a line of text
        key = (line[0], -line[3])  # leftmost, then lowest
        if best is None or key < best[0]:
            best = (key, line)
    if best is None:
        return None
    x0, y0, x1, y1 = best[1]
    return x0, y0, x1, y1


def find_label(tile_bgr: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the name in a tile: its bottom-left label, else a centred name."""
    return _find_label(*_planes(tile_bgr))


def _find_label(lo: np.ndarray, hi: np.ndarray) -> tuple[int, int, int, int] | None:
    h, w = lo.shape
    sh = min(h // 2, max(32, round(0.3 * h)))
    sw = max(16, round(0.85 * w))
    line = _text_line(lo[h - sh:, :sw], hi[h - sh:, :sw])
    if line is not None and line[0] <= 0.35 * w:
        x0, y0, x1, y1 = line
        return x0, y0 + h - sh, x1, y1 + h - sh
    y_top, y_bot = round(0.25 * h), round(0.75 * h)
    line = _text_line(lo[y_top:y_bot], hi[y_top:y_bot], max_h=max(80, h // 4))
    if line is None:
        return None
    x0, y0, x1, y1 = line
    return x0, y0 + y_top, x1, y1 + y_top


def _binarize_line(lo: np.ndarray, box: tuple[int, int, int, int],
                   target_h: int = 48) -> np.ndarray:
    """Black-on-white, upscaled crop of a line of white text, with a white margin."""
    x0, y0, x1, y1 = box
    lo = lo[max(0, y0 - 1):y1 + 1, max(0, x0 - 1):x1 + 1]
    scale = float(np.clip(target_h / max(1, y1 - y0), 1.0, 4.0))
    big = cv2.resize(lo, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    _, ink = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    m = max(8, big.shape[0] // 2)
    return cv2.copyMakeBorder(ink, m, m, m, m, cv2.BORDER_CONSTANT, value=255)


def _stack(lines: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """One white page with the line images one under the other; each line's (top, bottom)."""
    width = max(im.shape[1] for im in lines)
    page = np.full((sum(im.shape[0] for im in lines), width), 255, np.uint8)
    spans, y = [], 0
    for im in lines:
        page[y:y + im.shape[0], :im.shape[1]] = im
        spans.append((y, y + im.shape[0]))
        y += im.shape[0]
    return page, spans


class NameReader:
    """Reads the participant name of every tile of a gallery frame with Tesseract.

    Args:
        lang: Tesseract languages, e.g. "Latin", "eng" or "eng+deu" (each needs its
            ``.traineddata``; Debian: tesseract-ocr-script-latn, tesseract-ocr-<lang>);
            default: ``default_lang()``.
        batch: "stack" puts all of a frame's labels in one image (one Tesseract call);
            "line" makes one single-line call per label.
        backend: "tesserocr" (in-process), "pytesseract" (runs the tesseract program), or
            "auto" (tesserocr if it imports).
        tessdata: folder holding the ``.traineddata`` files (default: TESSDATA_PREFIX or the
            usual system folders).
        cache_size: labels remembered (by their pixels), so an unchanged label is not read
            again; 0 turns the cache off.

    Raises:
        OcrUnavailableError: no binding, no tesseract program or no language data.

    One reader per thread (a Tesseract handle is not thread-safe). Reading every label of a
    frame costs tens of milliseconds per new label, so read names every few seconds or when
    the tiles change, not on every frame; labels seen before come from the cache.
    """

    def __init__(self, lang: str | None = None, batch: str = "stack", backend: str = "auto",
                 tessdata: str | None = None, cache_size: int = 512) -> None:
        if batch not in ("stack", "line"):
            raise ValueError(f"batch must be 'stack' or 'line', not {batch!r}")
        lang = lang or default_lang()
        self.lang, self.batch = lang, batch
        self._api = None
        self._cache: OrderedDict[bytes, str] = OrderedDict()
        self._cache_size = cache_size
        self.ocr_calls = 0  # Tesseract recognitions run (a stacked page counts once)
        self._tessdata = tessdata or tessdata_dir(lang)
        if backend == "auto":
            try:
                import tesserocr  # noqa: F401
                backend = "tesserocr"
            except ImportError:
                backend = "pytesseract"
        self.backend = backend
        if backend == "tesserocr":
            self._open_tesserocr()
        elif backend == "pytesseract":
            self._check_pytesseract()
        else:
            raise ValueError(f"unknown OCR backend {backend!r}")

    def _open_tesserocr(self) -> None:
        try:
            import tesserocr
        except ImportError as e:
            raise OcrUnavailableError("tesserocr is not installed (pip install tesserocr)") from e
        if self._tessdata is None:
            raise OcrUnavailableError(
                f"no Tesseract data for {self.lang!r}: install tesseract-ocr (apt) or set "
                "TESSDATA_PREFIX")
        try:
            self._api = tesserocr.PyTessBaseAPI(path=self._tessdata, lang=self.lang,
                                                psm=tesserocr.PSM.SINGLE_BLOCK)
        except RuntimeError as e:
            raise OcrUnavailableError(f"Tesseract failed to start: {e}") from e

    def _check_pytesseract(self) -> None:
        try:
            import pytesseract

            pytesseract.get_tesseract_version()
        except ImportError as e:
            raise OcrUnavailableError("pytesseract is not installed") from e
        except Exception as e:  # TesseractNotFoundError and friends
            raise OcrUnavailableError(f"the tesseract program is not usable: {e}") from e

    @staticmethod
    def available(lang: str | None = None) -> bool:
        """Whether a reader for ``lang`` can be made here (loads the model once: ~0.1-1 s)."""
        try:
            NameReader(lang).close()
        except OcrUnavailableError:
            return False
        return True

    def clear_cache(self) -> None:
        """Forget the labels read so far."""
        self._cache.clear()

    def close(self) -> None:
        """Free Tesseract (safe to call twice)."""
        if self._api is not None:
            self._api.End()
            self._api = None

    def __enter__(self) -> NameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_raw(self, image_bgr: np.ndarray, tiles: Sequence[Tile]) -> list[str]:
        """The text of each tile's name label as Tesseract reads it ("" where none)."""
        out = [""] * len(tiles)
        lines, where, keys = [], [], []
        lo, hi = _planes(image_bgr)
        for k, t in enumerate(tiles):
            tlo = lo[max(0, t.y):t.y + t.h, max(0, t.x):t.x + t.w]
            thi = hi[max(0, t.y):t.y + t.h, max(0, t.x):t.x + t.w]
            box = _find_label(tlo, thi) if tlo.size else None
            if box is None:
                continue
            im = _binarize_line(tlo, box)
            key = hashlib.blake2b(bytes(str(im.shape), "ascii") + im.tobytes(),
                                  digest_size=16).digest()
            if key in self._cache:
                self._cache.move_to_end(key)
                out[k] = self._cache[key]
            else:
                lines.append(im)
                where.append(k)
                keys.append(key)
        if not lines:
            return out
        if self.batch == "line":
            texts = [self._ocr_line(im) for im in lines]
        else:
            texts = self._ocr_stack(lines)
        for k, key, text in zip(where, keys, texts, strict=True):
            out[k] = text
            if self._cache_size > 0:
                self._cache[key] = text
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def read(self, image_bgr: np.ndarray, tiles: Sequence[Tile]) -> list[str]:
        """The cleaned name of each tile ("" where none could be read)."""
        return [clean_name(t) for t in self.read_raw(image_bgr, tiles)]

    def _ocr_line(self, im: np.ndarray) -> str:
        if self.backend == "pytesseract":
            import pytesseract

            self.ocr_calls += 1
            return pytesseract.image_to_string(im, lang=self.lang, config=self._config(7)).strip()
        import tesserocr

        self._api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
        self._set_image(im)
        self.ocr_calls += 1
        return self._api.GetUTF8Text().strip()

    def _set_image(self, im: np.ndarray) -> None:
        im = np.ascontiguousarray(im)
        self._api.SetImageBytes(im.tobytes(), im.shape[1], im.shape[0], 1, im.shape[1])

    def _config(self, psm: int) -> str:
        cfg = f"--psm {psm}"
        return cfg + (f' --tessdata-dir "{self._tessdata}"' if self._tessdata else "")

    def _ocr_stack(self, lines: list[np.ndarray]) -> list[str]:
        """All lines in one call; each word read goes to the line whose slot holds its centre."""
        page, spans = _stack(lines)
        self.ocr_calls += 1
        found: list[tuple[float, float, str]] = []  # (centre y, left x, text)
        if self.backend == "pytesseract":
            import pytesseract

            d = pytesseract.image_to_data(page, lang=self.lang, config=self._config(6),
                                          output_type=pytesseract.Output.DICT)
            for i, word in enumerate(d["text"]):
                if word.strip():
                    found.append((d["top"][i] + d["height"][i] / 2, d["left"][i], word))
        else:
            import tesserocr

            self._api.SetPageSegMode(tesserocr.PSM.SINGLE_BLOCK)
            self._set_image(page)
            self._api.Recognize()
            it = self._api.GetIterator()
            level = tesserocr.RIL.WORD
            for r in tesserocr.iterate_level(it, level):
                word = r.GetUTF8Text(level)
                box = r.BoundingBox(level)
                if word and box:
                    found.append(((box[1] + box[3]) / 2, box[0], word))
        slots: list[list[tuple[float, str]]] = [[] for _ in lines]
        for cy, x, word in found:
            for k, (a, b) in enumerate(spans):
                if a <= cy < b:
                    slots[k].append((x, word.strip()))
                    break
        return [" ".join(w for _, w in sorted(s)) for s in slots]
