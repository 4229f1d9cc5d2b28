"""`enrollment-outcomes export`: files, stdout, filters, and errors that write nothing."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from dashboard.cli import main
from dashboard.cli.export import _write_stdout, write_atomically
from dashboard.reports import report_csv

from ..reports.conftest import FORMULA_NAME, ReportData


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (no .streamlit/secrets.toml) and no DokStamp variables."""
    for name in list(os.environ):
        if name.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")):
            monkeypatch.delenv(name)
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["export", *args], env=env or {}, catch_exceptions=False)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_writes_the_same_bytes_as_report_csv(report_data: ReportData, workdir: Path) -> None:
    result = run(["completion-by-course", "-o", "out.csv", "--min-cell", "1"], report_data.env)
    assert result.exit_code == 0, result.output
    data = (workdir / "out.csv").read_bytes()
    assert data == report_csv(
        "completion-by-course",
        enrollments=report_data.enrollments,
        cohorts=report_data.cohorts,
        as_of=report_data.as_of,  # this report does not depend on the extract date
        min_cell=1,
    )
    frame = pl.read_csv(data)
    assert frame.filter(pl.col("course_name") == "Algebra")["completion_rate"].item() == 0.5
    assert files_in(workdir) == ["out.csv"]  # no temporary file left behind
    assert "out.csv" in result.stderr


def test_stdout_with_dash(report_data: ReportData, workdir: Path) -> None:
    result = run(["enrollments", "-o", "-", "--bom"], report_data.env)
    assert result.exit_code == 0, result.stderr
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 74
    assert "'" + FORMULA_NAME in {row["student_name"] for row in rows}
    assert files_in(workdir) == []


def test_filters_reach_the_report(report_data: ReportData, workdir: Path) -> None:
    algebra = report_data.courses["Algebra"]
    result = run(
        ["enrollments", "-o", "-", "--course", algebra.upper(), "--status", "completed"],
        report_data.env,
    )
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(result.stdout_bytes)
    assert frame.height == 20
    assert set(frame["course_uuid"].to_list()) == {algebra}
    assert set(frame["completion_status"].to_list()) == {"completed"}


def test_replaces_an_existing_file(report_data: ReportData, workdir: Path) -> None:
    target = workdir / "report.csv"
    target.write_text("old content\n")
    result = run(["data-quality", "-o", str(target)], report_data.env)
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("check,label,count,description,suppressed")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-report", "-o", "out.csv"], "'no-such-report' is not one of"),
        (["enrollments", "-o", "out.csv", "--status", "graduated"], "'graduated' is not one of"),
        (["enrollments", "-o", "out.csv", "--course", "12345"], "course: '12345' is not a UUID"),
        (["enrollments", "-o", "out.csv", "--student", "x"], "student: 'x' is not a UUID"),
        (["enrollments", "-o", "missing/out.csv"], "does not exist"),
        (["enrollments", "-o", "."], "is a folder"),
        (["corrections-log", "-o", "out.csv", "--status", "completed"], "takes no filters"),
        (["enrollments", "-o", "out.csv", "--min-cell", "0"], "--min-cell"),
        (["enrollments"], "Missing option '--output'"),
        (["grades-by-group", "-o", "out.csv", "--by", "all"], "grades-by-group groups by"),
        (["cohort-detail-status", "-o", "out.csv"], "name it with --detail-cohort"),
        (
            ["cohort-detail-status", "-o", "out.csv", "--detail-cohort", "xyz"],
            "'xyz' is not a UUID",
        ),
        (
            ["completion-by-course", "-o", "out.csv", "--detail-cohort", str(uuid.UUID(int=7))],
            "not a one-cohort report",
        ),
        (
            ["cohort-detail-status", "-o", "out.csv", "--detail-cohort", str(uuid.UUID(int=7))],
            "there is no cohort 00000000-0000-0000-0000-000000000007",
        ),
    ],
)
def test_bad_input_is_a_usage_error_and_writes_nothing(
    report_data: ReportData, workdir: Path, args: list[str], message: str
) -> None:
    result = run(args, report_data.env)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert files_in(workdir) == []


