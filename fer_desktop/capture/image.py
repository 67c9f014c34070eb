"""Still images: one file, or every image of a folder in name order."""

from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np

from fer_desktop.capture.base import SourceBase, SourceError
from fer_desktop.datatypes import Frame

#: The still-image formats OpenCV's imdecode reads (its imread documentation): JPEG, JPEG 2000,
#: PNG, WebP, AVIF, TIFF, BMP, the Netpbm family, Sun raster, Radiance HDR, OpenEXR, PFM.
IMAGE_SUFFIXES: frozenset[str] = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jp2", ".png", ".webp", ".avif", ".tif", ".tiff", ".bmp", ".dib",
    ".pbm", ".pgm", ".ppm", ".pxm", ".pnm", ".sr", ".ras", ".hdr", ".pic", ".exr", ".pfm"})


def load_image_bgr(path: Path) -> np.ndarray | None:
    """Decode an image file to HxWx3 uint8 BGR (gray and alpha converted); None if unreadable."""
    try:
        # np.fromfile + imdecode also handles non-ASCII paths, which cv2.imread does not on Windows.
        data = np.fromfile(path, dtype=np.uint8)
    except OSError:
        return None
    if data.size == 0:
        return None
    try:
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)  # 16-bit and float pictures come as 8-bit
    except cv2.error:
        return None  # a format this OpenCV build was made without (its decoder raises)
    if image is None or image.ndim != 3 or image.shape[2] != 3:
        return None
    return np.ascontiguousarray(image)


class ImageSource(SourceBase):
    """Frames from one image file or from the images of a folder (sorted by file name).

    Each Frame carries its own file name as ``source_id`` (``self.source_id`` follows the image
    last read; before that it is the file or folder name). ``timestamp`` is ``time.monotonic()``
    and ``wall_time`` ``time.time()`` at read time. In a folder, an unreadable image is skipped
    and noted in ``warnings``; a single unreadable image raises :class:`SourceError` at open.

    Args:
        path: an image file of a format OpenCV reads (:data:`IMAGE_SUFFIXES`: JPEG, PNG,
            TIFF, WebP, BMP, ...) or a folder holding such files.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        self.source_id = self.path.name
        self.files: list[Path] = []
        self._single: np.ndarray | None = None
        self._position = 0
        self._index = 0

    def open(self) -> None:
        if self._is_open:
            return
        if not self.path.exists():
            raise SourceError(
                f"{self.path} does not exist. Check the path or choose the image or folder again."
            )
        self._single = None
        self.warnings.clear()
        if self.path.is_dir():
            try:
                entries = list(self.path.iterdir())
            except OSError as exc:
                raise SourceError(f"Cannot list the folder {self.path} ({exc}).") from exc
            self.files = sorted(
                (p for p in entries if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                key=lambda p: p.name.lower(),
            )
            if not self.files:
                kinds = ", ".join(sorted(IMAGE_SUFFIXES))
                raise SourceError(
                    f"The folder {self.path} contains no images ({kinds}); choose another folder."
                )
        else:
            image = load_image_bgr(self.path)
            if image is None:
                raise SourceError(
                    f"Cannot read the image {self.path}: it is damaged or not an image format "
                    "this app reads (JPEG, PNG, TIFF, WebP, BMP and the others OpenCV reads). "
                    "Open it in an image viewer or "
                    "choose another file."
                )
            self.files = [self.path]
            self._single = image
        self._position = 0
        self._index = 0
        self._finished = False
        self._is_open = True

    def read(self) -> Frame | None:
        self._require_open()
        while self._position < len(self.files):
            path = self.files[self._position]
            self._position += 1
            if self._single is not None:
                image, self._single = self._single, None
            else:
                image = load_image_bgr(path)
            if image is None:
                self.warnings.append(f"Skipped {path.name}: not a readable image.")
                continue
            self.source_id = path.name
            frame = Frame(image=image, timestamp=time.monotonic(), index=self._index,
                          source_id=path.name, wall_time=time.time())
            self._index += 1
            return frame
        self._finished = True
        return None

    def close(self) -> None:
        self._single = None
        super().close()
