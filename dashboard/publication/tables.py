"""The published tables: each metric passed through its layout and the disclosure policy.

Every chart mark, table cell, headline figure and CSV of the dashboard and of the reports is
one of these tables (or a row of one), so one policy decides what all of them hide:

- ``internal``: the group rule (``withhold_small_groups`` with ``group_layout``);
- ``public``: the cell algebra (``suppress_small_cells`` with ``suppression_layout``; the cohort
  timeline protected with its enrollments and coarsened before a point is hidden; curves thinned
  to points resting on ``min_cell`` events), then hidden rates top/bottom coded;
- ``none``: nothing hidden (student-level access).

Each table ends with ``suppressed`` and ``suppression_note`` whatever the policy, so a table has
the same columns under ``internal`` and ``none`` (``public`` adds a ``{rate}_band`` per rate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Final

import polars as pl

from dashboard.metrics import (
    cohort_completion_windows,
    completion_rates,
    cumulative_incidence,
    data_quality,
    filter_vs_all,
    grade_histogram,
    grade_summary,
    suppress_small_cells,
    suppression_layout,
    thin_curve_for_publication,
    time_to_completion,
)
from dashboard.metrics.errors import InvalidOptionError
from dashboard.metrics.timeline import cohort_timeline, timeline_cohorts
from dashboard.metrics.timeline_publication import coarsened_cohort_timeline
from dashboard.publication.coding import BAND_SUFFIX, code_hidden_rates
from dashboard.publication.group_threshold import GroupLayout, withhold_small_groups
from dashboard.publication.layouts import RATE_BASES, group_layout
from dashboard.publication.policy import DEFAULT_POLICY, MIN_CELL, DisclosurePolicy

__all__ = [
    "cohort_timeline_table",
    "cohort_windows_table",
    "completion_table",
    "data_quality_table",
    "filter_vs_all_table",
    "grade_histogram_table",
    "grade_summary_table",
    "group_sizes",
    "incidence_table",
    "publish",
    "publish_time_to_completion",
    "time_to_completion_table",
]

_FLAGS = ("suppressed", "suppression_note")


def _unsuppressed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(value=False).alias("suppressed"),
        pl.lit(None, dtype=pl.String).alias("suppression_note"),
    )


def _with_bands_in_place(frame: pl.DataFrame) -> pl.DataFrame:
    """Each ``{rate}_band`` column right after its rate's interval (or the rate)."""
    bands = [column for column in frame.columns if column.endswith(BAND_SUFFIX)]
    if not bands:
        return frame
    order = [column for column in frame.columns if column not in bands]
    for band in bands:
        rate = band.removesuffix(BAND_SUFFIX)
        anchor = next((c for c in (f"{rate}_ci_high", rate) if c in order), order[-1])
        order.insert(order.index(anchor) + 1, band)
    return frame.select(order)


# Columns a public time-to-completion table is protected with, then left out of it.
_GROUP_N: Final = "_group_n"
_NOT_COMPLETERS: Final = "_not_completers"


def publish(
    frame: pl.DataFrame,
    metric: str,
    *,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    by: Sequence[str] = (),
    min_cell: int = MIN_CELL,
    public_layout: Mapping[str, Any] | None = None,
    internal_layout: GroupLayout | None = None,
) -> pl.DataFrame:
    """``frame`` (the output of ``metric`` grouped by ``by``) as ``policy`` publishes it.

    ``public_layout`` / ``internal_layout`` replace the metric's own layouts (a table with a
    total row, or a frame of the app's own, e.g. certificate coverage).
    """
    chosen = DisclosurePolicy.parse(policy)
    if chosen is DisclosurePolicy.NONE:
        return _unsuppressed(frame)
    if chosen is DisclosurePolicy.INTERNAL:
        layout = internal_layout or group_layout(metric, by=by)
        return withhold_small_groups(frame, layout, min_cell=min_cell)
    if public_layout is None:
        public_layout = suppression_layout(metric, by=by)
    options = dict(public_layout)
    published = suppress_small_cells(frame, min_cell=min_cell, **options)
    rates = RATE_BASES.get(metric, {})
    coded = code_hidden_rates(published, frame, rates=rates, min_cell=min_cell)
    return _with_bands_in_place(coded)