def test_missing_configuration_says_what_to_set(workdir: Path) -> None:
    result = run(["enrollments", "-o", "out.csv"])
    assert result.exit_code == 1
    assert "DOKSTAMP_API_URL is not set" in result.stderr
    assert "--demo" in result.stderr
    assert files_in(workdir) == []
    partial = {"DOKSTAMP_API_URL": "http://127.0.0.1:9"}
    result = run(["enrollments", "-o", "out.csv"], partial)
    assert result.exit_code == 1
    assert "DOKSTAMP_TENANT" in result.stderr
    assert files_in(workdir) == []


def test_secrets_file_is_read_and_the_environment_wins(
    report_data: ReportData, workdir: Path
) -> None:
    secrets = workdir / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    table = "\n".join(f'{key} = "{value}"' for key, value in report_data.env.items())
    secrets.write_text(f"[dokstamp]\n{table}\n")
    result = run(["completion-by-cohort", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert b"ALG-2020" in result.stdout_bytes
    wrong = {"DOKSTAMP_TENANT": "no-such-tenant"}
    assert run(["completion-by-cohort", "-o", "-", "--refresh"], wrong).exit_code == 1


def test_api_failure_keeps_the_existing_file(report_data: ReportData, workdir: Path) -> None:
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **report_data.env,
        "DOKSTAMP_API_URL": f"http://127.0.0.1:{port}",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(workdir.parent / "empty-cache"),
        "DOKSTAMP_MAX_ATTEMPTS": "1",
        "DOKSTAMP_TIMEOUT": "2",
    }
    target = workdir / "report.csv"
    target.write_text("yesterday's report\n")
    result = run(["completion-by-course", "-o", str(target)], env)
    assert result.exit_code == 1
    assert "DokStamp API" in result.stderr
    assert target.read_text() == "yesterday's report\n"
    assert files_in(workdir) == ["report.csv"]


def test_write_atomically_leaves_nothing_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")

    def broken_replace(source: str, destination: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert files_in(tmp_path) == ["out.csv"]


def test_demo_flag_uses_a_local_demo_sandbox(workdir: Path) -> None:
    env = {
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(workdir.parent / "demo-cache"),
        "ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS": "300",
    }
    result = run(["completion-by-course", "--demo", "-o", "demo.csv"], env)
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(workdir / "demo.csv")
    assert frame["is_total"].to_list()[-1] is True
    total = frame.filter(pl.col("is_total"))["n"].item()
    assert total == 300
    assert (workdir.parent / "demo-cache" / "demo-sandbox" / "sandbox.sqlite3").is_file()


def test_console_script_end_to_end(report_data: ReportData, workdir: Path) -> None:
    script = Path(sys.executable).parent / "enrollment-outcomes"
    env = {**os.environ, **report_data.env}
    done = subprocess.run(
        [str(script), "export", "completion-by-cohort", "--output", "-", "--min-cell", "1"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    frame = pl.read_csv(done.stdout)
    assert frame.filter(pl.col("cohort_code") == "ALG-2020")["n"].item() == 40
    failed = subprocess.run(
        [str(script), "export", "enrollments", "--output", "nowhere/x.csv"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert failed.returncode == 2
    assert b"does not exist" in failed.stderr
    assert b"Traceback" not in failed.stderr


def test_a_corrupt_corrections_log_is_one_line_and_no_traceback(
    report_data: ReportData, workdir: Path
) -> None:
    cache = workdir.parent / "corrupt-log-cache"
    cache.mkdir()
    log_file = cache / "corrections.sqlite3"
    garbage = b"garbage that is not an SQLite file " * 40
    log_file.write_bytes(garbage)
    script = Path(sys.executable).parent / "enrollment-outcomes"
    env = {**os.environ, **report_data.env, "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [str(script), "export", "corrections-log", "--output", "log.csv"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    errors = done.stderr.decode()
    assert "Traceback" not in errors
    message = [line for line in errors.splitlines() if line.startswith("Error:")]
    assert len(message) == 1, errors
    assert str(log_file) in message[0]
    assert "file is not a database" in message[0]
    assert "Move it aside" in message[0]
    assert log_file.read_bytes() == garbage  # left as it was, for the user to move
    assert files_in(workdir) == []  # no CSV written


def test_a_reader_that_stops_early_is_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: the first write fails with EPIPE
    stream = io.TextIOWrapper(io.FileIO(write_end, "w"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", stream)
    try:
        with pytest.raises(SystemExit) as stopped:
            _write_stdout(b"x" * 200_000)
        assert stopped.value.code == 1
    finally:
        stream.close()
