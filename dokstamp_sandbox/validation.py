"""Laravel-style validation of write bodies: field rules, their messages, clean column values."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from dokstamp_sandbox.errors import ValidationFailed

Kind = Literal["reference", "string", "email", "date", "datetime", "choice", "decimal", "integer"]

UUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_YMD = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INTEGER_LIMIT = 2**63 - 1


def live_row(
    connection: sqlite3.Connection, table: str, *, tenant_id: int, uuid: str, columns: str = "*"
) -> sqlite3.Row | None:
    """The tenant's live row of ``table`` with this uuid (checked a uuid first); None if absent.

    Lookups are tenant-scoped and skip soft-deleted rows: a foreign or deleted uuid is absent.
    """
    row: sqlite3.Row | None = connection.execute(
        f"SELECT {columns} FROM {table} WHERE uuid = ? AND tenant_id = ?"  # noqa: S608
        " AND deleted_at IS NULL",
        (uuid.lower(), tenant_id),
    ).fetchone()
    return row


@dataclass(frozen=True)
class FieldRule:
    """The rules of one body field, in the terms of Laravel's validator."""

    name: str
    kind: Kind
    required: bool = False
    column: str | None = None
    reference: str | None = None
    choices: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimals: int | None = None
    max_length: int = 255
    default: Any = None
    unique: bool = False
    after_or_equal: str | None = None
    nullable: bool = True

    @property
    def words(self) -> str:
        return self.name.replace("_", " ")

    @property
    def stored_as(self) -> str:
        return self.column or self.name


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _as_string(rule: FieldRule, value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"The {rule.words} must be a string.")
    if len(value) > rule.max_length:
        raise _Invalid(f"The {rule.words} must not be greater than {rule.max_length} characters.")
    return value


def _as_decimal(rule: FieldRule, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Invalid(f"The {rule.words} must be a number.")
    text = value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, str) and not _NUMERIC.match(text):
        raise _Invalid(f"The {rule.words} must be a number.")
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise _Invalid(f"The {rule.words} must be a number.") from error
    if not number.is_finite():
        raise _Invalid(f"The {rule.words} must be a number.")
    if rule.minimum is not None and number < rule.minimum:
        raise _Invalid(f"The {rule.words} must be at least {rule.minimum}.")
    if rule.maximum is not None and number > rule.maximum:
        raise _Invalid(f"The {rule.words} must not be greater than {rule.maximum}.")
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if rule.decimals is not None and places > rule.decimals:
        raise _Invalid(f"The {rule.words} must have at most {rule.decimals} decimal places.")
    return float(number)


def _as_integer(rule: FieldRule, value: Any) -> int:
    message = f"The {rule.words} must be an integer."
    if isinstance(value, bool):
        raise _Invalid(message)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,19}", value.strip()):
        value = int(value)
    if not isinstance(value, int) or abs(value) > _INTEGER_LIMIT:
        raise _Invalid(message)
    if rule.minimum is not None and value < rule.minimum:
        raise _Invalid(f"The {rule.words} must be at least {rule.minimum}.")
    return value


def _as_date(rule: FieldRule, value: Any) -> str:
    message = f"The {rule.words} does not match the format Y-m-d."
    if not isinstance(value, str) or not _YMD.match(value):
        raise _Invalid(message)
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise _Invalid(message) from error


def _as_datetime(rule: FieldRule, value: Any) -> str:
    message = f"The {rule.words} is not a valid date."
    if not isinstance(value, str) or len(value) > 40:
        raise _Invalid(message)
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise _Invalid(message) from error
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _as_reference(
    rule: FieldRule, value: Any, *, connection: sqlite3.Connection, tenant_id: int
) -> int:
    if not isinstance(value, str) or not UUID_PATTERN.match(value):
        raise _Invalid(f"The {rule.words} must be a valid UUID.")
    assert rule.reference is not None  # a reference rule names its table
    row = live_row(connection, rule.reference, tenant_id=tenant_id, uuid=value, columns="id")
    if row is None:
        raise _Invalid(f"The selected {rule.words} is invalid.")
    return int(row[0])


def _clean(rule: FieldRule, value: Any, *, connection: sqlite3.Connection, tenant_id: int) -> Any:
    if rule.kind == "reference":
        return _as_reference(rule, value, connection=connection, tenant_id=tenant_id)
    if rule.kind == "string":
        return _as_string(rule, value)
    if rule.kind == "email":
        text = _as_string(rule, value)
        if not _EMAIL.match(text):
            raise _Invalid(f"The {rule.words} must be a valid email address.")
        return text
    if rule.kind == "choice":
        if not isinstance(value, str) or value not in rule.choices:
            raise _Invalid(f"The selected {rule.words} is invalid.")
        return value
    if rule.kind == "decimal":
        return _as_decimal(rule, value)
    if rule.kind == "integer":
        return _as_integer(rule, value)
    if rule.kind == "date":
        return _as_date(rule, value)
    return _as_datetime(rule, value)


def _is_blank(value: Any) -> bool:
    # Laravel's TrimStrings + ConvertEmptyStringsToNull middleware: "" and "  " arrive as null.
    return value is None or (isinstance(value, str) and not value.strip())