def completion_table(
    enrollments: pl.DataFrame,
    *,
    by: Sequence[str],
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    min_cell: int = MIN_CELL,
) -> pl.DataFrame:
    """Completion and dropout rates per group, then the overall row (``is_total``), published
    together so that no hidden group can be recovered from the total."""
    return _publish_rates(
        completion_rates(enrollments, by=by, total=True), by=by, policy=policy, min_cell=min_cell
    )


def _publish_rates(
    table: pl.DataFrame,
    *,
    by: Sequence[str],
    policy: DisclosurePolicy | str,
    min_cell: int,
) -> pl.DataFrame:
    """``completion_table``'s publication of a ``completion_rates(..., total=True)`` frame."""
    if not by:  # the one overall row is the total: there are no parts to add up
        return publish(
            table,
            "completion_rates",
            policy=policy,
            min_cell=min_cell,
            public_layout={},
            internal_layout=group_layout("completion_rates", total_row=False),
        )
    total = pl.col("is_total")
    return publish(
        table,
        "completion_rates",
        policy=policy,
        by=by,
        min_cell=min_cell,
        public_layout={"total_row": total},
        internal_layout=group_layout("completion_rates", by=by, total_row=total),
    )


def filter_vs_all_table(
    filtered: pl.DataFrame,
    all_: pl.DataFrame,
    *,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    min_cell: int = MIN_CELL,
) -> pl.DataFrame:
    """The filter's overall rates beside all enrollments' (``scope``), published as one table."""
    table = filter_vs_all(filtered, all_)
    if filtered.height == all_.height:
        # The filter keeps everyone (e.g. every status ticked): the rest is nobody, so each
        # row is the same overall table and may be published as one.
        return publish(
            table,
            "filter_vs_all",
            policy=policy,
            min_cell=min_cell,
            public_layout={"row_sets": ["scope"]},
            internal_layout=group_layout("completion_rates", total_row=False),
        )
    # "all" is the filter plus an unlisted rest: "all minus filter" must not reveal a small one.
    return publish(table, "filter_vs_all", policy=policy, min_cell=min_cell)


def incidence_table(
    enrollments: pl.DataFrame,
    *,
    as_of: datetime,
    by: Sequence[str] = (),
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    min_cell: int = MIN_CELL,
) -> pl.DataFrame:
    """Cumulative incidence of completion (and dropout where dated) since enrollment.

    ``internal`` and ``none``: the whole estimate of each group shown (internal: groups of at
    least ``min_cell``). ``public``: thinned to points that each rest on at least ``min_cell``
    events (``thin_curve_for_publication``: ``n_events`` counts the events since the previous
    point; the curve starts at (0, 0)).
    """
    table = cumulative_incidence(enrollments, as_of=as_of, by=by)
    if DisclosurePolicy.parse(policy) is DisclosurePolicy.PUBLIC:
        table = thin_curve_for_publication(table, min_cell=min_cell)
    return publish(table, "cumulative_incidence", policy=policy, by=by, min_cell=min_cell)


def time_to_completion_table(
    enrollments: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    min_cell: int = MIN_CELL,
    total_row: pl.Expr | None = None,
) -> pl.DataFrame:
    """Median and quartiles of days to completion per group (completers only). ``total_row``
    marks an overall row the frame carries (reports add one)."""
    table = time_to_completion(enrollments, by=by)
    public = DisclosurePolicy.parse(policy) is DisclosurePolicy.PUBLIC
    return publish_time_to_completion(
        table,
        by=by,
        policy=policy,
        min_cell=min_cell,
        total_row=total_row,
        group_sizes=group_sizes(table, enrollments, by=by, min_cell=min_cell) if public else None,
    )


