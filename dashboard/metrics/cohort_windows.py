"""Cohort completion within 100/150/200% of normal time, with the maturity rule and exclusions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import polars as pl

from dashboard.data.schema import UtcDatetime
from dashboard.metrics.errors import InvalidOptionError
from dashboard.metrics.inputs import as_utc, require_columns
from dashboard.metrics.intervals import rate_with_interval

SHOWN = "shown"
IN_PROGRESS = "in progress"
NO_NORMAL_TIME = "no normal time"
_DAY_US = 86_400_000_000

OUTPUT_COLUMNS = (
    "cohort_uuid",
    "cohort_code",
    "course_uuid",
    "course_name",
    "window_pct",
    "normal_time_days",
    "normal_time_source",
    "n",
    "excluded",
    "completed_within",
    "completion_rate",
    "completion_rate_ci_low",
    "completion_rate_ci_high",
    "status",
    "matures_on",
)


def cohort_completion_windows(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    as_of: datetime,
    windows: Sequence[int] = (100, 150, 200),
    course_normal_time_days: Mapping[str, int] | None = None,
    exclusions: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Share of each cohort completed within w% of its normal time (IPEDS style, metrics.md §2).

    Normal time is ``end_date - start_date`` of the cohort record in whole days; for a cohort
    without both dates (or with end before start), ``course_normal_time_days[course_uuid]``; else
    the status is "no normal time". A completer within w% is a completed enrollment with
    ``completed_at - enrolled_at <= w% of normal time``. n is the cohort's enrollments minus those
    on the exclusion list (``excluded`` counts them). The rate is shown only when the cohort is
    mature: ``start_date + w% of normal time <= as_of`` (without a start date, the cohort's
    latest ``enrolled_at`` stands in); younger cohorts are "in progress". Unless the status is
    "shown", ``completed_within`` and the rate are null.

    Parameters
    ----------
    enrollments, cohorts
        ENROLLMENT_SCHEMA and COHORT_SCHEMA frames. Cohorts referenced by enrollments but missing
        from ``cohorts`` get a row without dates.
    as_of
        The extract date (naive means UTC).
    windows
        Percentages of normal time, each > 0.
    course_normal_time_days
        Course uuid -> normal time in days, for cohorts without dates.
    exclusions
        Frame with ``enrollment_uuid`` and ``reason``: enrollments left out of n, counted in
        ``excluded`` (never silently dropped).

    Returns
    -------
    pl.DataFrame
        One row per cohort and window: ``[cohort_uuid, cohort_code, course_uuid, course_name,
        window_pct, normal_time_days, normal_time_source, n, excluded, completed_within,
        completion_rate, completion_rate_ci_low, completion_rate_ci_high, status, matures_on]``.
    """
    require_columns(
        enrollments,
        ("uuid", "completion_status", "enrolled_at", "completed_at", "cohort_uuid", "cohort_code",
         "course_uuid", "course_name"),
        function="cohort_completion_windows",
    )  # fmt: skip
    require_columns(
        cohorts,
        ("uuid", "code", "start_date", "end_date", "course_uuid", "course_name"),
        function="cohort_completion_windows",
    )
    window_list = sorted(set(windows))
    if not window_list or any(w <= 0 for w in window_list):
        raise InvalidOptionError(f"windows must be positive percentages, got {list(windows)}")
    as_of = as_utc(as_of)
    excluded_uuids = _excluded_uuids(exclusions)

    members = _members(enrollments, excluded_uuids)
    per_cohort = _per_cohort(members, completer_days=True)
    cohort_rows = _cohort_records(per_cohort, cohorts, course_normal_time_days or {})
    grid = cohort_rows.join(
        pl.DataFrame({"window_pct": window_list}, schema={"window_pct": pl.Int64}), how="cross"
    ).with_columns(
        (pl.col("normal_time_days") * pl.col("window_pct") / 100.0).alias("_window_days")
    )
    # The completers within each window, counted from each cohort's completers' days (one row
    # per completer, numbered by cohort): no join or grouping of every member by its uuid again.
    days = per_cohort.select("cohort_uuid", "n", "excluded", "_completer_days").join(
        cohort_rows.select("cohort_uuid", "normal_time_days"),
        on="cohort_uuid",
        how="left",
        maintain_order="left",
    )
    counted_wide = (
        days.with_row_index("_cohort")
        .explode("_completer_days", empty_as_null=True)  # a cohort without completers: 0
        .group_by("_cohort", maintain_order=True)
        .agg(
            pl.col("cohort_uuid", "n", "excluded").first(),
            *[
                (pl.col("_completer_days") <= pl.col("normal_time_days") * w / 100.0)
                .sum()
                .cast(pl.Int64)
                .alias(f"_within_{w}")
                for w in window_list
            ],
        )
        .drop("_cohort")
    )
    counted = counted_wide.unpivot(
        index=["cohort_uuid", "n", "excluded"], variable_name="_window", value_name="_within"
    ).select(
        "cohort_uuid",
        pl.col("_window").str.strip_prefix("_within_").cast(pl.Int64).alias("window_pct"),
        "n",
        "excluded",
        "_within",
    )
    window_span = pl.duration(
        microseconds=(pl.col("_window_days") * _DAY_US).round().cast(pl.Int64)
    )
    result = grid.join(counted, on=["cohort_uuid", "window_pct"], how="left").with_columns(
        pl.col("n", "excluded", "_within").fill_null(0),
        pl.when(pl.col("normal_time_days").is_not_null())
        .then(pl.col("_maturity_start") + window_span)
        .cast(UtcDatetime)
        .alias("matures_on"),
    )
    status = (
        pl.when(pl.col("normal_time_days").is_null())
        .then(pl.lit(NO_NORMAL_TIME))
        .when(pl.col("matures_on").is_null() | (pl.col("matures_on") > pl.lit(as_of)))
        .then(pl.lit(IN_PROGRESS))
        .otherwise(pl.lit(SHOWN))
    )
    result = result.with_columns(status.alias("status"))
    shown = pl.col("status") == SHOWN
    result = result.with_columns(
        pl.when(shown).then(pl.col("_within")).alias("completed_within")
    ).with_columns(
        [
            pl.when(shown).then(expr).alias(expr.meta.output_name())
            for expr in rate_with_interval("completion_rate", "completed_within", "n")
        ]
    )
    return result.select(OUTPUT_COLUMNS).sort(
        ["course_name", "cohort_code", "cohort_uuid", "window_pct"], nulls_last=True
    )


