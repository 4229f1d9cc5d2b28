"""Overview KPIs: values with n, change vs the previous intake year, small cells withheld."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import polars as pl

from dashboard.app.kpis import comparison_years, overview_kpis
from dashboard.app.published import completion_table
from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.publication import DisclosurePolicy

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)


def _frame(rows: Sequence[tuple[int, str, float | None, int]]) -> pl.DataFrame:
    """(intake year, status, grade, days to complete)."""
    enrolled = [datetime(year, 3, 1, tzinfo=UTC) for year, *_ in rows]
    data = {
        "uuid": [f"e{i}" for i in range(len(rows))],
        "completion_status": [row[1] for row in rows],
        "grade": [row[2] for row in rows],
        "enrolled_at": enrolled,
        "completed_at": [
            start + timedelta(days=row[3]) if row[1] == "completed" else None
            for start, row in zip(enrolled, rows, strict=True)
        ],
        "student_uuid": [f"s{i}" for i in range(len(rows))],
        "student_name": ["x"] * len(rows),
        "course_uuid": ["c"] * len(rows),
        "course_name": ["C"] * len(rows),
        "cohort_uuid": [None] * len(rows),
        "cohort_code": [None] * len(rows),
    }
    frame = pl.DataFrame(data, schema=ENROLLMENT_SCHEMA)
    return frame.with_columns(intake_year=pl.col("enrolled_at").dt.year().cast(pl.Int32))


Y2024 = (
    [(2024, "completed", 8.0, 300)] * 30
    + [(2024, "dropped", 4.0, 0)] * 10
    + [(2024, "enrolled", None, 0)] * 10
)
Y2025 = (
    [(2025, "completed", 7.0, 200)] * 20
    + [(2025, "dropped", 5.0, 0)] * 20
    + [(2025, "enrolled", None, 0)] * 20
)


def _by_key(
    frame: pl.DataFrame, policy: DisclosurePolicy = DisclosurePolicy.PUBLIC
) -> dict[str, object]:
    """The KPIs by key; the public policy unless asked (its hiding is what most tests check)."""
    return {kpi.key: kpi for kpi in overview_kpis(frame, as_of=AS_OF, policy=policy)}


def test_values_n_and_changes() -> None:
    kpis = _by_key(_frame(Y2024 + Y2025))
    enrollments = kpis["enrollments"]
    assert enrollments.value == "110"  # type: ignore[attr-defined]
    assert enrollments.delta == "+10"  # type: ignore[attr-defined]
    assert enrollments.delta_note == "2025 vs 2024 intake"  # type: ignore[attr-defined]
    completion = kpis["completion_rate"]
    assert completion.value == "45.5%"  # type: ignore[attr-defined]
    assert completion.n_text == "n = 110 enrollments"  # type: ignore[attr-defined]
    assert completion.interval.startswith("95% CI ")  # type: ignore[attr-defined]
    # 2025: 20/60 = 33.3%, 2024: 30/50 = 60%: -26.7 points.
    assert completion.delta == "-26.7 pp"  # type: ignore[attr-defined]
    assert kpis["median_grade"].n_text == "n = 80 graded"  # type: ignore[attr-defined]
    assert kpis["median_days"].value == "300 days"  # type: ignore[attr-defined]
    assert kpis["median_days"].delta == "-100 days"  # type: ignore[attr-defined]


def test_small_selection_is_withheld() -> None:
    kpis = _by_key(_frame([(2025, "completed", 9.0, 100)] * 4))
    assert kpis["enrollments"].value == "n<10"  # type: ignore[attr-defined]
    assert kpis["completion_rate"].value == "n<10"  # type: ignore[attr-defined]
    assert kpis["median_grade"].value == "n<10"  # type: ignore[attr-defined]
    assert kpis["completion_rate"].delta is None  # type: ignore[attr-defined]
    assert kpis["median_grade"].n_text == "n<10 graded"  # type: ignore[attr-defined]


def test_no_change_without_the_previous_year() -> None:
    kpis = _by_key(_frame(Y2025))
    assert kpis["enrollments"].delta is None  # type: ignore[attr-defined]
    assert kpis["enrollments"].delta_note is None  # type: ignore[attr-defined]


def test_future_intake_years_are_not_compared() -> None:
    frame = _frame(Y2024 + Y2025 + [(2027, "enrolled", None, 0)] * 12)
    years = comparison_years(frame, as_of=AS_OF)
    assert years is not None
    assert (years.latest, years.previous) == (2025, 2024)


Y2026 = (
    [(2026, "completed", 9.0, 60)] * 20
    + [(2026, "dropped", 5.0, 0)] * 10
    + [(2026, "enrolled", None, 0)] * 40
)


def test_changes_compare_the_last_two_complete_intake_years() -> None:
    # Extract in November 2026: the 2026 intake is months old, so 2025 is compared with 2024.
    frame = _frame(Y2024 + Y2025 + Y2026)
    years = comparison_years(frame, as_of=AS_OF)
    assert years is not None
    assert (years.latest, years.previous) == (2025, 2024)
    kpis = _by_key(frame)
    completion = kpis["completion_rate"]
    assert completion.delta == "-26.7 pp"  # type: ignore[attr-defined]
    assert completion.delta_note == "2025 vs 2024 intake"  # type: ignore[attr-defined]
    assert "2025 intake vs the 2024 intake" in completion.help  # type: ignore[attr-defined]
    assert "less time to complete" in completion.help  # type: ignore[attr-defined]


def test_only_the_current_year_and_one_before_is_no_change() -> None:
    kpis = _by_key(_frame(Y2025 + Y2026))
    assert comparison_years(_frame(Y2025 + Y2026), as_of=AS_OF) is None
    assert kpis["completion_rate"].delta is None  # type: ignore[attr-defined]


def test_a_value_hidden_beside_its_n_says_why() -> None:
    # Nobody is still enrolled: 0 is a small count, hidden with what would reveal it, while
    # n = 100 is published. The value must not read "n<10" beside "n = 100".
    finished = [(2024, "completed", 8.0, 300)] * 60 + [(2024, "dropped", 4.0, 0)] * 40
    kpis = _by_key(_frame(finished))
    active = kpis["active"]
    assert active.value == "hidden"  # type: ignore[attr-defined]
    assert active.n_text == (  # type: ignore[attr-defined]
        "n = 100 enrollments · value hidden to protect a small count"
    )
    assert kpis["completion_rate"].value == "60.0%"  # type: ignore[attr-defined]
    assert kpis["completion_rate"].n_text == "n = 100 enrollments"  # type: ignore[attr-defined]


def test_internal_shows_every_count_of_a_group_of_ten_or_more() -> None:
    # The same 100 enrollments for staff: the group is large, so its 0 still enrolled is shown.
    finished = [(2024, "completed", 8.0, 300)] * 60 + [(2024, "dropped", 4.0, 0)] * 40
    kpis = _by_key(_frame(finished), DisclosurePolicy.INTERNAL)
    assert kpis["active"].value == "0"  # type: ignore[attr-defined]
    assert kpis["active"].n_text == "n = 100 enrollments"  # type: ignore[attr-defined]
    assert kpis["dropout_rate"].value == "40.0%"  # type: ignore[attr-defined]


def test_changes_use_only_what_the_by_year_tables_publish() -> None:
    # Three 2023 enrollments: the by-intake-year table hides them, and 2024's n with them (else
    # the total minus the years would give 3). A table of 2024 and 2025 alone would show 2024's
    # n = 50, so a change of +5 beside the published 2025 n and total would reveal the 3.
    frame = _frame(
        [(2023, "completed", 7.0, 200)] * 3
        + [(2024, "completed", 8.0, 300)] * 30
        + [(2024, "dropped", 4.0, 0)] * 20
        + [(2025, "completed", 7.0, 200)] * 25
        + [(2025, "dropped", 5.0, 0)] * 30
    )
    published = completion_table(frame, by=["intake_year"])
    assert published.filter(pl.col("intake_year") == 2024)["n"].to_list() == [None]
    kpis = _by_key(frame)
    assert kpis["enrollments"].delta is None  # type: ignore[attr-defined]
    assert kpis["enrollments"].value == "108"  # type: ignore[attr-defined]
