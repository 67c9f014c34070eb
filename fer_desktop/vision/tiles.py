"""The tiles of a video-call gallery (Zoom, Meet, Teams) found in a captured frame.

Galleries draw equal rectangles separated by gaps of one flat window-background colour. The
background level is the grey level that makes both a long horizontal run (a horizontal gap
crosses the whole grid) and a long vertical run (so does a vertical gap); window chrome only
makes horizontal runs, a side panel only vertical ones, and a tile's runs stop at its border.
Rows crossed by a run of background as long as the grid is wide split the frame into bands (a
row of tiles leaves only shorter runs, even a last row of one centred tile or a row with a
picture as dark as the background); in each band, columns that are almost all background
split it into candidate rectangles, which must have background above and below them. The
most common rectangle size wins (chrome bars and side panels have other sizes), so every
layout from 2x2 to 7x7 and a partly filled, centred last row come out the same way. A
rectangle a little off that size (a highlight drawn around it, a dark edge of the picture) is
put back on the grid of the others, and a tile whose picture is as dark as the background,
split into pieces, is put back where the grid has a hole with something in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from fer_desktop.datatypes import BBox

__all__ = ["Tile", "background_level", "faces_by_tile", "find_tiles", "tile_of"]


@dataclass(frozen=True, slots=True)
class Tile:
    """One participant's rectangle, with its place in reading order."""

    x: int
    y: int
    w: int
    h: int
    row: int
    col: int

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.x + self.w and self.y <= py < self.y + self.h


def _run_lengths(b: np.ndarray) -> np.ndarray:
    """For each element of a 2-D bool array, how many True end there along its row."""
    n = b.shape[1]
    pos = np.arange(1, n + 1, dtype=np.int16 if n < 32767 else np.int32)
    return pos - np.maximum.accumulate(np.where(b, 0, pos), axis=1)


def _longest_flat_runs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: length of the longest run of equal (+-2) pixels, and the level of that run."""
    a = np.ascontiguousarray(a)
    run = _run_lengths(cv2.absdiff(a[:, 1:], a[:, :-1]) <= 2)
    end = run.argmax(axis=1)
    rows = np.arange(len(run))
    return run[rows, end].astype(np.int32) + 1, a[rows, end].astype(np.int16)


def background_level(gray: np.ndarray, min_frac: float = 0.5, tol: int = 3) -> int | None:
    """Grey level of the window background behind the tiles, or None if there is none.

    Args:
        gray: HxW uint8 frame.
        min_frac: a background run is at least this fraction of the frame's width (height).
        tol: levels within ``tol`` count as the same.
    """
    h, w = gray.shape
    if h < 8 or w < 8:
        return None
    # Gaps are >= 4 px wide: every 2nd line finds them, and a run sampled every 4th pixel
    # cannot jump over the gap at a tile's border.
    row_len, row_val = _longest_flat_runs(gray[::2, ::4])
    col_len, col_val = _longest_flat_runs(gray[::4, ::2].T)
    hv = row_val[row_len >= min_frac * ((w + 3) // 4)]
    vv = col_val[col_len >= min_frac * ((h + 3) // 4)]
    if hv.size == 0 or vv.size == 0:
        return None
    best, best_score = None, 0
    for v in np.unique(hv):
        score = min(int(np.count_nonzero(np.abs(hv - v) <= tol)),
                    int(np.count_nonzero(np.abs(vv - v) <= tol)))
        if score > best_score:
            best, best_score = int(v), score
    return best


def _runs(flags: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """[start, stop) of the runs of True in a 1-D bool array, at least ``min_len`` long."""
    d = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True) if b - a >= min_len]


def _majority(fg: np.ndarray, along: int, n: int = 7) -> np.ndarray:
    """``fg`` (0/1) with each pixel the majority of ``n`` pixels along x (0) or y (1): noise
    that JPEG leaves in a gap goes, a gap as narrow as 2 px across the other way stays."""
    k = (n, 1) if along == 0 else (1, n)
    return (cv2.blur(fg.astype(np.float32), k) > 0.5).view(np.uint8)


def _candidates(fg: np.ndarray, min_side: int, gap_frac: float) -> list[tuple[int, int, int, int]]:
    """Rectangles of foreground split by background rows, then by background columns."""
    h = fg.shape[0]
    rows_fg, cols_fg = _majority(fg, 0), _majority(fg, 1)  # for horizontal / vertical gaps
    fg = rows_fg
    # every 2nd row and 4th column is enough to find runs hundreds of pixels long; the
    # rectangles are trimmed at full resolution, from a row beyond their band
    bg_run = _run_lengths(fg[::2, ::4] == 0).max(axis=1)
    tiles_here = bg_run < 0.75 * bg_run.max()
    rects = []
    for y0, y1 in _runs(np.repeat(tiles_here, 2)[:h], min_side):
        col_fg = cv2.reduce(cols_fg[y0:y1], 0, cv2.REDUCE_SUM,
                            dtype=cv2.CV_32S).ravel() / (y1 - y0)
        y0, y1 = max(0, y0 - 1), min(h, y1 + 1)
        for x0, x1 in _runs(col_fg > gap_frac, min_side):
            sub = cv2.reduce(fg[y0:y1, x0:x1], 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
            rows = np.flatnonzero(sub > gap_frac * (x1 - x0))
            if rows.size == 0 or rows[-1] + 1 - rows[0] < min_side:
                continue
            top, bottom = y0 + int(rows[0]), y0 + int(rows[-1]) + 1
            # a tile has background above and below it; a side panel cut by the bands does not
            if top > 0 and np.count_nonzero(fg[top - 1, x0:x1]) > 0.5 * (x1 - x0):
                continue
            if bottom < h and np.count_nonzero(fg[bottom, x0:x1]) > 0.5 * (x1 - x0):
                continue
            rects.append((x0, top, x1 - x0, bottom - top))
    return rects


def _dominant_size(rects: list[tuple[int, int, int, int]]) -> tuple[int, int] | None:
    """The (w, h) shared by most rectangles (ties: the larger); None if there are none."""
    if not rects:
        return None
    w = np.array([r[2] for r in rects])
    h = np.array([r[3] for r in rects])
    same = ((np.abs(w[:, None] - w[None, :]) <= np.maximum(4, w // 40)[:, None])
            & (np.abs(h[:, None] - h[None, :]) <= np.maximum(4, h // 40)[:, None]))
    best = int(np.lexsort((w * h, same.sum(axis=1)))[-1])
    return int(np.median(w[same[best]])), int(np.median(h[same[best]]))


def _cluster(values: list[float], tol: float) -> list[float]:
    """Centres of 1-D clusters of ``values`` (sorted) whose members are within ``tol``."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [(c[(len(c) - 1) // 2] + c[len(c) // 2]) / 2 for c in out]  # medians


