"""Published cohort timelines: no small count can be worked out from the months, the headcount
and the cohort totals shown elsewhere (checked with exact rational algebra over enrollments)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard.metrics import (
    InvalidOptionError,
    cohort_timeline,
    published_cohort_timeline,
    suppress_small_cells,
    suppression_layout,
)
from dashboard.metrics.timeline_publication import GRAINS

from .conftest import day

AS_OF = day(2024, 8, 15)
CELLS = ("new_enrollments", "completions", "active")


class Span:
    """Row-reduced basis of rational vectors; ``holds(v)``: v is a combination of the rows."""

    def __init__(self, vectors: Sequence[Sequence[int]]) -> None:
        self.rows: list[tuple[int, list[Fraction]]] = []
        for vector in vectors:
            self._add([Fraction(x) for x in vector])

    def _reduce(self, vector: list[Fraction]) -> list[Fraction]:
        for pivot, row in self.rows:
            if vector[pivot]:
                factor = vector[pivot]
                vector = [a - factor * b for a, b in zip(vector, row, strict=True)]
        return vector

    def _add(self, vector: list[Fraction]) -> None:
        vector = self._reduce(vector)
        pivot = next((i for i, x in enumerate(vector) if x), None)
        if pivot is None:
            return
        vector = [x / vector[pivot] for x in vector]
        self.rows = [
            (p, [a - row[pivot] * b for a, b in zip(row, vector, strict=True)])
            for p, row in self.rows
        ]
        self.rows.append((pivot, vector))

    def holds(self, vector: Sequence[int]) -> bool:
        return not any(self._reduce([Fraction(x) for x in vector]))


def month_of(moment: datetime | None) -> date | None:
    return None if moment is None else date(moment.year, moment.month, 1)


def members(row: Mapping[str, Any]) -> dict[str, Any]:
    """How the timeline counts one enrollment, worked out again from its fields."""
    entered = row["enrolled_at"] is not None and row["enrolled_at"] <= AS_OF
    done = row["completion_status"] == "completed" and (
        row["completed_at"] is not None and row["completed_at"] <= AS_OF
    )
    placed = entered and (
        row["completion_status"] == "enrolled"
        or (done and row["completed_at"] >= row["enrolled_at"])
    )
    return {
        "entry": month_of(row["enrolled_at"]) if entered else None,
        "completion": month_of(row["completed_at"]) if done else None,
        "placed": placed,
        "status": row["completion_status"],
    }


def check_published(enrollments: pl.DataFrame, cohorts: pl.DataFrame, min_cell: int) -> int:
    """Assert the protection rules per cohort; returns how many cells were hidden."""
    published = published_cohort_timeline(enrollments, cohorts, as_of=AS_OF, min_cell=min_cell)
    plain = cohort_timeline(enrollments, cohorts, as_of=AS_OF)
    assert published.drop("suppressed", "suppression_note").columns == plain.columns
    assert published.select("cohort_uuid", "month").equals(plain.select("cohort_uuid", "month"))
    hidden_cells = 0
    for (cohort,), rows in enrollments.group_by("cohort_uuid"):
        people = [members(row) for row in rows.iter_rows(named=True)]
        size = len(people)

        def vec(chosen: Sequence[bool]) -> list[int]:
            return [1 if c else 0 for c in chosen]

        totals = [vec([True] * size)]
        totals += [
            vec([p["status"] == s for p in people]) for s in ("completed", "dropped", "enrolled")
        ]
        shown_totals = [t for t in totals if sum(t) >= min_cell]
        cells: list[tuple[str, Any, int, list[int]]] = []
        mine = published.filter(pl.col("cohort_uuid") == cohort).iter_rows(named=True)
        truth = plain.filter(pl.col("cohort_uuid") == cohort).iter_rows(named=True)
        for shown, true in zip(mine, truth, strict=True):
            month = shown["month"]
            sets = {
                "new_enrollments": [p["entry"] == month for p in people],
                "completions": [p["completion"] == month for p in people],
                "active": [
                    p["placed"]
                    and p["entry"] <= month
                    and (p["completion"] is None or p["completion"] > month)
                    for p in people
                ],
            }
            for column in CELLS:
                assert sum(sets[column]) == true[column], (cohort, month, column)
                cells.append((column, shown[column], true[column], vec(sets[column])))
            hidden_here = any(shown[c] is None for c in CELLS)
            assert shown["suppressed"] is hidden_here
            assert shown["suppression_note"] == ("small counts hidden" if hidden_here else None)
        shown_vectors = [v for _, value, _, v in cells if value is not None] + shown_totals
        everything = Span(shown_vectors)
        outside = Span(shown_totals)  # the completion tables' own suppression must hide those
        for column, value, true_count, vector in cells:
            if value is not None:
                assert value == true_count >= min_cell, column
            elif true_count:
                hidden_cells += 1
                # Not derivable: neither a small cell nor a hidden large one (hiding that would
                # protect nothing).
                assert not everything.holds(vector) or outside.holds(vector), column
        alike: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i, p in enumerate(people):
            alike[(p["entry"], p["completion"], p["placed"], p["status"])].append(i)
        for group in alike.values():
            if len(group) < min_cell:
                vector = vec([i in group for i in range(size)])
                assert not everything.holds(vector) or outside.holds(vector)
    return hidden_cells


def build(enrollments, cohorts, spec: Sequence[tuple[int, str, int, int | None, int]]):
    """(cohort, status, entry month offset, completion month offset, how many) -> frames."""
    rows: list[dict[str, Any]] = []
    for cohort, status, entry, completion, count in spec:
        enrolled = day(2024, 1, 5) + timedelta(days=31 * entry)
        done = None if completion is None else enrolled + timedelta(days=31 * completion - 3)
        for _ in range(count):
            rows.append(
                {
                    "cohort_uuid": f"h{cohort}",
                    "cohort_code": f"H{cohort}",
                    "completion_status": status,
                    "enrolled_at": enrolled,
                    "completed_at": done,
                }
            )
    codes = sorted({row["cohort_uuid"] for row in rows})
    frame = enrollments(rows)
    records = cohorts(
        [{"uuid": code, "code": code.upper(), "start_date": day(2024, 1, 1)} for code in codes]
    )
    return frame, records


def test_headcount_does_not_give_away_a_small_month(enrollments, cohorts) -> None:
    # 40 enroll in January (12 of them complete in June), 4 in February. Shown beside each
    # other, the January and February headcounts (40, 44) gave away February's 4.
    frame, records = build(
        enrollments,
        cohorts,
        [(0, "enrolled", 0, None, 28), (0, "completed", 0, 5, 12), (0, "enrolled", 1, None, 4)],
    )
    old = suppress_small_cells(
        cohort_timeline(frame, records, as_of=AS_OF), **suppression_layout("cohort_timeline")
    )
    assert old.get_column("active").null_count() == old.height  # the aggregate layout: never
    published = published_cohort_timeline(frame, records, as_of=AS_OF)
    rows = {row["month"]: row for row in published.iter_rows(named=True)}
    january, february, june = date(2024, 1, 1), date(2024, 2, 1), date(2024, 6, 1)
    assert rows[february]["new_enrollments"] is None
    assert rows[january]["active"] is None  # else 44 - 40 = 4
    assert rows[january]["new_enrollments"] is None  # else n 44 (completion table) - 40 = 4
    assert rows[february]["active"] == 44
    assert (rows[june]["completions"], rows[june]["active"]) == (12, 32)
    check_published(frame, records, 10)


def test_small_completions_are_not_recoverable_from_the_headcount(enrollments, cohorts) -> None:
    # 36 enroll in January; 3 complete in March, 20 in May, 13 are still enrolled.
    frame, records = build(
        enrollments,
        cohorts,
        [(0, "completed", 0, 2, 3), (0, "completed", 0, 4, 20), (0, "enrolled", 0, None, 13)],
    )
    published = published_cohort_timeline(frame, records, as_of=AS_OF)
    rows = {row["month"]: row for row in published.iter_rows(named=True)}
    february, march, may = date(2024, 2, 1), date(2024, 3, 1), date(2024, 5, 1)
    assert rows[february]["active"] == 36
    assert rows[march]["active"] is None  # 36 - 33 = March's 3 completions
    assert rows[march]["completions"] is None
    # 23 completed (the completion table's count) - 20 = 3: May's 20 goes too.
    assert rows[may]["completions"] is None
    assert rows[may]["active"] == 13  # the 13 still enrolled, a count shown anyway
    assert check_published(frame, records, 10) > 0


def test_cohorts_are_protected_apart_and_zero_months_are_empty(enrollments, cohorts) -> None:
    frame, records = build(
        enrollments,
        cohorts,
        [(0, "enrolled", 0, None, 30), (1, "enrolled", 0, None, 3), (1, "dropped", 2, None, 12)],
    )
    published = published_cohort_timeline(frame, records, as_of=AS_OF)
    big = published.filter(pl.col("cohort_uuid") == "h0")
    assert big["active"].to_list() == [30] * big.height
    assert big["new_enrollments"].to_list()[0] == 30
    assert big["new_enrollments"].to_list()[1:] == [None] * (big.height - 1)  # 0: never shown
    check_published(frame, records, 10)


def test_min_cell_is_checked(enrollments, cohorts) -> None:
    frame, records = build(enrollments, cohorts, [(0, "enrolled", 0, None, 3)])
    with pytest.raises(InvalidOptionError):
        published_cohort_timeline(frame, records, as_of=AS_OF, min_cell=0)
    shown = published_cohort_timeline(frame, records, as_of=AS_OF, min_cell=1)
    assert shown["active"].to_list() == [3] * shown.height


def test_data_quality_rows_are_modelled_too(enrollments, cohorts) -> None:
    # Completed before enrolling (counted as a completion, never active), enrolled after the
    # extract date (in n only), completed after it (new and active, no completion).
    frame, records = build(enrollments, cohorts, [(0, "enrolled", 0, None, 25)])
    odd = enrollments(
        [
            {"cohort_uuid": "h0", "cohort_code": "H0", "completion_status": "completed",
             "enrolled_at": day(2024, 3, 10), "completed_at": day(2024, 3, 2)},
            {"cohort_uuid": "h0", "cohort_code": "H0", "completion_status": "enrolled",
             "enrolled_at": day(2025, 1, 1)},
            {"cohort_uuid": "h0", "cohort_code": "H0", "completion_status": "completed",
             "enrolled_at": day(2024, 2, 1), "completed_at": day(2025, 2, 1)},
        ]
    )  # fmt: skip
    check_published(pl.concat([frame, odd]), records, 10)


plans = st.lists(
    st.tuples(
        st.integers(0, 1),  # cohort
        st.sampled_from(["completed", "dropped", "enrolled"]),
        st.integers(0, 4),  # entry month
        st.one_of(st.none(), st.integers(-1, 6)),  # completion months after entry
        st.integers(1, 12),  # how many
    ),
    min_size=1,
    max_size=6,
)


# The frame builders are pure functions: sharing them between examples is safe.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plans, st.sampled_from([3, 5, 10]))
def test_no_small_count_is_derivable(enrollments, cohorts, plan, min_cell) -> None:
    spec = [
        (cohort, status, entry, completion if status == "completed" else None, count)
        for cohort, status, entry, completion, count in plan
    ]
    frame, records = build(enrollments, cohorts, spec)
    check_published(frame, records, min_cell)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plans)
@example([(0, "completed", 0, -1, 2), (0, "enrolled", 1, None, 3)])  # completed the month before
def test_every_grain_adds_up_to_the_cohort(enrollments, cohorts, plan) -> None:
    # Completions dated before their enrollment (offset -1) included: at every grain the
    # periods hold every counted event, so each publishes (its cells agree with the model) and
    # the cumulative row counts every enrollment and completion of the cohort.
    frame, records = build(enrollments, cohorts, plan)
    for grain in GRAINS:
        published_cohort_timeline(frame, records, as_of=AS_OF, min_cell=1, grain=grain)
    cumulative = published_cohort_timeline(
        frame, records, as_of=AS_OF, min_cell=1, grain="cumulative"
    )
    for (cohort,), rows in frame.group_by("cohort_uuid"):
        row = cumulative.filter(pl.col("cohort_uuid") == cohort).row(0, named=True)
        completed = rows.filter(
            (pl.col("completion_status") == "completed") & (pl.col("completed_at") <= AS_OF)
        )
        # min_cell 1 hides only the zeros.
        assert (row["new_enrollments"] or 0) == rows.filter(pl.col("enrolled_at") <= AS_OF).height
        assert (row["completions"] or 0) == completed.height


def test_coarser_grains_add_months_up_and_keep_the_last_headcount() -> None:
    from dashboard.metrics.timeline_publication import coarsen_timeline

    monthly = pl.DataFrame(
        {
            "cohort_uuid": ["h"] * 4,
            "cohort_code": ["H"] * 4,
            "month": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)],
            "new_enrollments": [10, 4, 0, 6],
            "completions": [0, 0, 3, 1],
            "drops": [None] * 4,
            "active": [10, 14, 11, 16],
        },
        schema_overrides={"drops": pl.Int64},
    )
    quarters = coarsen_timeline(monthly, grain="quarter")
    assert quarters["month"].to_list() == [date(2024, 1, 1), date(2024, 4, 1)]
    assert quarters["new_enrollments"].to_list() == [14, 6]
    assert quarters["completions"].to_list() == [3, 1]
    assert quarters["active"].to_list() == [11, 16]
    cumulative = coarsen_timeline(monthly, grain="cumulative").row(0, named=True)
    assert (cumulative["month"], cumulative["new_enrollments"], cumulative["active"]) == (
        date(2024, 4, 1),
        20,
        16,
    )
