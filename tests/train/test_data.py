from __future__ import annotations

import shutil

import numpy as np
import pytest

from fer_desktop.labels import EMOTIONS
from fer_desktop.train.data import DataError, class_weights, list_files, load_split


def test_layout_and_manifest_counts(data_dir):
    files = list_files(data_dir)
    usages = [u for _, _, u in files]
    assert usages.count("Training") == 28709
    assert usages.count("PublicTest") == 3589
    assert usages.count("PrivateTest") == 3589
    # train/ holds only Training images; test/ only the two test usages
    assert all(u == "Training" for rel, _, u in files if rel.startswith("train/"))


def test_public_test_loads_as_48x48_with_real_class_counts(public_test):
    assert public_test.images.shape == (3589, 48, 48)
    assert public_test.images.dtype == np.uint8
    counts = np.bincount(public_test.labels, minlength=7)
    assert counts[EMOTIONS.index("disgust")] == 56
    assert counts[EMOTIONS.index("happy")] == 895
    assert public_test.images.std() > 20  # real faces, not blanks


def test_class_weights_favour_disgust(data_dir):
    labels = load_split(data_dir, "PublicTest").labels
    w = class_weights(labels)
    assert w[EMOTIONS.index("disgust")] == max(w.values())
    assert w[EMOTIONS.index("happy")] == min(w.values())
    assert abs(np.mean(list(w.values())) - 1.0) < 0.3


def _mini_copy(data_dir, tmp_path, per_class=2):
    root = tmp_path / "fer"
    for part, prefix in (("train", "Training"), ("test", "PublicTest")):
        for cls in EMOTIONS:
            (root / part / cls).mkdir(parents=True)
            srcs = sorted((data_dir / part / cls).glob(f"{prefix}_*.jpg"))[:per_class]
            for s in srcs:
                shutil.copy(s, root / part / cls / s.name)
    return root


def test_missing_folder_names_the_path(tmp_path):
    with pytest.raises(DataError, match="not found.*nowhere"):
        list_files(tmp_path / "nowhere")


def test_empty_class_names_the_folder(data_dir, tmp_path):
    root = _mini_copy(data_dir, tmp_path)
    for f in (root / "train" / "fear").iterdir():
        f.unlink()
    with pytest.raises(DataError, match=r"empty: .*train/fear"):
        list_files(root)


def test_unreadable_image_names_the_file(data_dir, tmp_path):
    root = _mini_copy(data_dir, tmp_path)
    bad = next((root / "test" / "sad").iterdir())
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match=bad.name):
        load_split(root, "PublicTest")


def test_without_manifest_usage_comes_from_file_names(data_dir, tmp_path):
    root = _mini_copy(data_dir, tmp_path)
    split = load_split(root, "PublicTest")
    assert len(split) == 14 and set(split.labels) == set(range(7))
