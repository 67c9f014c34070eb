"""The seven FER-2013 expression classes, in the order of the original CSV label indices."""

from __future__ import annotations

#: Output order of every model we train and of every CSV we write (FER-2013 label indices 0..6).
EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

#: FER-2013 faces are 48x48 grayscale.
FER_SIZE = 48
