from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from fer_desktop.capture import SourceError, VideoFileSource
from fer_desktop.datatypes import Frame
from tests.capture.conftest import FACE_SIZE, VIDEO_FPS, VIDEO_FRAMES, VIDEO_SIZE


def read_all(source: VideoFileSource) -> list[Frame]:
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    return frames


@pytest.mark.parametrize("name", ["class.mp4", "class.avi"])
def test_reads_every_frame_with_media_time(
    video_dir: Path, face_frames: list[np.ndarray], name: str
) -> None:
    with VideoFileSource(video_dir / name) as source:
        assert source.frame_count == VIDEO_FRAMES
        assert source.fps == pytest.approx(VIDEO_FPS)
        assert source.duration == pytest.approx(VIDEO_FRAMES / VIDEO_FPS)
        assert not source.finished
        frames = read_all(source)
        assert source.finished
        assert source.read() is None
        assert source.warnings == [] and not source.truncated
    assert len(frames) == VIDEO_FRAMES
    assert [f.index for f in frames] == list(range(VIDEO_FRAMES))
    stamps = np.array([f.timestamp for f in frames])
    assert np.all(np.diff(stamps) > 0)
    np.testing.assert_allclose(stamps, np.arange(VIDEO_FRAMES) / VIDEO_FPS, atol=1e-3)
    for frame, original in zip(frames, face_frames, strict=True):
        assert frame.source_id == name
        assert frame.image.shape == (VIDEO_SIZE[1], VIDEO_SIZE[0], 3)
        assert frame.image.dtype == np.uint8
        # lossy codecs: the decoded face stays close to the FER-2013 face that was written
        x = 20 + 6 * frame.index
        crop = frame.image[48 : 48 + FACE_SIZE, x : x + FACE_SIZE].astype(np.int16)
        expected = original[48 : 48 + FACE_SIZE, x : x + FACE_SIZE].astype(np.int16)
        assert np.abs(crop - expected).mean() < 12


def test_wall_time_is_start_plus_media_time(video_dir: Path) -> None:
    path = video_dir / "class.avi"
    with VideoFileSource(path) as source:
        frames = read_all(source)
    start = path.stat().st_mtime - VIDEO_FRAMES / VIDEO_FPS
    for frame in frames:
        assert frame.wall_time == pytest.approx(start + frame.timestamp)
    with VideoFileSource(path, start_wall_time=1_700_000_000.0) as source:
        second = [source.read(), source.read()]
    assert [f.wall_time for f in second if f] == pytest.approx([1_700_000_000.0, 1_700_000_000.1])


@pytest.mark.parametrize("name", ["truncated_class.mp4", "truncated_class.avi"])
def test_truncated_file_gives_frames_before_damage_or_clear_error(
    video_dir: Path, name: str
) -> None:
    path = video_dir / name
    source = VideoFileSource(path)
    try:
        source.open()
    except SourceError as exc:  # nothing readable (mp4 without its index at the end)
        assert str(path) in str(exc)
        assert "damaged" in str(exc) or "incomplete" in str(exc)
        return
    with source:
        frames = read_all(source)
        assert 0 < len(frames) < VIDEO_FRAMES
        assert source.finished and source.truncated
        assert len(source.warnings) == 1
        assert name in source.warnings[0] and "truncated" in source.warnings[0]
        assert f"after {len(frames)} of {VIDEO_FRAMES} frames" in source.warnings[0]
    assert [f.index for f in frames] == list(range(len(frames)))


def test_truncated_mjpg_avi_keeps_first_half(video_dir: Path) -> None:
    with VideoFileSource(video_dir / "truncated_class.avi") as source:
        frames = read_all(source)
    assert VIDEO_FRAMES // 2 - 3 <= len(frames) < VIDEO_FRAMES


def test_corrupt_file_raises_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "recording.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    with pytest.raises(SourceError, match="recording.mp4") as info:
        VideoFileSource(path).open()
    assert "MP4" in str(info.value)


@pytest.mark.parametrize("content", [None, b""], ids=["missing", "empty"])
def test_missing_or_empty_file_raises(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "lesson 3.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError) as info:
        VideoFileSource(path).open()
    assert str(path) in str(info.value)


def test_read_before_open_raises(video_dir: Path) -> None:
    with pytest.raises(SourceError, match="open"):
        VideoFileSource(video_dir / "class.avi").read()


def test_reopen_starts_from_the_beginning(video_dir: Path) -> None:
    source = VideoFileSource(video_dir / "class.mp4")
    with source:
        source.read()
        source.read()
    with source:
        frame = source.read()
    assert frame is not None and frame.index == 0 and frame.timestamp == 0.0


def test_realtime_paces_reads_to_media_time(video_dir: Path) -> None:
    with VideoFileSource(video_dir / "class.avi", realtime=True) as source:
        start = time.monotonic()
        frames = [source.read() for _ in range(5)]
        elapsed = time.monotonic() - start
    assert all(frames)
    assert elapsed >= 0.4 - 0.02  # frame 4 is due at 0.4 s of media time
    assert source.skipped == 0


def test_realtime_drops_frames_a_slow_reader_misses(video_dir: Path) -> None:
    with VideoFileSource(video_dir / "class.avi", realtime=True) as source:
        first = source.read()
        time.sleep(0.55)  # a consumer 5 frames too slow
        late = source.read()
    assert first is not None and late is not None
    assert source.skipped >= 3
    assert late.index == 1 + source.skipped
    assert late.timestamp == pytest.approx(late.index / VIDEO_FPS, abs=1e-3)


def test_source_id_is_file_name(video_dir: Path) -> None:
    assert VideoFileSource(os.fspath(video_dir / "class.mp4")).source_id == "class.mp4"
