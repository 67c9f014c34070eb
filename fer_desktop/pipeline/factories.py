"""Sources and engines built from the settings, in one place (no Qt).

The window, ``fer-desktop analyze`` and the benchmarks build what they analyse with these, so
a source or an engine is made the same way wherever it runs. Factories are returned rather
than objects: the worker calls them on its own thread, and a lost camera is reopened from the
same factory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fer_desktop.settings import AppSettings

SourceFactory = Callable[[], object]
EngineFactory = Callable[[], object]


def source_label(settings: AppSettings) -> str:
    """The session's source as stored in the session file (``screen``, ``webcam:0``, a name)."""
    if settings.source == "screen":
        return "screen"
    if settings.source == "webcam":
        return f"webcam:{settings.webcam_index}"
    if settings.source == "video":
        return Path(settings.video_path).name
    return "?"


def source_factory(settings: AppSettings) -> SourceFactory:
    """A factory of the source the settings name (screen region, webcam or video file)."""
    if settings.source == "screen":
        from fer_desktop.capture import ScreenRegionSource

        region = tuple(settings.region)
        return lambda: ScreenRegionSource(region)
    if settings.source == "webcam":
        from fer_desktop.capture import WebcamSource

        index = settings.webcam_index
        return lambda: WebcamSource(index)
    from fer_desktop.capture import VideoFileSource

    path = settings.video_path
    return lambda: VideoFileSource(path, realtime=True)


def build_engine(models_dir: Path, detector: str, read_names: bool, classifier=None,
                 scripts: list[str] | None = None):
    """An AnalysisEngine: detector, the model in ``models_dir`` (or ``classifier``), and
    gallery tiles with names read where ``read_names``; a warning (names cannot be read) is
    in ``engine.warnings``."""
    from fer_desktop.vision.classifier import EmotionClassifier
    from fer_desktop.vision.detector import make_detector
    from fer_desktop.vision.engine import AnalysisEngine
    from fer_desktop.vision.identity import make_gallery

    gallery, warning = make_gallery(read_names, scripts or None)
    clf = classifier if classifier is not None else EmotionClassifier.from_dir(models_dir)
    engine = AnalysisEngine(make_detector(detector), clf, gallery=gallery)
    if warning:
        engine.warnings.append(warning)
    return engine


def engine_factory(settings: AppSettings, models_dir: Path) -> EngineFactory:
    """A factory of the engine the settings ask for (tiles and names for galleries only)."""
    detector = settings.detector
    # Tiles and names belong to galleries (screen, recorded class), not to a webcam.
    names = settings.read_names and settings.source != "webcam"
    scripts = list(settings.name_scripts)
    return lambda: build_engine(models_dir, detector, names, scripts=scripts)
