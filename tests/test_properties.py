"""Property-based tests (hypothesis): box geometry, face crops, tiles, tracking, smoothing, CSV.

Each test states a property that must hold for *any* input of its kind, and hypothesis looks
for a counterexample (and shrinks it to a small one when it finds one).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fer_desktop.datatypes import BBox
from fer_desktop.labels import EMOTIONS, FER_SIZE
from fer_desktop.session.export import (
    Observation,
    read_long_csv,
    summarize,
    write_long_csv,
)
from fer_desktop.vision.preprocess import crop_face, fit_face
from fer_desktop.vision.tiles import Tile, faces_by_tile, tile_of
from fer_desktop.vision.tracking import ExpressionSmoother, FaceTracker

FAST = settings(max_examples=200, deadline=None)
#: for the strategies that build whole frames or sessions (slower to generate)
SOME = settings(max_examples=100, deadline=None)
FEW = settings(max_examples=60, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])

# -- strategies ------------------------------------------------------------------------------

coords = st.integers(-10_000, 10_000)
any_boxes = st.builds(BBox, coords, coords, st.integers(-500, 10_000), st.integers(-500, 10_000))
non_empty_boxes = st.builds(BBox, coords, coords, st.integers(1, 5_000), st.integers(1, 5_000))


@st.composite
def frames(draw: st.DrawFn) -> np.ndarray:
    """A uint8 picture of any small size (0 allowed), HxW or HxWx1/3/4."""
    h, w = draw(st.integers(0, 64)), draw(st.integers(0, 64))
    channels = draw(st.sampled_from([None, 1, 3, 4]))
    shape = (h, w) if channels is None else (h, w, channels)
    return draw(hnp.arrays(np.uint8, shape, elements=st.integers(0, 255)))


@st.composite
def probabilities(draw: st.DrawFn, n: int = len(EMOTIONS)) -> tuple[float, ...]:
    """``n`` non-negative floats that sum to 1."""
    weights = draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
    total = sum(weights)
    if total <= 1e-6:
        return tuple(1.0 / n for _ in range(n))
    return tuple(v / total for v in weights)


# -- (a) geometry ----------------------------------------------------------------------------


@FAST
@given(any_boxes, any_boxes)
def test_iou_is_symmetric_and_between_0_and_1(a: BBox, b: BBox) -> None:
    assert a.iou(b) == b.iou(a)
    assert 0.0 <= a.iou(b) <= 1.0


@FAST
@given(non_empty_boxes)
def test_iou_of_a_non_empty_box_with_itself_is_1(a: BBox) -> None:
    assert a.iou(a) == 1.0


@FAST
@given(frames(), st.tuples(st.integers(-200, 200), st.integers(-200, 200),
                           st.integers(-50, 300), st.integers(-50, 300)),
       st.floats(-0.6, 0.6))
def test_crop_face_always_gives_a_48x48_uint8_face(frame: np.ndarray,
                                                   box: tuple[int, int, int, int],
                                                   margin: float) -> None:
    face = crop_face(frame, box, margin)
    assert face.shape == (FER_SIZE, FER_SIZE) and face.dtype == np.uint8


@FAST
@given(st.tuples(st.integers(-10**9, 10**9), st.integers(-10**9, 10**9),
                 st.integers(-10**9, 10**9), st.integers(-10**9, 10**9)))
def test_crop_face_with_absurd_boxes_stays_cheap(box: tuple[int, int, int, int]) -> None:
    """A box far larger than the frame must not allocate its padded square (gigabytes)."""
    face = crop_face(np.full((12, 16), 7, np.uint8), box)
    assert face.shape == (FER_SIZE, FER_SIZE) and face.dtype == np.uint8
    assert face.max() in (0, 7)  # the frame's border, replicated, or nothing at all


@FAST
@given(frames(), st.integers(1, 96))
def test_fit_face_always_gives_a_square_uint8_face(frame: np.ndarray, size: int) -> None:
    face = fit_face(frame, size)
    assert face.shape == (size, size) and face.dtype == np.uint8


@FAST
@given(st.integers(0, 40), st.integers(0, 40), st.integers(1, 40))
def test_crop_face_of_a_box_inside_the_frame_keeps_a_flat_frame_flat(
        x: int, y: int, side: int) -> None:
    frame = np.full((100, 100), 123, np.uint8)
    assert (crop_face(frame, (x, y, side, side)) == 123).all()


@st.composite
def gallery_tiles(draw: st.DrawFn) -> list[Tile]:
    """A gallery grid: equal tiles separated by gaps (tiles never overlap)."""
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    tw, th = draw(st.integers(20, 300)), draw(st.integers(20, 300))
    gap = draw(st.integers(0, 12))
    x0, y0 = draw(st.integers(0, 100)), draw(st.integers(0, 100))
    return [Tile(x0 + c * (tw + gap), y0 + r * (th + gap), tw, th, r, c)
            for r in range(rows) for c in range(cols)]


box_like = st.one_of(
    any_boxes,
    st.tuples(st.floats(-2000, 2000), st.floats(-2000, 2000),
              st.floats(-100, 1000), st.floats(-100, 1000)),
)


@FAST
@given(gallery_tiles(), st.lists(box_like, max_size=30))
def test_every_box_lands_in_at_most_one_tile(tiles: list[Tile], boxes: list) -> None:
    groups = faces_by_tile(boxes, tiles)
    assert len(groups) == len(tiles)
    placed = [k for g in groups for k in g]
    assert len(placed) == len(set(placed))
    assert set(placed) <= set(range(len(boxes)))


@FAST
@given(gallery_tiles(), box_like)
def test_a_box_lands_in_the_tile_holding_its_centre(tiles: list[Tile], box) -> None:
    x, y, w, h = box.as_tuple() if isinstance(box, BBox) else box
    cx, cy = x + w / 2, y + h / 2
    holding = [t for t in tiles if t.contains(cx, cy)]
    found = tile_of(box, tiles)
    if holding:
        assert found == holding[0]
    elif found is not None:  # else the tile it overlaps most, which it must overlap
        assert (min(x + w, found.x + found.w) - max(x, found.x) > 0
                and min(y + h, found.y + found.h) - max(y, found.y) > 0)
    index = [i for i, g in enumerate(faces_by_tile([box], tiles)) if g]
    assert index == ([tiles.index(found)] if found is not None else [])


@FAST
@given(gallery_tiles(), st.tuples(*[st.sampled_from([math.nan, math.inf, -math.inf, 0.0])] * 4))
def test_tile_of_a_box_with_nan_or_inf_does_not_raise(tiles: list[Tile], box) -> None:
    found = tile_of(box, tiles)
    assert found is None or found in tiles


# -- (b) tracking and smoothing --------------------------------------------------------------


@st.composite
def distinct_boxes(draw: st.DrawFn, max_size: int = 12) -> list[BBox]:
    """A detector's boxes of one frame: positive sizes, no two with the same geometry."""
    raw = draw(st.lists(st.tuples(st.integers(0, 1500), st.integers(0, 900),
                                  st.integers(8, 200), st.integers(8, 200)),
                        max_size=max_size, unique=True))
    return [BBox(*r) for r in raw]


