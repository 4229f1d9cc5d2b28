"""Completion/dropout rate bars with Wilson whiskers, and status composition stacked bars.

Both take the frame of ``dashboard.metrics.completion_rates`` (or ``filter_vs_all``): one row per
group with ``n``, the status counts, each rate and its 95% Wilson bounds, and ``suppressed``.
"""

from __future__ import annotations

from typing import Final, Literal

import altair as alt
import polars as pl

from dashboard.charts.inputs import NOTE, WITHHELD, checked_aggregate, note_lines, publishable
from dashboard.charts.labels import as_group_labels, column_title, label_order
from dashboard.charts.spec import ChartSpec, no_data_chart
from dashboard.charts.theme import (
    COUNT_FORMAT,
    INTERVAL_COLOUR,
    PLACEHOLDER_TEXT,
    RATE_DETAIL_FORMAT,
    RATE_FORMAT,
    STATUS_COLOURS,
    STATUS_ORDER,
    SUPPRESSED_LABEL,
    apply_theme,
)

Rate = Literal["completion", "dropout"]

_RATE_COUNT: Final[dict[str, str]] = {"completion": "completed", "dropout": "dropped"}
_OVERALL: Final = "All enrollments"
_GROUP: Final = "group"
_SCOPE_TITLES: Final[dict[str, str]] = {"filter": "Current filter", "all": "All enrollments"}
N_LABEL_EXPR: Final = "'n=' + format(datum.n, ',d')"
NOT_SHOWN: Final = "not shown"
NOT_SHOWN_COLOUR: Final = "#BDBDBD"


def completion_rate_chart(
    rates: pl.DataFrame,
    *,
    by: str | None = None,
    rate: Rate = "completion",
    title: str | None = None,
    suppressed_label: str = SUPPRESSED_LABEL,
) -> ChartSpec:
    """Horizontal bars of a rate per group, 95% Wilson whiskers and ``n=`` beside each bar.

    Parameters
    ----------
    rates
        ``completion_rates`` / ``filter_vs_all`` output: ``[by, n, completed|dropped, X_rate,
        X_rate_ci_low, X_rate_ci_high]``, optionally ``suppressed`` and ``scope``
        ("filter" | "all", drawn as paired bars).
    by
        The grouping column to draw on the y axis; ``None`` for the one overall row.
    rate
        ``"completion"`` (completed / n) or ``"dropout"`` (dropped / n).
    """
    name = f"{rate}_rate"
    count = _RATE_COUNT[rate]
    low, high = f"{name}_ci_low", f"{name}_ci_high"
    groups = [by] if by else []
    frame = checked_aggregate(
        rates, chart="completion_rate_chart", required=[*groups, "n", count, name, low, high]
    )
    rate_title = f"{rate.capitalize()} rate"
    title = title or (f"{rate_title} by {column_title(by).lower()}" if by else rate_title)
    frame = _groups_with_enrollments(frame, by=by)
    if frame.is_empty():
        return no_data_chart(title=title)

    group = by or _GROUP
    scoped = "scope" in frame.columns
    if scoped:
        frame = frame.with_columns(pl.col("scope").cast(pl.String).replace(_SCOPE_TITLES))
    data = publishable(
        frame,
        dimensions=[group, *(["scope"] if scoped else [])],
        measures=["n", count, name, low, high],
        needed=[name, low, high],
        label=suppressed_label,
    )

    y = alt.Y(f"{group}:N", title=column_title(by) if by else None, sort=label_order(data, group))
    offset: dict[str, alt.YOffset] = {}
    colour: alt.Color | alt.ColorValue = alt.ColorValue(STATUS_COLOURS[count])
    tooltip = [alt.Tooltip(f"{group}:N", title=column_title(by) if by else "Group")]
    if scoped:
        scope_domain = list(_SCOPE_TITLES.values())
        offset = {"yOffset": alt.YOffset("scope:N", sort=scope_domain)}
        colour = alt.Color(
            "scope:N",
            title="Scope",
            scale=alt.Scale(domain=scope_domain, range=[STATUS_COLOURS[count], "#9E9E9E"]),
        )
        tooltip.append(alt.Tooltip("scope:N", title="Scope"))
    tooltip += [
        alt.Tooltip(f"{name}:Q", title=rate_title, format=RATE_DETAIL_FORMAT),
        alt.Tooltip(f"{low}:Q", title="95% interval, low", format=RATE_DETAIL_FORMAT),
        alt.Tooltip(f"{high}:Q", title="95% interval, high", format=RATE_DETAIL_FORMAT),
        alt.Tooltip(f"{count}:Q", title=count.capitalize(), format=COUNT_FORMAT),
        alt.Tooltip("n:Q", title="n (enrollments)", format=COUNT_FORMAT),
    ]

    base = alt.Chart(data)
    published = base.transform_filter(f"!datum.{WITHHELD}")
    bars = published.mark_bar(height={"band": 0.8}).encode(
        x=alt.X(
            f"{name}:Q",
            title=f"{rate_title} ({count} / n)",
            axis=alt.Axis(format=RATE_FORMAT),
            scale=alt.Scale(domain=[0, 1]),
        ),
        y=y,
        color=colour,
        tooltip=tooltip,
        **offset,
    )
    whiskers = published.mark_rule(color=INTERVAL_COLOUR, strokeWidth=1.5).encode(
        x=alt.X(f"{low}:Q"), x2=alt.X2(f"{high}:Q"), y=y, tooltip=tooltip, **offset
    )
    n_labels = (
        published.transform_filter("isValid(datum.n)")
        .transform_calculate(n_label=N_LABEL_EXPR)
        .mark_text(align="left", dx=4, fontSize=11, color=PLACEHOLDER_TEXT)
        .encode(x=alt.X(f"{high}:Q"), y=y, text=alt.Text("n_label:N"), **offset)
    )
    notes = _withheld_notes(base, y=y, group=group, offset=offset)
    subtitle = [
        f"{rate_title} = {count} / all enrollments in the group (n). Whiskers: 95% Wilson interval."
    ]
    subtitle += note_lines(data)
    chart = alt.LayerChart(layer=[bars, whiskers, n_labels, notes]).properties(
        title=alt.Title(title, subtitle=subtitle), width=480
    )
    return apply_theme(chart)


