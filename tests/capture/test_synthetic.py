from __future__ import annotations

import time

import numpy as np
import pytest

from fer_desktop.capture import SourceError, SyntheticSource


def test_list_of_frames_with_media_time(face_frames: list[np.ndarray]) -> None:
    with SyntheticSource(face_frames[:3], fps=20.0) as source:
        frames = [source.read() for _ in range(4)]
        assert source.finished
    assert frames[3] is None
    assert [f.index for f in frames[:3] if f] == [0, 1, 2]
    assert [f.timestamp for f in frames[:3] if f] == [0.0, 0.05, 0.1]
    assert frames[0] is not None and frames[0].image is face_frames[0]


def test_callable_with_count_and_gray_frames() -> None:
    source = SyntheticSource(lambda i: np.full((4, 6), i, np.uint8), count=2)
    with source:
        first, second, end = source.read(), source.read(), source.read()
    assert first is not None and second is not None and end is None
    assert second.image.shape == (4, 6, 3) and int(second.image[0, 0, 2]) == 1


def test_callable_returning_none_ends() -> None:
    with SyntheticSource(lambda i: None if i >= 1 else np.zeros((2, 2, 3), np.uint8)) as source:
        assert source.read() is not None
        assert source.read() is None and source.finished


def test_bad_frames_raise() -> None:
    with pytest.raises(SourceError, match="uint8"):
        SyntheticSource([np.zeros((4, 4, 3), np.float32)])
    with SyntheticSource(lambda i: np.zeros((4, 4, 2), np.uint8)) as source:
        with pytest.raises(SourceError, match="HxWx3"):
            source.read()


def test_realtime_paces_frames() -> None:
    frames = [np.zeros((2, 2, 3), np.uint8)] * 4
    with SyntheticSource(frames, fps=50.0, realtime=True) as source:
        start = time.monotonic()
        while source.read() is not None:
            pass
        assert time.monotonic() - start >= 0.06 - 0.01
