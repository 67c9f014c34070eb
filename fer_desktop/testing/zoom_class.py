"""A scripted online class: a lazy stream of gallery frames with a known log of what happened.

The class starts as a 5x5 gallery of ``n`` people and lives through what breaks trackers in
real meetings, each at a known time (fractions of the length, so a 3-minute script has them
all): people join (5x5 -> 6x5 reflow) and leave, the participants panel opens and closes
(tiles shrink and move), the Zoom window is made smaller (fewer tiles a page, so the gallery
shows page 2 for a while) and restored, the capture region is picked again (another frame size,
desktop around the window), tiles are reordered, cameras go off and on, people mute and unmute,
and the active speaker changes. Every frame's truth maps each tile to its ``student``.

    cls = make_class(25, minutes=20, seed=0)
    for f in cls.frames(interval=2.0, width=1200, jpeg_quality=70):
        f.t, f.image, f.truth, f.events  # events: what happened since the previous frame
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from fer_desktop.testing.zoom import (
    ZOOM,
    GalleryTruth,
    Layout,
    Person,
    Style,
    make_people,
    render,
    rescale,
)

__all__ = ["ClassFrame", "Event", "ZoomClass", "make_class"]

KINDS = ("join", "leave", "panel_open", "panel_close", "resize", "restore", "region", "page",
         "reorder", "camera_off", "camera_on", "mute", "unmute", "speaker")


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in the class at ``t`` seconds."""

    t: float
    kind: str  # one of KINDS
    student: int | None = None  # who, for join/leave/camera/mute/speaker
    value: str = ""  # camera mode for camera_off ("off_name"/"off_black"), page number, ...


@dataclass(frozen=True, slots=True)
class ClassFrame:
    """One captured frame of the class."""

    t: float
    image: np.ndarray  # BGR uint8
    truth: GalleryTruth
    events: tuple[Event, ...]  # applied since the previous frame (at or before ``t``)


@dataclass(slots=True)
class _State:
    order: list[int]  # students in gallery order
    camera: dict[int, str]
    muted: dict[int, bool]
    speaker: int | None
    layout: Layout = field(default_factory=Layout)


_SMALL_WINDOW = (260, 110, 260, 110)  # margins of a window made smaller inside the region
_REGION = Layout(width=1760, height=1010, margin=(40, 24, 36, 30), per_page=49)


def _apply(s: _State, e: Event, rng: np.random.Generator) -> None:
    k, who = e.kind, e.student
    if k == "join":
        s.order.append(who)
        s.camera[who], s.muted[who] = "on", True
    elif k == "leave":
        s.order.remove(who)
        s.speaker = None if s.speaker == who else s.speaker
    elif k in ("panel_open", "panel_close"):
        s.layout = replace(s.layout, side_panel=320 if k == "panel_open" else 0)
    elif k == "resize":  # a smaller window shows fewer tiles a page
        s.layout = replace(s.layout, margin=_SMALL_WINDOW, per_page=16, page=0)
    elif k == "restore":
        s.layout = replace(s.layout, margin=(0, 0, 0, 0), per_page=49, page=0)
    elif k == "region":
        s.layout = replace(_REGION, side_panel=s.layout.side_panel)
    elif k == "page":
        s.layout = replace(s.layout, page=int(e.value))
    elif k == "reorder":
        if e.value == "speaker_first" and s.speaker in s.order:
            s.order.remove(s.speaker)
            s.order.insert(0, s.speaker)
        else:
            rng.shuffle(s.order)
    elif k in ("camera_off", "camera_on"):
        s.camera[who] = e.value if k == "camera_off" else "on"
    elif k in ("mute", "unmute"):
        s.muted[who] = k == "mute"
    elif k == "speaker":
        s.speaker = who
        s.muted[who] = False


