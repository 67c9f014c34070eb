"""Drawing results on a BGR ndarray with OpenCV (used by `analyze --annotate`; no Qt)."""

from __future__ import annotations

import cv2
import numpy as np

from fer_desktop.datatypes import FrameResult
from fer_desktop.labels import EMOTIONS

#: BGR colour per expression (negative warm, positive green, neutral grey).
COLORS: dict[str, tuple[int, int, int]] = {
    "angry": (40, 40, 220), "disgust": (40, 120, 160), "fear": (180, 60, 160),
    "happy": (60, 190, 60), "sad": (200, 120, 40), "surprise": (30, 200, 230),
    "neutral": (170, 170, 170),
}

#: Faces whose student is not known yet (after the gallery changed).
WAITING_COLOR = (200, 200, 200)


def draw_result(image: np.ndarray, result: FrameResult, labels=EMOTIONS) -> np.ndarray:
    """A copy of ``image`` with a box, the student's name or id, expression and confidence."""
    out = np.ascontiguousarray(image.copy())
    thick = max(1, round(min(out.shape[:2]) / 400))
    for face in result.faces:
        b = face.box
        k = face.expression_index
        name = labels[k]
        color = COLORS.get(name, (255, 255, 255))
        cv2.rectangle(out, (b.x, b.y), (b.x + b.w, b.y + b.h), color, thick + 1)
        who = face.student_name or f"#{face.student_id}"
        text = f"{who} {name} {face.smoothed[k]:.0%}"
        scale = max(0.35, min(1.0, b.w / 160))
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        y0 = max(th + base, b.y)
        cv2.rectangle(out, (b.x, y0 - th - base - 2), (b.x + tw + 4, y0), color, -1)
        cv2.putText(out, text, (b.x + 2, y0 - base), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (0, 0, 0), 1, cv2.LINE_AA)
    for b in result.waiting:  # found, but whose face it is is not settled yet
        cv2.rectangle(out, (b.x, b.y), (b.x + b.w, b.y + b.h), WAITING_COLOR, thick)
        scale = max(0.35, min(1.0, b.w / 160))
        cv2.putText(out, "identifying...", (b.x + 2, max(12, b.y - 4)),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, WAITING_COLOR, 1, cv2.LINE_AA)
    return out
