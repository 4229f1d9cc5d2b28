"""Writes the analysts' notebooks, outputs cleared, from the cells below (run this file).

The notebooks are generated so that their code stays reviewable as plain Python and so that a
test can check the committed files are exactly what this script writes (no stray outputs).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

CONNECT = """\
import tempfile
from pathlib import Path

import polars as pl

from dashboard.sources import load_config, open_source

workdir = Path(tempfile.mkdtemp(prefix="enrollment-outcomes-"))  # exports and charts go here
config = load_config()  # the environment over .streamlit/secrets.toml [dokstamp]
if not config.get("DOKSTAMP_API_URL"):
    # The demo sandbox, seeded in a folder of its own: the notebook never touches your cache.
    config["ENROLLMENT_OUTCOMES_CACHE_DIR"] = str(workdir / "cache")
    config["ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS"] = "20000"  # seeding and loading take seconds
source = open_source(config)  # one client (pool, token, pacer) and the snapshot store
print("Source:", source.label)"""

LOAD = """\
from dashboard.data import load_cohorts, load_enrollments, page_progress

with page_progress("enrollments") as progress:
    extract = load_enrollments(source, progress=progress)
cohorts = load_cohorts(source).frame
as_of = extract.fetched_at  # the extract date: maturity, censoring and "future" are judged on it
origin = "a snapshot" if extract.from_cache else f"{extract.pages} pages in {extract.seconds:.1f} s"
print(f"{extract.rows:,} enrollments and {cohorts.height} cohorts from {origin}")
print(f"as of {as_of:%Y-%m-%d %H:%M} UTC (snapshot {extract.snapshot_id})")"""

CLEAN_UP = """\
source.close()  # stops the demo sandbox too"""


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip())


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(text.strip())


