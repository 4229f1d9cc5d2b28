"""One cohort's rows of the breakdowns by cohort, published as in the breakdown over every cohort
in the filter, but computed for that cohort alone.

Under ``internal`` which cohorts a breakdown hides (too small, or hidden so that a small one
cannot be worked out from the total) depends only on every cohort's size: that decision is taken
on one row per cohort, and the chosen cohort's rows are computed from its own enrollments (a
few hundred rows instead of every row of the filter). Under ``none`` nothing is hidden, so a
cohort's rows are its own. Under ``public`` the cell algebra protects the counts of every cohort
together (with the total), so the whole breakdown is computed and the cohort's rows picked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property

import polars as pl

from dashboard.metrics import completion_rates, grade_summary
from dashboard.metrics.cohort_windows import cohort_window_sizes
from dashboard.publication.group_threshold import (
    GroupLayout,
    withhold_as_decided,
    withhold_small_groups,
)
from dashboard.publication.layouts import group_layout
from dashboard.publication.policy import DisclosurePolicy
from dashboard.publication.tables import (
    cohort_windows_table,
    completion_table,
    grade_summary_table,
)

__all__ = [
    "BY_COHORT",
    "OneCohort",
    "cohort_grade_summary",
    "cohort_status",
    "cohort_windows_detail",
    "one_cohort",
]

BY_COHORT = ("cohort_uuid", "cohort_code")


def one_cohort(table: pl.DataFrame, cohort: str) -> pl.DataFrame:
    """The rows of ``cohort`` in a breakdown by cohort."""
    return table.filter(pl.col("cohort_uuid") == cohort)


@dataclass(frozen=True)
class OneCohort:
    """A cohort among the filter's enrollments, and what its detail reads of them (each picked
    when first read, then kept: the reports of one detail share them).

    ``enrollments`` are the filter's rows (with or without a cohort), ``cohorts`` the records.
    """

    uuid: str
    enrollments: pl.DataFrame
    cohorts: pl.DataFrame

    @cached_property
    def members(self) -> pl.DataFrame:
        """The enrollments in a cohort (as they are where every row is in one: no copy)."""
        if self.enrollments.get_column("cohort_uuid").null_count():
            return self.enrollments.filter(pl.col("cohort_uuid").is_not_null())
        return self.enrollments

    @cached_property
    def sizes(self) -> pl.DataFrame:
        """Enrollments per group of a breakdown by cohort (``n``), in that breakdown's order."""
        return (
            self.enrollments.group_by(BY_COHORT)
            .agg(pl.len().cast(pl.Int64).alias("n"))
            .filter(pl.col("cohort_uuid").is_not_null())
            .sort(BY_COHORT, nulls_last=True)
        )

    @cached_property
    def records(self) -> pl.DataFrame:
        """The records of the cohorts the members are in."""
        return self.cohorts.filter(
            pl.col("uuid").is_in(self.sizes.get_column("cohort_uuid").implode())
        )

    @cached_property
    def with_companion(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The cohort's rows and records with those of the smallest other cohort, if any.

        A table computed over two cohorts has the cohort's rows as in the table of every cohort:
        polars divides by a one-row frame's values broadcast to its rows as by a constant (times
        its reciprocal: the last bit of a rate can differ), so a table of one cohort is only
        computed alike where the filter has one cohort.
        """
        others = self.sizes.filter(pl.col("cohort_uuid") != self.uuid)
        wanted = [self.uuid]
        if not others.is_empty():
            wanted.append(others.sort("n", "cohort_uuid").get_column("cohort_uuid")[0])
        return (
            self.enrollments.filter(pl.col("cohort_uuid").is_in(wanted)),
            self.records.filter(pl.col("uuid").is_in(wanted)),
        )

    @cached_property
    def rows(self) -> pl.DataFrame:
        """The cohort's own enrollments."""
        return one_cohort(self.with_companion[0], self.uuid)

    def window_sizes(self, exclusions: pl.DataFrame | None) -> pl.DataFrame:
        """``cohort_window_sizes(members, records, exclusions=...)``: where nothing is excluded
        and every cohort has a record, from ``sizes`` and the records (no pass over the rows)."""
        known = self.records.select(
            pl.col("uuid").alias("cohort_uuid"), pl.col("code").alias("cohort_code"), "course_name"
        ).unique("cohort_uuid", keep="first", maintain_order=True)
        per_cohort = self.sizes.group_by("cohort_uuid").agg(pl.col("n").sum())
        if exclusions is not None or known.height != per_cohort.height:
            return cohort_window_sizes(self.members, self.records, exclusions=exclusions)
        return (
            known.join(per_cohort, on="cohort_uuid", how="left")
            .sort(["course_name", "cohort_code", "cohort_uuid"], nulls_last=True)
            .select("cohort_uuid", "n")
        )


