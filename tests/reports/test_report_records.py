"""data-quality, corrections-log and enrollments on the hand-built tenant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from dashboard.data import load_enrollments
from dashboard.data.corrections import read_corrections_log, update_enrollment
from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.reports.records import corrections_log, data_quality_report, enrollment_rows
from dashboard.settings import Settings

from .conftest import FORMULA_NAME, ReportData


def test_data_quality_counts_by_hand(report_data: ReportData) -> None:
    frame = data_quality_report(
        report_data.enrollments, report_data.cohorts, as_of=report_data.as_of
    )
    counts = dict(zip(frame["check"].to_list(), frame["count"].to_list(), strict=True))
    # Chemistry's planted problems (see conftest.py).
    assert counts["completed_without_date"] == 1
    assert counts["completed_without_grade"] == 1
    assert counts["completed_at_not_completed"] == 1
    assert counts["duplicate_enrollment"] == 2  # both rows of the student enrolled twice
    # Checks that flag nothing read 0: these counts are about records, for those who fix them.
    assert counts["completed_before_enrolled"] == 0


def test_data_quality_counts_are_never_hidden(report_data: ReportData) -> None:
    # Small counts and zeros alike (metrics.md §6: data-quality counts are shown to those who
    # may fix the data, under every policy).
    frame = data_quality_report(
        report_data.enrollments, report_data.cohorts, as_of=report_data.as_of
    )
    assert frame["count"].null_count() == 0
    assert not frame["suppressed"].any()
    assert frame["label"].null_count() == 0


def test_enrollment_rows_are_complete_and_unsuppressed(report_data: ReportData) -> None:
    frame = enrollment_rows(report_data.enrollments)
    assert frame.columns == list(ENROLLMENT_SCHEMA)
    assert frame.height == 40 + 30 + 4
    assert frame["enrolled_at"].is_sorted()
    assert FORMULA_NAME in frame["student_name"].to_list()  # the frame is data; CSV neutralises


def test_corrections_log_after_a_real_correction(report_data: ReportData, tmp_path: Path) -> None:
    # A private cache folder: the correction goes to the sandbox, and to this folder's log.
    settings = Settings.from_mapping(
        {**report_data.env, "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path)}
    )
    chemistry = report_data.enrollments.filter(
        (pl.col("course_name") == "Chemistry") & (pl.col("completion_status") == "enrolled")
    ).row(0, named=True)
    load_enrollments(settings)
    before = datetime.now(UTC)
    update_enrollment(
        settings, chemistry["uuid"], {"grade": 4.5}, opened=None, actor="registrar@test"
    )
    # Undo, so the session's dataset stays as documented.
    update_enrollment(settings, chemistry["uuid"], {"grade": None}, opened=None, actor="undo")
    log = corrections_log(read_corrections_log(settings))
    assert log["action"].to_list() == ["update", "update"]
    assert log["actor"].to_list() == ["registrar@test", "undo"]
    assert log["enrollment_uuid"].to_list() == [chemistry["uuid"]] * 2
    assert log["at"].min() >= before  # type: ignore[operator]
    assert json.loads(log["after"][0])["grade"] == 4.5
