"""--teacher-views: augmented views of the training set and the teacher's answers, made once."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from fer_desktop.train.augment import FaceBatches, shifted, teacher_views
from fer_desktop.train.train import _teacher, main
from fer_desktop.vision.classifier import EmotionClassifier


@pytest.fixture(scope="module")
def faces(public_test):
    return public_test.images[:40], public_test.labels[:40]


def _mean_brightness_teacher(x):
    """A stand-in teacher whose answer depends on the face it is shown."""
    m = x.reshape(len(x), -1).mean(axis=1) / 255.0
    p = np.stack([m, 1 - m, *([np.zeros_like(m)] * 5)], axis=1)
    return p.astype(np.float32)


def test_views_are_augmented_faces_with_the_teachers_answers_on_them(faces):
    images, _ = faces
    made = list(teacher_views(images, 3, seed=5, teacher=_mean_brightness_teacher, chunk=16))
    assert [v for v, _, _ in made] == [0, 1, 2]
    for _, view, probs in made:
        assert view.shape == images.shape and view.dtype == np.uint8
        assert not np.array_equal(view, images)  # augmented
        np.testing.assert_allclose(probs, _mean_brightness_teacher(view[..., None]
                                                                   .astype(np.float32)))
    assert not np.array_equal(made[0][1], made[1][1])  # each view is a fresh augmentation
    # a view is the same whenever it is made (a resumed run makes only the missing ones)
    (v, again, _), = teacher_views(images, 3, seed=5, teacher=_mean_brightness_teacher,
                                   first=2, chunk=16)
    assert v == 2 and np.array_equal(again, made[2][1])


def test_epoch_e_trains_on_view_e_mod_k(faces):
    images, labels = faces
    k_views = np.stack([np.full_like(images, 10 * (v + 1)) for v in range(2)])
    probs = np.zeros((2, len(images), 7), np.float32)
    probs[0, :, 0] = probs[1, :, 1] = 1.0
    asked = []
    ds = FaceBatches(images, labels, 7, 8, augment=True, seed=1, teacher_weight=0.7,
                     views=(k_views, probs), teacher=lambda x: asked.append(x),
                     class_weight={c: 1.0 + c for c in range(7)})
    one_hot = np.eye(7, dtype=np.float32)
    for epoch, value, cls in [(0, 10, 0), (1, 20, 1), (2, 10, 0)]:
        assert ds.epoch == epoch
        x, y, w = ds[0]
        sel = ds._order[:8]
        assert (x == value).all()
        np.testing.assert_allclose(y, 0.3 * one_hot[labels[sel]] + 0.7 * one_hot[cls])
        np.testing.assert_array_equal(w, 1.0 + labels[sel])
        ds.on_epoch_end()
    assert not asked  # the teacher is not asked again
    with pytest.raises(ValueError, match="do not match"):
        FaceBatches(images[:10], labels[:10], 7, 8, views=(k_views, probs))


def test_shifted_moves_whole_pixels_with_a_reflected_border(faces):
    x = faces[0][:4, :, :, None].astype(np.float32)
    for dx, dy in [(2, 0), (-2, 0), (0, 2), (0, -2), (1, -1)]:
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        want = np.stack([cv2.warpAffine(f[..., 0], m, (48, 48),
                                        borderMode=cv2.BORDER_REFLECT_101) for f in x])
        np.testing.assert_array_equal(shifted(x, dx, dy)[..., 0], want)
    assert shifted(x, 0, 0) is x


def test_shift_teacher_averages_ten_views_of_the_released_model(faces, models_dir):
    images, labels = faces
    x = images[:, :, :, None].astype(np.float32)
    clf = EmotionClassifier.load(models_dir / "model.tflite", tta_flip=True)
    moves = [(0, 0), (2, 0), (-2, 0), (0, 2), (0, -2)]
    want = np.mean([clf.predict_prepared(shifted(x, dx, dy)) for dx, dy in moves], axis=0)
    got = _teacher([models_dir / "model.tflite"], "shifts")(x)
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert not np.allclose(got, _teacher([models_dir / "model.tflite"], "flip")(x), atol=1e-4)
    assert (got.argmax(1) == labels).mean() > 0.4  # a real teacher, far above chance


def test_a_run_makes_its_views_once_and_keeps_them(data_dir, models_dir, tmp_path, capsys):
    out = tmp_path / "run"
    teacher = models_dir / "model.tflite"
    common = ["--data", str(data_dir), "--out", str(out), "--limit", "64", "--batch-size", "16",
              "--steps-per-epoch", "2", "--verbose", "0", "--teacher", str(teacher),
              "--teacher-views", "2", "--label-smoothing", "0"]
    assert main([*common, "--epochs", "1"]) == 0
    files = sorted(p.name for p in (out / "teacher_views").iterdir())
    assert files == ["meta.json", "v0.npz", "v1.npz"]
    with np.load(out / "teacher_views" / "v1.npz") as z:
        assert z["faces"].shape == (64, 48, 48) and z["probs"].shape == (64, 7)
        np.testing.assert_allclose(z["probs"].sum(axis=1), 1.0, rtol=1e-5)
    config = json.loads((out / "config.json").read_text())
    assert config["teacher_views"] == 2 and config["teacher_tta"] == "flip"
    stamp = (out / "teacher_views" / "v0.npz").stat().st_mtime_ns
    capsys.readouterr()
    assert main([*common, "--epochs", "2"]) == 0  # resumes: the views are read back
    assert "making the rest" not in capsys.readouterr().out
    assert (out / "teacher_views" / "v0.npz").stat().st_mtime_ns == stamp
    assert main([*common[:-6], "--teacher-views", "2", "--out", str(tmp_path / "r2")]) == 2
    assert "--teacher-views needs at least one --teacher" in capsys.readouterr().err
