"""The data layer's errors: DokStampErrors that say where and what."""

from __future__ import annotations

from dashboard.client import DokStampError
from dashboard.data import ConcurrentChangeError, MalformedRecordError


def test_malformed_record_names_resource_field_and_record() -> None:
    error = MalformedRecordError(
        "not a grade: 'A+'", resource="enrollments", field="grade", record_uuid="e1"
    )
    assert isinstance(error, DokStampError)
    assert str(error) == "enrollments.grade of e1: not a grade: 'A+'"


def test_concurrent_change_carries_both_versions() -> None:
    error = ConcurrentChangeError(
        current={"uuid": "e1", "grade": 3.0}, opened={"uuid": "e1", "grade": 5.0}, fields=["grade"]
    )
    assert isinstance(error, DokStampError)
    assert error.current["grade"] == 3.0
    assert error.opened["grade"] == 5.0
    assert error.fields == ("grade",)
    assert "e1" in str(error)
    assert "grade" in str(error)
