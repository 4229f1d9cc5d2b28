"""Both versions of a record changed by someone else, beside the unsaved edit."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.app.concurrent_change import versions_table

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
