"""The whole engine on real-face gallery frames with the released model."""

from __future__ import annotations

import numpy as np

from fer_desktop.datatypes import Frame
from fer_desktop.testing.gallery import compose_gallery
from fer_desktop.vision.classifier import EmotionClassifier
from fer_desktop.vision.detector import BlazeFaceDetector
from fer_desktop.vision.engine import AnalysisEngine, EngineConfig


def test_engine_refreshes_every_face_each_frame_and_detects_periodically(gallery_faces,
                                                                         models_dir):
    faces, labels = gallery_faces
    clf = EmotionClassifier.from_dir(models_dir)
    engine = AnalysisEngine(BlazeFaceDetector(), clf, EngineConfig(detect_interval_s=1.0))
    results = []
    for k in range(10):  # 10 frames at 5 fps = 2 s
        img, _ = compose_gallery(faces, labels, face_px=100, jitter=(2, 2), seed=k,
                                 video_off=(7,))
        results.append(engine.process(Frame(img, k * 0.2, k, "test")))
    assert engine.detections in (2, 3)  # t=0, t=1.0 (and maybe a picture change)
    counts = [len(r.faces) for r in results]
    assert min(counts) >= 20
    for r in results:
        probs = np.stack([f.probs for f in r.faces])
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
        assert len({f.student_id for f in r.faces}) == len(r.faces)
    # every face classified in every frame: raw probabilities differ between frames
    assert not np.allclose(results[0].faces[0].probs, results[3].faces[0].probs)


def test_new_face_is_picked_up_within_a_second(gallery_faces, models_dir):
    faces, labels = gallery_faces
    clf = EmotionClassifier.from_dir(models_dir)
    engine = AnalysisEngine(BlazeFaceDetector(), clf, EngineConfig(detect_interval_s=0.8,
                                                                   change_threshold=1e9))
    first_seen = None
    for k in range(15):  # 10 fps
        hidden = (3,) if k < 2 else ()  # tile 3's student joins at t = 0.2 s
        img, tiles = compose_gallery(faces, labels, face_px=100, seed=0, hidden=hidden)
        r = engine.process(Frame(img, k * 0.1, k, "test"))
        t3 = tiles[3]
        if any(t3.x <= f.box.center[0] <= t3.x + t3.w and t3.y <= f.box.center[1] <= t3.y + t3.h
               for f in r.faces) and first_seen is None:
            first_seen = k * 0.1
    assert first_seen is not None and first_seen - 0.2 <= 1.0


def test_odd_frames_give_no_faces(models_dir):
    clf = EmotionClassifier.from_dir(models_dir)
    engine = AnalysisEngine(BlazeFaceDetector(), clf)
    for shape in [(1, 1, 3), (0, 0, 3), (20, 4000, 3), (300, 300), (300, 300, 4)]:
        r = engine.process(Frame(np.zeros(shape, np.uint8), 0.0, 0, "odd"))
        assert r.faces == ()
