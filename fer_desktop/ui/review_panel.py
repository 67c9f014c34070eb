"""The summary of a saved class, shown where the live picture is while a session is reviewed."""

from __future__ import annotations

import html
import time

from PySide6.QtWidgets import QTextBrowser

from fer_desktop.session.db import SessionInfo
from fer_desktop.session.recorder import SessionRecorder
from fer_desktop.session.report import MOOD_COLORS, biggest_changes, mood_series


def _dur(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


class ReviewPanel(QTextBrowser):
    """Date, start, duration, students, the class mood overall and when it changed most."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.setMinimumSize(320, 180)

    def show_session(self, info: SessionInfo, rec: SessionRecorder, summaries, frames=()
                     ) -> None:
        start = time.localtime(info.started_at)
        title = info.title or info.session_id
        rows = [f"<h2>{html.escape(title)}</h2>",
                f"<p>{time.strftime('%A %d %B %Y, %H:%M', start)} · {_dur(info.duration_s)}"
                f" · {len(summaries) or info.students} students · {html.escape(info.source)}</p>"]
        _t, shares = rec.mood_series()
        valid = shares[~(shares != shares).any(axis=1)] if len(shares) else shares
        if len(valid):
            neg, neu, pos = (float(v) for v in valid.mean(axis=0))
            rows.append(
                "<p><b>Class mood over the class</b> (share of visible faces): "
                f"<span style='color:{MOOD_COLORS['positive']}'>positive {pos:.0%}</span>, "
                f"<span style='color:{MOOD_COLORS['neutral']}'>neutral {neu:.0%}</span>, "
                f"<span style='color:{MOOD_COLORS['negative']}'>negative {neg:.0%}</span></p>")
        changes = biggest_changes(mood_series(list(frames))) if frames else []
        if changes:
            items = "".join(
                f"<li>{time.strftime('%H:%M', time.localtime(info.started_at + c.at_s))} "
                f"(min {c.at_s / 60:.0f}): positive − negative {c.before:+.0%} → "
                f"{c.after:+.0%}</li>" for c in changes)
            rows.append(f"<p><b>When the mood changed most</b></p><ul>{items}</ul>")
        flagged = [st.label for st in rec.students.values() if rec.attention(st)]
        if flagged:
            rows.append("<p><b>Flagged at the end:</b> " + html.escape(", ".join(flagged))
                        + "</p>")
        rows.append("<p>Move the cursor on the timelines below to see the class at a moment. "
                    "File &gt; Report… writes the one-page report.</p>")
        self.setHtml("".join(rows))