def validate(
    rules: tuple[FieldRule, ...],
    body: Mapping[str, Any],
    *,
    connection: sqlite3.Connection,
    tenant_id: int,
    table: str,
    existing: sqlite3.Row | None = None,
) -> dict[str, Any]:
    """Check a create body (existing=None) or a partial update body against the rules.

    Returns the clean values by column; raises ValidationFailed with every field's messages.
    Fields not in the rules are ignored. On update only the fields sent are checked, and a
    cross-field rule (after_or_equal) compares with the stored value of the field not sent.
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    creating = existing is None
    for rule in rules:
        if rule.name not in body:
            if rule.required and creating:
                errors[rule.name] = [f"The {rule.words} field is required."]
            elif creating and rule.default is not None:
                clean[rule.stored_as] = rule.default
            continue
        value = body[rule.name]
        if _is_blank(value):
            # A field with a default (e.g. completion_status) can be left out, not set to null.
            if rule.required or not rule.nullable:
                errors[rule.name] = [f"The {rule.words} field is required."]
            else:
                clean[rule.stored_as] = None
            continue
        try:
            clean[rule.stored_as] = _clean(rule, value, connection=connection, tenant_id=tenant_id)
        except _Invalid as invalid:
            errors[rule.name] = [invalid.message]
            continue
        if rule.unique and _taken(
            connection, table, rule.stored_as, clean[rule.stored_as], tenant_id, existing
        ):
            errors[rule.name] = [f"The {rule.words} has already been taken."]
    _check_order(rules, body, clean, errors, existing)
    if errors:
        raise ValidationFailed(errors)
    return clean


def _taken(
    connection: sqlite3.Connection,
    table: str,
    column: str,
    value: Any,
    tenant_id: int,
    existing: sqlite3.Row | None,
) -> bool:
    row = connection.execute(
        f"SELECT 1 FROM {table} WHERE tenant_id = ? AND {column} = ?"  # noqa: S608
        " AND deleted_at IS NULL AND id != ?",
        (tenant_id, value, existing["id"] if existing is not None else -1),
    ).fetchone()
    return row is not None


def _check_order(
    rules: tuple[FieldRule, ...],
    body: Mapping[str, Any],
    clean: Mapping[str, Any],
    errors: dict[str, list[str]],
    existing: sqlite3.Row | None,
) -> None:
    by_name = {rule.name: rule for rule in rules}
    for rule in rules:
        if rule.after_or_equal is None:
            continue
        other = by_name[rule.after_or_equal]
        if rule.name in errors or other.name in errors:
            continue
        if rule.name not in body and other.name not in body:
            continue

        def current(field: FieldRule) -> Any:
            if field.name in body:
                return clean.get(field.stored_as)
            return existing[field.stored_as] if existing is not None else None

        later, earlier = current(rule), current(other)
        if later is not None and earlier is not None and later[:10] < earlier[:10]:
            errors[rule.name] = [
                f"The {rule.words} must be a date after or equal to {other.words}."
            ]


_STATUSES = ("enrolled", "completed", "dropped")

WRITE_RULES: Mapping[str, tuple[FieldRule, ...]] = {
    "enrollments": (
        FieldRule(
            "student_uuid", "reference", required=True, column="student_id", reference="students"
        ),
        FieldRule(
            "course_uuid", "reference", required=True, column="course_id", reference="courses"
        ),
        FieldRule("cohort_uuid", "reference", column="cohort_id", reference="cohorts"),
        FieldRule("enrolled_at", "date", required=True),
        FieldRule(
            "completion_status", "choice", choices=_STATUSES, default="enrolled", nullable=False
        ),
        FieldRule("grade", "decimal", minimum=Decimal(0), maximum=Decimal(10), decimals=2),
        FieldRule("completed_at", "date", after_or_equal="enrolled_at"),
    ),
    "courses": (
        FieldRule("name", "string", required=True),
        FieldRule(
            "institution_uuid",
            "reference",
            required=True,
            column="institution_id",
            reference="institutions",
        ),
        FieldRule("code", "string"),
        FieldRule("description", "string", max_length=65_535),
        FieldRule("workload_hours", "integer", minimum=Decimal(0)),
        FieldRule("area", "string"),
        FieldRule("version", "string"),
        FieldRule(
            "status",
            "choice",
            choices=("draft", "active", "archived"),
            default="draft",
            nullable=False,
        ),
    ),
    "cohorts": (
        FieldRule(
            "course_uuid", "reference", required=True, column="course_id", reference="courses"
        ),
        FieldRule("code", "string", required=True, unique=True),
        FieldRule("modality", "choice", choices=("presential", "remote", "hybrid")),
        FieldRule("start_date", "datetime"),
        FieldRule("end_date", "datetime", after_or_equal="start_date"),
    ),
    "students": (
        FieldRule("name", "string", required=True),
        FieldRule("email", "email", required=True, unique=True),
        FieldRule("date_of_birth", "date", required=True),
        FieldRule("gender", "string"),
        FieldRule("social_name", "string"),
    ),
    "certificates": (
        FieldRule(
            "institution_uuid",
            "reference",
            required=True,
            column="institution_id",
            reference="institutions",
        ),
        FieldRule(
            "course_uuid", "reference", required=True, column="course_id", reference="courses"
        ),
        FieldRule(
            "student_uuid", "reference", required=True, column="student_id", reference="students"
        ),
        FieldRule("cohort_uuid", "reference", column="cohort_id", reference="cohorts"),
        FieldRule("enrollment_uuid", "reference", column="enrollment_id", reference="enrollments"),
        FieldRule("status", "choice", choices=("draft", "issued"), default="draft", nullable=False),
        FieldRule("issued_at", "datetime"),
    ),
}
