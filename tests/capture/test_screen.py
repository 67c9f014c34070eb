from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from fer_desktop.capture import RegionLostError, ScreenRegionSource, SourceError, SourceLostError
from fer_desktop.capture.screen import validate_region
from tests.capture.conftest import BLUE_RGB, ORANGE_RGB
from tests.capture.xserver import (
    RIGHT_EDGE,
    orange_window_near_the_right_edge,
    set_resolution,
)

ORANGE_BGR = ORANGE_RGB[::-1]
BLUE_BGR = BLUE_RGB[::-1]


def test_region_grab_matches_the_window_on_screen(x_display: str) -> None:
    # region (50, 50, 400, 300); the orange window covers x 100..399, y 80..279 of the screen
    with ScreenRegionSource((50, 50, 400, 300), display=x_display) as source:
        first, second = source.read(), source.read()
    assert first is not None and second is not None
    image = first.image
    assert image.shape == (300, 400, 3) and image.dtype == np.uint8
    assert image.flags.c_contiguous
    assert first.source_id == "screen" and (first.index, second.index) == (0, 1)
    assert second.timestamp >= first.timestamp and first.wall_time > 1e9
    inside = image[30:230, 50:350]
    assert np.all(inside == ORANGE_BGR)
    outside = np.ones(image.shape[:2], bool)
    outside[30:230, 50:350] = False
    assert np.all(image[outside] == 0)  # Xvfb -br: black root window


def test_full_screen_shows_both_windows(x_display: str) -> None:
    with ScreenRegionSource((0, 0, 1280, 720), display=x_display) as source:
        frame = source.read()
        assert source.monitors == [(0, 0, 1280, 720)]
    assert frame is not None and frame.image.shape == (720, 1280, 3)
    assert np.all(frame.image[80:280, 100:400] == ORANGE_BGR)
    assert np.all(frame.image[300:450, 600:800] == BLUE_BGR)
    assert (frame.image.sum(axis=2) > 0).sum() == 300 * 200 + 200 * 150


@pytest.mark.parametrize(
    "region",
    [(2000, 100, 100, 100), (1200, 650, 200, 200), (-10, 0, 100, 100), (10, 10, 0, 50)],
    ids=["off-screen", "partly-off", "negative", "zero-size"],
)
def test_bad_region_raises_asking_to_select_again(x_display: str, region: tuple) -> None:
    source = ScreenRegionSource(region, display=x_display)
    with pytest.raises(SourceError, match="select the region again|Select the region again"):
        source.open()
    assert not source.is_open
    source.close()


def test_read_from_another_thread_raises(x_display: str) -> None:
    errors: list[BaseException] = []
    with ScreenRegionSource((0, 0, 64, 48), display=x_display) as source:
        def reader() -> None:
            try:
                source.read()
            except SourceError as exc:
                errors.append(exc)

        thread = threading.Thread(target=reader)
        thread.start()
        thread.join()
    assert len(errors) == 1 and "same capture thread" in str(errors[0])


def test_unreachable_display_raises() -> None:
    with pytest.raises(SourceError, match="Cannot access"):
        ScreenRegionSource((0, 0, 10, 10), display=":4321").open()


def test_validate_region_across_two_monitors() -> None:
    monitors = [(0, 0, 1920, 1080), (1920, 0, 1280, 720)]
    validate_region((1800, 100, 300, 400), monitors)  # spans both, inside both heights
    with pytest.raises(SourceError, match="partly outside"):
        validate_region((1800, 600, 300, 400), monitors)  # reaches below the smaller monitor
    with pytest.raises(SourceError, match="outside the screen"):
        validate_region((3300, 0, 10, 10), monitors)


@pytest.fixture
def resizable_display() -> Iterator[str]:
    """A private 1280x720 Xvfb (this test may change its resolution) with an orange window
    under RIGHT_EDGE, near the right edge."""
    with orange_window_near_the_right_edge(ORANGE_RGB) as display:
        yield display


def test_region_lost_when_the_resolution_shrinks(resizable_display: str) -> None:
    with ScreenRegionSource(RIGHT_EDGE, display=resizable_display) as source:
        frame = source.read()
        assert frame is not None and np.all(frame.image == ORANGE_BGR)
        set_resolution(resizable_display, 800, 600)
        with pytest.raises(RegionLostError) as info:
            source.read()  # the grab fails, and the layout check says why
    assert isinstance(info.value, SourceLostError) and source.reconnectable
    assert str(info.value) == (
        "The captured region (900, 100, 200×150) is no longer on any screen (a monitor was "
        "unplugged or the resolution changed). Choose the region again (Session ▸ Select "
        "region…); the session keeps its data.")
    with pytest.raises(SourceError, match="outside the screen"):
        ScreenRegionSource(RIGHT_EDGE, display=resizable_display).open()
    set_resolution(resizable_display, 1280, 720)  # the resolution comes back
    with ScreenRegionSource(RIGHT_EDGE, display=resizable_display) as source:
        frame = source.read()
    assert frame is not None and np.all(frame.image == ORANGE_BGR)


def test_region_no_monitor_shows_is_caught_by_the_layout_check(resizable_display: str) -> None:
    # the root window stays 1280x720, so grabbing RIGHT_EDGE still works (and shows nothing
    # anyone sees): only the periodic layout check notices
    checked = ScreenRegionSource(RIGHT_EDGE, display=resizable_display, layout_check_s=0.0)
    not_due = ScreenRegionSource(RIGHT_EDGE, display=resizable_display, layout_check_s=3600)
    with checked, not_due:
        assert checked.read() is not None and not_due.read() is not None
        set_resolution(resizable_display, 800, 600, fb=(1280, 720))
        assert not_due.read() is not None  # the grab alone does not notice
        with pytest.raises(RegionLostError, match=r"\(900, 100, 200×150\) is no longer"):
            checked.read()
        with pytest.raises(RegionLostError):
            not_due.check_layout()


def test_region_still_on_screen_keeps_reading_after_a_change(resizable_display: str) -> None:
    with ScreenRegionSource((10, 10, 100, 100), display=resizable_display,
                            layout_check_s=0.0) as source:
        assert source.read() is not None
        set_resolution(resizable_display, 800, 600)
        frames = [source.read() for _ in range(3)]  # each read re-checks the layout
    assert all(f is not None and f.image.shape == (100, 100, 3) for f in frames)
