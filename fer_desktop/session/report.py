"""After class: a one-page HTML report of a saved session (no Qt, no network, no faces).

One self-contained file (inline CSS and SVG, no scripts, no links out): the class mood over
the class, the moments when it changed most (clock and class time), per-student time shares,
time seen and camera-off time (the summary CSV's figures, from the same function), the
"needs attention" episodes with their reasons, and the model with its measured error rates
read from the reports next to it (``models/reports/<split>/report.json``).

    fer-desktop report SESSION --out report.html [--open]
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from fer_desktop.labels import EMOTIONS
from fer_desktop.session.aggregate import VALENCE, FrameAggregate
from fer_desktop.session.db import SessionInfo
from fer_desktop.session.export import (
    DEFAULT_MAX_GAP_S,
    PROB_DECIMALS,
    TIME_DECIMALS,
    Observation,
    StudentSummary,
    summarize,
)
from fer_desktop.session.recorder import NEGATIVE, AttentionRules
from fer_desktop.session.store import SUFFIX, SessionStore, StoreError, default_sessions_dir
from fer_desktop.vision.overlay import COLORS

DESCRIPTION = "write the one-page HTML report of a saved session (opens in any browser)"
#: Colours of the three mood groups (the window's class-mood line uses the same).
MOOD_COLORS = {"positive": "#3cbe3c", "neutral": "#aaaaaa", "negative": "#dc3c3c"}
#: The expression colours of the window (boxes, student rows), as CSS.
EXPRESSION_COLORS = {e: "#" + bytes(COLORS[e][::-1]).hex() for e in EMOTIONS}


class ReportError(Exception):
    """The report could not be written; the message says why and what to do."""


# ---- figures --------------------------------------------------------------------------------
@dataclass(frozen=True)
class MoodSeries:
    """The class mood per time bin: share of visible faces in each valence group."""

    start_s: np.ndarray  # bin start, seconds since the first frame
    shares: dict[str, np.ndarray]  # group -> share per bin (NaN: no face in that bin)
    bin_s: float

    @property
    def net(self) -> np.ndarray:
        """Positive minus negative share per bin (-1..1)."""
        return self.shares["positive"] - self.shares["negative"]


def mood_series(frames: Sequence[FrameAggregate], bin_s: float | None = None) -> MoodSeries:
    """Pool the frames into bins (default: about 60 bins over the class, 10 s at least)."""
    if not frames:
        return MoodSeries(np.zeros(0), {g: np.zeros(0) for g in VALENCE}, 10.0)
    t0 = frames[0].time_s
    span = max(f.time_s for f in frames) - t0
    if bin_s is None:
        bin_s = max(10.0, math.ceil(span / 60 / 10) * 10)
    n = int(span // bin_s) + 1
    faces = np.zeros(n)
    group = {g: np.zeros(n) for g in VALENCE}
    idx = {g: [EMOTIONS.index(e) for e in names] for g, names in VALENCE.items()}
    for f in frames:
        b = int((f.time_s - t0) // bin_s)
        faces[b] += f.faces
        for g, ks in idx.items():
            group[g][b] += sum(f.counts[k] for k in ks)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = {g: np.where(faces > 0, v / np.maximum(faces, 1), np.nan)
                  for g, v in group.items()}
    return MoodSeries(np.arange(n) * bin_s, shares, float(bin_s))


@dataclass(frozen=True)
class MoodChange:
    """A moment when the class mood changed: net mood before and after ``at_s``."""

    at_s: float
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


def biggest_changes(series: MoodSeries, n: int = 3, window: int = 2) -> list[MoodChange]:
    """The ``n`` moments of largest change of the net mood (mean of ``window`` bins before
    against ``window`` after), at least ``2 * window`` bins apart, in time order."""
    net = series.net
    found: list[tuple[float, int, float, float]] = []
    for i in range(window, len(net) - window + 1):
        a, b = net[i - window:i], net[i:i + window]
        if np.isnan(a).all() or np.isnan(b).all():
            continue
        before, after = float(np.nanmean(a)), float(np.nanmean(b))
        found.append((abs(after - before), i, before, after))
    found.sort(reverse=True)
    chosen: list[tuple[int, float, float]] = []
    for size, i, before, after in found:
        if size < 0.05 or len(chosen) >= n:
            break
        if all(abs(i - j) >= 2 * window for j, _, _ in chosen):
            chosen.append((i, before, after))
    return [MoodChange(float(series.start_s[i]), b, a) for i, b, a in sorted(chosen)]


@dataclass(frozen=True)
class Flag:
    """One "needs attention" episode of a student, with its reason."""

    student_id: int
    name: str
    start_s: float
    seconds: float
    reason: str


def attention_flags(observations: Sequence[Observation], rules: AttentionRules,
                    end_s: float) -> list[Flag]:
    """The episodes the live window flags (same thresholds, :class:`AttentionRules`):
    negative expressions for ``negative_s`` or more in a row; the face not seen for
    ``missing_s`` or more (camera off, when the tile stayed there without a face)."""
    by: dict[int, list[Observation]] = {}
    for o in observations:
        by.setdefault(o.student_id, []).append(o)
    flags: list[Flag] = []
    for sid, rows in sorted(by.items()):
        rows.sort(key=lambda o: o.time_s)
        name = next((o.student_name for o in reversed(rows) if o.student_name), "")
        faces = [o for o in rows if o.camera_on]
        neg_start: float | None = None
        last = None
        for o in faces:
            if o.expression in NEGATIVE:
                neg_start = o.time_s if neg_start is None else neg_start
                last = o.time_s
            else:
                if neg_start is not None and last - neg_start >= rules.negative_s:
                    flags.append(Flag(sid, name, neg_start, last - neg_start,
                                      "negative expressions"))
                neg_start = None
        if neg_start is not None and last - neg_start >= rules.negative_s:
            flags.append(Flag(sid, name, neg_start, last - neg_start, "negative expressions"))
        seen = [o.time_s for o in faces]
        off = np.array([o.time_s for o in rows if not o.camera_on])
        marks = [rows[0].time_s, *seen, end_s] if seen else [rows[0].time_s, end_s]
        for a, b in zip(marks, marks[1:], strict=False):
            if b - a >= rules.missing_s:
                cam_off = bool(off.size) and bool(((off >= a) & (off <= b)).any())
                flags.append(Flag(sid, name, a, b - a,
                                  "camera off" if cam_off else "face not seen"))
    return sorted(flags, key=lambda f: (f.start_s, f.student_id))


def model_facts(models_dir: Path) -> dict:
    """The model's name and its measured error rates, read from the files next to it."""
    facts: dict = {"files": [], "splits": []}
    for name in ("model.tflite", "model.keras"):
        if (models_dir / name).is_file():
            facts["files"].append(name)
    card = models_dir / "MODEL_CARD.md"
    if card.is_file():
        lines = card.read_text(encoding="utf-8").splitlines()
        facts["card"] = card.name
        for line in lines:
            if line.startswith("- **Architecture:**") or line.startswith("- **Date:**"):
                facts.setdefault("card_lines", []).append(
                    line.lstrip("- ").replace("**", "").replace("`", ""))
    for path in sorted((models_dir / "reports").glob("*/report.json")):
        try:
            rep = json.loads(path.read_text(encoding="utf-8"))
            per = rep["per_class"]
            facts["splits"].append({
                "split": str(rep.get("split", path.parent.name)), "n": int(rep.get("n", 0)),
                "accuracy": float(rep["accuracy"]),
                "errors": {e: 1.0 - float(per[e]["recall"]) for e in EMOTIONS if e in per},
            })
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a report of another format: left out rather than misread
    return facts