def find_tiles(image_bgr: np.ndarray, tol: int | Sequence[int] = (3, 8, 16), min_side: int = 24,
               gap_frac: float = 0.1, min_aspect: float = 0.5,
               max_aspect: float = 3.0) -> list[Tile]:
    """The gallery tiles of a frame, in reading order; [] when there is no gallery.

    Args:
        image_bgr: HxWx3 uint8 BGR frame (HxW grey works too).
        tol: grey levels within ``tol`` of the window background are background. Several
            values are tried and the one finding the most tiles wins (ties: the smallest): a
            screen needs 3 (a tile as dark as the background stays a tile), a screenshot
            scaled down and JPEG-compressed needs more (its 3-px gaps are mixed with the
            tiles beside them).
        min_side: smallest tile side in pixels.
        gap_frac: a column (row) is a gap when at most this fraction of it is not background.
        min_aspect: smallest width/height of a tile (side panels are tall and narrow).
        max_aspect: largest width/height of a tile (title and tool bars are long and flat).
    """
    gray = image_bgr if image_bgr.ndim == 2 else cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    # A 3x3 median keeps straight tile edges where they are (and a gap of 3 px, as a
    # 1,000-px screenshot has) and flattens the finest noise that compression leaves in
    # the gaps (a recorded class or a shared screenshot is JPEG/MPEG, a screen is not).
    gray = cv2.medianBlur(np.ascontiguousarray(gray), 3)
    best: list[Tile] = []
    for t in sorted({tol} if isinstance(tol, int) else set(tol)):
        found = _find_tiles(gray, t, min_side, gap_frac, min_aspect, max_aspect)
        if len(found) > len(best):
            best = found
    return best


