"""A live source lost during a class is retried and the session goes on: a camera unplugged and
plugged back in (cv2.VideoCapture faked at WebcamSource's seam, playing real FER-2013 gallery
frames), and a screen region pushed off a real Xvfb screen by a real ``xrandr`` resolution
change. Real PipelineController, QThread, worker and engine."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator

import numpy as np
import pytest

from fer_desktop.capture import ScreenRegionSource, WebcamSource
from fer_desktop.capture.screen import region_lost_message
from fer_desktop.datatypes import Frame
from fer_desktop.pipeline.controller import PipelineController
from fer_desktop.pipeline.worker import PipelineState
from fer_desktop.testing.gallery import compose_gallery, load_faces
from tests.capture.conftest import ORANGE_RGB
from tests.capture.xserver import RIGHT_EDGE, orange_window_near_the_right_edge, set_resolution

LOST = "Camera 0 was disconnected. Waiting for it to come back…"


def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.fixture(scope="module")
def gallery_frames(data_dir) -> list[np.ndarray]:
    faces, labels = load_faces(data_dir, 9, seed=2)
    return [compose_gallery(faces, labels, rows=3, cols=3, size=(960, 540), face_px=110,
                            jitter=(2, 2), seed=k, video_off=(4,))[0] for k in range(10)]


@pytest.fixture
def engine(models_dir, gallery_frames):
    """The real engine, warmed up on one frame so its inference threads exist before a test
    counts threads."""
    from fer_desktop.vision.classifier import EmotionClassifier
    from fer_desktop.vision.detector import BlazeFaceDetector
    from fer_desktop.vision.engine import AnalysisEngine

    engine = AnalysisEngine(BlazeFaceDetector(), EmotionClassifier.from_dir(models_dir))
    engine.process(Frame(image=gallery_frames[0], timestamp=time.monotonic(), index=0,
                         source_id="warm-up", wall_time=time.time()))
    return engine


class Recorder:
    """Everything the controller emits, in arrival order."""

    def __init__(self, controller: PipelineController) -> None:
        self.events: list[tuple[str, object]] = []
        self.errors: list[str] = []
        self.states: list[PipelineState] = []
        controller.result_ready.connect(lambda r: self.events.append(("result", r)))
        controller.source_status.connect(lambda s: self.events.append(("status", s)))
        controller.error_occurred.connect(self.errors.append)
        controller.state_changed.connect(self.states.append)

    @property
    def statuses(self) -> list[str]:
        return [v for k, v in self.events if k == "status"]

    def results_after(self, n_statuses: int) -> list:
        """The results that arrived after the ``n_statuses``-th source_status."""
        seen, out = 0, []
        for kind, value in self.events:
            if kind == "status":
                seen += 1
            elif seen >= n_statuses:
                out.append(value)
        return out


class Camera:
    """Camera 0 behind the cv2.VideoCapture seam: a live gallery that can be unplugged.

    As with a real USB camera, a capture opened before an unplug stays dead after the camera is
    plugged back in, so frames come back only if the worker opens the camera again.
    """

    def __init__(self, frames: list[np.ndarray]) -> None:
        self.frames = frames
        self.plugged = True
        self.generation = 0
        self.opens = self.failed_opens = 0
        self.replugged_at = math.inf
        self._i = 0

    def unplug(self) -> None:
        self.plugged = False

    def replug(self) -> None:
        self.replugged_at = time.monotonic()
        self.generation += 1
        self.plugged = True

    def capture(self, index: int, api: int) -> _Capture:
        assert index == 0
        self.opens += 1
        self.failed_opens += not self.plugged
        return _Capture(self)


class _Capture:
    def __init__(self, camera: Camera) -> None:
        self.camera = camera
        self.opened = camera.plugged
        self.generation = camera.generation

    def isOpened(self) -> bool:  # noqa: N802 - the cv2.VideoCapture name
        return self.opened

    def set(self, prop: int, value: float) -> bool:
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        cam = self.camera
        if not (self.opened and cam.plugged and cam.generation == self.generation):
            return False, None
        cam._i += 1
        return True, cam.frames[cam._i % len(cam.frames)].copy()

    def release(self) -> None:
        self.opened = False


def test_unplugged_camera_is_retried_and_the_session_goes_on(qtbot, engine, gallery_frames):
    camera = Camera(gallery_frames)
    controller = PipelineController()
    rec = Recorder(controller)
    threads_before = os_threads()
    controller.start(lambda: WebcamSource(0, max_failures=10, capture_factory=camera.capture),
                     lambda: engine, max_fps=15.0)
    qtbot.waitUntil(lambda: len(rec.results_after(0)) >= 4, timeout=30000)
    assert max(len(r.faces) for r in rec.results_after(0)) >= 6  # real faces analysed

    camera.unplug()
    qtbot.waitUntil(lambda: len(rec.statuses) == 1, timeout=10000)
    lost = rec.statuses[0]
    assert lost.startswith(LOST) and "The session keeps its data." in lost
    # it keeps trying while the camera is away, without faulting
    qtbot.waitUntil(lambda: camera.failed_opens >= 2, timeout=10000)
    assert controller.running and controller.state == PipelineState.RUNNING
    assert rec.errors == [] and PipelineState.FAULTED not in rec.states
    assert rec.results_after(1) == []  # no results while lost
    assert rec.statuses == [lost]  # said once, not on every retry

    camera.replug()
    qtbot.waitUntil(lambda: len(rec.results_after(2)) >= 3, timeout=15000)
    assert rec.statuses == [lost, ""]
    assert rec.results_after(1) == rec.results_after(2)  # nothing between "lost" and ""
    back = rec.results_after(2)
    assert all(r.frame.timestamp >= camera.replugged_at for r in back)
    assert [r.frame.index for r in back[:2]] == [0, 1]  # from a newly opened camera
    assert max(len(r.faces) for r in back) >= 6

    camera.unplug()  # again, and the teacher stops while the worker waits for it
    qtbot.waitUntil(lambda: len(rec.statuses) == 3, timeout=10000)
    opens = camera.opens
    t0 = time.monotonic()
    assert controller.stop()
    assert time.monotonic() - t0 < 1.0  # not a whole retry interval (1.5 s)
    assert not controller.running and controller.state == PipelineState.STOPPED
    assert camera.opens - opens <= 1
    assert controller.last_engine is engine  # the session's tracks and students are kept
    assert rec.errors == [] and PipelineState.FAULTED not in rec.states
    qtbot.waitUntil(lambda: os_threads() == threads_before, timeout=20000)


@pytest.fixture
def resizable_display() -> Iterator[str]:
    """A private 1280x720 Xvfb with an orange window under RIGHT_EDGE."""
    with orange_window_near_the_right_edge(ORANGE_RGB) as display:
        yield display


def test_region_off_the_screen_waits_for_the_screen_and_the_session_goes_on(
        qtbot, engine, resizable_display):
    display = resizable_display
    orange_bgr = np.array(ORANGE_RGB[::-1], np.uint8)
    made: list[ScreenRegionSource] = []

    def factory() -> ScreenRegionSource:
        made.append(ScreenRegionSource(RIGHT_EDGE, display=display, layout_check_s=0.5))
        return made[-1]

    controller = PipelineController()
    rec = Recorder(controller)
    threads_before = os_threads()
    controller.start(factory, lambda: engine, max_fps=15.0)
    qtbot.waitUntil(lambda: len(rec.results_after(0)) >= 3, timeout=30000)
    assert np.all(rec.results_after(0)[-1].frame.image == orange_bgr)

    set_resolution(display, 800, 600)  # the region is now off the screen
    qtbot.waitUntil(lambda: len(rec.statuses) == 1, timeout=10000)
    assert rec.statuses == [region_lost_message(RIGHT_EDGE)]
    assert "Select region" in rec.statuses[0] and "keeps its data" in rec.statuses[0]
    qtbot.waitUntil(lambda: len(made) >= 3, timeout=10000)  # retried, every ~1.5 s
    assert rec.statuses == [region_lost_message(RIGHT_EDGE)]  # said once
    assert controller.running and controller.state == PipelineState.RUNNING
    assert rec.errors == [] and PipelineState.FAULTED not in rec.states
    assert rec.results_after(1) == []
    assert not any(s.is_open for s in made)  # failed retries leave nothing open

    set_resolution(display, 1280, 720)  # the resolution comes back
    qtbot.waitUntil(lambda: len(rec.results_after(2)) >= 2, timeout=15000)
    assert rec.statuses == [region_lost_message(RIGHT_EDGE), ""]
    assert np.all(rec.results_after(2)[-1].frame.image == orange_bgr)

    set_resolution(display, 800, 600)
    qtbot.waitUntil(lambda: len(rec.statuses) == 3, timeout=10000)
    t0 = time.monotonic()
    assert controller.stop()
    assert time.monotonic() - t0 < 1.0
    assert not controller.running and controller.state == PipelineState.STOPPED
    assert not any(s.is_open for s in made)
    assert rec.errors == [] and PipelineState.FAULTED not in rec.states
    qtbot.waitUntil(lambda: os_threads() == threads_before, timeout=20000)