@dataclass(frozen=True, slots=True, eq=False)
class ZoomClass:
    """A scripted class: everyone who ever attends, and the event log."""

    people: tuple[Person, ...]  # indexed by student
    first: tuple[int, ...]  # students present at t = 0, in gallery order
    events: tuple[Event, ...]  # sorted by time
    duration: float  # seconds
    style: Style = ZOOM
    seed: int = 0

    def frames(self, interval: float = 2.0, width: int | None = None,
               jpeg_quality: int | None = None, start: float = 0.0,
               stop: float | None = None) -> Iterator[ClassFrame]:
        """Frames every ``interval`` s from ``start`` to ``stop`` (default: the end), lazily.

        ``width`` scales each frame to that width, ``jpeg_quality`` JPEG-compresses it.
        """
        rng = np.random.default_rng([self.seed, 17])
        s = _State(list(self.first), {p: "on" for p in self.first},
                   {p: self.people[p].muted for p in self.first}, None, Layout(per_page=49))
        i, n = 0, 0
        stop = self.duration if stop is None else min(stop, self.duration)
        while start + n * interval < stop:
            t = start + n * interval
            done = []
            while i < len(self.events) and self.events[i].t <= t:
                _apply(s, self.events[i], rng)
                done.append(self.events[i])
                i += 1
            people = [replace(self.people[p], camera=s.camera[p], muted=s.muted[p])
                      for p in s.order]
            img, truth = render(people, s.layout, self.style, seed=self.seed * 100_003 + n,
                                speaker=s.speaker)
            if width is not None or jpeg_quality is not None:
                img, truth = rescale(img, truth, width or img.shape[1], jpeg_quality)
            yield ClassFrame(t, img, truth, tuple(done))
            n += 1


def make_class(n: int = 25, minutes: float = 20.0, seed: int = 0, script: str = "latin",
               data_dir: Path | str | None = None, style: Style = ZOOM) -> ZoomClass:
    """A class of ``n`` people (two more join later) lasting ``minutes``, scripted from ``seed``."""
    people = make_people(n + 2, seed, script, data_dir)
    people[0] = replace(people[0], muted=False)  # the teacher
    T = minutes * 60.0  # noqa: N806
    rng = np.random.default_rng([seed, 23])
    first = list(range(n))
    ev: list[Event] = [Event(0.0, "speaker", 0)]

    def at(frac: float, kind: str, student: int | None = None, value: str = "") -> None:
        ev.append(Event(round(frac * T, 1), kind, student, value))

    pick = [int(v) for v in rng.permutation(np.arange(1, n))]
    at(0.08, "join", n)  # 5x5 -> 6x5
    at(0.12, "camera_off", pick[0], "off_name")
    at(0.18, "reorder", None, "speaker_first")
    at(0.22, "panel_open")
    at(0.30, "camera_on", pick[0])
    at(0.33, "camera_off", pick[1], "off_black")
    at(0.38, "panel_close")
    at(0.42, "leave", pick[2])  # 6x5 -> 5x5
    at(0.48, "resize")  # 16 a page: two pages
    at(0.52, "page", None, "1")
    at(0.56, "page", None, "0")
    at(0.60, "restore")
    at(0.70, "region")
    at(0.75, "reorder", None, "shuffle")
    at(0.80, "join", n + 1)
    at(0.83, "camera_off", pick[3], "off_name")
    at(0.86, "camera_on", pick[1])
    talkers = [0] + pick[4:9]
    fixed = [0.05, 0.16, 0.27, 0.45, 0.58, 0.68, 0.78, 0.9]
    extra = rng.uniform(0.02, 0.97, max(0, round(minutes) - len(fixed))).tolist()
    for frac in fixed + extra:  # about one change of speaker a minute
        at(frac, "speaker", int(rng.choice(talkers)))
    quiet = pick[9:]
    for frac in rng.uniform(0.02, 0.97, max(10, round(2 * minutes))):  # a question, then mute
        who = int(rng.choice(quiet))
        at(float(frac), "unmute", who)
        at(min(0.999, float(frac) + rng.uniform(4.0, 40.0) / T), "mute", who)
    for frac in rng.uniform(0.02, 0.9, max(1, round(minutes / 4))):  # camera off a while
        who = int(rng.choice(quiet))
        at(float(frac), "camera_off", who, str(rng.choice(["off_name", "off_black"])))
        at(min(0.999, float(frac) + rng.uniform(20.0, 120.0) / T), "camera_on", who)
    ev.sort(key=lambda e: e.t)  # stable: same-time events keep their order
    return ZoomClass(tuple(people), tuple(first), tuple(ev), T, style, seed)