def status_composition_chart(
    rates: pl.DataFrame,
    *,
    by: str | None = None,
    normalize: bool = True,
    title: str | None = None,
    suppressed_label: str = SUPPRESSED_LABEL,
) -> ChartSpec:
    """Stacked bars of completed / enrolled / dropped per group (shares, or counts).

    Parameters
    ----------
    rates
        ``completion_rates`` output: ``[by, n, completed, enrolled, dropped]``, optionally
        ``suppressed``.
    by
        The grouping column on the y axis (course, cohort...); ``None`` for one overall bar.
    normalize
        Stack to 100% of each group (default) or show counts.
    """
    groups = [by] if by else []
    frame = checked_aggregate(
        rates, chart="status_composition_chart", required=[*groups, "n", *STATUS_ORDER]
    )
    title = title or (
        f"Enrollment status by {column_title(by).lower()}" if by else "Enrollment status"
    )
    frame = _groups_with_enrollments(frame, by=by)
    if frame.is_empty():
        return no_data_chart(title=title)

    group = by or _GROUP
    data = publishable(
        frame,
        dimensions=[group],
        measures=["n", *STATUS_ORDER],
        needed=["n"],
        label=suppressed_label,
    )
    # Where the metric hid some status counts of a group, the rest of n is drawn as one grey
    # "not shown" segment: n and the shown counts are published, so that sum is too.
    shown_sum = pl.sum_horizontal(pl.col(s).fill_null(0) for s in STATUS_ORDER)
    data = data.with_columns(
        pl.when(pl.any_horizontal(pl.col(s).is_null() for s in STATUS_ORDER) & ~pl.col(WITHHELD))
        .then(pl.col("n") - shown_sum)
        .alias(NOT_SHOWN)
    )
    segments = [*STATUS_ORDER, NOT_SHOWN]
    y = alt.Y(f"{group}:N", title=column_title(by) if by else None, sort=label_order(data, group))
    colours = alt.Scale(
        domain=segments, range=[*(STATUS_COLOURS[s] for s in STATUS_ORDER), NOT_SHOWN_COLOUR]
    )
    base = alt.Chart(data)
    bars = (
        base.transform_filter(f"!datum.{WITHHELD}")
        .transform_fold(list(segments), as_=["status", "count"])
        .transform_filter("isValid(datum.count)")
        .transform_calculate(
            share="datum.n > 0 ? datum.count / datum.n : null",
            status_rank="indexof(" + repr(segments) + ", datum.status)",
        )
        .mark_bar(height={"band": 0.8})
        .encode(
            x=alt.X(
                "share:Q" if normalize else "count:Q",
                stack="zero",
                title="Share of enrollments (of n)" if normalize else "Enrollments",
                axis=alt.Axis(format=RATE_FORMAT if normalize else COUNT_FORMAT),
                scale=alt.Scale(domain=[0, 1]) if normalize else alt.Undefined,
            ),
            y=y,
            color=alt.Color(
                "status:N",
                title="Status",
                scale=colours,
                legend=alt.Legend(columns=2),  # four entries fit under a narrow plot
            ),
            order=alt.Order("status_rank:Q"),
            tooltip=[
                alt.Tooltip(f"{group}:N", title=column_title(by) if by else "Group"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("count:Q", title="Enrollments", format=COUNT_FORMAT),
                alt.Tooltip("share:Q", title="Share of n", format=RATE_DETAIL_FORMAT),
                alt.Tooltip("n:Q", title="n (enrollments)", format=COUNT_FORMAT),
            ],
        )
    )
    notes = _withheld_notes(base, y=y, group=group, offset={})
    subtitle = ["Share of all enrollments in the group (n) by current status."]
    if data[NOT_SHOWN].is_not_null().any():
        subtitle.append(f"Grey: {NOT_SHOWN}, small counts of the group's statuses together.")
    subtitle += note_lines(data)
    chart = alt.LayerChart(layer=[bars, notes]).properties(
        title=alt.Title(title, subtitle=subtitle), width=480
    )
    return apply_theme(chart)


def _groups_with_enrollments(frame: pl.DataFrame, *, by: str | None) -> pl.DataFrame:
    """Label the groups ("(none)" for a null key, "All enrollments" for the total row) and drop
    groups without enrollments (n = 0 has no rate; suppressed groups are kept, to be labelled)."""
    group = by or _GROUP
    if by is None:
        frame = frame.with_columns(pl.lit(_OVERALL).alias(_GROUP))
    frame = as_group_labels(frame, group)
    if "is_total" in frame.columns:
        # The total row of completion_rates(total=True) has a null key, like a "no cohort" group.
        frame = frame.with_columns(
            pl.when(pl.col("is_total").fill_null(value=False))
            .then(pl.lit(_OVERALL))
            .otherwise(pl.col(group))
            .alias(group)
        )
    suppressed = (
        pl.col("suppressed").fill_null(value=False)
        if "suppressed" in frame.columns
        else pl.lit(False)
    )
    return frame.filter(suppressed | (pl.col("n").fill_null(0) > 0))


def _withheld_notes(
    base: alt.Chart, *, y: alt.Y, group: str, offset: dict[str, alt.YOffset]
) -> alt.Chart:
    """Text marks saying why a group has no bar (suppressed), at the start of the axis."""
    notes: alt.Chart = (
        base.transform_filter(f"datum.{WITHHELD}")
        .mark_text(
            align="left",
            dx=3,
            fontStyle="italic",
            color=PLACEHOLDER_TEXT,
            stroke=None,
        )
        .encode(
            x=alt.XDatum(0),
            y=y,
            text=alt.Text(f"{NOTE}:N"),
            tooltip=[
                alt.Tooltip(f"{group}:N", title="Group"),
                alt.Tooltip(f"{NOTE}:N", title="n"),
            ],
            **offset,
        )
    )
    return notes
