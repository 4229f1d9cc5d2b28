"""Under ``public``, a count hidden in one table is not given away by another table of the same
page: the completers of time to completion are a part of the group's n that the completion
tables publish, and a breakdown of grades adds up to the overall summary shown beside it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from dashboard.publication import (
    completion_table,
    grade_summary_table,
    time_to_completion_table,
)
from dashboard.reports.completion import ALL_GROUPS
from dashboard.reports.durations import time_to_completion_by_course

START = datetime(2024, 2, 1, tzinfo=UTC)
BY = ("course_uuid", "course_name")


def _course(uuid: str, name: str, *, completed: int, other: str, others: int) -> pl.DataFrame:
    """``completed`` completers (graded) and ``others`` of status ``other`` (no grade)."""
    rows = completed + others
    return pl.DataFrame(
        {
            "course_uuid": [uuid] * rows,
            "course_name": [name] * rows,
            "completion_status": ["completed"] * completed + [other] * others,
            "enrolled_at": [START] * rows,
            "completed_at": [START + timedelta(days=100 + i) for i in range(completed)]
            + [None] * others,
            "grade": [7.0] * completed + [None] * others,
        }
    )


# A small tenant: Barista 29 (27 completed, 2 dropped), Bookkeeping 31 (15 completed, 16 still
# enrolled). Barista's 2 non-completers must stay hidden wherever its n of 29 is shown.
TENANT = pl.concat(
    [
        _course("c-barista", "Barista", completed=27, other="dropped", others=2),
        _course("c-books", "Bookkeeping", completed=15, other="enrolled", others=16),
    ]
)


def _row(table: pl.DataFrame, name: str) -> dict[str, object]:
    return table.filter(pl.col("course_name") == name).row(0, named=True)


def test_completers_do_not_give_away_the_non_completers_of_a_shown_n() -> None:
    rates = completion_table(TENANT, by=BY, policy="public")
    barista = _row(rates, "Barista")
    assert barista["n"] == 29
    assert barista["completed"] is None  # 29 - 27 = 2 did not complete: hidden

    durations = time_to_completion_table(TENANT, by=BY, policy="public")
    report = time_to_completion_by_course(TENANT, policy="public")
    for name in ("Barista", "Bookkeeping"):
        # Barista's 27 would tell its 2; Bookkeeping's 15 would tell Barista's 27 by the overall
        # 42 completed that the completion table shows (it hides Bookkeeping's for that too).
        assert _row(rates, name)["completed"] is None
        assert _row(durations, name)["n_completers"] is None
        assert _row(report, name)["n_completers"] is None
    assert _row(report, ALL_GROUPS)["n_completers"] == 42


def test_internal_still_shows_the_completers_of_a_group_of_ten_or_more() -> None:
    durations = time_to_completion_table(TENANT, by=BY, policy="internal")
    assert _row(durations, "Barista")["n_completers"] == 27


def test_a_grade_breakdown_does_not_give_away_a_hidden_count_by_the_overall_summary() -> None:
    overall = grade_summary_table(TENANT, policy="public").row(0, named=True)
    assert (overall["n_graded"], overall["n_ungraded"]) == (42, 18)
    groups = grade_summary_table(TENANT, by=BY, policy="public")
    barista, books = _row(groups, "Barista"), _row(groups, "Bookkeeping")
    assert barista["n_ungraded"] is None  # 2
    # 18 shown overall: Bookkeeping's 16 beside it would tell Barista's 2.
    assert books["n_ungraded"] is None


def test_a_grade_summary_does_not_give_away_the_ungraded_of_a_shown_n() -> None:
    # Barista n = 29 in the completion table: 27 graded here would tell 2 without a grade.
    groups = grade_summary_table(TENANT, by=BY, policy="public")
    assert _row(completion_table(TENANT, by=BY, policy="public"), "Barista")["n"] == 29
    assert _row(groups, "Barista")["n_graded"] is None
