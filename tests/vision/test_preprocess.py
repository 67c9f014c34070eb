from __future__ import annotations

import numpy as np
import pytest

from fer_desktop.vision.preprocess import crop_face, faces_to_batch, fit_face, to_gray


def test_crop_inside_frame_matches_slice():
    gray = np.arange(200 * 300, dtype=np.uint32).reshape(200, 300).astype(np.uint8)
    face = crop_face(gray, (100, 50, 48, 48), margin=0.0)
    assert face.shape == (48, 48)
    assert np.array_equal(face, gray[50:98, 100:148])


@pytest.mark.parametrize("box", [(-20, -20, 60, 60), (280, 180, 60, 60), (0, 0, 1, 1),
                                 (500, 500, 40, 40), (10, 10, 0, 0)])
def test_crop_at_or_beyond_edges_never_fails(box):
    gray = np.full((200, 300), 128, np.uint8)
    face = crop_face(gray, box, margin=0.1)
    assert face.shape == (48, 48) and face.dtype == np.uint8


def test_margin_grows_the_square_around_the_box():
    gray = np.zeros((400, 400), np.uint8)
    gray[150:250, 150:250] = 255  # a 100 px "face"
    tight = crop_face(gray, (150, 150, 100, 100), margin=0.0)
    loose = crop_face(gray, (150, 150, 100, 100), margin=0.25)
    assert tight.mean() > 250
    assert 255 * 0.3 < loose.mean() < 255 * 0.6  # 100/150 squared = 44% bright


@pytest.mark.parametrize("shape", [(10, 10), (480, 640, 3), (64, 64, 4), (30, 50, 1), (0, 0)])
def test_fit_face_any_input(shape):
    img = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    assert fit_face(img).shape == (48, 48)


def test_batch_shape_and_range():
    b = faces_to_batch([np.zeros((20, 20), np.uint8), np.full((100, 80), 255, np.uint8)])
    assert b.shape == (2, 48, 48, 1) and b.dtype == np.float32 and b.max() == 255


def test_to_gray_rejects_odd_shapes():
    with pytest.raises(ValueError):
        to_gray(np.zeros((4, 4, 2), np.uint8))


def test_sixteen_bit_pictures_keep_their_scale():
    from fer_desktop.vision.preprocess import as_uint8

    wide = np.array([[0, 128, 257, 32768, 65535]], np.uint16)
    assert as_uint8(wide).tolist() == [[0, 0, 1, 128, 255]]
    face = np.random.default_rng(3).integers(0, 256, (64, 64), dtype=np.uint8)
    assert np.array_equal(to_gray(face.astype(np.uint16) * 257), face)  # not all white
    bgr16 = np.dstack([face, face, face]).astype(np.uint16) * 257
    assert np.array_equal(to_gray(bgr16), to_gray(np.dstack([face, face, face])))
    # other dtypes stay on the 0..255 scale, whatever their content
    assert as_uint8(np.array([[0.5, 1.0, 200.4, 300.0]])).tolist() == [[0, 1, 200, 255]]
