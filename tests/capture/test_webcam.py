from __future__ import annotations

import cv2
import numpy as np
import pytest

from fer_desktop.capture import SOURCES, SourceError, SourceLostError, WebcamSource


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


class FakeCapture:
    """Stands in for cv2.VideoCapture at WebcamSource's ``capture_factory`` seam.

    Plays ``frames`` (real FER-2013 faces) until ``unplugged`` is set; then every read fails as
    a V4L2 read on a removed device does, or raises cv2.error when ``raise_on_read`` is set.
    """

    def __init__(self, frames: list[np.ndarray], opened: bool = True) -> None:
        self.frames = frames
        self.opened = opened
        self.unplugged = False
        self.raise_on_read = False
        self.released = False
        self.props: dict[int, float] = {}
        self._i = 0

    def isOpened(self) -> bool:  # noqa: N802 - the cv2.VideoCapture name
        return self.opened

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = value
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.unplugged:
            if self.raise_on_read:
                raise cv2.error("device lost")
            return False, None
        image = self.frames[self._i % len(self.frames)]
        self._i += 1
        return True, image.copy()

    def release(self) -> None:
        self.released = True


def test_capture_factory_seam_delivers_frames_and_settings(face_frames) -> None:
    made: list[tuple[int, int]] = []
    cap = FakeCapture(face_frames)

    def factory(index: int, api: int) -> FakeCapture:
        made.append((index, api))
        return cap

    with WebcamSource(2, width=640, height=480, capture_factory=factory) as source:
        frames = [source.read() for _ in range(3)]
    assert made == [(2, cv2.CAP_ANY)]
    assert cap.props == {cv2.CAP_PROP_FRAME_WIDTH: 640.0, cv2.CAP_PROP_FRAME_HEIGHT: 480.0}
    assert [f.index for f in frames] == [0, 1, 2]
    assert all(f.source_id == "webcam:2" for f in frames)
    assert np.array_equal(frames[1].image, face_frames[1])
    assert cap.released


def test_unopened_capture_from_the_factory_is_released_and_reported(face_frames) -> None:
    cap = FakeCapture(face_frames, opened=False)
    source = WebcamSource(0, capture_factory=lambda i, api: cap)
    with pytest.raises(SourceError, match="No camera at index 0"):
        source.open()
    assert cap.released and not source.is_open


@pytest.mark.parametrize("raise_on_read", [False, True], ids=["read-fails", "read-raises"])
def test_unplugged_camera_is_reported_lost_after_max_failures(face_frames,
                                                              raise_on_read: bool) -> None:
    cap = FakeCapture(face_frames)
    source = WebcamSource(0, max_failures=4, capture_factory=lambda i, api: cap)
    assert source.reconnectable
    with source:
        assert source.read() is not None
        cap.unplugged, cap.raise_on_read = True, raise_on_read
        assert [source.read() for _ in range(3)] == [None, None, None]  # transient misses
        with pytest.raises(SourceLostError) as info:
            source.read()
    assert isinstance(info.value, SourceError)
    message = str(info.value)
    assert message.startswith("Camera 0 was disconnected. Waiting for it to come back…")
    assert "cable" in message and "The session keeps its data." in message


def test_a_good_frame_resets_the_failure_count(face_frames) -> None:
    cap = FakeCapture(face_frames)
    with WebcamSource(0, max_failures=3, capture_factory=lambda i, api: cap) as source:
        for _ in range(3):  # two misses, then a frame: never three in a row
            cap.unplugged = True
            assert source.read() is None and source.read() is None
            cap.unplugged = False
            assert source.read() is not None


def test_only_live_sources_are_reconnectable() -> None:
    assert {kind: cls.reconnectable for kind, cls in SOURCES.items()} == {
        "screen": True, "webcam": True, "video": False, "image": False, "synthetic": False}