# ---- HTML ----------------------------------------------------------------------------------
def _clock(wall0: float, t: float) -> str:
    return time.strftime("%H:%M", time.localtime(wall0 + t)) if wall0 > 0 else "–"


def _dur(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def _minute(t: float) -> str:
    return f"min {t / 60:.0f}" if t >= 60 else f"{t:.0f} s"


def _svg_mood(series: MoodSeries, wall0: float, width: int = 900, height: int = 240) -> str:
    if series.start_s.size == 0:
        return "<p>No frame was analysed.</p>"
    left, right, top, bottom = 44, 30, 10, 40
    span = max(series.bin_s, float(series.start_s[-1] + series.bin_s))
    w, h = width - left - right, height - top - bottom

    def x(t: float) -> float:
        return left + w * t / span

    def y(v: float) -> float:
        return top + h * (1 - v)

    parts = [f'<svg width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="class mood over the class">',
             f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="#fafafa" '
             'stroke="#ccc"/>']
    for v in (0.25, 0.5, 0.75):
        parts.append(f'<line x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'stroke="#e4e4e4"/>')
    for v in (0, 0.5, 1):
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{int(v * 100)}%</text>')
    step = next(s for s in (60, 120, 300, 600, 900, 1800, 3600, 7200) if span / s <= 10)
    for t in np.arange(0, span + 1e-9, step):
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top + h}" y2="{top + h + 4}" '
                     'stroke="#888"/>')
        parts.append(f'<text x="{x(t):.1f}" y="{top + h + 16}" font-size="11" '
                     f'text-anchor="middle">{t / 60:.0f} min</text>')
        parts.append(f'<text x="{x(t):.1f}" y="{top + h + 30}" font-size="10" fill="#666" '
                     f'text-anchor="middle">{_clock(wall0, t)}</text>')
    centre = series.start_s + series.bin_s / 2
    for group, color in MOOD_COLORS.items():
        pts: list[str] = []
        segments: list[str] = []
        for t, v in zip(centre, series.shares[group], strict=True):
            if np.isnan(v):
                if pts:
                    segments.append(" ".join(pts))
                pts = []
                continue
            pts.append(f"{x(float(t)):.1f},{y(float(v)):.1f}")
        if pts:
            segments.append(" ".join(pts))
        for seg in segments:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                         f'points="{seg}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _bar(shares: Sequence[float]) -> str:
    """A stacked bar of the seven expression shares (inline SVG)."""
    x = 0.0
    rects = []
    for e, s in zip(EMOTIONS, shares, strict=True):
        if s > 0:
            rects.append(f'<rect x="{x:.1f}" y="0" width="{160 * s:.1f}" height="12" '
                         f'fill="{EXPRESSION_COLORS[e]}"><title>{e} {s:.0%}</title></rect>')
            x += 160 * s
    return ('<svg width="160" height="12">'
            + "".join(rects) + "</svg>")


