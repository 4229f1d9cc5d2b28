"""The report registry: names, build_report/report_csv, filters, errors, the public surface."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import polars as pl
import pytest

import dashboard.reports
from dashboard.data.schema import CERTIFICATE_SCHEMA
from dashboard.reports import (
    REPORTS,
    ReportFilters,
    ReportInputError,
    UnknownReportError,
    build_report,
    frame_to_csv,
    report_csv,
)

from .conftest import ACCENTED_NAME, FORMULA_NAME, ReportData

REQUIRED = (
    "completion-by-course",
    "completion-by-cohort",
    "cohort-windows",
    "grade-distribution",
    "time-to-completion",
    "cohort-timeline",
    "data-quality",
    "corrections-log",
    "enrollments",
)


def test_public_names() -> None:
    assert sorted(dashboard.reports.__all__) == sorted(
        [
            "CSV_MIME", "REPORTS", "CsvFormatError", "Report", "ReportError", "ReportFilterError",
            "ReportFilters", "ReportInputError", "ReportInputs", "ReportOptions",
            "UnknownReportError",
            "build_report", "build_reports", "frame_to_csv", "neutralise_formula", "report_csv",
        ]
    )  # fmt: skip
    for name in dashboard.reports.__all__:
        assert getattr(dashboard.reports, name) is not None


def test_every_required_report_is_registered_with_a_description() -> None:
    assert set(REQUIRED) <= set(REPORTS)
    for name, report in REPORTS.items():
        assert report.name == name
        assert report.title
        assert report.description
    student_level = {name for name, report in REPORTS.items() if not report.suppressed}
    assert student_level == {"corrections-log", "enrollments"}


def inputs(data: ReportData) -> dict[str, Any]:
    return {
        "enrollments": data.enrollments,
        "cohorts": data.cohorts,
        "as_of": data.as_of,
        "certificates": pl.DataFrame(schema=CERTIFICATE_SCHEMA),
        "corrections": pl.DataFrame(
            schema={
                "at": pl.Datetime("us", "UTC"),
                "actor": pl.String,
                "action": pl.String,
                "enrollment_uuid": pl.String,
                "before": pl.String,
                "after": pl.String,
            }
        ),
    }


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_builds_and_its_csv_reads_back(report_data: ReportData, name: str) -> None:
    given = inputs(report_data)
    if REPORTS[name].needs_detail_cohort:  # a one-cohort report: the first cohort
        given["detail_cohort"] = sorted(report_data.cohort_uuids.values())[0]
    frame = build_report(name, **given)
    data = report_csv(name, **given)
    assert data == frame_to_csv(frame)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == frame.columns
    assert len(rows) == frame.height + 1
    back = pl.read_csv(data, infer_schema=False)
    assert back.columns == frame.columns
    assert back.height == frame.height
    if REPORTS[name].suppressed:
        assert "suppressed" in frame.columns
        # A suppressed cell is an empty field in the CSV, never "0".
        hidden = frame.filter(pl.col("suppressed"))
        if hidden.height:
            assert any(value == "" for row in rows[1:] for value in row)


def test_completion_by_course_csv_values(report_data: ReportData) -> None:
    data = report_csv("completion-by-course", min_cell=1, **inputs(report_data))
    rows = {
        row["course_name"]: row for row in csv.DictReader(io.StringIO(data.decode(), newline=""))
    }
    algebra = rows["Algebra"]
    assert (algebra["n"], algebra["completed"], algebra["completion_rate"]) == ("40", "20", "0.5")
    assert (
        0
        <= float(algebra["completion_rate_ci_low"])
        < 0.5
        < float(algebra["completion_rate_ci_high"])
        <= 1
    )
    assert algebra["suppressed"] == "false"
    back = pl.read_csv(data)
    assert back.schema["completion_rate"] == pl.Float64
    assert back.filter(pl.col("course_name") == "Biology")["completion_rate"].item() == 0.4


def test_enrollments_csv_neutralises_formulas_and_keeps_accents(report_data: ReportData) -> None:
    data = report_csv("enrollments", bom=True, **inputs(report_data))
    assert data.startswith(b"\xef\xbb\xbf")
    names = [row["student_name"] for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))]
    assert "'" + FORMULA_NAME in names
    assert FORMULA_NAME not in names
    assert ACCENTED_NAME in names
    back = pl.read_csv(data)
    assert back["enrolled_at"].str.starts_with("2020-01-01T00:00:00").sum() == 40
    assert back["enrolled_at"].str.ends_with("+00:00").all()


def test_filters_narrow_the_rows_before_counting(report_data: ReportData) -> None:
    algebra = report_data.courses["Algebra"]
    filters = ReportFilters.parse(courses=[algebra], statuses=["completed", "dropped"])
    frame = build_report(
        "completion-by-course",
        filters=filters,
        min_cell=1,
        **inputs(report_data),
    )
    assert frame["course_name"].to_list() == ["Algebra", "(all)"]
    assert frame["n"].to_list() == [30, 30]
    rows = build_report("enrollments", filters=filters, **inputs(report_data))
    assert rows.height == 30
    assert set(rows["course_uuid"].to_list()) == {algebra}
    student = ReportFilters.parse(students=[report_data.students[FORMULA_NAME]])
    mine = build_report("enrollments", filters=student, **inputs(report_data))
    assert mine.height == 3  # Algebra, Biology, Chemistry
    nobody = ReportFilters.parse(courses=[str(uuid.uuid4())])
    assert build_report("enrollments", filters=nobody, **inputs(report_data)).height == 0


def test_errors_are_typed(report_data: ReportData) -> None:
    with pytest.raises(UnknownReportError, match="completion-by-course"):
        build_report("completion", **inputs(report_data))
    with pytest.raises(ReportInputError, match="min_cell"):
        build_report("completion-by-course", min_cell=0, **inputs(report_data))
    no_log = {**inputs(report_data), "corrections": None}
    with pytest.raises(ReportInputError, match="corrections"):
        build_report("corrections-log", **no_log)
    with pytest.raises(ReportInputError, match="no filters"):
        build_report(
            "corrections-log",
            filters=ReportFilters.parse(statuses=["completed"]),
            **inputs(report_data),
        )
    with pytest.raises(ReportInputError, match="pass_mark"):
        build_report("grade-summary", pass_mark=12, **inputs(report_data))


def test_build_report_and_report_csv_take_one_set_of_options() -> None:
    import inspect

    from dashboard.reports import ReportOptions

    build = inspect.signature(build_report).parameters
    csv = inspect.signature(report_csv).parameters
    assert [*build] == ["name", "enrollments", "cohorts", "as_of", "options"]
    assert [*csv] == ["name", "enrollments", "cohorts", "as_of", "bom", "options"]
    assert {"min_cell", "policy", "filters", "windows"} <= set(ReportOptions.__annotations__)


def test_an_unknown_option_is_refused(report_data: ReportData) -> None:
    with pytest.raises(TypeError, match="min_cel"):
        report_csv("completion-by-course", min_cel=3, **inputs(report_data))  # type: ignore[call-arg]
