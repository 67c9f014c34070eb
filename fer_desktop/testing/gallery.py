"""Zoom-like gallery frames composed from real FER-2013 faces (for tests and benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fer_desktop.labels import EMOTIONS

NAMES = ["Ana Souza", "Ben Okafor", "Chloé Martin", "Dmitri Ivanov", "Emma Larsen", "Farid Haddad",
         "Grace Kim", "Hugo Müller", "Ines Costa", "Jamal Wright", "Kenji Sato", "Lena Novak",
         "Mateo Ruiz", "Nora Ali", "Omar Farouk", "Priya Nair", "Quinn Baker", "Rosa Díaz",
         "Sven Berg", "Tara Singh", "Umar Khan", "Vera Popova", "Will Chen", "Xenia Lund",
         "Yusuf Demir", "Zoe Brown", "Alex 2", "Sam O'Neil", "Mia 3B", "Leo Rossi"]


def load_faces(data_dir: Path | str, n: int, split: str = "PublicTest", seed: int = 0,
               min_std: float = 30.0) -> tuple[list[np.ndarray], list[int]]:
    """``n`` real FER-2013 faces (48x48 gray) of one split, classes mixed, near-blanks skipped."""
    root = Path(data_dir) / "test"
    rng = np.random.default_rng(seed)
    files = sorted(root.glob(f"*/{split}_*.jpg"))
    faces, labels = [], []
    for i in rng.permutation(len(files)):
        img = cv2.imread(str(files[i]), cv2.IMREAD_GRAYSCALE)
        if img is None or img.std() < min_std:
            continue
        faces.append(img)
        labels.append(EMOTIONS.index(files[i].parent.name))
        if len(faces) == n:
            break
    return faces, labels


@dataclass(frozen=True)
class Tile:
    x: int
    y: int
    w: int
    h: int
    face_box: tuple[int, int, int, int] | None  # where the face image was pasted
    name: str
    label: int | None


def compose_gallery(faces: list[np.ndarray], labels: list[int] | None = None, rows: int = 5,
                    cols: int = 5, size: tuple[int, int] = (1920, 1080),
                    face_px: int | list[int] = 110, video_off: tuple[int, ...] = (),
                    jitter: tuple[int, int] = (0, 0), names: list[str] | None = None,
                    chrome: bool = True, hidden: tuple[int, ...] = (),
                    seed: int = 0) -> tuple[np.ndarray, list[Tile]]:
    """A BGR gallery frame: dark window chrome, a grid of tiles with a face and a name label.

    Tile ``i`` shows ``faces[i]`` (upscaled to ``face_px``) unless ``i`` is in ``video_off``
    (name only, as Zoom shows a participant without camera) or in ``hidden`` (empty tile).
    ``jitter`` moves faces by up to (dx, dy) pixels, as a live gallery does.
    """
    W, H = size  # noqa: N806
    rng = np.random.default_rng(seed)
    img = np.full((H, W, 3), 26, np.uint8)
    top, bottom, gap = (44, 64, 6) if chrome else (0, 0, 6)
    if chrome:
        img[:top] = (40, 40, 40)
        img[H - bottom:] = (30, 30, 30)
        cv2.putText(img, "Zoom Meeting", (W // 2 - 90, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                    (220, 220, 220), 1, cv2.LINE_AA)
        for k, label in enumerate(["Mute", "Stop Video", "Participants", "Chat", "Share"]):
            cv2.putText(img, label, (60 + k * 180, H - 25), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                        (200, 200, 200), 1, cv2.LINE_AA)
    tw = (W - gap * (cols + 1)) // cols
    th = min((H - top - bottom - gap * (rows + 1)) // rows, tw * 9 // 16)
    oy = top + (H - top - bottom - rows * th - gap * (rows - 1)) // 2
    ox = (W - cols * tw - gap * (cols - 1)) // 2
    names = names or NAMES
    sizes = face_px if isinstance(face_px, list) else [face_px] * (rows * cols)
    tiles: list[Tile] = []
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        x, y = ox + c * (tw + gap), oy + r * (th + gap)
        shade = 35 + int(rng.integers(0, 25))
        img[y:y + th, x:x + tw] = (shade, shade, shade)
        name = names[i % len(names)]
        face_box = None
        label = None
        if i in video_off:
            fs = max(0.6, tw / 320)
            (nw, nh), _ = cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, fs, 2)
            cv2.putText(img, name, (x + (tw - nw) // 2, y + (th + nh) // 2),
                        cv2.FONT_HERSHEY_SIMPLEX, fs, (235, 235, 235), 2, cv2.LINE_AA)
        elif i not in hidden and i < len(faces):
            s = min(sizes[i], th - 10, tw - 10)
            face = cv2.resize(faces[i], (s, s), interpolation=cv2.INTER_CUBIC)
            dx = int(rng.integers(-jitter[0], jitter[0] + 1)) if jitter[0] else 0
            dy = int(rng.integers(-jitter[1], jitter[1] + 1)) if jitter[1] else 0
            fx = int(np.clip(x + (tw - s) // 2 + dx, x, x + tw - s))
            fy = int(np.clip(y + (th - s) // 2 + dy - th // 20, y, y + th - s))
            img[fy:fy + s, fx:fx + s] = face[..., None]
            face_box = (fx, fy, s, s)
            label = labels[i] if labels is not None and i < len(labels) else None
        if i not in video_off:
            fs = max(0.4, tw / 700)
            (nw, nh), base = cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
            ly = y + th - 6
            img[ly - nh - base - 4:ly + 2, x + 4:x + nw + 14] = (20, 20, 20)
            cv2.putText(img, name, (x + 9, ly - base + 1), cv2.FONT_HERSHEY_SIMPLEX, fs,
                        (240, 240, 240), 1, cv2.LINE_AA)
        tiles.append(Tile(x, y, tw, th, face_box, name, label))
    return img, tiles
