"""SessionStore against SIGKILL at random moments: committed frames survive, whole or not at all.

A child process (tests/session/store_writer.py) records frames of 0 to 8 faces as fast as it
can and commits after every K frames, printing the number of frames committed; the parent
kills it at a random moment, several rounds with random seeds and K, within a time budget
(the whole test takes < 20 s; each round ~1 s, most of it the child's imports).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from fer_desktop.session.store import SessionStore
from tests.session.store_writer import frame_observations

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 6
#: no new round starts after this many seconds, so the test stays under 20 s on a busy machine
BUDGET_S = 12.0


def record_and_kill(folder: Path, seed: int, every: int, delay_s: float) -> tuple[Path, int]:
    """Run the writer, SIGKILL it ``delay_s`` after it starts recording.

    Returns:
        The session file and the last frame count the child reported committed.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.session.store_writer", str(folder), str(seed), str(every)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        path = Path(child.stdout.readline().strip())
        assert path.suffix == ".sqlite", child.stderr.read()
        time.sleep(delay_s)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        reported = child.stdout.read().split()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL, "the writer stopped before it was killed"
    return path, int(reported[-1]) if reported else 0


def check_survivors(path: Path, seed: int, every: int, committed: int) -> int:
    """The file opens, is intact, and holds frames 0..m-1 complete, m >= ``committed``.

    Returns:
        m, the number of frames in the file.
    """
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with SessionStore.open(path) as review:
        assert review.status == "recording" and review.settings["seed"] == seed
        frames = review.frames()
        by_frame = defaultdict(list)
        for obs in review.observations():
            by_frame[obs.frame_index].append(obs)
        session_id = review.session_id
    m = len(frames)
    # the child commits then prints: a kill in between leaves one commit it did not report
    assert m in (committed, committed + every), (m, committed, every)
    assert [f.frame_index for f in frames] == list(range(m))
    assert set(by_frame) <= set(range(m)), "observations of a frame that was not committed"
    for f in frames:
        expected = frame_observations(session_id, seed, f.frame_index)
        assert f.faces == len(expected)
        assert by_frame.get(f.frame_index, []) == expected, f"frame {f.frame_index} is partial"
    return m


def test_random_kills_never_lose_a_commit_or_leave_a_partial_frame(tmp_path: Path) -> None:
    rng = random.Random()
    run_seed = rng.randrange(2**31)
    rng.seed(run_seed)
    begun = time.monotonic()
    survived = []
    for k in range(ROUNDS):
        if k >= 2 and time.monotonic() - begun > BUDGET_S:
            break
        seed, every = rng.randrange(2**31), rng.randint(1, 8)
        delay = 0.0 if k == 0 else rng.uniform(0.0, 0.5)
        context = f"run seed {run_seed}, round {k}: seed {seed}, K {every}, delay {delay:.3f}"
        path, committed = record_and_kill(tmp_path / f"round{k}", seed, every, delay)
        try:
            survived.append(check_survivors(path, seed, every, committed))
        except AssertionError as exc:
            raise AssertionError(f"{context}: {exc}") from exc
    assert max(survived) > 0, f"run seed {run_seed}: no round committed anything"
