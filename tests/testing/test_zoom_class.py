"""The scripted class: every event happens, and every frame's truth follows the event log."""

from __future__ import annotations

import pytest

from fer_desktop.testing.zoom_class import KINDS, make_class


@pytest.fixture(scope="module")
def short_class(data_dir):
    cls = make_class(25, minutes=3, seed=0, data_dir=data_dir)
    return cls, list(cls.frames(interval=9.0))


def test_the_log_holds_every_kind_of_event_in_order(short_class):
    cls, _ = short_class
    assert {e.kind for e in cls.events} == set(KINDS)
    times = [e.t for e in cls.events]
    assert times == sorted(times) and 0 <= times[0] and times[-1] < cls.duration == 180.0


def test_frames_are_lazy_and_every_event_is_delivered_once(short_class):
    cls, frames = short_class
    assert iter(cls.frames()) is not None  # a generator: nothing rendered until asked
    assert [f.t for f in frames] == [9.0 * i for i in range(20)]
    delivered = [e for f in frames for e in f.events]
    assert delivered == [e for e in cls.events if e.t <= frames[-1].t]
    for f in frames:
        assert all(e.t <= f.t for e in f.events)


def test_every_frame_truth_follows_the_log(short_class):
    cls, frames = short_class
    present = set(cls.first)
    camera = {p: "on" for p in present}
    muted = {p: cls.people[p].muted for p in present}
    speaker = None
    seen = set()
    widths = {}
    for f in frames:
        for e in f.events:
            seen.add(e.kind)
            if e.kind == "join":
                present.add(e.student)
                camera[e.student], muted[e.student] = "on", True
            elif e.kind == "leave":
                present.discard(e.student)
            elif e.kind in ("camera_off", "camera_on"):
                camera[e.student] = e.value if e.kind == "camera_off" else "on"
            elif e.kind in ("mute", "unmute"):
                muted[e.student] = e.kind == "mute"
            elif e.kind == "speaker":
                speaker, muted[e.student] = e.student, False
        tiles = {t.student: t for t in f.truth.tiles}
        assert f.image.shape == (f.truth.height, f.truth.width, 3)
        assert set(tiles) <= present and len(tiles) == len(f.truth.tiles)
        if f.truth.pages == 1:
            assert set(tiles) == present
        else:  # a small window: 16 a page
            assert len(tiles) == (16 if f.truth.page == 0 else len(present) - 16)
        for s, t in tiles.items():
            assert t.name == cls.people[s].name
            assert t.camera == camera[s] and (t.face is None) == (camera[s] != "on")
            assert t.muted == muted[s]
            assert t.speaker == (s == speaker)
        widths[frozenset(e.kind for e in f.events)] = f.truth.tiles[0].w
    assert seen == set(KINDS)
    assert {f.truth.page for f in frames} == {0, 1}
    assert {(f.truth.width, f.truth.height) for f in frames} == {(1920, 1080), (1760, 1010)}
    assert {len(f.truth.tiles) for f in frames} >= {25, 26, 16, 9}


def test_the_panel_shrinks_the_tiles(short_class):
    cls, frames = short_class
    t_open = next(e.t for e in cls.events if e.kind == "panel_open")
    before = next(f for f in reversed(frames) if f.t < t_open)
    after = next(f for f in frames if f.t >= t_open)
    assert after.truth.tiles[0].w < before.truth.tiles[0].w
    assert after.truth.gallery[2] < before.truth.gallery[2]


def test_scaled_jpeg_frames(data_dir):
    cls = make_class(25, minutes=1, seed=2, data_dir=data_dir)
    f = next(iter(cls.frames(interval=30.0, width=1200, jpeg_quality=70)))
    assert f.image.shape == (675, 1200, 3) and f.truth.width == 1200
    assert all(t.x + t.w <= 1200 for t in f.truth.tiles)