def enrollment_outcomes() -> nbformat.NotebookNode:
    """01: the dashboard's numbers, step by step, from the library."""
    cells = [
        md("""
# Enrollment outcomes: a walk-through for analysts

This notebook computes the numbers the dashboard shows, with the same library (`dashboard`), so a
figure here and a figure on screen can never disagree. It walks through completion (with
intervals and *n*), cohort completion within normal time, cumulative-incidence curves, grades and
data quality, then exports CSV reports.

**Privacy.** The enrollment frame below is student-level. Anything you *publish* (a slide, a
spreadsheet, an e-mail) must be an aggregate passed through small-cell suppression
(`suppress_small_cells`, default minimum cell 10), or one of the ready-made reports of
`dashboard.reports`, which are suppressed exactly like the dashboard.
"""),
        md("""
## 1. Connect

By default the notebook starts the local **demo sandbox**: a DokStamp-compatible API serving
synthetic data for "Northfield University", on a temporary database. To use your own tenant, set
`DOKSTAMP_API_URL`, `DOKSTAMP_TENANT` and one set of credentials (`DOKSTAMP_TOKEN`, or
`DOKSTAMP_CLIENT_ID` + `DOKSTAMP_CLIENT_SECRET`, or `DOKSTAMP_EMAIL` + `DOKSTAMP_PASSWORD`) in the
environment before starting Jupyter.
"""),
        code(CONNECT),
        md("""
## 2. Load the enrollments

`load_enrollments` reads every page of `GET /enrollments` (the progress bar counts pages), checks
that the pages add up, builds one typed frame and caches it: the next call within the cache's
time-to-live reads the cache instead of the API. `fetched_at` is the extract date; every "as of"
below uses it.
"""),
        code(LOAD),
        md("""
One row per enrollment, with typed columns (`completion_status` is an enum, dates are UTC).
`with_groupings` adds the two derived groupings the dashboard filters on: `intake_year` (year of
`enrolled_at`) and `modality` (from the cohort).
"""),
        code("""
from dashboard.metrics import with_groupings

enrollments = with_groupings(extract.frame, cohorts)
enrollments.head(3)
"""),
        md("""
## 3. Completion rates, with intervals and n

*completion rate = completed / n*, where **n counts every enrollment of the group**, whatever its
status (still enrolled and dropped included). Each rate comes with its 95% **Wilson** interval
(`completion_rate_ci_low`, `_ci_high`): with small n the interval is wide, so read it before
comparing two groups.

`completion_rates(..., total=True)` adds the overall row; `suppress_small_cells` then hides every
count below 10, and any count from which a hidden one could be worked out (for example by
subtracting the other groups from the total). Hidden cells are null, never 0, and `suppressed`
says which rows lost something.
"""),
        code("""
from dashboard.metrics import completion_rates, suppress_small_cells

by_course = suppress_small_cells(
    completion_rates(enrollments, by=["course_name"], total=True), total_row=pl.col("is_total")
)
by_course.select(
    "course_name", "n", "completed", "completion_rate", "completion_rate_ci_low",
    "completion_rate_ci_high", "suppressed", "suppression_note",
)
"""),
        md("""
The same frame draws the dashboard's chart. Suppressed groups keep their label and show why they
have no bar.
"""),
        code("""
from dashboard.charts import completion_rate_chart

completion_rate_chart(by_course, by="course_name")
"""),
        md("""
Any grouping column works. Recent intake years include students who may still complete: their
rates are not final, which is what section 4 takes care of.
"""),
        code("""
by_year = suppress_small_cells(
    completion_rates(enrollments, by=["intake_year"], total=True), total_row=pl.col("is_total")
)
completion_rate_chart(by_year, by="intake_year", title="Completion rate by intake year")
"""),
        md("""
## 4. Cohort completion within normal time (IPEDS style)

Normal time is the cohort's `end_date - start_date`. A completer "within 150%" completed within
1.5 x normal time of enrolling. A cohort's rate for a window is only shown once the window has
passed (as of the extract date); younger cohorts are **"in progress"** rather than shown with a
deflated rate. `suppression_layout` gives the suppression options that fit each metric's frame.
"""),
        code("""
from dashboard.charts import cohort_window_chart
from dashboard.metrics import cohort_completion_windows, suppression_layout

windows = suppress_small_cells(
    cohort_completion_windows(enrollments, cohorts, as_of=as_of),
    **suppression_layout("cohort_completion_windows"),
)
windows.group_by("window_pct", "status").len().sort("window_pct", "status")
"""),
        code("""
largest_course = enrollments["course_name"].value_counts(sort=True)["course_name"][0]
cohort_window_chart(
    windows.filter(pl.col("course_name") == largest_course),
    title=f"{largest_course}: completed within normal time",
)
"""),
        md("""
## 5. Time to completion, and curves that do not lie

The median time to completion counts **completers only**: it ignores everyone still enrolled and
everyone who dropped, so it favours fast finishers. Read it beside the curves below.
"""),
        code("""
from dashboard.metrics import time_to_completion

suppress_small_cells(
    time_to_completion(enrollments, by=["modality"]), **suppression_layout("time_to_completion")
)
"""),
        md("""
The **cumulative incidence of completion** is the share of a group that has completed *t* days
after enrolling. Dropout competes with completion, and students still enrolled are censored at
the extract date (Aalen-Johansen). This is not `1 - Kaplan-Meier` with drops censored, which would
overstate completion. DokStamp has no drop date, so only the completion curve is estimable.
"""),
        code("""
from dashboard.charts import cumulative_incidence_chart
from dashboard.metrics import cumulative_incidence

curves = suppress_small_cells(
    cumulative_incidence(enrollments, as_of=as_of, by=["modality"], max_days=2_000),
    **suppression_layout("cumulative_incidence", by=["modality"]),
)
cumulative_incidence_chart(curves, group="modality")
"""),
        md("""
## 6. Grades

Grades are on a 0-10 scale. The histogram uses fixed 0.5-wide bins (closed on the left, the last
bin closed on both ends); the summary gives quartiles, the mean, and the share of graded
enrollments **below the pass mark** (5.0 by default) with its Wilson interval. Minimum and maximum
are one student's own grade each, so the published summary leaves them out.
"""),
        code("""
from dashboard.charts import grade_box_chart, grade_histogram_chart
from dashboard.metrics import grade_histogram, grade_summary

histogram = suppress_small_cells(
    grade_histogram(enrollments), **suppression_layout("grade_histogram")
)
grade_histogram_chart(histogram)
"""),
        code("""
grades = suppress_small_cells(
    grade_summary(enrollments, by=["course_name"]),
    **suppression_layout("grade_summary", by=["course_name"]),
)
grade_box_chart(grades, by="course_name")
"""),
        md("""
## 7. Data quality

Flags, not silent fixes: each check counts the enrollments that fail it (a row can fail several).
The counts below are for you, the data steward; the published `data-quality` report suppresses
small counts like any other aggregate.
"""),
        code("""
from dashboard.charts import data_quality_chart
from dashboard.metrics import data_quality

quality = data_quality(enrollments, cohorts, as_of=as_of)
data_quality_chart(quality)
"""),
        md("""
The rows behind a check are student-level: use them to correct the records (in the dashboard's
corrections page, or in DokStamp), not in a publication.
"""),
        code("""
from dashboard.metrics import data_quality_rows

flagged = data_quality_rows(enrollments, cohorts, check="completed_without_date", as_of=as_of)
flagged.select("uuid", "completion_status", "enrolled_at", "completed_at", "course_name").head()
"""),
        md("""
## 8. Export CSV reports

`report_csv` builds a report exactly as the dashboard publishes it (the same function serves the
dashboard's download buttons and `enrollment-outcomes export REPORT --output FILE`). The files are
UTF-8 with ISO dates and dot decimals; `bom=True` adds the byte-order mark Excel needs to show
accents; cells that a spreadsheet would run as a formula are neutralised.
"""),
        code("""
from dashboard.reports import REPORTS, report_csv

export_dir = workdir / "exports"
export_dir.mkdir(exist_ok=True)
for name in ("completion-by-course", "cohort-windows", "grade-distribution", "data-quality"):
    data = report_csv(name, enrollments=extract.frame, cohorts=cohorts, as_of=as_of, bom=True)
    (export_dir / f"{name}.csv").write_bytes(data)
    print(f"{name:<22} {len(data):>9,} bytes  {REPORTS[name].title}")
print("all reports:", ", ".join(REPORTS))
"""),
        code("""
pl.read_csv(export_dir / "completion-by-course.csv").select(
    "course_name", "n", "completion_rate", "suppressed"
)
"""),
        md("## 9. Clean up\n\nClose the source: its connections, and the demo sandbox if it started one."),
        code(CLEAN_UP),
    ]
    return _notebook(cells)