@SOME
@given(st.lists(st.tuples(distinct_boxes(), st.floats(0.0, 5.0)), min_size=1, max_size=6))
def test_ids_within_one_frame_are_unique(frames_: list[tuple[list[BBox], float]]) -> None:
    tracker, now = FaceTracker(), 0.0
    for boxes, dt in frames_:
        now += dt
        ids = tracker.update(boxes, now)
        assert len(ids) == len(boxes)
        assert len(set(ids)) == len(ids) and all(i > 0 for i in ids)


@SOME
@given(st.lists(distinct_boxes(), max_size=3), distinct_boxes(), st.floats(0.0, 5.0))
def test_boxes_repeated_unchanged_keep_their_ids(history: list[list[BBox]], boxes: list[BBox],
                                                  dt: float) -> None:
    tracker = FaceTracker()
    for k, previous in enumerate(history):
        tracker.update(previous, 0.1 * k)
    now = 0.1 * len(history)
    ids = tracker.update(boxes, now)
    assert tracker.update(list(boxes), now + dt) == ids


@st.composite
def gallery_faces(draw: st.DrawFn) -> tuple[list[BBox], list[BBox], float, list[int]]:
    """Faces on a grid with a spacing beyond the tracker's gate, and the same faces moved a
    little (up to 10 % of their size along each axis, sides within 10 %), in shuffled order."""
    max_shift = draw(st.floats(0.4, 1.5))
    side = draw(st.integers(16, 160))
    rows, cols = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    # the tracker's size is <= 1.1 * side and a centre moves by <= 0.22 * side, so a face and
    # its neighbour's track stay further apart than the gate
    spacing = math.ceil(max_shift * 1.1 * side + 0.3 * side + 2)
    before, after = [], []
    for r in range(rows):
        for c in range(cols):
            w = side + draw(st.integers(-side // 20, side // 20))
            h = side + draw(st.integers(-side // 20, side // 20))
            x, y = 50 + c * spacing, 50 + r * spacing
            before.append(BBox(x, y, w, h))
            m = side // 10
            after.append(BBox(x + draw(st.integers(-m, m)), y + draw(st.integers(-m, m)),
                              w + draw(st.integers(-side // 20, side // 20)),
                              h + draw(st.integers(-side // 20, side // 20))))
    order = draw(st.permutations(range(len(after))))
    return before, [after[k] for k in order], max_shift, order


@FAST
@given(gallery_faces(), st.floats(0.05, 1.0))
def test_neighbours_beyond_the_gate_never_swap_ids(case, dt: float) -> None:
    before, after, max_shift, order = case
    tracker = FaceTracker(max_shift=max_shift)
    ids = tracker.update(before, 0.0)
    moved = tracker.update(after, dt)
    assert moved == [ids[k] for k in order]


@SOME
@given(st.floats(-1.0, 10.0),
       st.lists(st.tuples(st.integers(1, 3), probabilities(), st.floats(-1.0, 10.0)),
                min_size=1, max_size=25))
def test_smoothed_probabilities_sum_to_1_and_stay_within_the_inputs(
        tau: float, updates: list[tuple[int, tuple[float, ...], float]]) -> None:
    smoother = ExpressionSmoother(tau)
    seen: dict[int, list[np.ndarray]] = {}
    now = 0.0
    for sid, probs, dt in updates:
        now += dt  # also backwards: a clock that jumps back must not break the average
        out = smoother.update(sid, np.array(probs), now)
        seen.setdefault(sid, []).append(np.array(probs))
        inputs = np.stack(seen[sid])
        assert out.shape == (len(EMOTIONS),) and np.isfinite(out).all()
        assert abs(float(out.sum()) - 1.0) < 1e-5
        assert (out >= inputs.min(axis=0) - 1e-5).all()
        assert (out <= inputs.max(axis=0) + 1e-5).all()


# -- (c) CSV ---------------------------------------------------------------------------------

#: Names as a gallery or a teacher may write them: any unicode (no surrogates), including
#: commas, quotes, line breaks (\r too), tabs, NUL and emoji.
names = st.one_of(
    st.text(max_size=24),
    st.text(st.sampled_from(list(',"\'\r\n\t #;\x00é😀👩‍🏫ß中') + ["\u200b", "\ufeff"]),
            max_size=12),
)


@st.composite
def observations(draw: st.DrawFn) -> list[Observation]:
    """A few frames of a few students: random names, boxes, probabilities, camera on/off."""
    n_frames = draw(st.integers(1, 6))
    students = draw(st.lists(st.integers(1, 40), min_size=1, max_size=5, unique=True))
    name_of = {sid: draw(names) for sid in students}
    wall0 = draw(st.sampled_from([0.0, 1_760_000_000.25, 946_684_800.0]))
    times = sorted(draw(st.lists(st.floats(0.0, 3600.0), min_size=n_frames,
                                 max_size=n_frames, unique=True)))
    rows = []
    for i, t in enumerate(times):
        for sid in students:
            if not draw(st.booleans()):
                continue
            camera_on = draw(st.booleans())
            zeros = (0.0,) * len(EMOTIONS)
            rows.append(Observation(
                session_id="s1", source="screen", frame_index=i, time_s=t,
                wall_time=wall0 + t if wall0 else 0.0, student_id=sid,
                student_name=name_of[sid],
                box=BBox(draw(coords), draw(coords), draw(st.integers(0, 2000)),
                         draw(st.integers(0, 2000))),
                probs=draw(probabilities()) if camera_on else zeros,
                smoothed=draw(probabilities()) if camera_on else zeros,
                camera_on=camera_on))
    return rows


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("csv")


@FEW
@given(rows=observations())
def test_long_csv_round_trip_keeps_ids_names_boxes_and_expressions(
        csv_dir: Path, rows: list[Observation]) -> None:
    back = read_long_csv(write_long_csv(csv_dir / "long.csv", rows))
    assert len(back) == len(rows)
    for o, b in zip(rows, back, strict=True):
        assert (b.session_id, b.source, b.frame_index, b.student_id, b.student_name) == (
            o.session_id, o.source, o.frame_index, o.student_id, o.student_name)
        assert b.box.as_tuple() == o.box.as_tuple()
        assert b.camera_on == o.camera_on
        assert b.expression == o.expression
        assert abs(b.confidence - o.confidence) <= 0.5e-4 + 1e-12
        assert abs(b.time_s - o.time_s) <= 0.5e-3 + 1e-9
        # isoformat(timespec="milliseconds") truncates: the timestamp is within 1 ms
        assert 0 <= o.wall_time - b.wall_time < 1e-3 + 1e-6
        assert max(abs(p - q) for p, q in zip(b.probs, o.probs, strict=True)) <= 0.5e-4 + 1e-12


@SOME
@given(rows=observations(), max_gap=st.floats(0.0, 10.0))
def test_summary_shares_sum_to_1_and_seconds_are_not_negative(
        rows: list[Observation], max_gap: float) -> None:
    summaries = summarize(rows, max_gap)
    assert [s.student_id for s in summaries] == sorted({o.student_id for o in rows})
    for s in summaries:
        seen = [o for o in rows if o.student_id == s.student_id and o.camera_on]
        assert s.observations == len(seen)
        assert abs(sum(s.shares) - (1.0 if seen else 0.0)) < 1e-9
        assert all(v >= 0 for v in s.shares)
        assert s.seconds_seen >= 0 and s.seconds_camera_off >= 0
        assert s.most_frequent == (EMOTIONS[int(np.argmax(s.shares))] if seen else "")


@FEW
@given(rows=observations())
def test_summary_of_a_re_read_csv_matches_the_summary_of_the_rows(
        csv_dir: Path, rows: list[Observation]) -> None:
    assume(len({round(o.time_s, 3) for o in rows}) == len({o.time_s for o in rows}))
    back = read_long_csv(write_long_csv(csv_dir / "again.csv", rows))
    for a, b in zip(summarize(rows), summarize(back), strict=True):
        assert (a.student_id, a.student_name, a.observations, a.most_frequent) == (
            b.student_id, b.student_name, b.observations, b.most_frequent)
        assert a.shares == b.shares
        assert abs(a.seconds_seen - b.seconds_seen) < 0.02
