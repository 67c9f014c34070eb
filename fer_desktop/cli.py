"""The `fer-desktop` command: one subparser per subcommand; heavy imports stay inside them."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def build_parser() -> argparse.ArgumentParser:
    from fer_desktop import __version__

    parser = argparse.ArgumentParser(
        prog="fer-desktop",
        description="Read the room during an online class: facial expressions of a Zoom "
                    "gallery, a webcam or a recorded class, analysed on this computer.")
    parser.add_argument("--version", action="version", version=f"fer-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    from fer_desktop import analyze as an
    from fer_desktop.session import cli as session_cli
    from fer_desktop.session import report as session_report
    from fer_desktop.train import calibrate as cb
    from fer_desktop.train import card as ca
    from fer_desktop.train import evaluate as ev
    from fer_desktop.train import export as ex
    from fer_desktop.train import train as tr

    commands: list[tuple[str, str, Callable, Callable]] = [
        ("gui", "open the class monitor window (the default without a command)",
         _gui_parser, _gui),
        ("analyze", "analyse a video, an image or a folder of images into a session CSV",
         an.build_parser, an.run),
        ("export", session_cli.DESCRIPTION, session_cli.build_parser, session_cli.run),
        ("report", session_report.DESCRIPTION, session_report.build_parser, session_report.run),
        ("train", "train the emotion CNN on FER-2013", tr.build_parser, tr.run_checked),
        ("evaluate", "evaluate a model on a FER-2013 split (metrics, plots, report)",
         ev.build_parser, ev.run_checked),
        ("release", "copy a trained run into models/ with its TFLite export",
         ex.build_parser, ex.run_checked),
        ("calibrate", "fit a temperature on PublicTest's FER+ votes into a model's labels.json",
         cb.build_parser, cb.run_checked),
        ("model-card", "write models/MODEL_CARD.md from a run and its reports",
         ca.build_parser, ca.run_checked),
    ]
    for name, help_text, build, func in commands:
        sp = sub.add_parser(name, help=help_text, description=help_text)
        build(sp)
        sp.set_defaults(func=func)
    return parser


def _gui_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--quit-after", type=float, default=0.0, metavar="S",
                   help="close the window after S seconds (smoke tests)")
    return p


def _gui(args: argparse.Namespace) -> int:
    if (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("QT_QPA_PLATFORM")):
        print("error: no display found (DISPLAY is not set). Start fer-desktop from a desktop "
              "session, or use `fer-desktop analyze` for headless analysis.", file=sys.stderr)
        return 2
    from fer_desktop import app

    return app.main([], quit_after=getattr(args, "quit_after", 0.0))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        return _gui(args)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
