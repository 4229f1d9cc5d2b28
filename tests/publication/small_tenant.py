"""The issue's small tenant, built through the sandbox API over real HTTP.

Four courses of 40, 25, 12 and 7 enrollments, two cohorts each (counts the tests check by hand):

- Nursing (40): NUR-2023 (20 on 2023-09-01: 3 completed 2025-06-15 grade 8.0, 2 dropped,
  15 enrolled) and NUR-2024 (20 on 2024-01-15: 3 completed 2025-12-10 grade 7.0, 1 dropped,
  16 enrolled): 6 completed, 3 dropped, 31 enrolled.
- Law (25): LAW-2023 (15 on 2023-02-01: 10 completed 2024-11-20 grade 6.5, 3 dropped,
  2 enrolled) and LAW-2024 (10 on 2024-09-01: 6 completed 2025-08-15, one of them without a
  grade, the others 7.5; 2 dropped, 2 enrolled): 16 completed, 5 dropped, 4 enrolled.
- Pharmacy (12): PHA-A (6 on 2024-03-01: 3 completed 2025-03-01 grade 9.0, 3 enrolled) and
  PHA-B (6 on 2024-10-01, enrolled).
- Midwifery (7): MID-A (4 on 2024-04-01: 2 completed 2025-04-01 grade 8.5, 2 enrolled) and
  MID-B (3 on 2024-11-01, enrolled).

Every student is enrolled once. One data-quality flag: a completed enrollment without a grade.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from dokstamp_sandbox.runner import start_sandbox

TOKEN = "small-tenant-token"
TENANT = "small-college"

# (course, cohort code, start, end, enrolled_at, [(status, grade, completed_at, how many)])
Group = tuple[str, float | None, str | None, int]
PLAN: tuple[tuple[str, str, str, str, str, list[Group]], ...] = (
    ("Nursing", "NUR-2023", "2023-09-01", "2025-09-01", "2023-09-01",
     [("completed", 8.0, "2025-06-15", 3), ("dropped", None, None, 2),
      ("enrolled", None, None, 15)]),
    ("Nursing", "NUR-2024", "2024-01-15", "2026-01-15", "2024-01-15",
     [("completed", 7.0, "2025-12-10", 3), ("dropped", None, None, 1),
      ("enrolled", None, None, 16)]),
    ("Law", "LAW-2023", "2023-02-01", "2024-12-01", "2023-02-01",
     [("completed", 6.5, "2024-11-20", 10), ("dropped", None, None, 3),
      ("enrolled", None, None, 2)]),
    ("Law", "LAW-2024", "2024-09-01", "2025-09-01", "2024-09-01",
     [("completed", 7.5, "2025-08-15", 5), ("completed", None, "2025-08-15", 1),
      ("dropped", None, None, 2), ("enrolled", None, None, 2)]),
    ("Pharmacy", "PHA-A", "2024-03-01", "2025-09-01", "2024-03-01",
     [("completed", 9.0, "2025-03-01", 3), ("enrolled", None, None, 3)]),
    ("Pharmacy", "PHA-B", "2024-10-01", "2026-04-01", "2024-10-01",
     [("enrolled", None, None, 6)]),
    ("Midwifery", "MID-A", "2024-04-01", "2025-10-01", "2024-04-01",
     [("completed", 8.5, "2025-04-01", 2), ("enrolled", None, None, 2)]),
    ("Midwifery", "MID-B", "2024-11-01", "2026-05-01", "2024-11-01",
     [("enrolled", None, None, 3)]),
)  # fmt: skip
COURSE_SIZES = {"Nursing": 40, "Law": 25, "Pharmacy": 12, "Midwifery": 7}
COHORT_SIZES = {
    "NUR-2023": 20, "NUR-2024": 20, "LAW-2023": 15, "LAW-2024": 10,
    "PHA-A": 6, "PHA-B": 6, "MID-A": 4, "MID-B": 3,
}  # fmt: skip


@dataclass
class SmallTenant:
    """How to reach the tenant, and the uuids it was built with."""

    url: str
    courses: dict[str, str] = field(default_factory=dict)  # name -> uuid
    cohorts: dict[str, str] = field(default_factory=dict)  # code -> uuid

    def env(self, cache_dir: Path) -> dict[str, str]:
        """Settings (environment keys) that read this tenant with a static token."""
        return {
            "DOKSTAMP_API_URL": self.url,
            "DOKSTAMP_TENANT": TENANT,
            "DOKSTAMP_TOKEN": TOKEN,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache_dir),
        }


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def build_small_tenant(url: str) -> SmallTenant:
    """POST the plan above to an empty sandbox at ``url`` (one request per record)."""
    tenant = SmallTenant(url)
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Tenant": TENANT, "Accept": "application/json"}
    emails = itertools.count()
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        institution = client.get("/institutions").json()["data"][0]["uuid"]
        for course in COURSE_SIZES:
            course_body = {"name": course, "institution_uuid": institution}
            tenant.courses[course] = _post(client, "/courses", course_body)["uuid"]
        for course, code, start, end, enrolled_at, groups in PLAN:
            cohort = _post(
                client,
                "/cohorts",
                {
                    "course_uuid": tenant.courses[course],
                    "code": code,
                    "start_date": f"{start}T00:00:00Z",
                    "end_date": f"{end}T00:00:00Z",
                    "modality": "presential",
                },
            )["uuid"]
            tenant.cohorts[code] = cohort
            for status, grade, completed_at, count in groups:
                for _ in range(count):
                    number = next(emails)
                    student = _post(
                        client,
                        "/students",
                        {
                            "name": f"Student {number:03d}",
                            "email": f"student{number}@small.test",
                            "date_of_birth": "2000-01-01",
                        },
                    )["uuid"]
                    body: dict[str, Any] = {
                        "student_uuid": student,
                        "course_uuid": tenant.courses[course],
                        "cohort_uuid": cohort,
                        "enrolled_at": enrolled_at,
                        "completion_status": status,
                    }
                    if grade is not None:
                        body["grade"] = grade
                    if completed_at is not None:
                        body["completed_at"] = completed_at
                    _post(client, "/enrollments", body)
    return tenant


@contextmanager
def small_tenant_sandbox(db_path: Path) -> Iterator[SmallTenant]:
    """An empty sandbox with the small tenant built in it, stopped on exit."""
    with start_sandbox(db_path, seed="empty", static_tokens={TOKEN: TENANT}) as running:
        yield build_small_tenant(running.url)