_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:960px;color:#222}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:26px;border-bottom:1px solid
#ddd} .meta{color:#555} table{border-collapse:collapse;font-size:13px} td,th{padding:3px 8px;
border-bottom:1px solid #eee;text-align:right} td.l,th.l{text-align:left} .key span{margin-right:
14px} .sw{display:inline-block;width:12px;height:12px;vertical-align:-1px;margin-right:4px}
.note{font-size:12px;color:#555;max-width:860px}
"""


def _key(colors: Mapping[str, str], labels: Mapping[str, str] | None = None) -> str:
    return '<p class="key">' + "".join(
        f'<span><i class="sw" style="background:{c}"></i>{html.escape((labels or {}).get(k, k))}'
        '</span>' for k, c in colors.items()) + "</p>"


def render_report(info: SessionInfo, frames: Sequence[FrameAggregate],
                  observations: Sequence[Observation], summaries: Sequence[StudentSummary],
                  rules: AttentionRules, model: dict, aggregate_only: bool = False) -> str:
    """The report's HTML (see the module docstring)."""
    esc = html.escape
    wall0 = next((f.wall_time for f in frames if f.wall_time > 0), info.started_at)
    t_first = frames[0].time_s if frames else 0.0
    end_s = (frames[-1].time_s - t_first) if frames else 0.0
    series = mood_series(frames)
    changes = biggest_changes(series)
    start = time.localtime(info.started_at)
    title = info.title or f"Class of {time.strftime('%A %d %B %Y', start)}"
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}"
           f"</title><style>{_CSS}</style></head><body>",
           f"<h1>{esc(title)}</h1>",
           f"<p class='meta'>{time.strftime('%d %b %Y, %H:%M', start)} · "
           f"{_dur(max(info.duration_s, end_s))} · {len(summaries)} students · source "
           f"{esc(info.source)} · session {esc(info.session_id)}</p>",
           "<p class='note'>Observed facial expressions, estimated by a model that is often "
           "wrong (error rates at the end). They are not what anyone feels: read trends, "
           "never judge a student by them.</p>",
           "<h2>Class mood over the class</h2>",
           "<p class='note'>Share of the visible faces whose expression was positive (happy, "
           "surprise), neutral, or negative (angry, disgust, fear, sad), per "
           f"{series.bin_s:.0f} s of class; the axis gives minutes since the start and the "
           "clock time.</p>",
           _key(MOOD_COLORS), _svg_mood(series, wall0),
           "<h2>When the class mood changed most</h2>"]
    if changes:
        out.append("<table id='changes'><tr><th class='l'>clock</th><th>class time</th>"
                   "<th>positive − negative before</th><th>after</th></tr>")
        for c in changes:
            out.append(f"<tr><td class='l'>{_clock(wall0, c.at_s)}</td><td>{_minute(c.at_s)}"
                       f"</td><td>{c.before:+.0%}</td><td>{c.after:+.0%}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>The class mood stayed about the same all along.</p>")
    if aggregate_only:
        out.append("<h2>Students</h2><p>This session is aggregate-only: no per-student data "
                   "was kept.</p>")
    else:
        out.append("<h2>Students</h2>" + _key(EXPRESSION_COLORS))
        out.append("<table id='students'><tr><th class='l'>student</th><th>seen</th>"
                   "<th>camera off</th><th class='l'>expressions</th>"
                   + "".join(f"<th>{e}</th>" for e in EMOTIONS)
                   + "<th class='l'>most often</th></tr>")
        for s in summaries:
            cells = "".join(
                f"<td data-col='share_{e}' data-value='{v:.{PROB_DECIMALS}f}'>{v:.0%}</td>"
                for e, v in zip(EMOTIONS, s.shares, strict=True))
            out.append(
                f"<tr data-student='{s.student_id}'><td class='l'>"
                f"{esc(s.student_name or f'Student {s.student_id}')}</td>"
                f"<td data-col='seconds_seen' data-value='{s.seconds_seen:.{TIME_DECIMALS}f}'>"
                f"{_dur(s.seconds_seen)}</td><td data-col='seconds_camera_off' "
                f"data-value='{s.seconds_camera_off:.{TIME_DECIMALS}f}'>"
                f"{_dur(s.seconds_camera_off)}</td><td class='l'>{_bar(s.shares)}</td>{cells}"
                f"<td class='l'>{esc(s.most_frequent)}</td></tr>")
        out.append("</table>")
        flags = attention_flags(observations, rules, end_s)
        out.append("<h2>Flags</h2><p class='note'>A student is flagged after negative "
                   f"expressions for {rules.negative_s:.0f} s in a row, or when the face is "
                   f"not seen for {rules.missing_s:.0f} s (the thresholds of the session).</p>")
        if flags:
            # one row per student and reason, most time first: a list a teacher reads
            grouped: dict[tuple[int, str], list[Flag]] = {}
            for f in flags:
                grouped.setdefault((f.student_id, f.reason), []).append(f)
            order = sorted(grouped.items(), key=lambda kv: -sum(f.seconds for f in kv[1]))
            out.append("<table id='flags'><tr><th class='l'>student</th><th class='l'>reason"
                       "</th><th>times</th><th>in all</th><th>longest</th><th>first at</th>"
                       "<th>class time</th></tr>")
            for (sid, reason), fs in order:
                name = fs[0].name or f"Student {sid}"
                longest = max(fs, key=lambda f: f.seconds)
                out.append(f"<tr><td class='l'>{esc(name)}</td><td class='l'>{esc(reason)}</td>"
                           f"<td>{len(fs)}</td><td>{_dur(sum(f.seconds for f in fs))}</td>"
                           f"<td>{_dur(longest.seconds)}</td><td>{_clock(wall0, fs[0].start_s)}"
                           f"</td><td>{_minute(fs[0].start_s)}</td></tr>")
            out.append("</table>")
        else:
            out.append("<p>No student was flagged.</p>")
    out.append("<h2>The model and how often it is wrong</h2>")
    files = ", ".join(model.get("files", [])) or "not found"
    out.append(f"<p class='note'>Model files: {esc(files)}. "
               + " ".join(esc(x.rstrip(".")) + "." for x in model.get("card_lines", []))
               + "</p>")
    for sp in model.get("splits", []):
        out.append(f"<p>{esc(sp['split'])} ({sp['n']} faces): right {sp['accuracy']:.1%} of "
                   "the time. How often a face showing each expression is read as another:"
                   "</p><table class='errors'><tr>"
                   + "".join(f"<th>{esc(e)}</th>" for e in sp["errors"]) + "</tr><tr>"
                   + "".join(f"<td>{v:.0%}</td>" for v in sp["errors"].values())
                   + "</tr></table>")
    if not model.get("splits"):
        out.append("<p>No evaluation report was found next to the model.</p>")
    out.append("<p class='note'>Made by fer_desktop on this computer; nothing was sent "
               "anywhere and no pictures of faces are in this file.</p></body></html>")
    return "\n".join(out)