def beyond_the_dashboard() -> nbformat.NotebookNode:
    """02: questions the dashboard does not answer, with polars and the public API."""
    cells = [
        md("""
# Beyond the dashboard: grades and completion, by cohort

The dashboard answers the questions it was built for. This notebook shows how to ask your own with
polars, using only the library's public functions, so the definitions (n, Wilson intervals,
small-cell suppression) stay the same as on screen.

The question: **do cohorts whose students earn higher grades also complete more often?** And,
within a course, how does completion vary with the grade band?
"""),
        md(
            "## Connect and load\n\nAs in the first notebook: the demo sandbox unless "
            "`DOKSTAMP_API_URL` is set."
        ),
        code(CONNECT),
        code(LOAD),
        md("""
## One row per cohort: completion rate beside grade statistics

`completion_rates` and `grade_summary` both take any grouping. Each is suppressed with its own
layout *before* the join, so no hidden cell comes back through the other table.
"""),
        code("""
from dashboard.metrics import (
    completion_rates,
    grade_summary,
    suppress_small_cells,
    suppression_layout,
)

keys = ["cohort_code", "course_name"]
in_cohorts = extract.frame.filter(pl.col("cohort_code").is_not_null())
rates = suppress_small_cells(completion_rates(in_cohorts, by=keys))
grades = suppress_small_cells(
    grade_summary(in_cohorts, by=keys), **suppression_layout("grade_summary", by=keys)
)
per_cohort = rates.select(
    *keys, "n", "completion_rate", "completion_rate_ci_low", "completion_rate_ci_high"
).join(grades.select(*keys, "n_graded", "mean", "median"), on=keys, how="left")
per_cohort.sort("completion_rate", descending=True, nulls_last=True).head(10)
"""),
        md("""
How strongly do they move together? A Spearman rank correlation per course, over the cohorts
whose numbers are published (suppressed cells are null and drop out). With a handful of cohorts a
correlation says little, so only courses with at least five published cohorts are kept.
"""),
        code("""
published = per_cohort.drop_nulls(["completion_rate", "mean"])
published.group_by("course_name").agg(
    pl.len().alias("cohorts"),
    pl.corr("mean", "completion_rate", method="spearman").alias("spearman_rho"),
).filter(pl.col("cohorts") >= 5).sort("spearman_rho", descending=True)
"""),
        md("""
A picture of the same: one point per cohort, with the 95% interval of its completion rate. The
library's theme keeps it consistent with the dashboard's charts.
"""),
        code("""
import altair as alt

from dashboard.charts import apply_theme, strip_theme

base = alt.Chart(published).encode(
    x=alt.X("mean:Q", title="Mean grade (graded enrollments)", scale=alt.Scale(zero=False)),
    color=alt.Color("course_name:N", title="Course"),
    tooltip=["cohort_code", "course_name", "n", "completion_rate", "mean"],
)
points = base.mark_point(filled=True).encode(
    y=alt.Y("completion_rate:Q", title="Completion rate", axis=alt.Axis(format="%"))
)
bars = base.mark_rule(opacity=0.4).encode(
    y="completion_rate_ci_low:Q", y2="completion_rate_ci_high:Q"
)
apply_theme(alt.layer(strip_theme(bars), strip_theme(points)).properties(width=520, height=320))
"""),
        md("""
## Completion by grade band

A custom grouping column is just another `by`. Students who drop often have no grade at all, so
the band "no grade" is kept as its own group rather than silently dropped: leaving it out would
inflate every band's completion rate.
"""),
        code("""
bands = pl.Enum(["below 5", "5 to 7", "7 and above", "no grade", "all"])
banded = extract.frame.with_columns(
    pl.when(pl.col("grade").is_null())
    .then(pl.lit("no grade"))
    .when(pl.col("grade") < 5)
    .then(pl.lit("below 5"))
    .when(pl.col("grade") < 7)
    .then(pl.lit("5 to 7"))
    .otherwise(pl.lit("7 and above"))
    .cast(bands)
    .alias("grade_band")
)
by_band = suppress_small_cells(
    completion_rates(banded, by=["grade_band"], total=True), total_row=pl.col("is_total")
).with_columns(pl.col("grade_band").fill_null("all"))
by_band.select("grade_band", "n", "completed", "dropped", "completion_rate", "suppressed")
"""),
        md("""
## A pivot for a spreadsheet

Completion rate by intake year (rows) and modality (columns), suppressed first, pivoted after.
`frame_to_csv` writes it the same way as the reports (UTF-8, formula-safe, optional BOM).
"""),
        code("""
from dashboard.metrics import with_groupings
from dashboard.reports import frame_to_csv

grouped = with_groupings(extract.frame, cohorts).filter(pl.col("modality").is_not_null())
table = suppress_small_cells(completion_rates(grouped, by=["intake_year", "modality"]))
pivot = table.pivot(
    on="modality", index="intake_year", values="completion_rate", sort_columns=True
).sort("intake_year")
(workdir / "completion_by_year_and_modality.csv").write_bytes(frame_to_csv(pivot, bom=True))
pivot
"""),
        md("## Clean up"),
        code(CLEAN_UP),
    ]
    return _notebook(cells)


def _notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    notebook = new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return notebook


NOTEBOOKS = {
    "01_enrollment_outcomes.ipynb": enrollment_outcomes,
    "02_beyond_the_dashboard.ipynb": beyond_the_dashboard,
}


def render(name: str) -> str:
    """The text of notebook ``name`` as this script writes it (cell ids are stable)."""
    notebook = NOTEBOOKS[name]()
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:02d}"
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def main() -> int:
    for name in NOTEBOOKS:
        (HERE / name).write_text(render(name), encoding="utf-8")
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
