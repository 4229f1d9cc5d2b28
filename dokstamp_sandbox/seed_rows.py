"""One tenant's generated rows: the ids and uuids they take, and their bulk insert into SQLite.

Enrollment rows are lists (the planted problems edit them in place) whose fields are read by
the positions below; days in them are ordinals, formatted when inserted.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from dokstamp_sandbox.seed_draws import iso, uuid4

# Positions of an enrollment row's fields.
ID, UUID, TENANT, STUDENT, COURSE, COHORT, STATUS, GRADE, ENROLLED, COMPLETED, UPDATED = range(11)

_TABLES = ("courses", "cohorts", "students", "enrollments", "certificates")


def next_ids(connection: sqlite3.Connection) -> dict[str, int]:
    """The first free id of each table the seed writes (a second tenant continues the first)."""
    return {
        table: int(connection.execute(f"SELECT ifnull(max(id), 0) + 1 FROM {table}").fetchone()[0])  # noqa: S608
        for table in _TABLES
    }


@dataclass
class TenantRows:
    """The rows generated for one tenant, and the one seeded generator every draw comes from."""

    tenant_id: int
    institution_id: int
    rng: random.Random
    ids: dict[str, int]
    courses: list[tuple[Any, ...]] = field(default_factory=list)
    cohorts: list[tuple[Any, ...]] = field(default_factory=list)
    students: list[tuple[Any, ...]] = field(default_factory=list)
    enrollments: list[list[Any]] = field(default_factory=list)
    certificates: list[tuple[Any, ...]] = field(default_factory=list)

    def new_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def new_uuid(self) -> str:
        return uuid4(self.rng)


def insert_rows(connection: sqlite3.Connection, rows: TenantRows) -> None:
    """Bulk-insert a tenant's rows (no validation: planted problems go in as a legacy import)."""
    connection.executemany(
        "INSERT INTO courses (id, uuid, tenant_id, institution_id, code, name, description,"
        " workload_hours, area, version, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows.courses,
    )
    connection.executemany(
        "INSERT INTO cohorts (id, uuid, tenant_id, course_id, code, modality, start_date,"
        " end_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows.cohorts,
    )
    connection.executemany(
        "INSERT INTO students (id, uuid, tenant_id, name, email, date_of_birth, gender,"
        " social_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows.students,
    )
    connection.executemany(
        "INSERT INTO enrollments (id, uuid, tenant_id, student_id, course_id, cohort_id,"
        " completion_status, grade, enrolled_at, completed_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_enrollment_record(row) for row in rows.enrollments),
    )
    connection.executemany(
        "INSERT INTO certificates (id, uuid, tenant_id, institution_id, course_id, student_id,"
        " cohort_id, enrollment_id, status, issued_at, revoked_at, revocation_reason,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows.certificates,
    )


def _enrollment_record(row: list[Any]) -> tuple[Any, ...]:
    """An enrollment row as inserted: its days as ISO dates and timestamps."""
    enrolled = iso(row[ENROLLED])
    completed = None if row[COMPLETED] is None else iso(row[COMPLETED])
    return (
        *row[:ENROLLED],
        enrolled,
        completed,
        f"{enrolled}T09:00:00.000000Z",
        f"{iso(row[UPDATED])}T09:00:00.000000Z",
    )
