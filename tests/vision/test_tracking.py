"""Student ids over a sequence of real-face gallery frames: jitter, a face that leaves and
returns, and neighbours that never swap."""

from __future__ import annotations

import numpy as np

from fer_desktop.datatypes import BBox
from fer_desktop.testing.gallery import compose_gallery
from fer_desktop.vision.detector import BlazeFaceDetector
from fer_desktop.vision.tracking import ExpressionSmoother, FaceTracker


def _tile_of(box, tiles):
    cx, cy = box.center
    for i, t in enumerate(tiles):
        if t.x <= cx <= t.x + t.w and t.y <= cy <= t.y + t.h:
            return i
    return None


def test_ids_stable_over_a_moving_gallery_with_a_face_leaving(gallery_faces):
    faces, labels = gallery_faces
    det, tracker = BlazeFaceDetector(), FaceTracker(max_missing_s=10)
    tile_to_id: dict[int, int] = {}
    seen_ids_of_tile: dict[int, set[int]] = {}
    for k in range(12):
        hidden = (12,) if 4 <= k < 8 else ()  # tile 12's student leaves for 4 frames
        img, tiles = compose_gallery(faces, labels, face_px=100, jitter=(6, 4), seed=k,
                                     video_off=(7,), hidden=hidden)
        boxes = det.detect(img)
        ids = tracker.update(boxes, now=k * 0.5)
        assert len(set(ids)) == len(ids)
        for b, sid in zip(boxes, ids, strict=True):
            tile = _tile_of(b, tiles)
            seen_ids_of_tile.setdefault(tile, set()).add(sid)
            tile_to_id.setdefault(tile, sid)
        if 4 <= k < 8:
            assert 12 not in {_tile_of(b, tiles) for b in boxes}
    assert len(seen_ids_of_tile) >= 20
    for tile, sids in seen_ids_of_tile.items():
        assert len(sids) == 1, f"tile {tile} got ids {sids}"
    assert 12 in seen_ids_of_tile  # came back with its old id (checked above: one id)


def test_neighbours_never_swap_even_when_one_vanishes():
    tracker = FaceTracker()
    a, b = BBox(100, 100, 60, 60), BBox(300, 100, 60, 60)
    ida, idb = tracker.update([a, b], 0.0)
    # a vanishes; b moves a bit towards a's old place: it must keep b's id
    assert tracker.update([BBox(290, 102, 60, 60)], 1.0) == [idb]
    # a returns: its old id, not a new one and not b's
    assert tracker.update([BBox(104, 98, 60, 60), BBox(292, 100, 60, 60)], 2.0) == [ida, idb]


def test_track_expires_after_max_missing():
    tracker = FaceTracker(max_missing_s=3)
    (sid,) = tracker.update([BBox(0, 0, 50, 50)], 0.0)
    (sid2,) = tracker.update([BBox(0, 0, 50, 50)], 10.0)
    assert sid2 != sid


def test_smoother_time_constant():
    sm = ExpressionSmoother(tau_s=2.0)
    happy, sad = np.eye(7)[3], np.eye(7)[4]
    np.testing.assert_allclose(sm.update(1, happy, 0.0), happy)
    out = sm.update(1, sad, 2.0)  # one time constant later: 63% of the way
    assert abs(out[4] - (1 - np.exp(-1))) < 1e-5 and abs(out.sum() - 1) < 1e-5
    assert sm.update(2, sad, 2.0)[4] == 1.0  # students are independent
