"""Session records and their CSV export (no Qt)."""

from __future__ import annotations

from fer_desktop.session.export import (
    LONG_COLUMNS,
    LONG_SCHEMA,
    SUMMARY_COLUMNS,
    SUMMARY_SCHEMA,
    ExportError,
    Observation,
    StudentSummary,
    observations_from_result,
    read_long_csv,
    summarize,
    write_long_csv,
    write_summary_csv,
)

__all__ = [
    "LONG_COLUMNS",
    "LONG_SCHEMA",
    "SUMMARY_COLUMNS",
    "SUMMARY_SCHEMA",
    "ExportError",
    "Observation",
    "StudentSummary",
    "observations_from_result",
    "read_long_csv",
    "summarize",
    "write_long_csv",
    "write_summary_csv",
]
