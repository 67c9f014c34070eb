"""Participant names read from the gallery tiles with Tesseract, and matched across frames.

:mod:`fer_desktop.vision.name_label` finds each tile's name line (the bottom-left label, or a
camera-off tile's centred name) and prepares it in several binarisations. All lines of a
frame go to Tesseract stacked in one image first (one call); a line Tesseract is not
confident of is read again alone in each binarisation, and the most confident reading wins.
``clean_name`` strips what is left of icons and the '...' of a cut name, keeping the name's
letter case and punctuation as shown; :func:`plausible_name` rejects readings that are not a
name in the scripts being read. ``NameMatcher`` then maps what was read to a known student by
string similarity (accents and case folded), so a name read slightly differently in another
frame is still the same student.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from fer_desktop.vision.name_label import find_label, label_line, ocr_variants
from fer_desktop.vision.name_match import NameMatcher, clean_name, similarity
from fer_desktop.vision.tiles import Tile

__all__ = ["SCRIPTS", "NameMatcher", "NameReader", "OcrUnavailableError", "available_scripts",
           "clean_name", "default_lang", "default_scripts", "find_label", "plausible_name",
           "similarity", "tessdata_dir"]

#: Scripts names can be read in: name -> (Tesseract model, prefixes of the Unicode character
#: names of its letters). Each needs its model installed (Debian: tesseract-ocr-script-<x>).
SCRIPTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Latin": ("Latin", ("LATIN",)),
    "Hangul": ("Hangul", ("HANGUL",)),
    "Cyrillic": ("Cyrillic", ("CYRILLIC",)),
    "Greek": ("Greek", ("GREEK",)),
    "Han (simplified)": ("HanS", ("CJK UNIFIED", "CJK COMPATIBILITY")),
    "Han (traditional)": ("HanT", ("CJK UNIFIED", "CJK COMPATIBILITY")),
    "Japanese": ("Japanese", ("HIRAGANA", "KATAKANA", "CJK UNIFIED")),
    "Arabic": ("Arabic", ("ARABIC",)),
    "Hebrew": ("Hebrew", ("HEBREW",)),
    "Devanagari": ("Devanagari", ("DEVANAGARI",)),
    "Thai": ("Thai", ("THAI",)),
    "Vietnamese": ("Vietnamese", ("LATIN",)),
}
#: Read by default where installed: Latin (every Latin-script language) and Hangul.
DEFAULT_SCRIPTS = ("Latin", "Hangul")

_TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                  "/usr/share/tessdata", "/usr/local/share/tessdata",
                  "/opt/homebrew/share/tessdata", "C:/Program Files/Tesseract-OCR/tessdata")


class OcrUnavailableError(RuntimeError):
    """Tesseract (the binding or its language data) is not installed."""


def available_scripts() -> list[str]:
    """The scripts of :data:`SCRIPTS` whose Tesseract model is installed here."""
    return [name for name, (model, _) in SCRIPTS.items() if tessdata_dir(model)]


def default_scripts() -> list[str]:
    """Latin and Hangul, those of them installed (none: [])."""
    have = available_scripts()
    return [s for s in DEFAULT_SCRIPTS if s in have]


def lang_for(scripts: Sequence[str]) -> str:
    """The Tesseract language string of ``scripts`` (installed ones only; "eng" if none)."""
    models = [SCRIPTS[s][0] for s in scripts if s in SCRIPTS and tessdata_dir(SCRIPTS[s][0])]
    return "+".join(dict.fromkeys(models)) or "eng"


def default_lang() -> str:
    """The models of :func:`default_scripts` ("Latin+Hangul" where both are installed),
    else "eng"."""
    return lang_for(default_scripts())


def _scripts_of_lang(lang: str) -> list[str]:
    by_model = {model: name for name, (model, _) in reversed(SCRIPTS.items())}
    out = [by_model.get(part, "Latin") for part in lang.split("+")]  # eng, deu...: Latin
    return list(dict.fromkeys(out))


def plausible_name(name: str, scripts: Sequence[str] = DEFAULT_SCRIPTS) -> bool:
    """Whether a reading can be a participant's name in ``scripts``.

    Every letter belongs to one of the scripts; at least two letters; letters, digits and
    spaces make most of it (OCR of a picture gives runs of marks); no symbol characters
    (icons read as ©, ®, ¥...); a Latin name of three letters or more has a vowel. Junk such
    as "Q238" or a Hangul name read by the Latin model ("olst" is caught by Tesseract's low
    confidence instead) is not used as a student name.
    """
    name = unicodedata.normalize("NFC", name).strip()
    if not name or len(name) > 80:
        return False
    prefixes = tuple(p for s in scripts if s in SCRIPTS for p in SCRIPTS[s][1]) or ("LATIN",)
    letters = latin = 0
    vowel = False
    plain = 0
    for ch in name:
        cat = unicodedata.category(ch)
        if ch.isalpha():
            if not unicodedata.name(ch, "").startswith(prefixes):
                return False
            letters += 1
            plain += 1
            if unicodedata.name(ch, "").startswith("LATIN"):
                latin += 1
                base = unicodedata.normalize("NFKD", ch)[0].lower()
                vowel = vowel or base in "aeiouy"
        elif ch.isdigit() or ch.isspace():
            plain += 1
        elif cat.startswith("S") and ch not in "+&":
            return False
    if letters < 2 or plain < 0.75 * len(name):
        return False
    return vowel or latin < 3


def tessdata_dir(lang: str = "eng") -> str | None:
    """The folder with ``<lang>.traineddata`` for every language of ``lang`` ("eng+deu")."""
    env = os.environ.get("TESSDATA_PREFIX")
    for d in ([env, str(Path(env) / "tessdata")] if env else []) + list(_TESSDATA_DIRS):
        if all((Path(d) / f"{part}.traineddata").is_file() for part in lang.split("+")):
            return d
    return None


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
        lang: Tesseract languages, e.g. "Latin", "Latin+Hangul", "eng" or "eng+deu" (each
            needs its ``.traineddata``; Debian: tesseract-ocr-script-latn,
            tesseract-ocr-script-hang, tesseract-ocr-<lang>); default: from ``scripts``.
        scripts: the scripts names are read in (:data:`SCRIPTS` keys); default: ``lang``'s,
            else :func:`default_scripts` (Latin + Hangul where installed). A reading with a
            letter of another script is not a name (:func:`plausible_name`).
        batch: "stack" puts all of a frame's labels in one image (one Tesseract call);
            "line" makes one single-line call per label.
        backend: "tesserocr" (in-process), "pytesseract" (runs the tesseract program), or
            "auto" (tesserocr if it imports).
        tessdata: folder holding the ``.traineddata`` files (default: TESSDATA_PREFIX or the
            usual system folders).
        cache_size: labels remembered (by their text pixels), so an unchanged label is not
            read again; 0 turns the cache off.
        accept_conf: a line read with at least this confidence (0..100) is taken at once;
            below it, the line is read again in the other binarisations.
        min_conf: readings below this confidence are not names (:meth:`read` gives "").

    Raises:
        OcrUnavailableError: no binding, no tesseract program or no language data.

    One reader per thread (a Tesseract handle is not thread-safe). Reading every label of a
    frame costs tens of milliseconds per new label, so read names every few seconds or when
    the tiles change, not on every frame; labels seen before come from the cache.
    """

    def __init__(self, lang: str | None = None, batch: str = "stack", backend: str = "auto",
                 tessdata: str | None = None, cache_size: int = 512,
                 scripts: Sequence[str] | None = None, accept_conf: float = 85.0,
                 min_conf: float = 50.0) -> None:
        if batch not in ("stack", "line"):
            raise ValueError(f"batch must be 'stack' or 'line', not {batch!r}")
        unknown = [s for s in scripts or () if s not in SCRIPTS]
        if unknown:
            raise ValueError(f"unknown script(s) {unknown}; choose from {sorted(SCRIPTS)}")
        if lang is None:
            lang = lang_for(scripts) if scripts else default_lang()
        self.scripts = list(scripts) if scripts else _scripts_of_lang(lang)
        self.lang, self.batch = lang, batch
        self.accept_conf, self.min_conf = accept_conf, min_conf
        self._api = None
        self._cache: OrderedDict[bytes, tuple[str, float]] = OrderedDict()
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
        """The text of each tile's name line as Tesseract reads it ("" where none)."""
        return [text for text, _ in self.read_scored(image_bgr, tiles)]

    def read_scored(self, image_bgr: np.ndarray,
                    tiles: Sequence[Tile]) -> list[tuple[str, float]]:
        """(text, Tesseract's confidence 0..100) of each tile's name line (("", 0) where no
        line was found or nothing read)."""
        out: list[tuple[str, float]] = [("", 0.0)] * len(tiles)
        todo: list[tuple[int, bytes, list[np.ndarray]]] = []
        for k, t in enumerate(tiles):
            tile = image_bgr[max(0, t.y):t.y + t.h, max(0, t.x):t.x + t.w]
            line = label_line(tile) if tile.size else None
            if line is None:
                continue
            key = self._key(line)
            if key in self._cache:
                self._cache.move_to_end(key)
                out[k] = self._cache[key]
                continue
            todo.append((k, key, ocr_variants(line)))
        if not todo:
            return out
        if self.batch == "stack":
            first = self._ocr_stack([v[0] for _, _, v in todo])
        else:
            first = [self._ocr_line(v[0]) for _, _, v in todo]
        for (k, key, variants), best in zip(todo, first, strict=True):
            for im in variants[1 if self.batch == "line" else 0:]:
                if best[1] >= self.accept_conf:
                    break
                got = self._ocr_line(im)
                if got[0] and (got[1] > best[1] or not best[0]):
                    best = got
            out[k] = best
            if self._cache_size > 0:
                self._cache[key] = best
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    @staticmethod
    def _key(line) -> bytes:
        """The cache key of a line: its text pixels (Otsu), not the video behind them."""
        _, ink = cv2.threshold(line.crop, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        return hashlib.blake2b(bytes(str(ink.shape), "ascii") + np.packbits(ink).tobytes(),
                               digest_size=16).digest()

    def read(self, image_bgr: np.ndarray, tiles: Sequence[Tile]) -> list[str]:
        """The cleaned name of each tile ("" where none could be read, or where what was read
        is not a plausible name in this reader's scripts or Tesseract was not confident)."""
        out = []
        for text, conf in self.read_scored(image_bgr, tiles):
            name = clean_name(text)
            ok = conf >= self.min_conf and plausible_name(name, self.scripts)
            out.append(name if ok else "")
        return out

    def _ocr_line(self, im: np.ndarray) -> tuple[str, float]:
        """One line picture -> (text, mean word confidence)."""
        self.ocr_calls += 1
        words = self._words(im, 7)
        return _join_words(words, im), _mean([w[5] for w in words])

    def _words(self, im: np.ndarray, psm: int) -> list[tuple[int, int, int, int, str, float]]:
        """Tesseract's words of ``im``: (x0, y0, x1, y1, text, confidence)."""
        out = []
        if self.backend == "pytesseract":
            import pytesseract

            d = pytesseract.image_to_data(im, lang=self.lang, config=self._config(psm),
                                          output_type=pytesseract.Output.DICT)
            for i, word in enumerate(d["text"]):
                if str(word).strip():
                    x, y, w, h = d["left"][i], d["top"][i], d["width"][i], d["height"][i]
                    out.append((x, y, x + w, y + h, str(word).strip(), float(d["conf"][i])))
            return out
        import tesserocr

        self._api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE if psm == 7
                                 else tesserocr.PSM.SINGLE_BLOCK)
        self._set_image(im)
        self._api.Recognize()
        level = tesserocr.RIL.WORD
        it = self._api.GetIterator()
        if it is None:
            return out
        for r in tesserocr.iterate_level(it, level):
            try:
                word = r.GetUTF8Text(level)
            except RuntimeError:  # an empty result ("No text returned")
                continue
            box = r.BoundingBox(level)
            if word and word.strip() and box:
                out.append((*box, word.strip(), float(r.Confidence(level))))
        return out

    def _set_image(self, im: np.ndarray) -> None:
        im = np.ascontiguousarray(im)
        self._api.SetImageBytes(im.tobytes(), im.shape[1], im.shape[0], 1, im.shape[1])

    def _config(self, psm: int) -> str:
        cfg = f"--psm {psm}"
        return cfg + (f' --tessdata-dir "{self._tessdata}"' if self._tessdata else "")

    def _ocr_stack(self, lines: list[np.ndarray]) -> list[tuple[str, float]]:
        """All lines in one call; each word read goes to the line whose slot holds its centre.
        A line's confidence is the mean of its words'."""
        page, spans = _stack(lines)
        self.ocr_calls += 1
        slots: list[list[tuple[int, int, int, int, str, float]]] = [[] for _ in lines]
        for w in self._words(page, 6):
            cy = (w[1] + w[3]) / 2
            for k, (a, b) in enumerate(spans):
                if a <= cy < b:
                    slots[k].append(w)
                    break
        return [(_join_words(s, page), _mean([w[5] for w in s])) for s in slots]


def _join_words(words: list[tuple[int, int, int, int, str, float]], im: np.ndarray) -> str:
    """The words of one line in reading order, joined by a space, or by "_" where the picture
    shows an underscore between them: Tesseract reads "17207846_Sam" as two words, the
    underscore as their gap. The gap holds an underscore when ink runs along most of it in
    the line's bottom band and not above."""
    words = sorted(words)
    if not words:
        return ""
    ink = im < 128
    heights = sorted(w[3] - w[1] for w in words)
    size = heights[len(heights) // 2]
    base = sorted(w[3] for w in words)[len(words) // 2]
    out = words[0][4]
    for a, b in zip(words, words[1:], strict=False):
        x0, x1 = a[2], b[0]
        sep = " "
        if x1 - x0 >= 2:
            low = ink[max(0, base - round(0.25 * size)):base + round(0.3 * size) + 1, x0:x1]
            high = ink[max(0, base - round(0.9 * size)):max(0, base - round(0.35 * size)), x0:x1]
            if low.size and low.any(axis=0).mean() >= 0.6 and (
                    not high.size or high.any(axis=0).mean() <= 0.2):
                sep = "_"
        out += sep + b[4]
    return out


def _mean(values: list[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0
