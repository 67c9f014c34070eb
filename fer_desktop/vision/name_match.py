"""Names read by OCR: cleaning, and matching to known students by string similarity.

OCR of a small label is noisy in small ways: an accent lost ("Chloe" for "Chloé"), a letter
dropped or changed ("Ana Souz"), a name cut with '...' by a narrow tile. Names are compared
with accents and case folded, by difflib's ratio (2 * matches / total length); a name that
ended in '...' is compared with the same-length start of the known one. Digits must agree
where both names have some ("Alex 2" and "Alex 3" are two people).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence

__all__ = ["NameMatcher", "clean_name", "fold", "similarity", "split_truncation"]

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_ROLE = re.compile(r"\s*\((?:host|co-host|guest|me)\)\s*$", re.IGNORECASE)
_TRUNC = re.compile(r"\s*(?:\.{2,}|…)$")
#: Marks an edge of the reading may carry that are not part of a name: remnants of an icon
#: or of the label box's border.
_EDGE = "|~—–-_=:;,'\"`*#^°!?¦/\\<>«»"
_OPEN, _CLOSE = "([{", ")]}"
#: A lone first "letter" that is the mute icon as OCR reads it, and a lone last one that is a
#: vertical edge of the video beside the label.
_ICON_READS = frozenset({"X", "x", "%", "&", "#", "*", "$", "@", "¥"})
_EDGE_READS = frozenset({"i", "l", "I", "j", "|"})
_HANGUL_GAP = re.compile(r"(?<=[\uac00-\ud7a3]) (?=[\uac00-\ud7a3])")


def _balanced(tok: str) -> str:
    """A name without a bracket left over at its ends (kept where it has its partner)."""
    while tok and tok[0] in _OPEN and _CLOSE[_OPEN.index(tok[0])] not in tok:
        tok = tok[1:]
    while tok and tok[-1] in _CLOSE and _OPEN[_CLOSE.index(tok[-1])] not in tok:
        tok = tok[:-1]
    return tok


def split_truncation(text: str) -> tuple[str, bool]:
    """(the name as shown, whether the label cut it short with '...' or '…').

    Letter case, digits and the punctuation inside the name are kept as the label shows them
    ("[TA] Dina Kusuma", "15117042_Rudi H M Sitomp", "Sam (she/her)", "joe.lee"); what is
    dropped: the '...' of a cut name, words of marks only and marks at the ends (an icon or
    the box's border read as text), Zoom's own "(Host)"-style suffixes.
    """
    s = " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split())
    # Tesseract's Hangul model puts a space between syllables ("한 준 서"); Korean names
    # are written without one
    s = _HANGUL_GAP.sub("", s)
    s = _ROLE.sub("", s)
    truncated = False
    while True:  # "Sitomp... |": the ellipsis, then marks after it
        t = s.rstrip(" |~-'\"")
        m = _TRUNC.search(t)
        if not m:
            break
        truncated, s = True, t[:m.start()]
    tokens = [tok for tok in s.split() if any(ch.isalnum() for ch in tok)]
    if len(tokens) > 1 and tokens[0] in _ICON_READS:
        tokens.pop(0)  # the mute icon read as a letter ("X yusuf lee")
    if len(tokens) > 1 and tokens[-1] in _EDGE_READS:
        tokens.pop()  # a stroke of the picture beside the label ("Siti Kusuma i")
    while tokens:
        first = tokens[0].lstrip(_EDGE + ".")
        if first and any(ch.isalnum() for ch in first):
            tokens[0] = first
            break
        tokens.pop(0)
    while tokens:
        last = tokens[-1].rstrip(_EDGE)
        if len(last) > 2 and last.endswith(".") and not truncated:
            last = last.rstrip(".")  # a stray dot; an initial's ("J.") stays
        if last and any(ch.isalnum() for ch in last):
            tokens[-1] = last
            break
        tokens.pop()
    return _balanced(" ".join(tokens)).strip(), truncated


def clean_name(text: str) -> str:
    """A name as read by OCR without icon remnants, '...' truncation or stray punctuation."""
    return split_truncation(text)[0]


def fold(name: str) -> str:
    """Lower case, no accents, letters, digits and single spaces only: the comparison form."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w\s]|_", " ", s).split())


