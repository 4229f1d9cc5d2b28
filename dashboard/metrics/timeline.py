"""Cohort timelines: monthly new enrollments, completions and active headcount; planned windows."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from dashboard.metrics.inputs import as_utc, require_columns

TIMELINE_COLUMNS = (
    "cohort_uuid",
    "cohort_code",
    "month",
    "new_enrollments",
    "completions",
    "drops",
    "active",
)


def cohort_timeline(
    enrollments: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime
) -> pl.DataFrame:
    """Per cohort and calendar month (UTC): new enrollments, completions and active headcount.

    ``new_enrollments`` counts ``enrolled_at`` in the month, ``completions`` completed enrollments
    by ``completed_at``. ``drops`` is null: drops carry no date in DokStamp data. ``active`` is the
    headcount at the end of the month: enrolled by then and not completed by then, over enrollments
    whose exit can be placed (a drop has no date, so dropped enrollments are never counted as
    active and past headcounts are understated by the drops that had not yet happened; completed
    rows without a completed_at between enrollment and ``as_of`` are left out too). Events after
    ``as_of`` are not counted. Months run without gaps from the first month of the cohort's start
    date, first enrollment or first completion to ``as_of``'s month (or, when no one is still
    enrolled, to the last of its end date and events).

    Returns
    -------
    pl.DataFrame
        ``[cohort_uuid, cohort_code, month (Date, first of month), new_enrollments, completions,
        drops, active]`` sorted by cohort code and month; enrollments without a cohort are left out.
    """
    as_of = as_utc(as_of)
    members = timeline_entries(enrollments, as_of=as_of).rename({"cohort_code": "_member_code"})
    spans = _spans(members, cohorts, as_of=as_of)
    months = spans.select(
        "cohort_uuid",
        "cohort_code",
        pl.date_ranges("_from", "_to", "1mo").alias("month"),
    ).explode("month")
    # Two counts per month, each of every entry once: by the month it came in (new; placed ones
    # joined the headcount) and by the month it completed (completions; placed ones left it,
    # their exit being known: still enrolled, or completed between enrollment and as_of). An
    # entry without that date counts in a null month, which matches no month of a span.
    placed = pl.col("placed").sum()
    entered = _monthly(members, "_in", new_enrollments=pl.len(), _joined=placed)
    completed = _monthly(members, "_done", completions=pl.len(), _left=placed)
    keys = ["cohort_uuid", "month"]
    timeline = (
        months.join(entered, on=keys, how="left")
        .join(completed, on=keys, how="left")
        .with_columns(pl.col("new_enrollments", "completions", "_joined", "_left").fill_null(0))
        .sort(keys)
        .with_columns(
            (pl.col("_joined").cum_sum() - pl.col("_left").cum_sum())
            .over("cohort_uuid")
            .alias("active"),
            pl.lit(None, dtype=pl.Int64).alias("drops"),
        )
    )
    return timeline.select(TIMELINE_COLUMNS).sort("cohort_code", "cohort_uuid", "month")


def timeline_cohorts(
    enrollments: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime
) -> pl.DataFrame:
    """The cohorts of ``cohort_timeline(enrollments, cohorts, as_of=as_of)`` in the order of its
    rows, without its months: ``[cohort_uuid, cohort_code, n]`` (``n``: its enrollments)."""
    as_of = as_utc(as_of)
    members = timeline_entries(enrollments, as_of=as_of).rename({"cohort_code": "_member_code"})
    return (
        _spans(members, cohorts, as_of=as_of)
        .select("cohort_uuid", "cohort_code", pl.col("_n").fill_null(0).alias("n"))
        .sort("cohort_code", "cohort_uuid")
    )


def _spans(members: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: datetime) -> pl.DataFrame:
    """Per cohort with months to show: its code and first and last month (``_from``, ``_to``)."""
    require_columns(cohorts, ("uuid", "code", "start_date", "end_date"), function="cohort_timeline")
    limit = pl.lit(as_of)
    records = cohorts.select(
        pl.col("uuid").alias("cohort_uuid"),
        pl.col("code").alias("cohort_code"),
        "start_date",
        "end_date",
    ).unique("cohort_uuid", keep="first", maintain_order=True)
    spans = (
        members.group_by("cohort_uuid")
        .agg(
            pl.col("_member_code").drop_nulls().first(),
            pl.col("_in").min().alias("_first_in"),
            pl.col("_in").max().alias("_last_in"),
            pl.col("_done").min().alias("_first_done"),
            pl.col("_done").max().alias("_last_done"),
            pl.col("_still").any().alias("_any_still"),
            pl.len().cast(pl.Int64).alias("_n"),
        )
        .join(records, on="cohort_uuid", how="full", coalesce=True)
        .with_columns(pl.coalesce("cohort_code", "_member_code").alias("cohort_code"))
    )
    last_event = pl.max_horizontal("end_date", "_last_in", "_last_done")
    return spans.with_columns(
        # From the first event: a completion dated before its enrollment (a data-quality flag)
        # still has its month, so the months add up to the cohort's completions.
        pl.min_horizontal("start_date", "_first_in", "_first_done")
        .dt.month_start()
        .cast(pl.Date)
        .alias("_from"),
        pl.when(pl.col("_any_still").fill_null(False))
        .then(limit)
        .otherwise(pl.min_horizontal(last_event, limit))
        .dt.month_start()
        .cast(pl.Date)
        .alias("_to"),
    ).filter(pl.col("_from").is_not_null() & (pl.col("_from") <= pl.col("_to")))


def timeline_entries(enrollments: pl.DataFrame, *, as_of: datetime) -> pl.DataFrame:
    """How ``cohort_timeline`` counts each enrollment that has a cohort.

    Returns
    -------
    pl.DataFrame
        One row per such enrollment: ``cohort_uuid``, ``cohort_code``, ``completion_status``,
        ``_in`` (``enrolled_at`` if on or before ``as_of``: counted as new in its month), ``_done``
        (``completed_at`` of a completed enrollment, if on or before ``as_of``: counted as a
        completion in its month), ``_still`` (status enrolled), ``placed`` (counted in the
        active headcount: entered, and still enrolled or completed on or after entering).
    """
    require_columns(
        enrollments,
        ("completion_status", "enrolled_at", "completed_at", "cohort_uuid", "cohort_code"),
        function="cohort_timeline",
    )
    limit = pl.lit(as_utc(as_of))
    status = pl.col("completion_status")
    entered = pl.col("_in").is_not_null()
    # Lazy: the filter reads only the columns the entries need (no copy of every column).
    return (
        enrollments.lazy()
        .filter(pl.col("cohort_uuid").is_not_null())
        .select(
            "cohort_uuid",
            "cohort_code",
            "completion_status",
            pl.when(pl.col("enrolled_at") <= limit).then(pl.col("enrolled_at")).alias("_in"),
            pl.when((status == "completed") & (pl.col("completed_at") <= limit))
            .then(pl.col("completed_at"))
            .alias("_done"),
            (status == "enrolled").fill_null(False).alias("_still"),
        )
        .with_columns(
            (
                entered & (pl.col("_still") | (pl.col("_done") >= pl.col("_in")).fill_null(False))
            ).alias("placed")
        )
        .collect()
    )


def _monthly(frame: pl.DataFrame, column: str, **counts: pl.Expr) -> pl.DataFrame:
    """``counts`` of the rows of ``frame`` per cohort and calendar month of ``column``."""
    return frame.group_by(
        "cohort_uuid", pl.col(column).dt.month_start().cast(pl.Date).alias("month")
    ).agg(*(count.cast(pl.Int64).alias(name) for name, count in counts.items()))


def cohort_windows_planned(cohorts: pl.DataFrame) -> pl.DataFrame:
    """The planned window of each cohort: ``start_date`` to ``end_date`` of its record.

    Returns
    -------
    pl.DataFrame
        ``[cohort_uuid, cohort_code, course_name, start_date, end_date, course_uuid, modality]``;
        dates are null where the cohort has none.
    """
    require_columns(
        cohorts,
        ("uuid", "code", "course_name", "start_date", "end_date", "course_uuid", "modality"),
        function="cohort_windows_planned",
    )
    return cohorts.select(
        pl.col("uuid").alias("cohort_uuid"),
        pl.col("code").alias("cohort_code"),
        "course_name",
        "start_date",
        "end_date",
        "course_uuid",
        pl.col("modality").cast(pl.String),
    ).sort("cohort_code", "cohort_uuid", nulls_last=True)
