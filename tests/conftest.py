from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("FER2013_DIR", ROOT.parent / "shared" / "data" / "fer2013"))
MODELS_DIR = ROOT / "models"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA_DIR / "train").is_dir():
        pytest.skip(f"FER-2013 not found at {DATA_DIR} (set FER2013_DIR)")
    return DATA_DIR


@pytest.fixture(scope="session")
def public_test(data_dir):
    from fer_desktop.train.data import load_split

    return load_split(data_dir, "PublicTest")


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return MODELS_DIR
