"""What each resource is: its table, list filters and sort keys, and its JSON object."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dokstamp_sandbox.options import SandboxOptions

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Filter:
    """A `where[key]` filter: equality on a column, or on a referenced row given by its uuid."""

    column: str
    reference: str | None = None


@dataclass(frozen=True)
class Dependant:
    """Rows of another table that protect a row from deletion (the docs' protection table)."""

    table: str
    column: str
    label: str


@dataclass(frozen=True)
class Resource:
    """One API resource: `GET /{name}`, `GET /{name}/{uuid}` and (if writable) its writes."""

    name: str
    table: str
    model: str
    select: str
    render: Callable[[sqlite3.Row, SandboxOptions], JsonObject]
    filters: Mapping[str, Filter] = field(default_factory=dict)
    sorts: Mapping[str, str] = field(default_factory=dict)
    dependants: tuple[Dependant, ...] = ()


def timestamp(value: str | None) -> str | None:
    """A stored date or datetime as the API's UTC timestamp ("2024-02-01T00:00:00.000000Z")."""
    if value is None:
        return None
    if len(value) == 10:
        return f"{value}T00:00:00.000000Z"
    return value


def grade_value(value: float | None, options: SandboxOptions) -> float | str | None:
    """A grade as a JSON number, or as Laravel's decimal cast string when the switch is on."""
    if value is None or not options.grade_as_string:
        return value
    if round(value, 2) == value:
        return f"{value:.2f}"
    return repr(value)


def _summary(row: sqlite3.Row, prefix: str, label: str) -> JsonObject | None:
    """A referenced row's summary from the ``{prefix}_uuid`` and ``{prefix}_{label}`` columns."""
    return _pair(row[_COLUMN_NAMES[prefix, "uuid"]], label, row[_COLUMN_NAMES[prefix, label]])


# Summary column names, built once (formatting them per row showed up in profiles).
_COLUMN_NAMES = {
    (prefix, part): f"{prefix}_{part}"
    for prefix in ("institution", "course")
    for part in ("uuid", "name")
}


def _render_institution(row: sqlite3.Row, options: SandboxOptions) -> JsonObject:
    return {
        "uuid": row["uuid"],
        "name": row["name"],
        "legal_name": row["legal_name"],
        "tax_id": row["tax_id"],
        "country": row["country"],
        "website": row["website"],
        "linkedin_organization": None,
        "status": row["status"],
        "is_badges_enabled": False,
        "badge_image_uuid": None,
        "created_at": timestamp(row["created_at"]),
        "updated_at": timestamp(row["updated_at"]),
    }


def _render_course(row: sqlite3.Row, options: SandboxOptions) -> JsonObject:
    return {
        "uuid": row["uuid"],
        "code": row["code"],
        "name": row["name"],
        "description": row["description"],
        "workload_hours": row["workload_hours"],
        "area": row["area"],
        "version": row["version"],
        "status": row["status"],
        "institution": _summary(row, "institution", "name"),
        "organization": None,
        "created_at": timestamp(row["created_at"]),
    }


def _render_cohort(row: sqlite3.Row, options: SandboxOptions) -> JsonObject:
    return {
        "uuid": row["uuid"],
        "code": row["code"],
        "modality": row["modality"],
        "start_date": timestamp(row["start_date"]),
        "end_date": timestamp(row["end_date"]),
        "course": _summary(row, "course", "name"),
    }


def _render_student(row: sqlite3.Row, options: SandboxOptions) -> JsonObject:
    # By position (the order of _STUDENT_COLUMNS), as enrollments: a sync reads every student.
    _, uuid, name, email, date_of_birth, gender, social_name, created_at = row
    return {
        "uuid": uuid,
        "name": name,
        "email": email,
        "date_of_birth": date_of_birth,
        "gender": gender,
        "social_name": social_name,
        "created_at": timestamp(created_at),
    }


def _render_enrollment(row: sqlite3.Row, options: SandboxOptions) -> JsonObject:
    # By position (the order of _ENROLLMENT_COLUMNS), about 3x faster than by name: every page
    # of a sync renders up to per_page of these.
    (
        _,
        uuid,
        completion_status,
        grade,
        enrolled_at,
        completed_at,
        student_uuid,
        student_name,
        course_uuid,
        course_name,
        cohort_uuid,
        cohort_code,
    ) = row
    return {
        "uuid": uuid,
        "completion_status": completion_status,
        "grade": grade_value(grade, options),
        "enrolled_at": timestamp(enrolled_at),
        "completed_at": timestamp(completed_at),
        "student": None if student_uuid is None else {"uuid": student_uuid, "name": student_name},
        "course": None if course_uuid is None else {"uuid": course_uuid, "name": course_name},
        "cohort": None if cohort_uuid is None else {"uuid": cohort_uuid, "code": cohort_code},
    }


def _render_certificate(row: sqlite3.Row, options: SandboxOptions) -> JsonObject:
    # By position (the order of _CERTIFICATE_COLUMNS), as enrollments: a sync reads them all.
    (
        _,
        uuid,
        status,
        issued_at,
        revoked_at,
        revocation_reason,
        institution_uuid,
        institution_name,
        course_uuid,
        course_name,
        student_uuid,
        student_name,
        cohort_uuid,
        cohort_code,
        enrollment_uuid,
    ) = row
    return {
        "uuid": uuid,
        "status": status,
        "issued_at": timestamp(issued_at),
        "revoked_at": timestamp(revoked_at),
        "revocation_reason": revocation_reason,
        "public_verification_url": f"http://sandbox.invalid/verify/{uuid}",
        "blockchain_tx_hash": None,
        "blockchain_tx_url": None,
        "institution": _pair(institution_uuid, "name", institution_name),
        "course": _pair(course_uuid, "name", course_name),
        "student": _pair(student_uuid, "name", student_name),
        "cohort": _pair(cohort_uuid, "code", cohort_code),
        "enrollment": None if enrollment_uuid is None else {"uuid": enrollment_uuid},
        "template": None,
        "files": [],
    }


def _pair(uuid: str | None, label: str, value: str | None) -> JsonObject | None:
    """A referenced row's summary from its columns (None when there is none)."""
    return None if uuid is None else {"uuid": uuid, label: value}


INSTITUTIONS = Resource(
    name="institutions",
    table="institutions",
    model="Institution",
    select="SELECT t.* FROM institutions t WHERE t.id IN ({ids})",
    render=_render_institution,
    filters={"status": Filter("status"), "country": Filter("country")},
    sorts={"name": "t.name", "created_at": "t.created_at"},
    dependants=(
        Dependant("courses", "institution_id", "courses"),
        Dependant("certificates", "institution_id", "certificates"),
    ),
)

COURSES = Resource(
    name="courses",
    table="courses",
    model="Course",
    select=(
        "SELECT t.*, i.uuid AS institution_uuid, i.name AS institution_name FROM courses t"
        " JOIN institutions i ON i.id = t.institution_id WHERE t.id IN ({ids})"
    ),
    render=_render_course,
    filters={
        "status": Filter("status"),
        "code": Filter("code"),
        "area": Filter("area"),
        "institution_uuid": Filter("institution_id", "institutions"),
    },
    sorts={"name": "t.name", "code": "ifnull(t.code, '')", "created_at": "t.created_at"},
    dependants=(
        Dependant("cohorts", "course_id", "cohorts"),
        Dependant("enrollments", "course_id", "enrollments"),
        Dependant("certificates", "course_id", "certificates"),
    ),
)

COHORTS = Resource(
    name="cohorts",
    table="cohorts",
    model="Cohort",
    select=(
        "SELECT t.*, c.uuid AS course_uuid, c.name AS course_name FROM cohorts t"
        " JOIN courses c ON c.id = t.course_id WHERE t.id IN ({ids})"
    ),
    render=_render_cohort,
    filters={
        "course_uuid": Filter("course_id", "courses"),
        "code": Filter("code"),
        "modality": Filter("modality"),
    },
    sorts={
        "code": "t.code",
        "start_date": "ifnull(t.start_date, '')",
        "end_date": "ifnull(t.end_date, '')",
        "created_at": "t.created_at",
    },
    dependants=(
        Dependant("enrollments", "cohort_id", "enrollments"),
        Dependant("certificates", "cohort_id", "certificates"),
    ),
)

# The columns of a student row, in the order _render_student unpacks them (id first).
_STUDENT_COLUMNS = (
    "t.id, t.uuid, t.name, t.email, t.date_of_birth, t.gender, t.social_name, t.created_at"
)

STUDENTS = Resource(
    name="students",
    table="students",
    model="Student",
    select=f"SELECT {_STUDENT_COLUMNS} FROM students t WHERE t.id IN ({{ids}})",  # noqa: S608
    render=_render_student,
    filters={"email": Filter("email"), "name": Filter("name"), "gender": Filter("gender")},
    sorts={"name": "t.name", "email": "t.email", "created_at": "t.created_at"},
    dependants=(
        Dependant("enrollments", "student_id", "enrollments"),
        Dependant("certificates", "student_id", "certificates"),
    ),
)

# The columns of an enrollment row, in the order _render_enrollment unpacks them (id first, as
# fetch_rows expects).
_ENROLLMENT_COLUMNS = (
    "t.id",
    "t.uuid",
    "t.completion_status",
    "t.grade",
    "t.enrolled_at",
    "t.completed_at",
    "s.uuid AS student_uuid",
    "s.name AS student_name",
    "c.uuid AS course_uuid",
    "c.name AS course_name",
    "h.uuid AS cohort_uuid",
    "h.code AS cohort_code",
)

ENROLLMENTS = Resource(
    name="enrollments",
    table="enrollments",
    model="Enrollment",
    # Only the rendered columns (not t.*): every page of a sync reads this, and each column
    # read becomes a Python object. _render_enrollment unpacks them in this order.
    select=(
        f"SELECT {', '.join(_ENROLLMENT_COLUMNS)}"  # noqa: S608 (constant column names)
        " FROM enrollments t JOIN students s ON s.id = t.student_id"
        " JOIN courses c ON c.id = t.course_id LEFT JOIN cohorts h ON h.id = t.cohort_id"
        " WHERE t.id IN ({ids})"
    ),
    render=_render_enrollment,
    filters={
        "completion_status": Filter("completion_status"),
        "course_uuid": Filter("course_id", "courses"),
        "cohort_uuid": Filter("cohort_id", "cohorts"),
        "student_uuid": Filter("student_id", "students"),
    },
    # These expressions match the expression indexes in tables.py, so sorted pages seek too.
    sorts={
        "enrolled_at": "t.enrolled_at",
        "completed_at": "ifnull(t.completed_at, '')",
        "grade": "ifnull(t.grade, -1e308)",
        "completion_status": "t.completion_status",
    },
)

CERTIFICATES = Resource(
    name="certificates",
    table="certificates",
    model="Certificate",
    # The columns in the order _render_certificate unpacks them (id first).
    select=(
        "SELECT t.id, t.uuid, t.status, t.issued_at, t.revoked_at, t.revocation_reason,"
        " i.uuid, i.name, c.uuid, c.name, s.uuid, s.name, h.uuid, h.code, e.uuid"
        " FROM certificates t"
        " JOIN institutions i ON i.id = t.institution_id JOIN courses c ON c.id = t.course_id"
        " JOIN students s ON s.id = t.student_id LEFT JOIN cohorts h ON h.id = t.cohort_id"
        " LEFT JOIN enrollments e ON e.id = t.enrollment_id WHERE t.id IN ({ids})"
    ),
    render=_render_certificate,
    filters={
        "status": Filter("status"),
        "institution_uuid": Filter("institution_id", "institutions"),
        "course_uuid": Filter("course_id", "courses"),
        "student_uuid": Filter("student_id", "students"),
        "cohort_uuid": Filter("cohort_id", "cohorts"),
        "enrollment_uuid": Filter("enrollment_id", "enrollments"),
    },
    sorts={"issued_at": "ifnull(t.issued_at, '')", "created_at": "t.created_at"},
)

RESOURCES: Mapping[str, Resource] = {
    resource.name: resource
    for resource in (INSTITUTIONS, COURSES, COHORTS, STUDENTS, ENROLLMENTS, CERTIFICATES)
}


def fetch_rows(
    connection: sqlite3.Connection, resource: Resource, ids: list[int]
) -> list[sqlite3.Row]:
    """The rows with these ids, joined with their summaries, in the order of `ids`."""
    if not ids:
        return []
    sql = resource.select.format(ids=",".join("?" * len(ids)))
    by_id = {row[0]: row for row in connection.execute(sql, ids)}  # every select starts with id
    return [by_id[row_id] for row_id in ids if row_id in by_id]
