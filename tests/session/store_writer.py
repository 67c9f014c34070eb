"""Child process of tests/session/test_store_fuzz.py: records frames until it is killed.

Usage: ``python -m tests.session.store_writer FOLDER SEED K``. Prints the session file's path,
then adds frames as fast as it can, commits after every ``K`` frames and prints the number of
frames committed so far (stdout flushed), so the parent knows what must survive a SIGKILL.
The frames are a pure function of ``(seed, index)`` (:func:`frame_observations`), so the
parent can tell a whole frame from a partial one.
"""

from __future__ import annotations

import sys

import numpy as np

from fer_desktop.datatypes import BBox
from fer_desktop.labels import EMOTIONS
from fer_desktop.session.export import Observation
from fer_desktop.session.store import SessionStore

MAX_FACES = 8


def frame_observations(session_id: str, seed: int, index: int) -> list[Observation]:
    """Frame ``index`` of a run: 0 to MAX_FACES faces with random boxes and probabilities."""
    rng = np.random.default_rng([seed, index])
    faces = int(rng.integers(0, MAX_FACES + 1))
    return [
        Observation(
            session_id=session_id, source="screen", frame_index=index, time_s=index / 10,
            wall_time=1_760_000_000.0 + index / 10, student_id=sid, student_name=f"S{sid}",
            box=BBox(*(int(v) for v in rng.integers(0, 1000, 4)), float(rng.random())),
            probs=tuple(float(p) for p in rng.dirichlet(np.ones(len(EMOTIONS)))),
            smoothed=tuple(float(p) for p in rng.dirichlet(np.ones(len(EMOTIONS)))))
        for sid in range(1, faces + 1)
    ]


def main(folder: str, seed: int, every: int) -> None:
    """Record frames forever, committing after every ``every`` frames."""
    store = SessionStore.create(folder, "screen", {"test": "fuzz", "seed": seed})
    print(store.path, flush=True)
    index = 0
    while True:
        store.add_frame(index, index / 10, 1_760_000_000.0 + index / 10,
                        frame_observations(store.session_id, seed, index))
        index += 1
        if index % every == 0:
            store.flush()
            print(index, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
