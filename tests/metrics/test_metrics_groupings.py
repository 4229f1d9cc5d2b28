"""with_groupings: intake year from the enrollment date, modality from the cohort."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.metrics import InconsistentAggregateError, with_groupings


def day(year: int, month: int, dom: int) -> datetime:
    return datetime(year, month, dom, tzinfo=UTC)


def test_adds_intake_year_and_modality(enrollments, cohorts) -> None:
    frame = enrollments(
        [
            {"enrolled_at": day(2023, 12, 31), "cohort_uuid": "h0"},
            {"enrolled_at": day(2024, 1, 1), "cohort_uuid": "h1"},
            {"enrolled_at": day(2024, 6, 1), "cohort_uuid": None},
            {"enrolled_at": day(2024, 6, 1), "cohort_uuid": "unknown"},
        ]
    )
    got = with_groupings(frame, cohorts([{"modality": "online"}, {"modality": "onsite"}]))
    assert got.height == 4
    assert got.schema["intake_year"].is_integer()
    assert str(got.schema["intake_year"]) == "Int32"
    assert got.get_column("intake_year").to_list() == [2023, 2024, 2024, 2024]
    assert got.get_column("modality").to_list() == ["online", "onsite", None, None]
    assert got.get_column("uuid").to_list() == frame.get_column("uuid").to_list()


def test_replaces_existing_grouping_columns(enrollments, cohorts) -> None:
    once = with_groupings(enrollments([{"cohort_uuid": "h0"}]), cohorts([{"modality": "a"}]))
    twice = with_groupings(once, cohorts([{"modality": "b"}]))
    assert twice.get_column("modality").to_list() == ["b"]
    assert twice.columns.count("modality") == 1


def test_duplicate_cohort_uuids_raise(enrollments, cohorts) -> None:
    with pytest.raises(InconsistentAggregateError):
        with_groupings(enrollments([{}]), cohorts([{"uuid": "h"}, {"uuid": "h"}]))


def test_every_grouping_has_a_label_and_draws_a_column_it_groups_by() -> None:
    from dashboard.charts.labels import column_title
    from dashboard.metrics.groupings import GROUP_LABELS, GROUPINGS

    assert list(GROUPINGS) == list(GROUP_LABELS) == ["course", "cohort", "intake_year", "modality"]
    for key, (label_column, by) in GROUPINGS.items():
        assert label_column in by
        assert GROUP_LABELS[key] == column_title(label_column)  # the page's word is the axis title