def write_report(session: str | os.PathLike[str], out: str | os.PathLike[str],
                 models_dir: Path, names: Mapping[int, str] | None = None,
                 max_gap_s: float = DEFAULT_MAX_GAP_S) -> Path:
    """Write the report of a saved session; ``names`` (id -> name) win over the stored ones.

    Raises:
        StoreError: the session cannot be read. ReportError: the file cannot be written.
    """
    target = Path(out)
    if not target.parent.is_dir():
        raise ReportError(f"Cannot write {target}: the folder {target.parent} does not exist. "
                          "Choose an existing folder.")
    with SessionStore.open(session) as store:
        info = store.info()
        frames = store.frames()
        obs = store.observations()
        settings = store.settings
        aggregate_only = store.aggregate_only
    if names:
        obs = [replace(o, student_name=names[o.student_id])
               if names.get(o.student_id) else o for o in obs]
    rules = AttentionRules(float(settings.get("negative_s", AttentionRules.negative_s)),
                           float(settings.get("missing_s", AttentionRules.missing_s)))
    text = render_report(info, frames, obs, summarize(obs, max_gap_s), rules,
                         model_facts(Path(models_dir)), aggregate_only)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ReportError(f"Cannot write {target} ({exc.strerror or exc}); check that the "
                          "folder is writable and the disk is not full.") from exc
    return target


# ---- command line ----------------------------------------------------------------------------
def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    if parser is None:
        parser = argparse.ArgumentParser(prog="fer-desktop report", description=DESCRIPTION)
    parser.add_argument("session", help=f"a session file ({SUFFIX}) or a session id in "
                                        f"{default_sessions_dir()}")
    parser.add_argument("--out", type=Path, required=True, metavar="HTML",
                        help="the report file to write")
    parser.add_argument("--models", type=Path, default=None, metavar="DIR",
                        help="the model folder whose error rates the report gives "
                             "(default: the app's models/)")
    parser.add_argument("--open", action="store_true",
                        help="open the report in the default browser")
    return parser


def run(args: argparse.Namespace) -> int:
    from fer_desktop.paths import default_models_dir
    from fer_desktop.session.cli import resolve_session

    try:
        out = write_report(resolve_session(args.session), args.out,
                           args.models or default_models_dir())
    except (StoreError, ReportError) as exc:
        print(f"fer-desktop report: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    print(out)
    if args.open:
        import webbrowser

        webbrowser.open(out.resolve().as_uri())
    return 0
