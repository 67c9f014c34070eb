"""Resource and model paths for a source checkout and for a PyInstaller-frozen build (no Qt)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def project_root() -> Path:
    """The folder that holds ``models/`` and ``resources/`` (the bundle dir when frozen)."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def default_models_dir() -> Path:
    """The released model folder; ``FER_DESKTOP_MODELS`` overrides it."""
    env = os.environ.get("FER_DESKTOP_MODELS")
    return Path(env) if env else project_root() / "models"


def resources_dir() -> Path:
    return project_root() / "resources"
