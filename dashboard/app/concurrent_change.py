"""Showing a concurrent change: the record as the editor opened it, as the server has it now,
and the editor's unsaved edit, side by side (nothing is overwritten without a second decision)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from dashboard.app.correction_rules import EDITABLE_FIELDS, current_values
from dashboard.data import enrollment_frame

__all__ = ["frame_row", "versions_table"]

_LABELS = {
    "completion_status": "Status",
    "grade": "Grade",
    "completed_at": "Completed at",
    "cohort_uuid": "Cohort",
}


def frame_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """An enrollment as a frame row, whether it is an API record or already a frame row."""
    if any(name in record for name in ("student", "course", "cohort")):
        row: dict[str, Any] = enrollment_frame([dict(record)]).row(0, named=True)
        return row
    return dict(record)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def versions_table(
    opened: Mapping[str, Any], current: Mapping[str, Any], edit: Mapping[str, Any]
) -> pl.DataFrame:
    """One row per editable field: opened, on the server now, the edit, and whether it moved.

    ``opened`` and ``current`` are enrollment records (API or frame rows); ``edit`` holds the
    changed fields in payload form (fields not in it keep the opened value).
    """
    before = current_values(frame_row(opened))
    now = current_values(frame_row(current))
    mine = {**before, **edit}
    return pl.DataFrame(
        {
            "field": [_LABELS[name] for name in EDITABLE_FIELDS],
            "when you opened it": [_text(before[name]) for name in EDITABLE_FIELDS],
            "on the server now": [_text(now[name]) for name in EDITABLE_FIELDS],
            "your edit": [_text(mine[name]) for name in EDITABLE_FIELDS],
            "changed by someone else": [before[name] != now[name] for name in EDITABLE_FIELDS],
        }
    )