def _decided(sizes: pl.DataFrame, layout: GroupLayout, *, min_cell: int, cohort: str) -> list[str]:
    """The group rule's notes for ``cohort``'s rows of the table whose groups are ``sizes``."""
    sizes_only = replace(layout, values=(), bases={}, individual_columns=())
    decision = withhold_small_groups(sizes, sizes_only, min_cell=min_cell)
    return one_cohort(decision, cohort).get_column("suppression_note").to_list()


def cohort_status(cohort: OneCohort, *, policy: DisclosurePolicy, min_cell: int) -> pl.DataFrame:
    """``cohort``'s rows of ``completion_table(members, by=BY_COHORT)``."""
    if policy is DisclosurePolicy.PUBLIC:
        whole = completion_table(cohort.members, by=BY_COHORT, min_cell=min_cell, policy=policy)
        return one_cohort(whole, cohort.uuid)
    if policy is DisclosurePolicy.NONE:
        alone = completion_table(cohort.rows, by=BY_COHORT, min_cell=min_cell, policy=policy)
        return one_cohort(alone, cohort.uuid)
    total = pl.col("is_total")
    layout = group_layout("completion_rates", by=BY_COHORT, total_row=total)
    sizes = pl.concat(
        [
            cohort.sizes.with_columns(is_total=pl.lit(value=False)),
            cohort.sizes.select(pl.col("n").sum()).with_columns(
                *(pl.lit(None, dtype=pl.String).alias(key) for key in BY_COHORT),
                is_total=pl.lit(value=True),
            ),
        ],
        how="diagonal",
    )
    rows = one_cohort(completion_rates(cohort.rows, by=BY_COHORT, total=True), cohort.uuid)
    notes = _decided(sizes, layout, min_cell=min_cell, cohort=cohort.uuid)
    return withhold_as_decided(rows, layout, notes, min_cell=min_cell)


def cohort_grade_summary(
    cohort: OneCohort, *, pass_mark: float, policy: DisclosurePolicy, min_cell: int
) -> pl.DataFrame:
    """``cohort``'s rows of ``grade_summary_table(members, by=BY_COHORT)``."""
    if policy is not DisclosurePolicy.INTERNAL:
        # public: every cohort's cells are protected together; none: nothing is hidden.
        over = cohort.members if policy is DisclosurePolicy.PUBLIC else cohort.rows
        table = grade_summary_table(
            over, by=BY_COHORT, pass_mark=pass_mark, min_cell=min_cell, policy=policy
        )
        return one_cohort(table, cohort.uuid)
    layout = group_layout("grade_summary", by=BY_COHORT)
    rows = grade_summary(cohort.rows, by=BY_COHORT, pass_mark=pass_mark)
    notes = _decided(cohort.sizes, layout, min_cell=min_cell, cohort=cohort.uuid)
    return withhold_as_decided(rows, layout, notes, min_cell=min_cell)


def cohort_windows_detail(
    cohort: OneCohort,
    *,
    as_of: datetime,
    policy: DisclosurePolicy,
    min_cell: int,
    windows: Sequence[int],
    course_normal_time_days: Mapping[str, int] | None,
    exclusions: pl.DataFrame | None,
) -> pl.DataFrame:
    """``cohort``'s rows of ``cohort_windows_table(members, records)``."""
    public = policy is DisclosurePolicy.PUBLIC
    # public: each cohort's cells are protected in the table of every cohort; internal: the
    # cohort's rows as computed (none), then hidden as the table of every cohort decides.
    rows, records = (cohort.members, cohort.records) if public else cohort.with_companion
    table = cohort_windows_table(
        rows,
        records,
        as_of=as_of,
        policy=DisclosurePolicy.NONE if policy is DisclosurePolicy.INTERNAL else policy,
        min_cell=min_cell,
        windows=windows,
        course_normal_time_days=course_normal_time_days,
        exclusions=exclusions,
    )
    chosen = one_cohort(table, cohort.uuid)
    if policy is not DisclosurePolicy.INTERNAL:
        return chosen
    layout = group_layout("cohort_completion_windows")
    # One note per cohort (its rows are one group), none where the filter has no such cohort.
    notes = _decided(cohort.window_sizes(exclusions), layout, min_cell=min_cell, cohort=cohort.uuid)
    return withhold_as_decided(chosen, layout, notes[:1] * chosen.height, min_cell=min_cell)