def group_sizes(
    table: pl.DataFrame, enrollments: pl.DataFrame, *, by: Sequence[str], min_cell: int = MIN_CELL
) -> tuple[pl.Series, pl.Series]:
    """Each row's group size (its enrollments) for a ``table`` grouped by ``by``, in its order,
    and that size as the public completion table by ``by`` shows it (null where it hides it).
    A row marked ``is_total`` (or the one row of a table without ``by``) is every enrollment."""
    keys = list(by)
    rates = completion_rates(enrollments, by=keys, total=True)
    shown = _publish_rates(rates, by=keys, policy=DisclosurePolicy.PUBLIC, min_cell=min_cell)
    sizes = rates.select(*keys, "is_total", "n", shown.get_column("n").alias("shown"))
    totals = (
        pl.col("is_total") if "is_total" in table.columns else pl.lit(not keys, dtype=pl.Boolean)
    )
    # A total row's keys are null in the completion table (a label, e.g. "(all)", in others).
    rows = table.select(
        *(pl.when(totals).then(None).otherwise(pl.col(key)).alias(key) for key in keys),
        totals.alias("is_total"),
    )
    aligned = rows.join(
        sizes, on=[*keys, "is_total"], how="left", nulls_equal=True, maintain_order="left"
    )
    return aligned.get_column("n").fill_null(0), aligned.get_column("shown")


def publish_time_to_completion(
    table: pl.DataFrame,
    *,
    by: Sequence[str],
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    min_cell: int = MIN_CELL,
    total_row: pl.Expr | None,
    group_sizes: tuple[pl.Series, pl.Series] | None = None,
) -> pl.DataFrame:
    """A ``time_to_completion`` frame (``total_row`` marking an overall row it carries) as
    ``policy`` publishes it; ``group_sizes`` (needed by ``public``): each row's enrollments,
    and as the completion table shows them (``group_sizes()``).

    Under ``public`` the completers are a part of their group's n, which the completion tables
    publish: the rest (n minus the completers) is a cell of its own, protected like the others,
    so that "n = 29" beside "27 completers" never tells that 2 did not complete.
    """
    chosen = DisclosurePolicy.parse(policy)
    if chosen is not DisclosurePolicy.PUBLIC:
        return publish(
            table,
            "time_to_completion",
            policy=chosen,
            by=by,
            min_cell=min_cell,
            internal_layout=group_layout("time_to_completion", by=by, total_row=total_row),
        )
    if group_sizes is None:
        raise InvalidOptionError("a public time-to-completion table needs its group sizes")
    sizes, shown = group_sizes
    layout: dict[str, Any] = dict(suppression_layout("time_to_completion", by=by))
    # The rest counts the completed rows without a usable date too: given n, the completers
    # shown tell exactly how many are not completers with a date, so that is the cell kept at
    # min_cell or more (the excluded are protected as a count of their own besides).
    layout |= {
        "n_column": _GROUP_N,
        "count_columns": ("n_completers", _NOT_COMPLETERS),
        "known_n": shown.to_list(),
    }
    if total_row is not None:
        layout["total_row"] = total_row
    sized = table.with_columns(sizes.alias(_GROUP_N)).with_columns(
        (pl.col(_GROUP_N) - pl.col("n_completers")).alias(_NOT_COMPLETERS)
    )
    published = publish(
        sized, "time_to_completion", policy=chosen, by=by, min_cell=min_cell, public_layout=layout
    )
    return published.drop(_GROUP_N, _NOT_COMPLETERS)


def grade_histogram_table(
    enrollments: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    bin_width: float = 0.5,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    min_cell: int = MIN_CELL,
) -> pl.DataFrame:
    """Graded enrollments per fixed 0-10 bin (every bin listed), per group."""
    table = grade_histogram(enrollments, by=by, bin_width=bin_width)
    return publish(table, "grade_histogram", policy=policy, by=by, min_cell=min_cell)


def grade_summary_table(
    enrollments: pl.DataFrame,
    *,
    by: Sequence[str] = (),
    pass_mark: float = 5.0,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    min_cell: int = MIN_CELL,
) -> pl.DataFrame:
    """Graded/ungraded counts, quartiles, mean and below-pass-mark rate per group (min and max
    are one student's grade each: empty unless the policy is ``none``)."""
    table = grade_summary(enrollments, by=by, pass_mark=pass_mark)
    chosen = DisclosurePolicy.parse(policy)
    if chosen is not DisclosurePolicy.PUBLIC:
        return publish(table, "grade_summary", policy=chosen, by=by, min_cell=min_cell)
    # Each group's n is the completion table's too: taken as shown where it shows it, so that
    # "n = 29" there and "27 graded" here never tell that 2 have no grade.
    layout: dict[str, Any] = dict(suppression_layout("grade_summary", by=by))
    layout["known_n"] = group_sizes(table, enrollments, by=by, min_cell=min_cell)[1].to_list()
    return publish(
        table, "grade_summary", policy=chosen, by=by, min_cell=min_cell, public_layout=layout
    )


