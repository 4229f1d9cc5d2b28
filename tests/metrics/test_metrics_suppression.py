"""Small-cell suppression: hand-worked tables and properties checked with exact algebra."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics import (
    InconsistentAggregateError,
    InvalidOptionError,
    completion_rates,
    filter_vs_all,
    grade_summary,
    suppress_small_cells,
    suppression_layout,
)

STATUSES = ("completed", "dropped", "enrolled")


def table(rows: list[tuple[str | None, int, int, int]], *, total: bool = False) -> pl.DataFrame:
    frame = pl.DataFrame(
        [{"g": g, "completed": c, "dropped": d, "enrolled": e} for g, c, d, e in rows],
        schema={"g": pl.String, "completed": pl.Int64, "dropped": pl.Int64, "enrolled": pl.Int64},
    ).with_columns(n=pl.col("completed") + pl.col("dropped") + pl.col("enrolled"))
    frame = frame.with_columns(
        completion_rate=pl.col("completed") / pl.col("n"),
        completion_rate_ci_low=pl.lit(0.0),
        completion_rate_ci_high=pl.lit(1.0),
        dropout_rate=pl.col("dropped") / pl.col("n"),
    )
    if total:
        sums = frame.select(pl.col("completed", "dropped", "enrolled", "n").sum())
        total_row = sums.with_columns(
            g=pl.lit(None, pl.String),
            completion_rate=pl.col("completed") / pl.col("n"),
            completion_rate_ci_low=pl.lit(0.0),
            completion_rate_ci_high=pl.lit(1.0),
            dropout_rate=pl.col("dropped") / pl.col("n"),
        ).select(frame.columns)
        frame = pl.concat([frame, total_row]).with_columns(is_total=pl.col("g").is_null())
    return frame


def test_large_cells_are_untouched() -> None:
    frame = table([("A", 50, 20, 30)])
    got = suppress_small_cells(frame)
    assert got.drop("suppressed", "suppression_note").equals(frame)
    assert got.get_column("suppressed").to_list() == [False]
    assert got.get_column("suppression_note").to_list() == [None]


def test_group_under_min_cell_shows_nothing() -> None:
    got = suppress_small_cells(table([("A", 5, 2, 2)])).row(0, named=True)
    assert all(got[c] is None for c in ("n", *STATUSES, "completion_rate", "dropout_rate"))
    assert got["completion_rate_ci_low"] is None
    assert got["suppressed"] is True
    assert got["suppression_note"] == "n<10"


def test_one_small_cell_hides_the_next_smallest_and_their_rates() -> None:
    got = suppress_small_cells(table([("A", 150, 3, 47)])).row(0, named=True)
    assert (got["n"], got["completed"], got["dropped"], got["enrolled"]) == (200, 150, None, None)
    assert got["completion_rate"] == 0.75
    assert got["dropout_rate"] is None
    assert got["suppression_note"] == "small counts hidden"


def test_small_rest_of_the_total_hides_the_large_cell_too() -> None:
    # 3 + 2 hidden would still give "5 did not complete" from n - completed.
    got = suppress_small_cells(table([("A", 195, 3, 2)])).row(0, named=True)
    assert (got["n"], got["completed"], got["dropped"], got["enrolled"]) == (200, None, None, None)
    assert got["completion_rate"] is None


def test_zero_is_a_small_cell_and_hidden_as_null() -> None:
    got = suppress_small_cells(table([("A", 50, 0, 0)])).row(0, named=True)
    assert (got["n"], got["completed"], got["dropped"], got["enrolled"]) == (50, None, None, None)


def test_total_row_forces_suppression_across_groups() -> None:
    frame = table([("A", 50, 30, 20), ("B", 60, 35, 5)], total=True)
    got = suppress_small_cells(frame, total_row=pl.col("is_total"))
    assert got.select("g", "n", *STATUSES).rows() == [
        ("A", 100, 50, None, None),
        ("B", 100, 60, None, None),
        (None, 200, 110, 65, 25),
    ]
    assert got.get_column("suppressed").to_list() == [True, True, False]


def test_without_a_total_rows_are_independent() -> None:
    frame = table([("A", 50, 30, 20), ("B", 60, 35, 5)])
    got = suppress_small_cells(frame)
    assert got.select("g", *STATUSES).rows() == [("A", 50, 30, 20), ("B", 60, None, None)]


def test_external_total_over_bins() -> None:
    bins = pl.DataFrame({"bin": [1, 2, 3, 4], "count": [12, 3, 20, 15]})
    options: dict[str, Any] = {"n_column": None, "count_columns": ("count",), "rate_columns": {}}
    alone = suppress_small_cells(bins, **options)
    assert alone.get_column("count").to_list() == [12, None, 20, 15]
    summed = suppress_small_cells(bins, total_row=True, **options)
    assert summed.get_column("count").to_list() == [None, None, 20, 15]


def test_row_sets_have_their_own_totals() -> None:
    bins = pl.DataFrame({"course": ["A", "A", "B", "B"], "count": [12, 30, 12, 30]})
    got = suppress_small_cells(
        bins, n_column=None, count_columns=("count",), rate_columns={}, total_row=True,
        row_sets=("course",),
    )  # fmt: skip
    assert got.get_column("count").to_list() == [12, 30, 12, 30]


def test_all_beside_filter_protects_the_small_rest(enrollments) -> None:
    everyone = enrollments(
        [{"course_name": "A", "completion_status": "completed"}] * 60
        + [{"course_name": "A", "completion_status": "dropped"}] * 20
        + [{"course_name": "A", "completion_status": "enrolled"}] * 15
        + [{"course_name": "B", "completion_status": "completed"}] * 3
        + [{"course_name": "B", "completion_status": "dropped"}] * 2
    )
    frame = filter_vs_all(everyone.filter(pl.col("course_name") == "A"), everyone)
    naive = suppress_small_cells(frame)
    assert naive.get_column("completed").to_list() == [60, 63]  # 63 - 60: B's 3 completers
    got = suppress_small_cells(frame, **suppression_layout("filter_vs_all"))
    rows = got.rows(named=True)
    for status in STATUSES:
        f, a = rows[0][status], rows[1][status]
        assert f is None or a is None, status  # never both, or all - filter shows the rest
    assert rows[0]["n"] is None or rows[1]["n"] is None


def test_remainder_cell_is_protected() -> None:
    # 35 of 40 completed within the window: the 5 who did not are a cell of their own.
    frame = pl.DataFrame({"n": [40, 40], "completed_within": [35, 20]}).with_columns(
        completion_rate=pl.col("completed_within") / pl.col("n")
    )
    got = suppress_small_cells(
        frame,
        count_columns=("completed_within",),
        rate_columns={"completion_rate": "completed_within"},
        remainder_cells=("n",),
    )
    assert got.get_column("completed_within").to_list() == [None, 20]
    assert got.get_column("completion_rate").to_list() == [None, 0.5]
    assert got.get_column("n").to_list() == [40, 40]


def test_nested_windows_protect_differences() -> None:
    frame = pl.DataFrame(
        {
            "cohort": ["x"] * 3 + ["y"] * 3,
            "window_pct": [100, 150, 200] * 2,
            "n": [50] * 3 + [80] * 3,
            "completed_within": [20, 24, 30, 20, 40, 60],
            "excluded": [3] * 3 + [12] * 3,
        }
    )
    got = suppress_small_cells(
        frame,
        count_columns=("completed_within",),
        rate_columns={},
        nested_over="window_pct",
        unit_columns=("cohort",),
        extra_count_columns=("excluded",),
    )
    assert got.get_column("completed_within").to_list() == [None, None, 30, 20, 40, 60]
    assert got.get_column("excluded").to_list() == [None] * 3 + [12] * 3
    assert got.get_column("n").to_list() == [50] * 3 + [80] * 3


def test_nested_null_windows_are_skipped() -> None:
    frame = pl.DataFrame(
        {"window_pct": [100, 150], "n": [50, 50], "completed_within": [20, None]},
        schema_overrides={"completed_within": pl.Int64},
    )
    got = suppress_small_cells(
        frame, count_columns=("completed_within",), rate_columns={}, nested_over="window_pct"
    )
    assert got.get_column("completed_within").to_list() == [20, None]
    assert got.get_column("suppressed").to_list() == [False, False]


def test_statistics_follow_their_base_and_individual_values_are_dropped() -> None:
    frame = pl.DataFrame(
        {
            "n": [30, 30],
            "n_graded": [8, 25],
            "n_ungraded": [22, 5],
            "mean": [6.0, 7.0],
            "min": [1.0, 2.0],
        }
    )
    got = suppress_small_cells(
        frame,
        count_columns=("n_graded", "n_ungraded"),
        rate_columns={},
        statistic_columns={"mean": "n_graded"},
        individual_columns=("min",),
    )
    # 8 graded: hidden with its mean. 5 ungraded: hidden, with n as its complement (nothing
    # divides by n), so the 25 graded and their mean stay.
    assert got.get_column("mean").to_list() == [None, 7.0]
    assert got.get_column("n_graded").to_list() == [None, 25]
    assert got.get_column("n").to_list() == [30, None]
    assert got.get_column("n_ungraded").to_list() == [None, None]
    assert got.get_column("min").to_list() == [None, None]


def test_rate_sequence_hides_rate_when_anything_in_row_is_hidden() -> None:
    frame = table([("A", 150, 3, 47), ("B", 50, 20, 30)])
    got = suppress_small_cells(frame, rate_columns=("completion_rate",))
    assert got.get_column("completion_rate").to_list() == [None, 0.5]


def test_min_cell_is_configurable() -> None:
    frame = table([("A", 150, 6, 47)])
    assert suppress_small_cells(frame, min_cell=5).get_column("dropped").to_list() == [6]
    assert suppress_small_cells(frame, min_cell=10).get_column("dropped").to_list() == [None]


def test_errors_for_impossible_tables() -> None:
    bad = table([("A", 5, 5, 5)]).with_columns(n=pl.lit(3, dtype=pl.Int64))
    with pytest.raises(InconsistentAggregateError):
        suppress_small_cells(bad)
    off = table([("A", 50, 20, 30), ("B", 50, 20, 30)], total=True).with_columns(
        completed=pl.when(pl.col("is_total")).then(1).otherwise(pl.col("completed"))
    )
    with pytest.raises(InconsistentAggregateError):
        suppress_small_cells(off, total_row=pl.col("is_total"))
    with pytest.raises(InvalidOptionError):
        suppress_small_cells(table([("A", 50, 20, 30)]), min_cell=0)


def test_completion_rates_with_total_passes_through(enrollments) -> None:
    frame = enrollments(
        [{"course_name": "A", "completion_status": "completed"}] * 30
        + [{"course_name": "A", "completion_status": "dropped"}] * 12
        + [{"course_name": "B", "completion_status": "completed"}] * 3
    )
    rates = completion_rates(frame, by=["course_name"], total=True)
    got = suppress_small_cells(rates, total_row=pl.col("is_total"))
    b = got.filter(pl.col("course_name") == "B").row(0, named=True)
    assert (b["n"], b["completed"], b["completion_rate"]) == (None, None, None)
    # B's 3 would follow from the total minus A: A's counts must be hidden too.
    shown = got.filter(~pl.col("is_total"))
    assert shown.get_column("n").null_count() >= 2 or got.filter(pl.col("is_total")).get_column(
        "n"
    ).to_list() == [None]


# --- properties -----------------------------------------------------------------------------


def _rank(vectors: list[list[Fraction]]) -> int:
    rows = [list(v) for v in vectors]
    rank = 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                f = rows[r][col] / rows[rank][col]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def _recoverable(shown: list[list[int]], target: list[int]) -> bool:
    if not shown:
        return False
    vectors = [[Fraction(x) for x in v] for v in shown]
    return _rank([*vectors, [Fraction(x) for x in target]]) == _rank(vectors)


tables = st.tuples(
    st.lists(st.tuples(*[st.integers(0, 40)] * 3), min_size=1, max_size=5),
    st.booleans(),
    st.sampled_from([5, 10]),
)


@settings(max_examples=60, deadline=None)
@given(tables)
def test_no_small_cell_is_shown_or_recoverable(case) -> None:
    cells, with_total, min_cell = case
    rows = [(f"g{i}", *c) for i, c in enumerate(cells)]
    frame = table(rows, total=with_total)
    got = suppress_small_cells(
        frame, min_cell=min_cell, total_row=pl.col("is_total") if with_total else False
    )
    groups = len(rows)
    width = groups * 3
    atom = {(i, j): i * 3 + j for i in range(groups) for j in range(3)}
    values = {(i, j): cells[i][j] for i in range(groups) for j in range(3)}

    def vec(atoms: list[tuple[int, int]]) -> list[int]:
        chosen = {atom[a] for a in atoms}
        return [1 if k in chosen else 0 for k in range(width)]

    shown: list[list[int]] = []
    hidden_atoms: list[tuple[int, int]] = []
    out = got.rows(named=True)
    for i in range(groups):
        row = out[i]
        for j, status in enumerate(STATUSES):
            if row[status] is None:
                hidden_atoms.append((i, j))
            else:
                assert row[status] >= min_cell
                assert row[status] == values[(i, j)]
                shown.append(vec([(i, j)]))
        if row["n"] is not None:
            assert row["n"] >= min_cell
            shown.append(vec([(i, j) for j in range(3)]))
            hidden_here = [values[(i, j)] for j in range(3) if row[STATUSES[j]] is None]
            assert not hidden_here or sum(hidden_here) >= min_cell
        for rate, count in (("completion_rate", "completed"), ("dropout_rate", "dropped")):
            if row[rate] is not None:
                assert row[count] is not None
                assert row["n"] is not None
        assert row["suppressed"] == (row["n"] is None or any(row[s] is None for s in STATUSES))
    if with_total:
        total = out[-1]
        for j, status in enumerate(STATUSES):
            if total[status] is not None:
                assert total[status] >= min_cell
                shown.append(vec([(i, j) for i in range(groups)]))
                hidden_here = [values[(i, j)] for i in range(groups) if out[i][status] is None]
                assert not hidden_here or sum(hidden_here) >= min_cell
        if total["n"] is not None:
            shown.append(vec(list(atom)))
    for cell in hidden_atoms:
        if values[cell] < min_cell:
            assert not _recoverable(shown, vec([cell])), cell
    for i in range(groups):
        n = sum(cells[i])
        if out[i]["n"] is None and n < min_cell:
            assert not _recoverable(shown, vec([(i, j) for j in range(3)]))


def _published_cells(
    got: list[dict[str, object]], groups: int, *, with_total: bool
) -> list[tuple[str, object, list[int]]]:
    """Every count cell of a completion table as (label, shown value or None, atom vector);
    atoms are the group x status cells."""
    width = groups * 3

    def vec(atoms: set[int]) -> list[int]:
        return [1 if k in atoms else 0 for k in range(width)]

    cells: list[tuple[str, object, list[int]]] = []
    for i in range(groups):
        for j, status in enumerate(STATUSES):
            cells.append((f"g{i}.{status}", got[i][status], vec({i * 3 + j})))
        cells.append((f"g{i}.n", got[i]["n"], vec({i * 3 + j for j in range(3)})))
    if with_total:
        for j, status in enumerate(STATUSES):
            cells.append(
                (f"total.{status}", got[groups][status], vec({i * 3 + j for i in range(groups)}))
            )
        cells.append(("total.n", got[groups]["n"], vec(set(range(width)))))
    return cells


def test_a_hidden_cell_that_stays_derivable_is_shown() -> None:
    # g1's 40 completed was hidden as a complement, yet 91 - 51 still gave it: now it is shown.
    frame = table([("g0", 51, 3, 43), ("g1", 40, 47, 2)], total=True)
    got = suppress_small_cells(frame, total_row=pl.col("is_total"))
    assert got.select("n", *STATUSES).rows() == [
        (97, 51, None, None),
        (89, 40, None, None),
        (186, 91, 50, 45),
    ]


def test_a_small_rest_behind_a_derivable_hidden_cell_is_protected() -> None:
    # g0's completed (44) hidden, but 55 - 11 gave it back, and then 50 - 44 = 6 who did not
    # complete in g0. g1's completed must go too.
    frame = table([("g0", 44, 0, 6), ("g1", 11, 10, 12)], total=True)
    got = suppress_small_cells(frame, total_row=pl.col("is_total")).rows(named=True)
    shown = [v for _, value, v in _published_cells(got, 2, with_total=True) if value is not None]
    assert not _recoverable(shown, [0, 1, 1, 0, 0, 0])
    assert got[0]["n"] == 50


@settings(max_examples=80, deadline=None)
@given(tables)
def test_no_hidden_cell_is_derivable_from_shown_cells(case) -> None:
    """Hiding a count that the shown counts still determine protects nothing: every hidden cell
    is small, or cannot be worked out from the shown cells of the table."""
    cells, with_total, min_cell = case
    frame = table([(f"g{i}", *c) for i, c in enumerate(cells)], total=with_total)
    got = suppress_small_cells(
        frame, min_cell=min_cell, total_row=pl.col("is_total") if with_total else False
    ).rows(named=True)
    published = _published_cells(got, len(cells), with_total=with_total)
    shown = [vector for _, value, vector in published if value is not None]
    for label, value, vector in published:
        if value is None:
            assert not _recoverable(shown, vector), label


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=8), st.booleans())
def test_bins_with_outside_total_never_show_or_leak_small_counts(counts, with_total) -> None:
    bins = pl.DataFrame({"bin": list(range(len(counts))), "count": counts})
    got = (
        suppress_small_cells(
            bins, n_column=None, count_columns=("count",), rate_columns={}, total_row=with_total
        )
        .get_column("count")
        .to_list()
    )
    hidden = [c for c, g in zip(counts, got, strict=True) if g is None]
    assert all(g is None or g >= 10 for g in got)
    assert all(c >= 10 or g is None for c, g in zip(counts, got, strict=True))
    if with_total and sum(counts) >= 10:
        assert len(hidden) != 1
        assert not hidden or sum(hidden) >= 10


@settings(max_examples=40, deadline=None)
@given(st.tuples(*[st.integers(0, 40)] * 3), st.tuples(*[st.integers(0, 15)] * 3))
def test_filter_beside_all_never_leaks_the_rest(inside, outside) -> None:
    rows = [("in", *inside), ("out", *outside)]
    frame = table(rows)
    everyone = frame.select(pl.col("completed", "dropped", "enrolled", "n").sum())
    stacked = pl.concat(
        [
            frame.filter(pl.col("g") == "in").select(
                pl.lit("filter").alias("scope"), "n", "completed", "dropped", "enrolled"
            ),
            everyone.select(pl.lit("all").alias("scope"), "n", "completed", "dropped", "enrolled"),
        ]
    ).with_columns(
        completion_rate=pl.col("completed") / pl.col("n"),
        dropout_rate=pl.col("dropped") / pl.col("n"),
    )
    got = suppress_small_cells(stacked, **suppression_layout("filter_vs_all")).rows(named=True)
    # atoms: inside cells 0..2, outside cells 3..5
    shown: list[list[int]] = []
    for j, status in enumerate(STATUSES):
        if got[0][status] is not None:
            shown.append([1 if k == j else 0 for k in range(6)])
        if got[1][status] is not None:
            shown.append([1 if k in (j, j + 3) else 0 for k in range(6)])
    if got[0]["n"] is not None:
        shown.append([1, 1, 1, 0, 0, 0])
    if got[1]["n"] is not None:
        shown.append([1] * 6)
    for j in range(3):
        if outside[j] < 10:
            assert not _recoverable(shown, [1 if k == j + 3 else 0 for k in range(6)])
        if inside[j] < 10:
            assert not _recoverable(shown, [1 if k == j else 0 for k in range(6)])
    if sum(outside) < 10:
        assert not _recoverable(shown, [0, 0, 0, 1, 1, 1])


def test_roles_must_name_count_columns() -> None:
    frame = table([("A", 50, 20, 30)])
    with pytest.raises(InvalidOptionError):
        suppress_small_cells(
            frame, count_columns=("completed",), rate_columns={"dropout_rate": "dropped"}
        )
    with pytest.raises(InvalidOptionError):
        suppress_small_cells(frame, statistic_columns={"completion_rate": "g"})
    with pytest.raises(InvalidOptionError):
        suppress_small_cells(frame, parents={"completed": "nowhere"})


def test_complement_spares_the_count_a_headline_number_rests_on() -> None:
    # 3 dropped is small; of the others, enrolled goes so the completion rate can stay.
    got = suppress_small_cells(table([("A", 40, 3, 157)])).row(0, named=True)
    assert (got["n"], got["completed"], got["dropped"], got["enrolled"]) == (200, 40, None, None)
    assert got["completion_rate"] == 0.2


def test_a_few_out_of_range_grades_do_not_blank_the_count_without_a_grade(enrollments) -> None:
    # 3 grades outside 0-10 are counted with the 597 enrollments without a grade: one cell of
    # 600, shown (a separate count of 3 would have been hidden, and n without grade with it).
    frame = enrollments([{"grade": 6.5}] * 400 + [{"grade": None}] * 597 + [{"grade": 12.0}] * 3)
    summary = grade_summary(frame)
    assert "n_out_of_range" not in summary.columns
    got = suppress_small_cells(summary, **suppression_layout("grade_summary")).row(0, named=True)
    assert (got["n"], got["n_graded"], got["n_ungraded"], got["median"]) == (1000, 400, 600, 6.5)


def test_a_few_enrollments_without_a_grade_do_not_blank_the_median(enrollments) -> None:
    # 3 without a valid grade are a small cell; its complement is n, not the n graded that the
    # median, quartiles and below-threshold rate rest on.
    frame = enrollments([{"grade": 6.5}] * 900 + [{"grade": 3.0}] * 97 + [{"grade": None}] * 3)
    got = suppress_small_cells(grade_summary(frame), **suppression_layout("grade_summary")).row(
        0, named=True
    )
    assert (got["n"], got["n_graded"], got["n_ungraded"]) == (None, 997, None)
    assert (got["median"], got["below_threshold"]) == (6.5, 97)
    assert got["below_threshold_rate"] == pytest.approx(97 / 997)
    assert got["suppression_note"] == "small counts hidden"
