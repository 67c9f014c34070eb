from __future__ import annotations

import numpy as np
import pytest

from fer_desktop.datatypes import BBox
from fer_desktop.vision.detector import (
    BlazeFaceDetector,
    HaarFaceDetector,
    HaarParams,
    make_detector,
)


def _match(tiles, boxes):
    truth = [BBox(*t.face_box) for t in tiles if t.face_box]
    hits = sum(any(g.iou(b) > 0.3 for b in boxes) for g in truth)
    false = [b for b in boxes if not any(g.iou(b) > 0.3 for g in truth)]
    return hits, len(truth), false


def test_blazeface_finds_gallery_faces(gallery):
    img, tiles = gallery
    hits, total, false = _match(tiles, BlazeFaceDetector().detect(img))
    assert total == 24
    assert hits >= 20, hits
    assert len(false) <= 1


def test_haar_finds_most_gallery_faces(gallery):
    img, tiles = gallery
    hits, _, false = _match(tiles, HaarFaceDetector(HaarParams(downscale=1.0)).detect(img))
    assert hits >= 14, hits
    assert len(false) <= 2


def test_video_off_tile_has_no_face(gallery):
    img, tiles = gallery
    off = tiles[7]
    for det in (BlazeFaceDetector(), HaarFaceDetector()):
        for b in det.detect(img):
            cx, cy = b.center
            assert not (off.x <= cx <= off.x + off.w and off.y <= cy <= off.y + off.h)


@pytest.mark.parametrize("name", ["haar", "blazeface"])
@pytest.mark.parametrize("shape", [(1, 1, 3), (0, 0, 3), (5, 3000, 3), (480, 640), (480, 640, 4),
                                   (48, 48, 1)])
def test_odd_frames_do_not_crash(name, shape):
    det = make_detector(name)
    img = np.zeros(shape, np.uint8)
    assert det.detect(img) == []


def test_unknown_detector_name():
    with pytest.raises(ValueError, match="haar"):
        make_detector("yolo")