def _find_tiles(gray: np.ndarray, tol: int, min_side: int, gap_frac: float,
                min_aspect: float, max_aspect: float) -> list[Tile]:
    bg = background_level(gray, tol=tol)
    if bg is None:
        return []
    _, fg = cv2.threshold(cv2.absdiff(gray, np.full_like(gray, bg)), tol, 1, cv2.THRESH_BINARY)
    rects = [r for r in _candidates(fg, min_side, gap_frac)
             if min_aspect <= r[2] / r[3] <= max_aspect]
    size = _dominant_size(rects)
    if size is None:
        return []
    tw, th = size
    kept = [r for r in rects if abs(r[2] - tw) <= 2 and abs(r[3] - th) <= 2]
    xs = _cluster([r[0] for r in kept], tw / 4)
    ys = _cluster([r[1] for r in kept], th / 4)
    for x, y, w, h in rects:
        if (2 < abs(w - tw) <= max(12, tw // 40) and abs(h - th) <= max(12, th // 40)
                or 2 < abs(h - th) <= max(12, th // 40) and abs(w - tw) <= max(12, tw // 40)):
            # a highlight around the tile or a dark edge of its picture: onto the grid
            kept.append((_snap(x, xs, x + (w - tw) / 2), _snap(y, ys, y + (h - th) / 2), tw, th))
    kept += _fill_lattice(kept, fg, tw, th)
    return _reading_order(kept, th)


def _snap(v: int, grid: list[float], fallback: float) -> int:
    """The grid line nearest ``v`` if one is within 12 px, else ``fallback``."""
    near = [g for g in grid if abs(g - v) <= 12]
    return round(min(near, key=lambda g: abs(g - v)) if near else fallback)


def _fill_lattice(kept: list[tuple[int, int, int, int]], fg: np.ndarray, tw: int,
                  th: int) -> list[tuple[int, int, int, int]]:
    """Grid cells with no tile but some foreground (a dark picture broken into pieces)."""
    if len(kept) < 2:
        return []
    xs = _cluster([k[0] for k in kept], tw / 4)
    ys = _cluster([k[1] for k in kept], th / 4)
    kx = np.array([k[0] for k in kept])
    ky = np.array([k[1] for k in kept])
    added = []
    for cy in ys:
        for cx in xs:
            x, y = round(cx), round(cy)
            if np.any((np.abs(kx - x) < tw) & (np.abs(ky - y) < th)):
                continue
            cell = fg[max(0, y):y + th, max(0, x):x + tw]
            if cell.size and np.count_nonzero(cell) >= 0.005 * tw * th:
                added.append((x, y, tw, th))
    return added


def _reading_order(rects: list[tuple[int, int, int, int]], th: int) -> list[Tile]:
    rows: list[list[tuple[int, int, int, int]]] = []
    for r in sorted(rects, key=lambda r: (r[1], r[0])):
        if rows and abs(r[1] - rows[-1][0][1]) <= th / 2:
            rows[-1].append(r)
        else:
            rows.append([r])
    return [Tile(int(x), int(y), int(w), int(h), i, j)
            for i, row in enumerate(rows)
            for j, (x, y, w, h) in enumerate(sorted(row))]


def _xywh(box: BBox | Sequence[float]) -> tuple[float, float, float, float]:
    if isinstance(box, BBox):
        return box.x, box.y, box.w, box.h
    x, y, w, h = box[:4]
    return float(x), float(y), float(w), float(h)


def tile_of(box: BBox | Sequence[float], tiles: Sequence[Tile]) -> Tile | None:
    """The tile holding a face box: the one with its centre, else the most overlapped one."""
    x, y, w, h = _xywh(box)
    cx, cy = x + w / 2, y + h / 2
    for t in tiles:
        if t.contains(cx, cy):
            return t
    best, best_area = None, 0.0
    for t in tiles:
        ox = min(x + w, t.x + t.w) - max(x, t.x)
        oy = min(y + h, t.y + t.h) - max(y, t.y)
        if ox > 0 and oy > 0 and ox * oy > best_area:
            best, best_area = t, ox * oy
    return best


def faces_by_tile(boxes: Sequence[BBox | Sequence[float]],
                  tiles: Sequence[Tile]) -> list[list[int]]:
    """For each tile, the indices of the boxes in it; an empty list is a camera that is off."""
    out: list[list[int]] = [[] for _ in tiles]
    index = {t: i for i, t in enumerate(tiles)}
    for k, b in enumerate(boxes):
        t = tile_of(b, tiles)
        if t is not None:
            out[index[t]].append(k)
    return out
