"""Real inputs for the capture tests: FER-2013 faces, videos from cv2.VideoWriter, Xvfb."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.capture.xserver import XWindows, xvfb

VIDEO_SIZE = (320, 240)  # width, height
VIDEO_FPS = 10.0
VIDEO_FRAMES = 20
FACE_SIZE = 144  # FER-2013 faces are 48x48; upscaled 3x onto the bigger frame
ORANGE_RGB = (255, 128, 0)  # window at (100, 80), 300x200 on the Xvfb screen
BLUE_RGB = (0, 64, 255)  # window at (600, 300), 200x150


@pytest.fixture(scope="session")
def happy_jpgs(data_dir: Path) -> list[Path]:
    """Six real FER-2013 test images (48x48 grayscale JPEGs)."""
    folder = data_dir / "test" / "happy"
    files = sorted(folder.glob("*.jpg"))[:6]
    if len(files) < 6:
        pytest.skip(f"FER-2013 test images not found in {folder} (set FER2013_DIR)")
    return files


@pytest.fixture(scope="session")
def face_frames(happy_jpgs: list[Path]) -> list[np.ndarray]:
    """VIDEO_FRAMES BGR frames, each with an upscaled FER-2013 face moving to the right."""
    faces = [cv2.resize(cv2.imread(str(p)), (FACE_SIZE, FACE_SIZE)) for p in happy_jpgs]
    width, height = VIDEO_SIZE
    frames = []
    for i in range(VIDEO_FRAMES):
        image = np.full((height, width, 3), (60, 40, 20), np.uint8)
        x, y = 20 + 6 * i, 48
        image[y : y + FACE_SIZE, x : x + FACE_SIZE] = faces[i % len(faces)]
        frames.append(image)
    return frames


def write_video(path: Path, frames: list[np.ndarray], fourcc: str) -> Path:
    """Encode ``frames`` at VIDEO_FPS with the given codec; skip if this OpenCV cannot."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), VIDEO_FPS, VIDEO_SIZE)
    if not writer.isOpened():
        pytest.skip(f"this OpenCV build cannot write {fourcc} to {path.suffix}")
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory, face_frames: list[np.ndarray]) -> Path:
    """A folder with class.mp4 (mp4v) and class.avi (MJPG), and their halves cut off."""
    folder = tmp_path_factory.mktemp("videos")
    for name, fourcc in (("class.mp4", "mp4v"), ("class.avi", "MJPG")):
        path = write_video(folder / name, face_frames, fourcc)
        data = path.read_bytes()
        (folder / f"truncated_{name}").write_bytes(data[: len(data) // 2])
    return folder


@pytest.fixture(scope="session")
def image_dir(tmp_path_factory: pytest.TempPathFactory, happy_jpgs: list[Path]) -> Path:
    """Three real FER-2013 JPEGs, a garbage .jpg, and a text file that is not an image."""
    folder = tmp_path_factory.mktemp("images")
    for path in happy_jpgs[:3]:
        shutil.copy(path, folder / path.name)
    (folder / "broken.jpg").write_bytes(b"this is not a JPEG" * 20)
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture(scope="session")
def x_display() -> Iterator[str]:
    """A private Xvfb 1280x720 screen (black root) with two solid windows; yields ``":N"``."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb); screen tests need an X server")
    with xvfb(1280, 720) as display:
        try:
            windows = XWindows(display)
        except OSError as exc:
            pytest.skip(f"cannot draw on Xvfb: {exc}")
        windows.add(100, 80, 300, 200, ORANGE_RGB)
        windows.add(600, 300, 200, 150, BLUE_RGB)
        try:
            yield display
        finally:
            windows.close()
