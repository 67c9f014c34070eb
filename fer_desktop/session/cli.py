"""``fer-desktop export``: a saved session file to the documented CSVs (no Qt)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fer_desktop.session.export import DEFAULT_MAX_GAP_S, ExportError
from fer_desktop.session.files import export_session
from fer_desktop.session.store import SUFFIX, SessionStore, StoreError, default_sessions_dir

DESCRIPTION = "export a saved session to CSV (long rows, per-student summary, class per frame)"


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """Add the export arguments to ``parser`` (a new one named ``fer-desktop export`` if None)."""
    if parser is None:
        parser = argparse.ArgumentParser(prog="fer-desktop export", description=DESCRIPTION)
    parser.add_argument(
        "session",
        help=f"a session file ({SUFFIX}), or a session id in the data folder "
             f"({default_sessions_dir()}; FER_DESKTOP_DATA overrides it)")
    parser.add_argument("--csv", type=Path, metavar="OUT",
                        help="long CSV: one row per face per analysed frame")
    parser.add_argument("--summary", type=Path, metavar="OUT",
                        help="summary CSV: one row per student")
    parser.add_argument("--frames", type=Path, metavar="OUT",
                        help="class CSV: faces and expression shares per analysed frame "
                             "(the only export of an aggregate-only session)")
    parser.add_argument("--max-gap", type=float, default=DEFAULT_MAX_GAP_S, metavar="S",
                        help="summary: longer gaps between sightings do not count as seen "
                             "(default %(default)s s)")
    parser.add_argument("--pseudonymize", action="store_true",
                        help="replace student names in --csv and --summary by pseudonyms "
                             "(Student-XXXXXX: the same in both files, new on every export)")
    return parser


def resolve_session(text: str) -> Path:
    """A path as given if it exists, else ``<default_sessions_dir()>/<text>.sqlite``."""
    path = Path(text)
    if path.exists() or path.suffix == SUFFIX or len(path.parts) > 1:
        return path
    return default_sessions_dir() / f"{text}{SUFFIX}"


def _fail(message: str) -> int:
    print(f"fer-desktop export: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Export; 0 on success, 2 with a one-line message on stderr otherwise."""
    if args.csv is None and args.summary is None and args.frames is None:
        return _fail("nothing to write: give --csv OUT, --summary OUT and/or --frames OUT")
    try:
        store = SessionStore.open(resolve_session(args.session))
    except StoreError as exc:
        return _fail(str(exc))
    try:
        with store:
            if store.aggregate_only and (args.csv is not None or args.summary is not None):
                return _fail(
                    f"session {store.session_id} is aggregate-only: it holds no per-student "
                    "rows; export the class per frame with --frames OUT")
            if store.status == "recording":
                print(f"fer-desktop export: warning: session {store.session_id} was not "
                      "finished (still recording, or the app stopped); exporting what was "
                      "saved", file=sys.stderr)
            written = export_session(
                store, csv=args.csv, summary=args.summary, frames=args.frames,
                pseudonymize=args.pseudonymize, max_gap_s=args.max_gap).paths
    except (StoreError, ExportError) as exc:
        return _fail(str(exc))
    for path in written:
        print(path)
    return 0
