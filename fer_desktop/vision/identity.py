"""Student identities from a video-call gallery: tiles, names read by OCR, camera-off tiles.

The tracker (tracking.py) keys a face by where it is. That breaks whenever Zoom changes the
gallery: a reorder (someone speaks), a reflow (someone joins or leaves: 5x5 becomes 6x5), a
page change, or the whole gallery resized or moved (a side panel opened, the window resized,
the region picked again). Here each tile of each read is given a student in this order:

1. **by name**: the name read in its label, matched to a known student;
2. **by the gallery grid**: in the same layout, or the same layout scaled and moved (the same
   number of tiles in the same rows), the tile at the same place of the grid keeps its
   student, unless the picture says it is someone else;
3. **by appearance**: a small colour thumbnail of the tile (the person and the room behind
   them), compared with each known student not placed yet; only a clear best match counts.

When none of these is sure, the tile's face is **waiting**: its frames go to nobody (the engine
reports it apart, :attr:`IdentityUpdate.waiting`) until a later read settles it. A tile is a
new student only when no known student who is not placed could be it (or when its name is new
and read ``confirm`` times). So one student's frames are never given to another, and a
student keeps one id through every change of the gallery.

Tiles and names are read on detection frames only (the engine detects at most every 0.8 s and
whenever the picture changes; :meth:`GalleryIdentities.tiles_changed` reports a tile whose
label strip changed, so a reordering triggers one at once). Labels seen before come from the
reader's cache, so a steady gallery costs a few milliseconds per read.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from fer_desktop.datatypes import BBox, CameraOff
from fer_desktop.vision.name_match import NameMatcher, clean_name, fold, similarity
from fer_desktop.vision.tiles import Tile, faces_by_tile, find_tiles
from fer_desktop.vision.tracking import FaceTracker

__all__ = ["GalleryIdentities", "IdentityUpdate", "make_gallery", "tile_appearance"]

#: Luminance of a label's white text (the dimmed video behind the box stays below it).
STRIP_WHITE = 190
#: Appearance similarity (cosine of centred thumbnails, -1..1) above which a tile may be a
#: known student, and the margin by which the best must beat the second.
MATCH_SIM, MATCH_MARGIN = 0.80, 0.10
#: A confirmed new reading this like the name of a known student who is not placed is that
#: student's name read another way, not a new student.
MISREAD_SIM = 0.6
#: Below this, a tile cannot be that student (the gallery grid's guess is overruled).
CONTRADICT_SIM = 0.45
#: A second face in one tile counts only above this detector score (two people at one camera).
SECOND_FACE_SCORE = 0.85
#: In a tile that looks like a camera that is off (flat middle), a face counts only above this
#: score: BlazeFace fires on the big centred name at 0.5-0.65, a small face on a plain wall
#: scores higher (bench/gallery.py).
OFF_TILE_FACE_SCORE = 0.75


@dataclass(frozen=True, slots=True)
class IdentityUpdate:
    """Result of one gallery read: an id and name per face (id 0: waiting, see below), and
    the camera-off tiles.

    ``waiting``: indices of the faces whose student is not known yet (their frames belong to
    nobody until a later read settles them)."""

    ids: list[int]
    names: list[str]
    camera_off: tuple[CameraOff, ...]
    ocr_ms: float = 0.0
    waiting: tuple[int, ...] = ()
    dropped: tuple[int, ...] = ()  # boxes that are no participant's face (see _real_faces)


@dataclass
class _Student:
    sid: int
    name: str = ""
    look: np.ndarray | None = None  # running mean of the tile's appearance (faces only)
    looks: int = 0


def tile_appearance(image_bgr: np.ndarray, t: Tile) -> np.ndarray | None:
    """A scale-free description of what a tile shows: its picture (without the border a
    speaker gets and the label strip) as a 16x9 Lab thumbnail, centred and normalised;
    None for a flat picture (a camera that is off)."""
    mx, my = max(1, t.w // 16), max(1, t.h // 16)
    crop = image_bgr[t.y + my:t.y + int(t.h * 0.8), t.x + mx:t.x + t.w - mx]
    if crop.size == 0 or min(crop.shape[:2]) < 9:
        return None
    thumb = cv2.resize(np.ascontiguousarray(crop[..., :3]), (16, 9), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(thumb, cv2.COLOR_BGR2LAB).astype(np.float32).ravel()
    lab -= lab.mean()
    norm = float(np.linalg.norm(lab))
    if norm < 4.0 * np.sqrt(lab.size):  # flat: less than ~4 levels of spread
        return None
    return lab / norm


def _raw_likeness(a: str, b: str) -> float:
    """Likeness of two folded names with digits compared like letters, 0 below 0.85: a
    student number with one digit misread ("M8349353_Ayu" for "18349353_Ayu")."""
    r = difflib.SequenceMatcher(None, fold(a), fold(b), autojunk=False).ratio()
    return r if r >= 0.85 else 0.0


def _same_layout(a: Sequence[Tile], b: Sequence[Tile], tol: int = 4) -> bool:
    return len(a) == len(b) and all(
        max(abs(p.x - q.x), abs(p.y - q.y), abs(p.w - q.w), abs(p.h - q.h)) <= tol
        for p, q in zip(a, b, strict=True))


def _same_grid(a: Sequence[Tile], b: Sequence[Tile]) -> bool:
    """The same gallery scaled and moved: as many tiles in the same rows and columns."""
    return len(a) == len(b) > 0 and [(t.row, t.col) for t in a] == [(t.row, t.col) for t in b]


@dataclass
class _Pending:
    text: str
    count: int = 1
    seen: float = 0.0


class GalleryIdentities:
    """Keys students by the name in their tile, the gallery grid and the tile's appearance.

    Args:
        reader: a NameReader (or anything with ``read(image_bgr, tiles) -> list[str]``); None
            finds tiles and camera-off participants but reads no names.
        matcher: maps names as read to stable names (default: a NameMatcher; it never learns
            by itself: new names are added here, once confirmed).
        strip_threshold: least share of a tile's label-strip pixels whose whiteness must
            change for the tile to count as showing someone else.
        refresh_s: seconds after which a steady gallery is read again (on detection frames).
        confirm: reads that must agree before an unknown name becomes a student's name (2 for
            a live gallery: one misreading does not make a new student; 1 for single
            pictures).
    """

    def __init__(self, reader=None, matcher: NameMatcher | None = None,
                 strip_threshold: float = 0.01, confirm: int = 2,
                 refresh_s: float = 3.0) -> None:
        self.reader = reader
        self.matcher = matcher or NameMatcher(learn=False)
        self.matcher.learn = False  # new names are learnt here, once confirmed
        self.confirm = confirm
        self.refresh_s = refresh_s
        self.strip_threshold = strip_threshold
        self._last_read: float | None = None
        self.tiles: list[Tile] = []
        self.tile_ids: list[int] = []  # student of each tile of the last read (0: waiting)
        self.students: dict[int, _Student] = {}
        self.id_of_name: dict[str, int] = {}
        self._pending: dict[str, _Pending] = {}  # folded unknown reading -> its count
        self._strips: list[np.ndarray] = []
        self.ocr_ms = 0.0  # time of the last read (tiles + labels)
        self.waiting_tiles = 0  # tiles of the last read whose student is not known yet
        self._located: tuple[np.ndarray, list[Tile]] | None = None

    def reset(self) -> None:
        self.tiles, self.tile_ids, self._strips = [], [], []
        self._last_read = None
        self.students.clear()
        self.id_of_name.clear()
        self._pending.clear()
        self.waiting_tiles = 0
        self.matcher = NameMatcher(threshold=self.matcher.threshold, learn=False)

    # -- change detection ---------------------------------------------------------------------

    @staticmethod
    def _strip(gray: np.ndarray, t: Tile) -> np.ndarray:
        """The text-white pixels next to dark ones (strokes on the label's box) in the left
        60% of the tile's bottom seventh, where Zoom writes the name."""
        y0 = t.y + int(t.h * 0.86)
        band = gray[max(0, y0):t.y + t.h, max(0, t.x):t.x + int(t.w * 0.6)]
        if band.size == 0:
            return band >= STRIP_WHITE
        dark = cv2.dilate((band < 110).view(np.uint8), np.ones((3, 3), np.uint8)) > 0
        return (band >= STRIP_WHITE) & dark

    def tiles_changed(self, gray: np.ndarray) -> bool:
        """Whether some tile's name differs from the last read (a cheap per-frame test).

        A label's text is white; the video behind its translucent box, dimmed by it, is not.
        So the test compares the white pixels of each label strip: a new name moves many of
        them, a moving person, camera noise or JPEG behind the same name few.
        """
        if not self.tiles or len(self._strips) != len(self.tiles):
            return False
        for t, old in zip(self.tiles, self._strips, strict=True):
            new = self._strip(gray, t)
            if new.shape != old.shape or new.size == 0:
                return True
            moved = int(np.count_nonzero(new ^ old))
            if moved > max(self.strip_threshold * new.size,
                           0.3 * max(int(np.count_nonzero(new)), int(np.count_nonzero(old)))):
                return True
        return False

    def needs_read(self, now: float, changed: bool) -> bool:
        """Whether a detection frame should read tiles and names again: when the picture or a
        label changed, a name waits for its confirming read, a tile waits for its student,
        or ``refresh_s`` passed."""
        return (changed or bool(self._pending) or self.waiting_tiles > 0
                or self._last_read is None or not self.tiles
                or now - self._last_read >= self.refresh_s or now < self._last_read)

    # -- reading ------------------------------------------------------------------------------

    def update(self, image_bgr: np.ndarray, gray: np.ndarray, boxes: Sequence[BBox],
               track_ids: Sequence[int], tracker: FaceTracker, now: float,
               read: bool = True) -> IdentityUpdate:
        """Read tiles and names of this (detection) frame and settle every face's identity.

        Args:
            image_bgr: the frame (names are read in colour).
            gray: the same frame in grey.
            boxes: this frame's face boxes.
            track_ids: the tracker's id for each box (from ``tracker.update``); used as they
                are where the frame shows no gallery (a webcam, a video of a room).
            tracker: the tracker, relabelled to the students found, and the source of new ids.
            now: the frame's timestamp.
            read: find the tiles and read the names (else keep those of the last read).
        """
        t0 = time.perf_counter()
        tiles = self.locate(image_bgr) if read else self.tiles
        keep = self._real_faces(gray, boxes, tiles) if tiles else list(range(len(boxes)))
        sub = [boxes[k] for k in keep]
        sub_ids = [track_ids[k] for k in keep]
        if read:
            self._settle_tiles(image_bgr, gray, tiles, sub, tracker, now)
            self._last_read = now
        self._located = None
        if not self.tiles:
            update = IdentityUpdate(list(sub_ids), [""] * len(sub), ())
        else:
            members = faces_by_tile(sub, self.tiles)
            update = self._faces(gray, sub, list(sub_ids), members, tracker, now)
        ids, names = [0] * len(boxes), [""] * len(boxes)
        for j, k in enumerate(keep):
            ids[k], names[k] = update.ids[j], update.names[j]
        dropped = tuple(sorted(set(range(len(boxes))) - set(keep)))
        self.ocr_ms = (time.perf_counter() - t0) * 1000
        return IdentityUpdate(ids, names, update.camera_off, self.ocr_ms,
                              tuple(keep[j] for j in update.waiting), dropped)

    def locate(self, image_bgr: np.ndarray) -> list[Tile]:
        """The tiles of this frame (found once a frame: the engine asks before detecting, so
        that the detector can fit its windows to them, and :meth:`update` reuses them)."""
        if self._located is None or self._located[0] is not image_bgr:
            self._located = (image_bgr, find_tiles(image_bgr))
        return self._located[1]

    def _real_faces(self, gray: np.ndarray, boxes: Sequence[BBox],
                    tiles: Sequence[Tile]) -> list[int]:
        """Indices of the boxes that can be a participant's face: inside a tile, not a weak
        detection in a camera-off picture (a detector fires on its big centred name), the most
        likely face of its tile, and a second one only when it is sure (two people in one
        camera) and apart from the first."""
        members = faces_by_tile(boxes, tiles)
        keep: list[int] = []
        for t, faces in zip(tiles, members, strict=True):
            if faces and self._looks_camera_off(gray, t):  # or a small face on a plain wall
                faces = [f for f in faces if boxes[f].score >= OFF_TILE_FACE_SCORE]
            if not faces:
                continue
            faces = sorted(faces, key=lambda f: -boxes[f].score)
            keep.append(faces[0])
            keep += [f for f in faces[1:] if boxes[f].score >= SECOND_FACE_SCORE
                     and boxes[f].iou(boxes[faces[0]]) < 0.05]
        return sorted(keep)

    def _read_names(self, image_bgr: np.ndarray, tiles: list[Tile]) -> list[str]:
        if self.reader is None or not tiles:
            return [""] * len(tiles)
        return [clean_name(t) for t in self.reader.read(image_bgr, tiles)]

    def _settle_tiles(self, image_bgr: np.ndarray, gray: np.ndarray, tiles: list[Tile],
                      boxes: Sequence[BBox], tracker: FaceTracker, now: float) -> None:
        """Give each tile of this read its student (or 0: waiting), by name, grid, look."""
        texts = self._read_names(image_bgr, tiles)
        members = faces_by_tile(boxes, tiles)
        looks = [tile_appearance(image_bgr, t) if members[k] else None
                 for k, t in enumerate(tiles)]
        prior: list[int] = [0] * len(tiles)
        if self.tile_ids and (_same_layout(tiles, self.tiles) or _same_grid(tiles, self.tiles)):
            prior = list(self.tile_ids)
        ids = [0] * len(tiles)
        names = [""] * len(tiles)
        # 1. names of known students (one tile each, best pairs first)
        known = self.matcher.assign(texts)
        for k, name in enumerate(known):
            if name is not None:  # the strongest clue: the picture may change, the name not
                ids[k], names[k] = self.id_of_name[name], name
        placed = {i for i in ids if i}
        # 2. the gallery grid: the same place keeps its student unless the picture disagrees
        for k in range(len(tiles)):
            sid = prior[k]
            if ids[k] or not sid or sid in placed or sid not in self.students:
                continue
            if texts[k] and self.students[sid].name and similarity(
                    texts[k], self.students[sid].name) < 0.5:
                continue  # the label says someone else
            if looks[k] is not None and self._look_sim(sid, looks[k]) < CONTRADICT_SIM:
                continue
            ids[k] = sid
            placed.add(sid)
        # 3. appearance, among the known students not placed yet
        free = [s for s in self.students if s not in placed]
        for k in sorted(range(len(tiles)), key=lambda k: -self._best_margin(looks[k], free)):
            if ids[k] or looks[k] is None:
                continue
            sid = self._by_look(looks[k], [s for s in free if s not in placed])
            if sid:
                ids[k] = sid
                placed.add(sid)
        # 4. unknown names (confirmed ones make or name a student), then new participants
        seen_pending: set[str] = set()
        for k in range(len(tiles)):
            text = texts[k]
            if not text or names[k]:
                continue
            if ids[k] and self.students[ids[k]].name:
                continue  # a misreading of the student already placed here
            key = next((q for q, p in self._pending.items()
                        if similarity(text, p.text) >= self.matcher.threshold), fold(text))
            pend = self._pending.get(key)
            if pend is None:
                pend = self._pending[key] = _Pending(text, 0, now)
            if key not in seen_pending:
                pend.count += 1
                pend.seen = now
                seen_pending.add(key)
            if pend.count < self.confirm:
                like = 0 if ids[k] else self._misread_of(text, placed)
                if like:  # a known student not in view, whose name this reading is like
                    ids[k], names[k] = like, self.students[like].name
                    placed.add(like)
                    continue
                if (not ids[k] and (members[k] or self._looks_camera_off(gray, tiles[k]))
                        and not self._could_be_known(looks[k], placed)):
                    # someone new for sure (no known student could be them): a student now,
                    # named once the name is confirmed (the grid keeps the tile theirs)
                    ids[k] = self._new_student(tracker, "")
                    placed.add(ids[k])
                continue
            self._pending.pop(key, None)
            like = self._misread_of(text, placed)
            if like and not ids[k]:  # a new reading of a known student not placed yet
                ids[k], names[k] = like, self.students[like].name
                placed.add(like)
                continue
            name = self.matcher.add(text)
            if ids[k]:  # the unnamed student placed here gets the name
                self.students[ids[k]].name = name
                self.id_of_name[name] = ids[k]
            elif not self._could_be_known(looks[k], placed, unnamed_only=True):
                ids[k] = self._new_student(tracker, name)
                placed.add(ids[k])
        for key in [k for k, p in self._pending.items() if now - p.seen > 4 * self.refresh_s]:
            del self._pending[key]  # a reading that never came again
        for k in range(len(tiles)):
            if ids[k] or texts[k]:
                continue  # placed, or a name on its way to being confirmed
            if not members[k] and not self._looks_camera_off(gray, tiles[k]):
                continue  # no face and no camera-off picture: no one to see
            if not self._could_be_known(looks[k], placed):
                ids[k] = self._new_student(tracker, "")
                placed.add(ids[k])
        for k, sid in enumerate(ids):
            st = self.students.get(sid)
            if st is None:
                continue
            names[k] = st.name
            if looks[k] is not None and len(members[k]) == 1:
                self._learn_look(st, looks[k])
        self.tiles, self.tile_ids = tiles, ids
        self._strips = [self._strip(gray, t) for t in tiles]
        self.waiting_tiles = sum(1 for k, s in enumerate(ids)
                                 if not s and (members[k] or texts[k]))

    def _misread_of(self, text: str, placed: set[int]) -> int:
        """A named student not placed yet whose name is like ``text`` (a name read another
        way after the gallery changed: "Renée C6té" for "Renée Côté"), else 0."""
        scored = sorted(((max(similarity(text, st.name), _raw_likeness(text, st.name)), sid)
                         for sid, st in self.students.items()
                         if st.name and sid not in placed), reverse=True)
        if scored and scored[0][0] >= MISREAD_SIM and (
                len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.1):
            return scored[0][1]
        return 0

    def _could_be_known(self, look: np.ndarray | None, placed: set[int],
                        unnamed_only: bool = False) -> bool:
        """Whether a tile no rule placed might still be a known student who is not placed:
        then it waits. A tile with a face that looks unlike all of them is someone new; a
        new name (``unnamed_only``) can only be a known student who has no name yet."""
        free = [s for s in self.students if s not in placed
                and not (unnamed_only and self.students[s].name)]
        if not free:
            return False
        if look is None:
            return True  # camera off or no picture: only a name can tell
        looked = [s for s in free if self.students[s].look is not None]
        if len(looked) < len(free):
            return True  # some of them were only ever seen with the camera off
        return max(self._look_sim(s, look) for s in looked) >= CONTRADICT_SIM

    def _new_student(self, tracker: FaceTracker, name: str) -> int:
        sid = tracker.new_id()
        self.students[sid] = _Student(sid, name)
        if name:
            self.id_of_name[name] = sid
        return sid

    def _look_sim(self, sid: int, look: np.ndarray) -> float:
        st = self.students.get(sid)
        if st is None or st.look is None:
            return 1.0  # nothing to compare with: no contradiction
        return float(np.dot(st.look, look) / max(1e-9, float(np.linalg.norm(st.look))))

    def _sims(self, look: np.ndarray, free: list[int]) -> list[tuple[float, int]]:
        """(similarity, student) of the free students seen with a face, best first."""
        return sorted(((self._look_sim(s, look), s) for s in free
                       if self.students[s].look is not None), reverse=True)

    def _by_look(self, look: np.ndarray, free: list[int]) -> int:
        """The free student whose look clearly matches (similarity and margin), else 0."""
        scored = self._sims(look, free)
        if not scored or scored[0][0] < MATCH_SIM:
            return 0
        if len(scored) > 1 and scored[0][0] - scored[1][0] < MATCH_MARGIN:
            return 0
        return scored[0][1]

    def _best_margin(self, look: np.ndarray | None, free: list[int]) -> float:
        scored = self._sims(look, free) if look is not None else []
        if not scored:
            return -1.0
        return scored[0][0] - (scored[1][0] if len(scored) > 1 else 0.0)

    @staticmethod
    def _learn_look(st: _Student, look: np.ndarray) -> None:
        st.looks += 1
        a = 1.0 / min(st.looks, 10)  # a running mean of the last ~10 reads
        st.look = look.copy() if st.look is None else (1 - a) * st.look + a * look

    # -- faces of every detection frame ---------------------------------------------------------

    @staticmethod
    def _looks_camera_off(gray: np.ndarray, t: Tile) -> bool:
        """Whether a tile without a detected face looks like a camera that is off.

        Zoom, Meet and Teams draw such a tile as a flat background (black, grey or a colour)
        with the name or initials in the middle, or nothing; a tile whose face the detector
        missed has a picture there. The test: at least 70% of the middle of the tile (half
        its width and height) within 8 grey levels of the tile's most common level.
        """
        mid = gray[t.y + t.h // 4:t.y + 3 * t.h // 4, t.x + t.w // 4:t.x + 3 * t.w // 4]
        if mid.size == 0:
            return False
        level = int(np.argmax(np.bincount(mid.ravel(), minlength=256)))
        flat = np.count_nonzero(np.abs(mid.astype(np.int16) - level) <= 8)
        return flat >= 0.7 * mid.size

    def _faces(self, gray: np.ndarray, boxes: Sequence[BBox], track_ids: list[int],
               members: list[list[int]], tracker: FaceTracker, now: float) -> IdentityUpdate:
        """Each face takes its tile's student; faces outside any tile keep their track."""
        ids = list(track_ids)
        names = [""] * len(boxes)
        waiting = []
        in_tile = {face for faces in members for face in faces}
        for k in range(len(boxes)):
            if k not in in_tile:  # outside every tile of a gallery: not a participant
                ids[k] = 0
                waiting.append(k)
        for k, faces in enumerate(members):
            sid = self.tile_ids[k] if k < len(self.tile_ids) else 0
            for j, face in enumerate(sorted(faces, key=lambda f: -boxes[f].w * boxes[f].h)):
                if sid and j == 0:
                    ids[face], names[face] = sid, self.students[sid].name
                else:  # the tile's student unknown, or a second face in one tile
                    ids[face] = 0
                    waiting.append(face)
        if any(i != t for i, t in zip(ids, track_ids, strict=True)):
            known = [k for k, i in enumerate(ids) if i]
            tracker.relabel([track_ids[k] for k in known], [ids[k] for k in known],
                            [boxes[k] for k in known], now)
            for k in waiting:
                tracker.tracks.pop(track_ids[k], None)
        off = []
        for k, faces in enumerate(members):
            sid = self.tile_ids[k] if k < len(self.tile_ids) else 0
            if faces or not sid:
                continue
            t = self.tiles[k]
            if not self._looks_camera_off(gray, t):
                continue  # a face the detector missed, not a camera that is off
            off.append(CameraOff(sid, self.students[sid].name, BBox(t.x, t.y, t.w, t.h)))
        return IdentityUpdate(ids, names, tuple(off), waiting=tuple(sorted(waiting)))

    @property
    def roster(self) -> dict[int, str]:
        """Every student met so far: id -> name ("" while unnamed)."""
        return {sid: st.name for sid, st in self.students.items()}


def make_gallery(read_names: bool = True,
                 scripts: Sequence[str] | None = None) -> tuple[GalleryIdentities, str]:
    """Gallery identities with a Tesseract name reader where one can start.

    Args:
        read_names: read the participants' names (OCR).
        scripts: the scripts names are written in (default: Latin + Hangul where installed).

    Returns:
        (identities, warning): the warning is "" when names are read, else says why not and
        what to install; tiles and camera-off participants work either way.
    """
    if not read_names:
        return GalleryIdentities(None), ""
    from fer_desktop.vision.names import NameReader, OcrUnavailableError

    try:
        return GalleryIdentities(NameReader(scripts=scripts or None)), ""
    except OcrUnavailableError as exc:
        return GalleryIdentities(None), (
            f"Participant names are not read: {exc}. Students are numbered instead.")
    except ValueError as exc:  # an unknown script in the settings
        return GalleryIdentities(NameReader()), f"{exc}; reading the default scripts instead."

