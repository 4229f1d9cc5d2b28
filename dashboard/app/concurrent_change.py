"""A concurrent change: the record as the editor opened it, as the server has it now, and the
editor's unsaved edit, side by side; and how the two are merged when the editor saves anyway.

Saving over a change sends only the fields this editor changed: someone else's change to another
field stays. A field both changed (to different values) is the editor's choice, mine or theirs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from dashboard.app.correction_rules import EDITABLE_FIELDS, current_values, form_values
from dashboard.data import enrollment_frame

__all__ = [
    "FIELD_LABELS",
    "ConflictFields",
    "conflict_fields",
    "frame_row",
    "merged_form",
    "versions_table",
]

FIELD_LABELS = {
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
    changed fields in payload form. "your edit" is empty for a field the editor did not change:
    saving sends none of those.
    """
    before = current_values(frame_row(opened))
    now = current_values(frame_row(current))
    return pl.DataFrame(
        {
            "field": [FIELD_LABELS[name] for name in EDITABLE_FIELDS],
            "when you opened it": [_text(before[name]) for name in EDITABLE_FIELDS],
            "on the server now": [_text(now[name]) for name in EDITABLE_FIELDS],
            "your edit": [_text(edit[name]) if name in edit else "" for name in EDITABLE_FIELDS],
            "changed by someone else": [before[name] != now[name] for name in EDITABLE_FIELDS],
            "changed by you": [name in edit for name in EDITABLE_FIELDS],
        }
    )


@dataclass(frozen=True)
class ConflictFields:
    """The editable fields of a conflict, by who changed them since the record was opened.

    ``mine``: only this editor (sent when saving). ``theirs``: only someone else (kept).
    ``both``: both, to different values (the editor chooses). A field both set to the same
    value is in none of them: there is nothing to send or to choose.
    """

    mine: tuple[str, ...]
    theirs: tuple[str, ...]
    both: tuple[str, ...]


def conflict_fields(
    opened: Mapping[str, Any], current: Mapping[str, Any], edit: Mapping[str, Any]
) -> ConflictFields:
    """Sort the editable fields of a conflict by who changed them (``edit`` in payload form)."""
    before = current_values(frame_row(opened))
    now = current_values(frame_row(current))
    mine, theirs, both = [], [], []
    for name in EDITABLE_FIELDS:
        moved = before[name] != now[name]
        if name not in edit:
            if moved:
                theirs.append(name)
        elif not moved:
            mine.append(name)
        elif edit[name] != now[name]:
            both.append(name)
    return ConflictFields(mine=tuple(mine), theirs=tuple(theirs), both=tuple(both))


def merged_form(
    current: Mapping[str, Any],
    form: Mapping[str, str],
    fields: ConflictFields,
    *,
    keep_mine: Collection[str],
) -> dict[str, str]:
    """The edit form's text after merging: the server's version, with this editor's text for the
    fields only they changed, and for the fields both changed that they keep (``keep_mine``).

    Checked against the server's version, this form yields exactly the fields to send.
    """
    merged = form_values(frame_row(current))
    for name in (*fields.mine, *(name for name in fields.both if name in keep_mine)):
        merged[name] = form[name]
    return merged
