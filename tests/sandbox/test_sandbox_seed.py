"""The demo seed: deterministic, realistic, with the planted data problems (seed.py)."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

from dokstamp_sandbox.provision import provision

SIZE = 6_000
_TABLES = (
    "tenants",
    "institutions",
    "courses",
    "cohorts",
    "students",
    "enrollments",
    "certificates",
)


def _fingerprint(db_path: Path) -> str:
    digest = hashlib.sha256()
    connection = sqlite3.connect(db_path)
    for table in _TABLES:
        for row in connection.execute(f"SELECT * FROM {table} ORDER BY id"):  # noqa: S608
            digest.update(repr(row).encode())
    connection.close()
    return digest.hexdigest()


def test_same_size_gives_identical_data(tmp_path: Path) -> None:
    for name in ("a.db", "b.db"):
        provision(tmp_path / name, seed_kind="demo", enrollments=500)
    provision(tmp_path / "c.db", seed_kind="demo", enrollments=501)
    assert _fingerprint(tmp_path / "a.db") == _fingerprint(tmp_path / "b.db")
    assert _fingerprint(tmp_path / "a.db") != _fingerprint(tmp_path / "c.db")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    db_path = tmp_path_factory.mktemp("seed") / "seed.db"
    provision(db_path, seed_kind="demo", enrollments=SIZE)
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    return connection


def _demo(connection: sqlite3.Connection, sql: str) -> list[sqlite3.Row]:
    tenant = "(SELECT id FROM tenants WHERE domain = 'demo-university')"
    return connection.execute(sql.replace("{tenant}", tenant)).fetchall()


def _scalar(connection: sqlite3.Connection, sql: str) -> float:
    return float(_demo(connection, sql)[0][0])


def test_size_is_exact_and_tiny_college_is_separate(seeded) -> None:
    counts = dict(
        seeded.execute(
            "SELECT t.domain, count(*) FROM enrollments e JOIN tenants t ON t.id = e.tenant_id"
            " GROUP BY t.domain"
        ).fetchall()
    )
    assert counts == {"demo-university": SIZE, "tiny-college": 60}


def test_catalog_has_fifteen_courses_of_different_lengths(seeded) -> None:
    names = [row[0] for row in _demo(seeded, "SELECT name FROM courses WHERE tenant_id = {tenant}")]
    assert len(names) == 15
    assert sum(name.startswith("Bachelor") for name in names) == 7
    assert sum(name.startswith("Master") for name in names) == 4
    lengths = _demo(
        seeded,
        "SELECT c.code, max(julianday(h.end_date) - julianday(h.start_date)) FROM cohorts h"
        " JOIN courses c ON c.id = h.course_id WHERE h.tenant_id = {tenant} GROUP BY c.code",
    )
    days = {row[0]: row[1] for row in lengths}
    assert days["BCS"] > 1_400
    assert 700 < days["MBA"] < 740
    assert days["SPY"] < 100


def test_cohorts_per_intake_and_shift(seeded) -> None:
    rows = _demo(
        seeded,
        "SELECT code, modality, start_date, end_date FROM cohorts WHERE tenant_id = {tenant}",
    )
    codes = {row["code"] for row in rows}
    assert {"BCS-2024-EVE", "BCS-2024-DAY", "BBA-2023B-ONL"} <= codes
    assert all(re.fullmatch(r"[A-Z]{3}-\d{4}[A-C]?-(DAY|EVE|ONL)", code) for code in codes)
    assert {row["modality"] for row in rows} == {"presential", "hybrid", "remote"}
    assert all(row["start_date"] < row["end_date"] for row in rows)


def test_outcomes_differ_by_course_and_some_are_in_progress(seeded) -> None:
    rates = _demo(
        seeded,
        "SELECT course_id, avg(completion_status = 'completed') AS rate,"
        " avg(CASE WHEN completion_status = 'completed' AND grade <= 10 THEN grade END) AS grade"
        " FROM enrollments WHERE tenant_id = {tenant} AND completion_status != 'enrolled'"
        " GROUP BY course_id",
    )
    completion = [row["rate"] for row in rates]
    grades = [row["grade"] for row in rates]
    assert max(completion) - min(completion) > 0.15
    assert max(grades) - min(grades) > 0.8
    statuses: dict[str, int] = {
        row[0]: row[1]
        for row in _demo(
            seeded,
            "SELECT completion_status, count(*) FROM enrollments"
            " WHERE tenant_id = {tenant} GROUP BY 1",
        )
    }
    assert set(statuses) == {"enrolled", "completed", "dropped"}
    assert all(count > SIZE * 0.1 for count in statuses.values())


def test_most_bachelor_dropouts_leave_in_the_first_year(seeded) -> None:
    first_year = _scalar(
        seeded,
        "SELECT avg(julianday(substr(e.updated_at, 1, 10)) - julianday(e.enrolled_at) <= 366)"
        " FROM enrollments e JOIN courses c ON c.id = e.course_id"
        " WHERE e.tenant_id = {tenant} AND e.completion_status = 'dropped'"
        " AND c.name LIKE 'Bachelor%'",
    )
    assert first_year > 0.5


def test_certificates_for_most_completed_enrollments(seeded) -> None:
    completed = _scalar(
        seeded,
        "SELECT count(*) FROM enrollments WHERE tenant_id = {tenant}"
        " AND completion_status = 'completed' AND completed_at IS NOT NULL"
        " AND completed_at <= '2026-09-01' AND completed_at >= enrolled_at",
    )
    linked = _demo(
        seeded,
        "SELECT e.completion_status, count(*) FROM certificates c"
        " JOIN enrollments e ON e.id = c.enrollment_id WHERE c.tenant_id = {tenant} GROUP BY 1",
    )
    assert [row[0] for row in linked] == ["completed"]
    assert linked[0][1] > 0.8 * completed


def test_students_have_plausible_varied_names(seeded) -> None:
    rows = _demo(seeded, "SELECT name, email FROM students WHERE tenant_id = {tenant}")
    names = [row["name"] for row in rows]
    assert len(set(names)) > 0.6 * len(names)
    assert any(not name.isascii() for name in names)
    assert len({row["email"] for row in rows}) == len(rows)
    assert all(row["email"].isascii() for row in rows)


PROBLEMS = {
    "completed without completed_at": "completion_status = 'completed' AND completed_at IS NULL",
    "completed_at before enrolled_at": "completed_at < enrolled_at",
    "completed_at in the future": "completed_at > '2026-09-01'",
    "enrolled_at in the future": "enrolled_at > '2026-09-01'",
    "grade above 10": "grade > 10",
    "grade with more than 2 decimals": "round(grade, 2) != grade",
    "dropped with completed_at": "completion_status = 'dropped' AND completed_at IS NOT NULL",
    "enrolled with completed_at": "completion_status = 'enrolled' AND completed_at IS NOT NULL",
    "completed without grade": "completion_status = 'completed' AND grade IS NULL",
    "cohort of another course": (
        "cohort_id IN (SELECT h.id FROM cohorts h WHERE h.course_id != e.course_id)"
    ),
}


@pytest.mark.parametrize("condition", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_a_handful_of_each_data_problem(seeded, condition) -> None:
    count = _scalar(
        seeded,
        f"SELECT count(*) FROM enrollments e WHERE tenant_id = {{tenant}} AND {condition}",  # noqa: S608
    )
    assert 1 <= count <= SIZE * 0.01


def test_a_handful_of_duplicate_enrollments(seeded) -> None:
    duplicates = _scalar(
        seeded,
        "SELECT count(*) FROM (SELECT 1 FROM enrollments WHERE tenant_id = {tenant}"
        " AND cohort_id IS NOT NULL GROUP BY student_id, course_id, cohort_id HAVING count(*) > 1)",
    )
    assert 1 <= duplicates <= SIZE * 0.01
