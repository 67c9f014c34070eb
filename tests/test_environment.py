"""Guards against the two breakages an unpinned install brings (measured-here.md)."""

from __future__ import annotations

import sys

import cv2


def test_opencv_has_haar_cascade():
    assert int(cv2.__version__.split(".")[0]) == 4
    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
    assert not cv2.CascadeClassifier(path).empty()


def test_pyside6_void_calls_do_not_leak_none_refcount():
    # PySide6 6.12.0 on Python 3.11 decrements None's refcount on each void call until
    # the interpreter aborts with "none_dealloc"; 10k calls show a delta of -10000 there.
    from PySide6.QtCore import QPointF

    p = QPointF()
    before = sys.getrefcount(None)
    for i in range(10_000):
        p.setX(float(i))
    after = sys.getrefcount(None)
    assert abs(after - before) < 100, f"None refcount moved by {after - before}"
