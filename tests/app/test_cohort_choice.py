"""The Cohorts page's default cohort."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from dashboard.app.cohort_choice import CohortTables, cohort_tables, default_cohort

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)


def _cohorts(ends: dict[str, datetime | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"uuid": list(ends), "end_date": list(ends.values())},
        schema={"uuid": pl.String, "end_date": pl.Datetime("us", "UTC")},
    )


def _sizes(sizes: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame(
        {"cohort_uuid": list(sizes), "cohort_code": list(sizes), "len": list(sizes.values())},
        schema={"cohort_uuid": pl.String, "cohort_code": pl.String, "len": pl.UInt32},
    )


def test_largest_ended_cohort_wins_over_a_larger_running_one() -> None:
    cohorts = _cohorts(
        {
            "new": datetime(2030, 8, 31, tzinfo=UTC),
            "old-small": datetime(2022, 8, 31, tzinfo=UTC),
            "old-big": datetime(2023, 8, 31, tzinfo=UTC),
        }
    )
    sizes = _sizes({"new": 300, "old-small": 50, "old-big": 120})
    assert default_cohort(sizes, cohorts, as_of=AS_OF) == "old-big"


def test_largest_when_none_has_ended() -> None:
    cohorts = _cohorts({"a": None, "b": datetime(2030, 1, 1, tzinfo=UTC)})
    assert default_cohort(_sizes({"a": 10, "b": 30}), cohorts, as_of=AS_OF) == "b"


def test_ties_go_to_the_lowest_code() -> None:
    cohorts = _cohorts({"b": None, "a": None})
    assert default_cohort(_sizes({"b": 10, "a": 10}), cohorts, as_of=AS_OF) == "a"


def test_cohort_tables_lists_the_filters_cohorts_and_the_default() -> None:
    filtered = pl.DataFrame(
        {
            "cohort_uuid": ["old-big", "old-big", "new", None],
            "cohort_code": ["OB", "OB", None, None],
        }
    )
    cohorts = _cohorts({"new": None, "old-big": datetime(2023, 8, 31, tzinfo=UTC)})
    tables = cohort_tables(filtered, cohorts, as_of=AS_OF)
    assert tables.codes == {"old-big": "OB", "new": None}
    assert tables.largest == "old-big"


def test_cohort_tables_of_rows_without_a_cohort_is_empty() -> None:
    filtered = pl.DataFrame(
        {"cohort_uuid": [None], "cohort_code": [None]},
        schema={"cohort_uuid": pl.String, "cohort_code": pl.String},
    )
    assert cohort_tables(filtered, _cohorts({}), as_of=AS_OF) == CohortTables(
        codes={}, largest=None
    )
