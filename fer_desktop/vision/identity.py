"""Student identities from a video-call gallery: tiles, names read by OCR, camera-off tiles.

The tracker (tracking.py) keys a face by where it is. That breaks when Zoom reorders the tiles
(someone joins, leaves or speaks): the face now in tile 3 is someone else. Where a name label
can be read, the name is the key: the face in a tile gets the id of the student whose name the
tile shows, and the tracker's track there is relabelled so that the frames between two
detections keep the right id too. Where no name is read, the tracker's id stays (tile and
position). A tile without a face is a participant with the camera off.

Tiles and names are read on detection frames only (the engine detects at most every 0.8 s and
whenever the picture changes; :meth:`GalleryIdentities.tiles_changed` reports a tile whose
label strip changed, so a reordering triggers one at once). Labels seen before come from the
reader's cache, so a steady gallery costs a few milliseconds per read.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from fer_desktop.datatypes import BBox, CameraOff
from fer_desktop.vision.name_match import NameMatcher, clean_name, similarity
from fer_desktop.vision.tiles import Tile, faces_by_tile, find_tiles
from fer_desktop.vision.tracking import FaceTracker

__all__ = ["GalleryIdentities", "IdentityUpdate", "make_gallery"]


@dataclass(frozen=True, slots=True)
class IdentityUpdate:
    """Result of one gallery read: an id and name per face, and the camera-off tiles."""

    ids: list[int]
    names: list[str]
    camera_off: tuple[CameraOff, ...]
    ocr_ms: float = 0.0


class GalleryIdentities:
    """Keys students by the name in their tile, across reorderings of the gallery.

    Args:
        reader: a NameReader (or anything with ``read(image_bgr, tiles) -> list[str]``); None
            finds tiles and camera-off participants but reads no names.
        matcher: maps names as read to stable names (default: a NameMatcher; it never learns
            by itself: new names are added here, once confirmed).
        strip_threshold: share of a tile's label-strip pixels that must change (by more than
            60 grey levels) for the tile to count as showing someone else.
        refresh_s: seconds after which a steady gallery is read again (on detection frames).
        confirm: reads of the same tile that must agree before an unknown name becomes a new
            student (2 for a live gallery: one misread, "Dmitri" for "Dmitri Ivanov", does
            not split a student in two; 1 for single pictures).
    """

    def __init__(self, reader=None, matcher: NameMatcher | None = None,
                 strip_threshold: float = 0.01, confirm: int = 2,
                 refresh_s: float = 3.0) -> None:
        self.reader = reader
        self.matcher = matcher or NameMatcher(learn=False)
        self.matcher.learn = False  # new names are learnt here, once confirmed
        self.confirm = confirm
        self.refresh_s = refresh_s
        self._last_read: float | None = None
        self._pending: dict[tuple[int, int], tuple[str, int]] = {}  # tile -> (reading, count)
        self.strip_threshold = strip_threshold
        self.tiles: list[Tile] = []
        self.tile_names: list[str] = []
        self.id_of_name: dict[str, int] = {}
        self._off_ids: dict[tuple[int, int], int] = {}  # camera-off tile with no name -> id
        self._strips: list[np.ndarray] = []
        self.ocr_ms = 0.0  # time of the last read (tiles + labels)

    def reset(self) -> None:
        self.tiles, self.tile_names, self._strips = [], [], []
        self._last_read = None
        self.id_of_name.clear()
        self._off_ids.clear()
        self._pending.clear()
        self.matcher = NameMatcher(threshold=self.matcher.threshold, learn=False)

    # -- change detection ---------------------------------------------------------------------

    @staticmethod
    def _strip(gray: np.ndarray, t: Tile) -> np.ndarray:
        """The left 60% of the tile's bottom fifth (where Zoom writes the name), every 2nd px."""
        y0 = t.y + int(t.h * 0.8)
        return gray[max(0, y0):t.y + t.h:2, max(0, t.x):t.x + int(t.w * 0.6):2].astype(np.int16)

    def tiles_changed(self, gray: np.ndarray) -> bool:
        """Whether some tile's label strip differs from the last read (a cheap per-frame test).

        Text is thin, so a changed name moves few pixels' mean but flips many pixels between
        dark and bright: the test counts pixels that changed by more than 60 grey levels.
        """
        if not self.tiles or len(self._strips) != len(self.tiles):
            return False
        for t, old in zip(self.tiles, self._strips, strict=True):
            new = self._strip(gray, t)
            if new.shape != old.shape or new.size == 0:
                return True
            if np.count_nonzero(np.abs(new - old) > 60) > self.strip_threshold * new.size:
                return True
        return False

    # -- reading ------------------------------------------------------------------------------

    def needs_read(self, now: float, changed: bool) -> bool:
        """Whether a detection frame should read tiles and names again: when the picture or a
        label changed, a new name waits for its confirming read, or ``refresh_s`` passed."""
        return (changed or bool(self._pending) or self._last_read is None
                or not self.tiles or now - self._last_read >= self.refresh_s
                or now < self._last_read)

    def update(self, image_bgr: np.ndarray, gray: np.ndarray, boxes: Sequence[BBox],
               track_ids: Sequence[int], tracker: FaceTracker, now: float,
               read: bool = True) -> IdentityUpdate:
        """Read tiles and names of this (detection) frame and settle every face's identity.

        Args:
            image_bgr: the frame (names are read in colour).
            gray: the same frame in grey.
            boxes: this frame's face boxes.
            track_ids: the tracker's id for each box (from ``tracker.update``).
            tracker: the tracker, relabelled where a name says who is where.
            now: the frame's timestamp.
            read: find the tiles and read the names (else keep those of the last read).
        """
        t0 = time.perf_counter()
        if read:  # else the same gallery as at the last read: its tiles and names hold
            self._last_read = now
            self.tiles = find_tiles(image_bgr)
            self._strips = [self._strip(gray, t) for t in self.tiles]
        members = faces_by_tile(boxes, self.tiles) if self.tiles else []
        if read:
            self._read_names(image_bgr, members, track_ids, tracker)
        update = self._identities(gray, boxes, track_ids, members, tracker, now)
        self.ocr_ms = (time.perf_counter() - t0) * 1000
        return replace(update, ocr_ms=self.ocr_ms)

    def _read_names(self, image_bgr: np.ndarray, members: list[list[int]],
                    track_ids: Sequence[int], tracker: FaceTracker) -> None:
        """Read every tile's label into ``tile_names`` (known students, misreadings of the
        tile's current student, and new names once confirmed)."""
        texts = self.reader.read(image_bgr, self.tiles) if (self.reader and self.tiles) else []
        names = self.matcher.assign(texts) if texts else [None] * len(self.tiles)
        taken = set(names)
        for k, tile in enumerate(self.tiles):
            if names[k] is None and texts and texts[k].strip():
                prior = self._prior(tile, members[k], track_ids, tracker)
                if prior and prior not in taken and similarity(texts[k], prior) >= 0.5:
                    names[k] = prior  # a misreading of who this tile showed until now
                    taken.add(prior)
        self.tile_names = [n or self._confirmed(t, text)
                           for t, n, text in zip(self.tiles, names, texts or [""] * len(names),
                                                 strict=True)]

    @staticmethod
    def _looks_camera_off(gray: np.ndarray, t: Tile) -> bool:
        """Whether a tile without a detected face looks like a camera that is off.

        Zoom, Meet and Teams draw such a tile as a flat background with the name (or
        initials) in the middle; a tile whose face the detector missed has a picture there.
        The test: at least 70% of the middle of the tile (half its width and height) within 8
        grey levels of the tile's most common level.
        """
        mid = gray[t.y + t.h // 4:t.y + 3 * t.h // 4, t.x + t.w // 4:t.x + 3 * t.w // 4]
        if mid.size == 0:
            return False
        level = int(np.argmax(np.bincount(mid.ravel(), minlength=256)))
        flat = np.count_nonzero(np.abs(mid.astype(np.int16) - level) <= 8)
        return flat >= 0.7 * mid.size

    def _identities(self, gray: np.ndarray, boxes: Sequence[BBox], track_ids: Sequence[int],
                    members: list[list[int]], tracker: FaceTracker,
                    now: float) -> IdentityUpdate:
        face_name = [""] * len(boxes)
        for tile_k, faces in enumerate(members):
            if len(faces) == 1 and self.tile_names[tile_k]:  # one face: the named participant
                face_name[faces[0]] = self.tile_names[tile_k]
        ids = self._settle(boxes, list(track_ids), face_name, tracker, now)
        off = []
        for tile_k, faces in enumerate(members):
            if faces:
                continue
            t = self.tiles[tile_k]
            if not self._looks_camera_off(gray, t):
                continue  # a face the detector missed, not a camera that is off
            name = self.tile_names[tile_k]
            tile_id = self._off_ids.get((t.row, t.col))
            if name and name not in self.id_of_name and tile_id is not None and (
                    tile_id not in self.id_of_name.values()):
                self.id_of_name[name] = tile_id  # the unnamed camera-off tile gets its name
            if name:
                sid = self._id_for_name(name, tracker)
            else:
                sid = tile_id or tracker.new_id()
            self._off_ids[(t.row, t.col)] = sid
            off.append(CameraOff(sid, name, BBox(t.x, t.y, t.w, t.h)))
        return IdentityUpdate(ids, face_name, tuple(off))

    def _prior(self, tile: Tile, faces: list[int], track_ids: Sequence[int],
               tracker: FaceTracker) -> str:
        """The name this tile had until now: its face's track's, or its camera-off id's."""
        if len(faces) == 1:
            track = tracker.tracks.get(track_ids[faces[0]])
            return track.name if track is not None else ""
        if not faces:
            sid = self._off_ids.get((tile.row, tile.col))
            return next((n for n, i in self.id_of_name.items() if i == sid), "")
        return ""

    def _confirmed(self, tile: Tile, text: str) -> str:
        """A reading that matches no known student: a new one once read ``confirm`` times."""
        clean = clean_name(text)
        key = (tile.row, tile.col)
        if not clean:
            self._pending.pop(key, None)
            return ""
        prev, count = self._pending.get(key, ("", 0))
        count = count + 1 if prev and similarity(clean, prev) >= self.matcher.threshold else 1
        if count >= self.confirm:
            self._pending.pop(key, None)
            return self.matcher.add(clean)
        self._pending[key] = (clean, count)
        return ""

    def _id_for_name(self, name: str, tracker: FaceTracker) -> int:
        sid = self.id_of_name.get(name)
        if sid is None:
            sid = self.id_of_name[name] = tracker.new_id()
        return sid

    def _settle(self, boxes: Sequence[BBox], ids: list[int], face_name: list[str],
                tracker: FaceTracker, now: float) -> list[int]:
        named_ids = set(self.id_of_name.values())
        final = list(ids)
        for k, name in enumerate(face_name):
            if not name:
                continue
            sid = self.id_of_name.get(name)
            if sid is None:
                # a new name: it takes the track's id unless that id is someone else's name
                sid = ids[k] if ids[k] not in named_ids else tracker.new_id()
                self.id_of_name[name] = sid
                named_ids.add(sid)
            final[k] = sid
        for k, name in enumerate(face_name):
            # an unnamed face on a track that belongs to a named student now seen elsewhere
            if not name and final[k] in named_ids and final.count(final[k]) > 1:
                final[k] = tracker.new_id()
        if final != list(ids):
            tracker.relabel(list(ids), final, boxes, now)
        for k, name in enumerate(face_name):
            track = tracker.tracks.get(final[k])
            if track is not None and name:
                track.name = name
            elif track is not None:
                face_name[k] = track.name  # not read this time: the name the track has
        return final


def make_gallery(read_names: bool = True) -> tuple[GalleryIdentities, str]:
    """Gallery identities with a Tesseract name reader where one can start.

    Returns:
        (identities, warning): the warning is "" when names are read, else says why not and
        what to install; tiles and camera-off participants work either way.
    """
    if not read_names:
        return GalleryIdentities(None), ""
    from fer_desktop.vision.names import NameReader, OcrUnavailableError

    try:
        return GalleryIdentities(NameReader()), ""
    except OcrUnavailableError as exc:
        return GalleryIdentities(None), (
            f"Participant names are not read: {exc}. Students are numbered instead.")
