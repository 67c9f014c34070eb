"""Settings: the frame-rate cap's default and the migration of older files."""

from __future__ import annotations

import json

from fer_desktop.settings import (
    DEFAULT_MAX_FPS,
    SCHEMA_VERSION,
    AppSettings,
    load_settings,
    save_settings,
)


def test_default_cap_refreshes_every_face_at_least_twice_a_second():
    # every tracked face is classified in every analysed frame
    assert AppSettings().max_fps == DEFAULT_MAX_FPS >= 2


def test_version_1_default_becomes_the_new_default_a_choice_is_kept(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"schema_version": 1, "max_fps": 15.0, "negative_s": 90}))
    s = load_settings(path)
    assert s.max_fps == DEFAULT_MAX_FPS and s.negative_s == 90
    assert s.schema_version == SCHEMA_VERSION
    path.write_text(json.dumps({"schema_version": 1, "max_fps": 8.0}))
    assert load_settings(path).max_fps == 8.0
    save_settings(AppSettings(max_fps=15.0), path)  # chosen in version 2: kept
    assert load_settings(path).max_fps == 15.0