def cohort_window_sizes(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    *,
    exclusions: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The cohorts of ``cohort_completion_windows(enrollments, cohorts, exclusions=...)`` in the
    order of its rows, each with its n (enrollments minus exclusions): all that the group rule
    reads of that table (``cohort_uuid``, ``n``), without counting completers.
    """
    members = _members(enrollments, _excluded_uuids(exclusions))
    per_cohort = _per_cohort(members, completer_days=False)
    return (
        _cohort_records(per_cohort, cohorts, {})
        .join(per_cohort.select("cohort_uuid", "n"), on="cohort_uuid", how="left")
        .with_columns(pl.col("n").fill_null(0))
        .sort(["course_name", "cohort_code", "cohort_uuid"], nulls_last=True)
        .select("cohort_uuid", "n")
    )


def _members(enrollments: pl.DataFrame, excluded_uuids: pl.Series) -> pl.DataFrame:
    """The rows in a cohort, with only the columns the windows read (not every column)."""
    return (
        enrollments.lazy()
        .filter(pl.col("cohort_uuid").is_not_null())
        .select(
            "cohort_uuid",
            "cohort_code",
            "course_uuid",
            "course_name",
            "enrolled_at",
            pl.col("uuid").is_in(excluded_uuids).alias("_excluded"),
            (
                (pl.col("completed_at") - pl.col("enrolled_at")).dt.total_microseconds() / _DAY_US
            ).alias("_days_to_complete"),
            (pl.col("completion_status") == "completed").alias("_completed"),
        )
        .collect()
    )


def _per_cohort(members: pl.DataFrame, *, completer_days: bool) -> pl.DataFrame:
    """One pass over the members: per cohort its first row's identity, latest enrollment, n,
    excluded and (``completer_days``) the days to completion of its completers."""
    completer = (
        ~pl.col("_excluded")
        & pl.col("_completed").fill_null(False)
        & (pl.col("_days_to_complete") >= 0)
    )
    days = [pl.col("_days_to_complete").filter(completer).alias("_completer_days")]
    return members.group_by("cohort_uuid").agg(
        pl.col("cohort_code").first(),
        pl.col("course_uuid").first(),
        pl.col("course_name").first(),
        pl.col("enrolled_at").max().alias("_latest_enrolled_at"),
        (~pl.col("_excluded")).sum().cast(pl.Int64).alias("n"),
        pl.col("_excluded").sum().cast(pl.Int64).alias("excluded"),
        *(days if completer_days else []),
    )


def _excluded_uuids(exclusions: pl.DataFrame | None) -> pl.Series:
    if exclusions is None:
        return pl.Series("enrollment_uuid", [], dtype=pl.String)
    require_columns(exclusions, ("enrollment_uuid", "reason"), function="cohort_completion_windows")
    return exclusions.get_column("enrollment_uuid").drop_nulls().unique()


def _cohort_records(
    per_cohort: pl.DataFrame, cohorts: pl.DataFrame, course_normal_time_days: Mapping[str, int]
) -> pl.DataFrame:
    """One row per cohort: identity, normal time and its source, the date maturity counts from
    (``per_cohort``: the members' cohorts, from ``_per_cohort``)."""
    known = cohorts.select(
        pl.col("uuid").alias("cohort_uuid"),
        pl.col("code").alias("cohort_code"),
        "course_uuid",
        "course_name",
        "start_date",
        "end_date",
    ).unique("cohort_uuid", keep="first", maintain_order=True)
    unknown = per_cohort.join(known, on="cohort_uuid", how="anti").select(
        "cohort_uuid",
        "cohort_code",
        "course_uuid",
        "course_name",
        pl.lit(None, dtype=UtcDatetime).alias("start_date"),
        pl.lit(None, dtype=UtcDatetime).alias("end_date"),
    )
    records = pl.concat([known, unknown]).join(
        per_cohort.select("cohort_uuid", "_latest_enrolled_at"), on="cohort_uuid", how="left"
    )
    fallback = pl.DataFrame(
        {
            "course_uuid": list(course_normal_time_days),
            "_course_days": [int(v) for v in course_normal_time_days.values()],
        },
        schema={"course_uuid": pl.String, "_course_days": pl.Int64},
    )
    if (fallback.get_column("_course_days") <= 0).any():
        raise InvalidOptionError("course normal times must be positive numbers of days")
    records = records.join(fallback, on="course_uuid", how="left")
    dated = (
        pl.col("start_date").is_not_null()
        & pl.col("end_date").is_not_null()
        & (pl.col("end_date") > pl.col("start_date"))
    )
    return records.with_columns(
        pl.when(dated)
        .then((pl.col("end_date") - pl.col("start_date")).dt.total_days())
        .otherwise(pl.col("_course_days"))
        .cast(pl.Int64)
        .alias("normal_time_days"),
        pl.when(dated)
        .then(pl.lit("cohort dates"))
        .when(pl.col("_course_days").is_not_null())
        .then(pl.lit("course setting"))
        .alias("normal_time_source"),
        pl.coalesce("start_date", "_latest_enrolled_at").alias("_maturity_start"),
    )
