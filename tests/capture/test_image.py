from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from fer_desktop.capture import ImageSource, SourceError


def test_single_fer_jpg(happy_jpgs: list[Path]) -> None:
    path = happy_jpgs[0]
    with ImageSource(path) as source:
        frame = source.read()
        assert source.read() is None
        assert source.finished
    assert frame is not None
    assert frame.source_id == path.name and frame.index == 0
    assert frame.image.shape == (48, 48, 3) and frame.image.dtype == np.uint8
    assert frame.image.flags.c_contiguous
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    for channel in range(3):  # grayscale JPEG expanded to BGR
        np.testing.assert_array_equal(frame.image[:, :, channel], gray)


def test_folder_in_name_order_skipping_unreadable(image_dir: Path) -> None:
    expected = sorted(p.name for p in image_dir.glob("PrivateTest_*.jpg"))
    with ImageSource(image_dir) as source:
        frames = []
        while not source.finished:
            frame = source.read()
            if frame is not None:
                frames.append(frame)
    assert [f.source_id for f in frames] == expected
    assert [f.index for f in frames] == [0, 1, 2]
    assert all(f.image.shape == (48, 48, 3) for f in frames)
    timestamps = [f.timestamp for f in frames]
    assert timestamps == sorted(timestamps)
    assert source.warnings == ["Skipped broken.jpg: not a readable image."]
    assert [p.name for p in source.files] == ["broken.jpg", *expected]


def test_grayscale_and_bgra_png_become_bgr(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    gray = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    bgra = rng.integers(0, 256, (30, 40, 4), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "a_gray.png"), gray)
    cv2.imwrite(str(tmp_path / "b_bgra.png"), bgra)
    with ImageSource(tmp_path) as source:
        first, second = source.read(), source.read()
    assert first is not None and second is not None
    assert first.image.shape == second.image.shape == (30, 40, 3)
    np.testing.assert_array_equal(first.image, np.repeat(gray[:, :, None], 3, axis=2))
    np.testing.assert_array_equal(second.image, bgra[:, :, :3])


def test_unusual_path_characters(tmp_path: Path, happy_jpgs: list[Path]) -> None:
    folder = tmp_path / "Klasse 5ä – Mathé 😀"
    folder.mkdir()
    target = folder / "Schülerin 1 😀.JPG"
    shutil.copy(happy_jpgs[0], target)
    with ImageSource(folder) as source:
        frame = source.read()
    assert frame is not None and frame.source_id == target.name


def test_single_unreadable_image_raises(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG but not really")
    with pytest.raises(SourceError, match="photo.png"):
        ImageSource(path).open()


def test_missing_path_and_empty_folder_raise(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        ImageSource(tmp_path / "nope.jpg").open()
    (tmp_path / "readme.txt").write_text("no images here")
    with pytest.raises(SourceError, match="contains no images"):
        ImageSource(tmp_path).open()