def similarity(read: str, known: str, truncated: bool = False) -> float:
    """0..1 likeness of a name as read to a known name (1: same once folded).

    Args:
        read: the name as read (raw or cleaned).
        known: a known student's name.
        truncated: ``read`` was cut short ('...'): compare with the start of ``known``.
    """
    a, b = fold(read), fold(known)
    if not a or not b:
        return 0.0
    if truncated and len(a) < len(b):
        b = b[:len(a)]
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    if da and db and da != db:
        return 0.0  # "Alex 2" and "Alex 3" are two people
    # digits on one side only: a letter misread as a digit ("C6té" for "Côté"), or a number
    # the other name lacks ("Alex" / "Alex 2"): a likeness, a little lowered
    penalty = 0.9 if da != db else 1.0
    score = penalty * difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    words_a, words_b = a.split(), b.split()
    if not truncated and len(words_a) < len(words_b):
        # OCR lost a whole word ("Dmitri" for "Dmitri Ivanov"): compare with as many words
        # of the known name, a little below a full match so that an exact name still wins
        head = " ".join(words_b[:len(words_a)])
        score = max(score, 0.95 * penalty
                    * difflib.SequenceMatcher(None, a, head, autojunk=False).ratio())
    return score


class NameMatcher:
    """Maps names read frame after frame to stable student names.

    Args:
        names: the roster, if known (each a student's display name).
        threshold: the least similarity for a match.
        learn: add a name that matches no one as a new student.
    """

    def __init__(self, names: Iterable[str] = (), threshold: float = 0.8,
                 learn: bool = True) -> None:
        self.threshold = threshold
        self.learn = learn
        self.names: list[str] = []  # display names, the keys handed out
        self._base: list[str] = []  # what each is compared with (no " (2)" suffix)
        for n in names:
            self.add(n)

    def add(self, name: str) -> str:
        """Add a student (cleaned); returns the stored name (the existing one if known)."""
        clean = clean_name(name)
        for known in self.names:
            if fold(known) == fold(clean):
                return known
        self.names.append(clean)
        self._base.append(clean)
        return clean

    def scores(self, text: str) -> list[float]:
        """Similarity of ``text`` (as read) to each known name."""
        clean, truncated = split_truncation(text)
        return [similarity(clean, k, truncated) for k in self._base]

    def match(self, text: str) -> str | None:
        """The known name most like ``text``, or None below the threshold."""
        sc = self.scores(text)
        if not sc or max(sc) < self.threshold:
            return None
        return self.names[max(range(len(sc)), key=sc.__getitem__)]

    def assign(self, texts: Sequence[str]) -> list[str | None]:
        """Names for one frame's tiles, one student per tile.

        The best pairs are taken first; a name that matches no one left is a new student
        when ``learn`` (a second tile with the same name gets "Name (2)"), else None. Empty
        readings stay None.
        """
        out: list[str | None] = [None] * len(texts)
        cleaned = [split_truncation(t) for t in texts]
        pairs = []
        for i, (clean, truncated) in enumerate(cleaned):
            if clean:
                for j, k in enumerate(self._base):
                    s = similarity(clean, k, truncated)
                    if s >= self.threshold:
                        pairs.append((-s, i, j))
        used: set[int] = set()
        for _, i, j in sorted(pairs):  # best first; ties: first tile, first student
            if out[i] is None and j not in used:
                out[i] = self.names[j]
                used.add(j)
        if self.learn:
            for i, (clean, _) in enumerate(cleaned):
                if clean and out[i] is None:
                    out[i] = self._new_name(clean)
        return out

    def _new_name(self, clean: str) -> str:
        name, k = clean, 2
        while any(fold(n) == fold(name) for n in self.names):
            name, k = f"{clean} ({k})", k + 1
        self.names.append(name)
        self._base.append(clean)
        return name
