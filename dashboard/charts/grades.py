"""Grade charts: a histogram from fixed bins and per-group box plots built from quartiles.

Both take aggregates of ``dashboard.metrics`` (``grade_histogram``, ``grade_summary``), never
grade rows: the box plot is drawn from min/q1/median/q3/max with rule, bar and tick layers.
"""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from dashboard.charts.inputs import (
    NOTE,
    WITHHELD,
    checked_aggregate,
    note_lines,
    publishable,
)
from dashboard.charts.labels import as_group_labels, column_title, label_order
from dashboard.charts.placeholders import PROTECTED, PROTECTED_CELL
from dashboard.charts.spec import ChartSpec, no_data_chart
from dashboard.charts.theme import (
    COUNT_FORMAT,
    GRADE_FORMAT,
    INTERVAL_COLOUR,
    OKABE_ITO,
    PLACEHOLDER_TEXT,
    RATE_DETAIL_FORMAT,
    SUPPRESSED_LABEL,
    apply_theme,
)

GRADE_SCALE: Final = (0.0, 10.0)
_OVERALL: Final = "All graded enrollments"
_GROUP: Final = "group"
_PASS_MARK_COLOUR: Final = OKABE_ITO["vermillion"]


def grade_histogram_chart(
    histogram: pl.DataFrame,
    *,
    group: str | None = None,
    pass_mark: float | None = 5.0,
    title: str = "Grade distribution",
    suppressed_label: str = SUPPRESSED_LABEL,
) -> ChartSpec:
    """Bars over fixed grade bins (0-10), with the pass mark as a dashed rule.

    Parameters
    ----------
    histogram
        ``grade_histogram`` output: ``[group?, bin_start, bin_end, count]``, optionally
        ``suppressed`` (a suppressed bin shows the ``n<10`` label instead of a bar).
    group
        Column to split by: one histogram row per group (a faceted chart).
    pass_mark
        Grade drawn as the threshold rule; ``None`` draws none.
    """
    groups = [group] if group else []
    frame = checked_aggregate(
        histogram,
        chart="grade_histogram_chart",
        required=[*groups, "bin_start", "bin_end", "count"],
    )
    if frame.is_empty():
        return no_data_chart(title=title)
    if group:
        frame = as_group_labels(frame, group)
    # grade_histogram names each bin ("[5.0, 5.5)", the last one closed); else name it here.
    bin_name = (
        pl.col("bin_label")
        if "bin_label" in frame.columns
        else pl.format("[{}, {})", pl.col("bin_start").round(2), pl.col("bin_end").round(2))
    )
    frame = frame.with_columns(
        ((pl.col("bin_start") + pl.col("bin_end")) / 2).alias("bin_mid"), bin_name.alias("bin")
    )
    data = publishable(
        frame,
        dimensions=[*groups, "bin_start", "bin_end", "bin_mid", "bin"],
        measures=["count"],
        needed=["count"],
        label=suppressed_label,
    ).with_columns(
        # Bins are narrow: "hidden to protect a small count" is shortened on the mark.
        pl.col(NOTE).str.replace(PROTECTED, PROTECTED_CELL, literal=True).alias("mark_note")
    )
    x = alt.X(
        "bin_start:Q",
        title="Grade (0-10)",
        scale=alt.Scale(domain=list(GRADE_SCALE)),
        axis=alt.Axis(format=".1~f"),
    )
    tooltip = [
        *([alt.Tooltip(f"{group}:N", title=column_title(group))] if group else []),
        alt.Tooltip("bin:N", title="Grade bin"),
        alt.Tooltip("count:Q", title="n in bin", format=COUNT_FORMAT),
    ]
    # Layers carry no data of their own, so the same layers can be faceted by group.
    base = alt.Chart()
    bars = (
        base.transform_filter(f"!datum.{WITHHELD}")
        .mark_bar(color=OKABE_ITO["blue"], stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            x2=alt.X2("bin_end:Q"),
            y=alt.Y("count:Q", title="Graded enrollments", axis=alt.Axis(format=COUNT_FORMAT)),
            y2=alt.Y2Datum(0),
            tooltip=tooltip,
        )
    )
    notes = (
        base.transform_filter(f"datum.{WITHHELD}")
        .mark_text(
            angle=270,
            align="left",
            baseline="middle",
            dy=0,
            dx=3,
            fontSize=9,
            color=PLACEHOLDER_TEXT,
            fontStyle="italic",
        )
        .encode(
            x=alt.X("bin_mid:Q"),
            y=alt.YDatum(0),
            text=alt.Text("mark_note:N"),
            tooltip=[*tooltip[:-1], alt.Tooltip(f"{NOTE}:N", title="n in bin")],
        )
    )
    layers: list[alt.Chart] = [bars, notes]
    if pass_mark is not None:
        layers.append(
            base.mark_rule(color=_PASS_MARK_COLOUR, strokeDash=[5, 3], strokeWidth=1.5)
            .encode(
                x=alt.XDatum(pass_mark),
                tooltip=[alt.Tooltip("pass_mark:Q", title="Pass mark", format=GRADE_FORMAT)],
            )
            .transform_calculate(pass_mark=str(pass_mark))
        )
    subtitle = ["Enrollments with a grade, on fixed bins (closed left; the last bin closed)."]
    if pass_mark is not None:
        subtitle.append(f"Dashed line: pass mark {pass_mark:g}.")
    subtitle += note_lines(data, unit="bin")
    heading = alt.Title(title, subtitle=subtitle)
    if group:
        faceted = (
            alt.LayerChart(layer=layers)
            .properties(width=480, height=140)
            .facet(
                row=alt.Row(f"{group}:N", title=column_title(group), sort=label_order(data, group)),
                data=data,
            )
        )
        return apply_theme(faceted.properties(title=heading))
    layered = alt.LayerChart(data=data, layer=layers)
    return apply_theme(layered.properties(title=heading, width=480, height=240))


