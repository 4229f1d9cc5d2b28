"""A small, hand-countable tenant built through the sandbox API, loaded through the data layer.

Courses, cohorts, students and enrollments are POSTed one by one to an empty sandbox, then read back
with ``load_enrollments``/``load_cohorts`` exactly as the CLI does. The dataset (counts are what
the tests check by hand):

- Algebra, cohort ALG-2020 (2020-01-01 to 2021-01-01, normal time 366 days, presential),
  40 enrollments on 2020-01-01: 20 completed (10 on 2020-12-01 with grade 6.0, 10 on 2021-06-01 with
  grade 8.0), 10 dropped (grade 3.0), 10 still enrolled.
- Biology, cohort BIO-2023 (2023-01-01 to 2025-01-01, 731 days, remote), 30 enrollments on
  2023-01-01: 12 completed on 2024-06-01 with grade 7.0, 10 dropped, 8 enrolled.
- Chemistry, no cohort, 4 enrollments on 2024-03-01 with data-quality problems: completed without
  completed_at (grade 9.0), completed on 2024-09-01 without a grade, dropped with a completed_at
  (2024-05-01), and that same student enrolled again (status enrolled).
Some student names carry spreadsheet formulas and accents. ``as_of`` is 2025-06-01.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

from dashboard.data import load_cohorts, load_enrollments
from dashboard.settings import Settings
from dokstamp_sandbox.runner import start_sandbox

TOKEN = "reports-test-token"
TENANT = "reports-college"
AS_OF = datetime(2025, 6, 1, tzinfo=UTC)
FORMULA_NAME = '=HYPERLINK("http://evil.test","click")'
ACCENTED_NAME = "José Müller-Łukasz"


@dataclass
class ReportData:
    """What the tests need: the loaded frames, the uuids created, and how to reach the sandbox."""

    url: str
    env: dict[str, str]
    settings: Settings
    enrollments: pl.DataFrame
    cohorts: pl.DataFrame
    courses: dict[str, str] = field(default_factory=dict)  # name -> uuid
    cohort_uuids: dict[str, str] = field(default_factory=dict)  # code -> uuid
    students: dict[str, str] = field(default_factory=dict)  # name -> uuid
    as_of: datetime = AS_OF


class _Api:
    def __init__(self, url: str) -> None:
        self.client = httpx.Client(
            base_url=url,
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "X-Tenant": TENANT,
                "Accept": "application/json",
            },
            timeout=30,
        )
        self._emails = itertools.count()

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    def student(self, name: str) -> str:
        body = {
            "name": name,
            "email": f"student{next(self._emails)}@reports.test",
            "date_of_birth": "2000-01-01",
        }
        return str(self.post("/students", body)["uuid"])


def _enroll(
    api: _Api,
    *,
    student: str,
    course: str,
    cohort: str | None,
    enrolled_at: str,
    status: str,
    grade: float | None = None,
    completed_at: str | None = None,
) -> None:
    body: dict[str, Any] = {
        "student_uuid": student,
        "course_uuid": course,
        "enrolled_at": enrolled_at,
        "completion_status": status,
    }
    if cohort is not None:
        body["cohort_uuid"] = cohort
    if grade is not None:
        body["grade"] = grade
    if completed_at is not None:
        body["completed_at"] = completed_at
    api.post("/enrollments", body)


def _build(api: _Api, data: ReportData) -> None:
    institution = api.client.get("/institutions").json()["data"][0]["uuid"]
    for name in ("Algebra", "Biology", "Chemistry"):
        created = api.post("/courses", {"name": name, "institution_uuid": institution})
        data.courses[name] = created["uuid"]
    for code, course, start, end, modality in (
        ("ALG-2020", "Algebra", "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", "presential"),
        ("BIO-2023", "Biology", "2023-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "remote"),
    ):
        body = {
            "course_uuid": data.courses[course],
            "code": code,
            "start_date": start,
            "end_date": end,
            "modality": modality,
        }
        data.cohort_uuids[code] = api.post("/cohorts", body)["uuid"]

    # 40 students shared by the courses; two of them have hostile or accented names.
    names = [FORMULA_NAME, ACCENTED_NAME, *(f"Student {i:02d}" for i in range(2, 40))]
    for name in names:
        data.students[name] = api.student(name)
    students = list(data.students.values())

    algebra, alg = data.courses["Algebra"], data.cohort_uuids["ALG-2020"]
    plan: Sequence[tuple[str, float | None, str | None]] = (
        [("completed", 6.0, "2020-12-01")] * 10
        + [("completed", 8.0, "2021-06-01")] * 10
        + [("dropped", 3.0, None)] * 10
        + [("enrolled", None, None)] * 10
    )
    for student, (status, grade, done) in zip(students, plan, strict=True):
        _enroll(
            api, student=student, course=algebra, cohort=alg, enrolled_at="2020-01-01",
            status=status, grade=grade, completed_at=done,
        )  # fmt: skip

    biology, bio = data.courses["Biology"], data.cohort_uuids["BIO-2023"]
    plan = (
        [("completed", 7.0, "2024-06-01")] * 12
        + [("dropped", None, None)] * 10
        + [("enrolled", None, None)] * 8
    )
    for student, (status, grade, done) in zip(students, plan, strict=False):
        _enroll(
            api, student=student, course=biology, cohort=bio, enrolled_at="2023-01-01",
            status=status, grade=grade, completed_at=done,
        )  # fmt: skip

    chemistry = data.courses["Chemistry"]
    for student, status, grade, done in (
        (students[0], "completed", 9.0, None),
        (students[1], "completed", None, "2024-09-01"),
        (students[2], "dropped", None, "2024-05-01"),
        (students[2], "enrolled", None, None),
    ):
        _enroll(
            api, student=student, course=chemistry, cohort=None, enrolled_at="2024-03-01",
            status=status, grade=grade, completed_at=done,
        )  # fmt: skip


@pytest.fixture(scope="session")
def report_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty sandbox for this area's session (built once: dozens of POSTs)."""
    db_path = tmp_path_factory.mktemp("reports-sandbox") / "sandbox.db"
    with start_sandbox(db_path, seed="empty", static_tokens={TOKEN: TENANT}) as running:
        yield running.url


@pytest.fixture(scope="session")
def report_data(report_sandbox: str, tmp_path_factory: pytest.TempPathFactory) -> ReportData:
    """The dataset above, built once per session; treat it as read-only."""
    cache = tmp_path_factory.mktemp("reports-cache")
    env = {
        "DOKSTAMP_API_URL": report_sandbox,
        "DOKSTAMP_TENANT": TENANT,
        "DOKSTAMP_TOKEN": TOKEN,
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
    }
    settings = Settings.from_mapping(env)
    api = _Api(report_sandbox)
    empty = pl.DataFrame()
    data = ReportData(
        url=report_sandbox, env=env, settings=settings, enrollments=empty, cohorts=empty
    )
    try:
        _build(api, data)
    finally:
        api.client.close()
    data.enrollments = load_enrollments(settings).frame
    data.cohorts = load_cohorts(settings).frame
    return data


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """A fresh cache folder for one test (e.g. to see a CLI run fetch from the API)."""
    return tmp_path / "cache"