def cohort_timeline_table(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    as_of: datetime,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    min_cell: int = MIN_CELL,
    only: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Per cohort and period: new enrollments, completions and active headcount.

    ``internal``: each cohort of at least ``min_cell`` enrollments shows its monthly counts; a
    smaller cohort (or one hidden so a small one cannot be worked out from the all-cohorts total)
    shows none. ``public``: each count protected as a set of the cohort's enrollments, by month,
    else quarter, else year, else cumulatively (``coarsened_cohort_timeline``). ``grain`` says
    which.

    ``only``: the cohorts (uuids) to return, each published exactly as in the whole table (under
    internal, which cohorts are hidden depends on every cohort's size; under public each cohort
    is protected on its own), but computed for those alone (a page showing one cohort).
    """
    chosen = DisclosurePolicy.parse(policy)
    members, records = enrollments, cohorts
    if only is not None:
        wanted = pl.Series(list(only), dtype=pl.String)
        members = enrollments.filter(pl.col("cohort_uuid").is_in(wanted.implode()))
        records = cohorts.filter(pl.col("uuid").is_in(wanted.implode()))
    if chosen is DisclosurePolicy.PUBLIC:
        return coarsened_cohort_timeline(members, records, as_of=as_of, min_cell=min_cell)
    timeline = cohort_timeline(members, records, as_of=as_of).with_columns(
        pl.lit("month").alias("grain")
    )
    if chosen is DisclosurePolicy.NONE:
        return _unsuppressed(timeline)
    if only is None:
        # Counted over every row, then the no-cohort group dropped: no copy of the rows' columns.
        sizes = (
            enrollments.group_by("cohort_uuid")
            .agg(pl.len().cast(pl.Int64).alias("_cohort_n"))
            .filter(pl.col("cohort_uuid").is_not_null())
        )
        sized = timeline.join(sizes, on="cohort_uuid", how="left", maintain_order="left")
        published = withhold_small_groups(
            sized.with_columns(pl.col("_cohort_n").fill_null(0)),
            group_layout("cohort_timeline"),
            min_cell=min_cell,
        )
        return published.drop("_cohort_n")
    # Which cohorts the whole table hides: decided on one row per cohort, its cohorts in its
    # order (a tie between two complements goes to the first, as there), then applied.
    layout = group_layout("cohort_timeline")
    whole = timeline_cohorts(enrollments, cohorts, as_of=as_of).rename({"n": "_cohort_n"})
    decided = withhold_small_groups(whole, replace(layout, values=()), min_cell=min_cell).select(
        "cohort_uuid", pl.col("suppression_note").alias("_note")
    )
    marked = timeline.join(decided, on="cohort_uuid", how="left", maintain_order="left")
    hidden = pl.col("_note").is_not_null()
    return marked.with_columns(
        *(pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in layout.values),
        hidden.alias("suppressed"),
        pl.col("_note").alias("suppression_note"),
    ).drop("_note")


def cohort_windows_table(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    as_of: datetime,
    policy: DisclosurePolicy | str = DEFAULT_POLICY,
    min_cell: int = MIN_CELL,
    windows: Sequence[int] = (100, 150, 200),
    course_normal_time_days: Mapping[str, int] | None = None,
    exclusions: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Share of each cohort completed within w% of its normal time (IPEDS style), published."""
    table = cohort_completion_windows(
        enrollments,
        cohorts,
        as_of=as_of,
        windows=windows,
        course_normal_time_days=course_normal_time_days,
        exclusions=exclusions,
    )
    return publish(table, "cohort_completion_windows", policy=policy, min_cell=min_cell)


def data_quality_table(
    enrollments: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime
) -> pl.DataFrame:
    """How many enrollments fail each data-quality check: always shown, zeros too.

    These counts are about records, not students' outcomes; they are for those who may fix the
    data (metrics.md §6), under every policy. ``suppressed`` is always false.
    """
    return _unsuppressed(data_quality(enrollments, cohorts, as_of=as_of))
