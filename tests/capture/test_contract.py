"""Every registered source honours the FrameSource contract, each on real input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from fer_desktop.capture import SOURCES, FrameSource, SourceError
from fer_desktop.datatypes import Frame

Factory = Callable[[], FrameSource]


def test_registry_is_explicit_and_complete() -> None:
    assert list(SOURCES) == ["screen", "webcam", "video", "image", "synthetic"]


@pytest.fixture(params=sorted(SOURCES))
def make_source(request: pytest.FixtureRequest) -> Factory:
    """A factory for the source kind ``request.param`` reading real input."""
    kind = request.param
    cls = SOURCES[kind]
    if kind == "webcam":
        pytest.skip("no camera on a test machine; the real webcam runs only by hand")
    if kind == "screen":
        display = request.getfixturevalue("x_display")
        return lambda: cls((100, 80, 64, 48), display=display)
    if kind == "video":
        path: Path = request.getfixturevalue("video_dir") / "class.mp4"
        return lambda: cls(path)
    if kind == "image":
        folder: Path = request.getfixturevalue("image_dir")
        return lambda: cls(folder)
    frames = request.getfixturevalue("face_frames")
    return lambda: cls(frames[:5], fps=10.0)


def check_frame(frame: Frame | None, index: int) -> Frame:
    assert isinstance(frame, Frame)
    assert frame.index == index
    image = frame.image
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
    assert image.flags.c_contiguous and image.size > 0
    assert isinstance(frame.source_id, str) and frame.source_id
    assert np.isfinite(frame.timestamp)
    return frame


def test_protocol_and_lifecycle(make_source: Factory) -> None:
    source = make_source()
    assert isinstance(source, FrameSource)
    assert isinstance(source.source_id, str)
    assert source.finished is False and source.warnings == []
    with pytest.raises(SourceError):
        source.read()
    source.open()
    first = check_frame(source.read(), 0)
    second = check_frame(source.read(), 1)
    assert second.timestamp >= first.timestamp
    source.close()
    source.close()


def test_context_manager_reopens(make_source: Factory) -> None:
    source = make_source()
    with source as opened:
        assert opened is source
        check_frame(source.read(), 0)
    with pytest.raises(SourceError):
        source.read()
    with source:
        check_frame(source.read(), 0)
    source.close()


def test_close_twice_without_open(make_source: Factory) -> None:
    source = make_source()
    source.close()
    source.close()
