from __future__ import annotations

import pytest

from fer_desktop.capture import SourceError, WebcamSource


def test_missing_camera_raises_a_helpful_error() -> None:
    source = WebcamSource(index=97)  # no /dev/video97 on a test machine
    assert source.source_id == "webcam:97"
    with pytest.raises(SourceError) as info:
        source.open()
    message = str(info.value)
    assert "No camera at index 97" in message
    assert "plugged in" in message and "Zoom" in message
    assert not source.is_open
    source.close()
    source.close()


def test_negative_index_raises() -> None:
    with pytest.raises(SourceError, match="invalid"):
        WebcamSource(index=-1).open()


def test_read_before_open_raises() -> None:
    with pytest.raises(SourceError, match="open"):
        WebcamSource(index=97).read()