def grade_box_chart(
    summary: pl.DataFrame,
    *,
    by: str | None = None,
    pass_mark: float | None = 5.0,
    title: str | None = None,
    suppressed_label: str = SUPPRESSED_LABEL,
) -> ChartSpec:
    """Box plots per group from quartiles: min-max rule, q1-q3 box, median tick, mean point.

    Parameters
    ----------
    summary
        ``grade_summary`` output: ``[by, n_graded, n_ungraded, mean, min, q1, median, q3, max,
        below_threshold_rate]``, optionally ``n_out_of_range``, ``pass_mark``, ``suppressed``,
        ``suppression_note``.
    by
        Grouping column on the y axis; ``None`` for one overall box.
    pass_mark
        Grade drawn as the threshold rule; ``None`` draws none. When the frame has a
        ``pass_mark`` column (the mark its below-threshold rate was computed with), that value is
        drawn instead, so the rule and the rate always agree.
    """
    groups = [by] if by else []
    stats = ["mean", "min", "q1", "median", "q3", "max"]
    frame = checked_aggregate(
        summary,
        chart="grade_box_chart",
        required=[*groups, "n_graded", "n_ungraded", *stats, "below_threshold_rate"],
    )
    title = title or (f"Grades by {column_title(by).lower()}" if by else "Grades")
    if frame.is_empty():
        return no_data_chart(title=title)
    if pass_mark is not None and "pass_mark" in frame.columns:
        marks = frame.get_column("pass_mark").drop_nulls().unique().to_list()
        pass_mark = float(marks[0]) if len(marks) == 1 else pass_mark
    group = by or _GROUP
    if by is None:
        frame = frame.with_columns(pl.lit(_OVERALL).alias(_GROUP))
    out_of_range = ["n_out_of_range"] if "n_out_of_range" in frame.columns else []
    data = publishable(
        as_group_labels(frame, group),
        dimensions=[group],
        measures=["n_graded", "n_ungraded", *out_of_range, *stats, "below_threshold_rate"],
        needed=["q1", "median", "q3"],
        label=suppressed_label,
    )
    y = alt.Y(f"{group}:N", title=column_title(by) if by else None, sort=label_order(data, group))
    grade_axis = alt.Axis(format=".1~f")
    grade_scale = alt.Scale(domain=list(GRADE_SCALE))
    below_title = "Below pass mark" if pass_mark is None else f"Below {pass_mark:g}"
    tooltip = [
        alt.Tooltip(f"{group}:N", title=column_title(by) if by else "Group"),
        alt.Tooltip("n_graded:Q", title="n graded", format=COUNT_FORMAT),
        alt.Tooltip("n_ungraded:Q", title="n without grade", format=COUNT_FORMAT),
        *(
            [alt.Tooltip("n_out_of_range:Q", title="n grade outside 0-10", format=COUNT_FORMAT)]
            if out_of_range
            else []
        ),
        alt.Tooltip("min:Q", title="Min", format=GRADE_FORMAT),
        alt.Tooltip("q1:Q", title="Lower quartile", format=GRADE_FORMAT),
        alt.Tooltip("median:Q", title="Median", format=GRADE_FORMAT),
        alt.Tooltip("q3:Q", title="Upper quartile", format=GRADE_FORMAT),
        alt.Tooltip("max:Q", title="Max", format=GRADE_FORMAT),
        alt.Tooltip("mean:Q", title="Mean", format=GRADE_FORMAT),
        alt.Tooltip("below_threshold_rate:Q", title=below_title, format=RATE_DETAIL_FORMAT),
    ]
    base = alt.Chart()
    shown = base.transform_filter(f"!datum.{WITHHELD}")
    whisker = (
        shown.transform_filter("isValid(datum.min) && isValid(datum.max)")
        .mark_rule(color=INTERVAL_COLOUR, strokeWidth=1.5)
        .encode(
            x=alt.X("min:Q", title="Grade (0-10)", scale=grade_scale, axis=grade_axis),
            x2=alt.X2("max:Q"),
            y=y,
            tooltip=tooltip,
        )
    )
    box = shown.mark_bar(height={"band": 0.6}, color=OKABE_ITO["sky_blue"]).encode(
        x=alt.X("q1:Q"), x2=alt.X2("q3:Q"), y=y, tooltip=tooltip
    )
    median = shown.mark_tick(color="black", thickness=2, size=18).encode(
        x=alt.X("median:Q"), y=y, tooltip=tooltip
    )
    mean = (
        shown.transform_filter("isValid(datum.mean)")
        .mark_point(
            shape="diamond", filled=True, color="white", stroke="black", strokeWidth=1, size=60
        )
        .encode(x=alt.X("mean:Q"), y=y, tooltip=tooltip)
    )
    notes = (
        base.transform_filter(f"datum.{WITHHELD}")
        .mark_text(align="left", dx=3, fontStyle="italic", color=PLACEHOLDER_TEXT)
        .encode(
            x=alt.XDatum(GRADE_SCALE[0]),
            y=y,
            text=alt.Text(f"{NOTE}:N"),
            tooltip=[tooltip[0], alt.Tooltip(f"{NOTE}:N", title="n graded")],
        )
    )
    layers: list[alt.Chart] = [whisker, box, median, mean, notes]
    extremes = data.filter(~pl.col(WITHHELD)).select(pl.col("min").is_not_null().any()).item()
    subtitle = [
        "Graded enrollments only (n graded). Box: lower to upper quartile; black tick: median; "
        "diamond: mean" + ("; line: min to max." if extremes else "."),
    ]
    if not extremes:
        subtitle.append("Min and max are not shown: each is one student's grade.")
    if pass_mark is not None:
        layers.append(
            base.mark_rule(color=_PASS_MARK_COLOUR, strokeDash=[5, 3], strokeWidth=1.5).encode(
                x=alt.XDatum(pass_mark)
            )
        )
        subtitle.append(f"Dashed line: pass mark {pass_mark:g}.")
    subtitle += note_lines(data)
    chart = alt.LayerChart(data=data, layer=layers).properties(
        title=alt.Title(title, subtitle=subtitle), width=480
    )
    return apply_theme(chart)
