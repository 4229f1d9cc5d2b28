"""Both versions of a record changed by someone else, beside the unsaved edit, and the merge
that sends only this editor's fields."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.app.concurrent_change import (
    ConflictFields,
    conflict_fields,
    frame_row,
    merged_form,
    versions_table,
)
from dashboard.app.correction_rules import check_update, current_values

OPENED = {
    "uuid": "e1",
    "completion_status": "enrolled",
    "grade": None,
    "enrolled_at": datetime(2024, 2, 1, tzinfo=UTC),
    "completed_at": None,
    "cohort_uuid": None,
}
CURRENT_API = {
    "uuid": "e1",
    "completion_status": "dropped",
    "grade": "4.50",
    "enrolled_at": "2024-02-01T00:00:00.000000Z",
    "completed_at": None,
    "student": {"uuid": "0b7f3c1e-3d2a-4c55-9a61-2f4f8f3a0001", "name": "Ana"},
    "course": {"uuid": "0b7f3c1e-3d2a-4c55-9a61-2f4f8f3a0002", "name": "Nursing"},
    "cohort": None,
}


def test_versions_side_by_side() -> None:
    table = versions_table(OPENED, CURRENT_API, {"grade": 9.0})
    rows = {row["field"]: row for row in table.iter_rows(named=True)}
    assert rows["Status"]["when you opened it"] == "enrolled"
    assert rows["Status"]["on the server now"] == "dropped"
    assert rows["Status"]["changed by someone else"] is True
    assert rows["Grade"]["on the server now"] == "4.5"
    assert rows["Grade"]["your edit"] == "9.0"
    assert rows["Completed at"]["changed by someone else"] is False
    assert rows["Grade"]["changed by you"] is True
    assert rows["Status"]["changed by you"] is False
    assert rows["Status"]["your edit"] == ""  # not changed by this editor: not sent


def test_conflict_fields_sort_by_who_changed_what() -> None:
    # Someone else dropped it and set a grade; this editor set a grade and a cohort.
    edit = {"grade": 9.0, "cohort_uuid": "0b7f3c1e-3d2a-4c55-9a61-2f4f8f3a0009"}
    fields = conflict_fields(OPENED, CURRENT_API, edit)
    assert fields == ConflictFields(
        mine=("cohort_uuid",), theirs=("completion_status",), both=("grade",)
    )
    # Both set the same value: nothing to send, nothing to choose.
    same = conflict_fields(OPENED, CURRENT_API, {"grade": 4.5})
    assert same == ConflictFields(mine=(), theirs=("completion_status",), both=())


def test_merged_form_keeps_their_change_and_sends_only_mine() -> None:
    form = {
        "completion_status": "enrolled",  # untouched by this editor: still the opened value
        "grade": "9",
        "completed_at": "",
        "cohort_uuid": "0b7f3c1e-3d2a-4c55-9a61-2f4f8f3a0009",
    }
    edit = {"grade": 9.0, "cohort_uuid": form["cohort_uuid"]}
    fields = conflict_fields(OPENED, CURRENT_API, edit)
    keep_theirs = merged_form(CURRENT_API, form, fields, keep_mine=())
    assert keep_theirs == {
        "completion_status": "dropped",
        "grade": "4.5",
        "completed_at": "",
        "cohort_uuid": form["cohort_uuid"],
    }
    keep_mine = merged_form(CURRENT_API, form, fields, keep_mine=("grade",))
    assert keep_mine["grade"] == "9"
    assert keep_mine["completion_status"] == "dropped"
    # Checked against the server's version, the merged form sends exactly this editor's fields.
    current = current_values(frame_row(CURRENT_API))
    sent = check_update(keep_mine, current=current, enrolled_at=None).payload
    assert sent == {"grade": 9.0, "cohort_uuid": form["cohort_uuid"]}
