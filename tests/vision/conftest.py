from __future__ import annotations

import pytest

from fer_desktop.testing.gallery import compose_gallery, load_faces


@pytest.fixture(scope="session")
def gallery_faces(data_dir):
    return load_faces(data_dir, 25, seed=0)


@pytest.fixture(scope="session")
def gallery(gallery_faces):
    faces, labels = gallery_faces
    sizes = [60 + (i % 6) * 12 for i in range(25)]  # 60..120 px faces
    return compose_gallery(faces, labels, face_px=sizes, video_off=(7,))
