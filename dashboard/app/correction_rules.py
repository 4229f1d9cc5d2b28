"""Checks a correction form before anything is sent: the API's own rules, with its field names.

The stricter rules of the Data quality page are applied after these, by ``record_quality``.

The form holds text exactly as the user typed it; these functions turn it into the JSON payload the
API expects or into Laravel-style field errors (``{"grade": ["..."]}``), the same shape a 422 from
the server has, so both are shown beside the same fields. Nothing here does I/O.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dashboard.data.schema import COMPLETION_STATUSES

__all__ = [
    "EDITABLE_FIELDS",
    "FormCheck",
    "check_create",
    "check_update",
    "current_values",
    "enrolled_date",
    "form_values",
    "merge_errors",
]

EDITABLE_FIELDS = ("completion_status", "grade", "completed_at", "cohort_uuid")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
GRADE_MIN = Decimal(0)
GRADE_MAX = Decimal(10)


@dataclass(frozen=True)
class FormCheck:
    """The outcome of checking a form: the payload to send, or the errors per field."""

    payload: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the form may be sent."""
        return not self.errors


def _label(name: str) -> str:
    return name.replace("_", " ")


def _uuid(name: str, text: str, errors: dict[str, list[str]], *, required: bool) -> str | None:
    value = text.strip()
    if not value:
        if required:
            errors.setdefault(name, []).append(f"The {_label(name)} field is required.")
        return None
    if not _UUID.match(value):
        errors.setdefault(name, []).append(f"The {_label(name)} must be a valid UUID.")
        return None
    return str(uuid.UUID(value))


def _date(name: str, text: str, errors: dict[str, list[str]], *, required: bool) -> date | None:
    value = text.strip()
    if not value:
        if required:
            errors.setdefault(name, []).append(f"The {_label(name)} field is required.")
        return None
    if _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.setdefault(name, []).append(
        f"The {_label(name)} does not match the format Y-m-d (YYYY-MM-DD, a real date)."
    )
    return None


def _grade(text: str, errors: dict[str, list[str]]) -> float | None:
    value = text.strip()
    if not value:
        return None
    if not _NUMBER.match(value):
        errors.setdefault("grade", []).append("The grade must be a number (use a dot: 7.5).")
        return None
    number = Decimal(value)
    if number < GRADE_MIN:
        errors.setdefault("grade", []).append("The grade must be at least 0.")
    if number > GRADE_MAX:
        errors.setdefault("grade", []).append("The grade must not be greater than 10.")
    exponent = number.as_tuple().exponent  # as typed: "7.500" has 3 decimal places
    if isinstance(exponent, int) and exponent < -2:
        errors.setdefault("grade", []).append("The grade must have at most 2 decimal places.")
    return float(number) if "grade" not in errors else None


def _status(text: str, errors: dict[str, list[str]], *, required: bool) -> str | None:
    value = text.strip()
    if not value:
        if required:
            errors.setdefault("completion_status", []).append(
                "The completion status field is required."
            )
        return None
    if value not in COMPLETION_STATUSES:
        errors.setdefault("completion_status", []).append(
            "The selected completion status is invalid (one of: "
            + ", ".join(COMPLETION_STATUSES)
            + ")."
        )
        return None
    return value


def _completed_after_enrolled(
    completed: date | None, enrolled: date | None, errors: dict[str, list[str]]
) -> None:
    if completed is not None and enrolled is not None and completed < enrolled:
        errors.setdefault("completed_at", []).append(
            f"The completed at must be a date after or equal to enrolled at ({enrolled})."
        )


def check_update(
    form: Mapping[str, str], *, current: Mapping[str, Any], enrolled_at: date | None
) -> FormCheck:
    """Check an edit form and return only the fields that changed, as the PATCH body.

    Parameters
    ----------
    form
        Text per editable field (``completion_status``, ``grade``, ``completed_at``,
        ``cohort_uuid``); an empty text clears a nullable field.
    current
        The same fields as they were when the record was opened, in payload form
        (``grade`` a float or None, dates ``YYYY-MM-DD`` or None, ``cohort_uuid`` or None).
    enrolled_at
        The record's enrolment date: ``completed_at`` may not be earlier.
    """
    errors: dict[str, list[str]] = {}
    status = _status(form.get("completion_status", ""), errors, required=True)
    grade = _grade(form.get("grade", ""), errors)
    completed = _date("completed_at", form.get("completed_at", ""), errors, required=False)
    cohort = _uuid("cohort_uuid", form.get("cohort_uuid", ""), errors, required=False)
    _completed_after_enrolled(completed, enrolled_at, errors)
    if errors:
        return FormCheck(errors=errors)
    proposed: dict[str, Any] = {
        "completion_status": status,
        "grade": grade,
        "completed_at": completed.isoformat() if completed else None,
        "cohort_uuid": cohort,
    }
    changes = {name: value for name, value in proposed.items() if value != current.get(name)}
    if not changes:
        return FormCheck(errors={"__all__": ["Nothing to save: no field was changed."]})
    return FormCheck(payload=changes)


def check_create(form: Mapping[str, str]) -> FormCheck:
    """Check a new-enrollment form and return the POST body (optional fields left out if empty)."""
    errors: dict[str, list[str]] = {}
    student = _uuid("student_uuid", form.get("student_uuid", ""), errors, required=True)
    course = _uuid("course_uuid", form.get("course_uuid", ""), errors, required=True)
    cohort = _uuid("cohort_uuid", form.get("cohort_uuid", ""), errors, required=False)
    enrolled = _date("enrolled_at", form.get("enrolled_at", ""), errors, required=True)
    status = _status(form.get("completion_status", ""), errors, required=False)
    grade = _grade(form.get("grade", ""), errors)
    completed = _date("completed_at", form.get("completed_at", ""), errors, required=False)
    _completed_after_enrolled(completed, enrolled, errors)
    if errors:
        return FormCheck(errors=errors)
    payload: dict[str, Any] = {
        "student_uuid": student,
        "course_uuid": course,
        "enrolled_at": enrolled.isoformat() if enrolled else None,
    }
    optional = {
        "cohort_uuid": cohort,
        "completion_status": status,
        "grade": grade,
        "completed_at": completed.isoformat() if completed else None,
    }
    payload.update({name: value for name, value in optional.items() if value is not None})
    return FormCheck(payload=payload)


def merge_errors(
    errors: Mapping[str, list[str]], *, fields: tuple[str, ...]
) -> dict[str, list[str]]:
    """Errors keyed by form field; messages for fields the form does not show go under ``__all__``.

    A 422 from the server may name a field the form has no input for (or a nested key such as
    ``grade.0``): those are still shown, at the top of the form, never dropped.
    """
    placed: dict[str, list[str]] = {}
    for key, messages in errors.items():
        base = key.split(".", 1)[0]
        target = base if base in fields else "__all__"
        placed.setdefault(target, []).extend(str(message) for message in messages)
    return placed


def _date_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def form_values(row: Mapping[str, Any]) -> dict[str, str]:
    """The edit form's initial text per field, from an enrollment frame row."""
    grade = row.get("grade")
    return {
        "completion_status": str(row.get("completion_status") or ""),
        "grade": "" if grade is None else f"{float(grade):g}",
        "completed_at": _date_text(row.get("completed_at")),
        "cohort_uuid": str(row.get("cohort_uuid") or ""),
    }


def current_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields of an enrollment frame row in payload form (for ``check_update``)."""
    grade = row.get("grade")
    completed = _date_text(row.get("completed_at"))
    return {
        "completion_status": str(row.get("completion_status") or "") or None,
        "grade": None if grade is None else float(grade),
        "completed_at": completed or None,
        "cohort_uuid": row.get("cohort_uuid") or None,
    }


def enrolled_date(row: Mapping[str, Any]) -> date | None:
    """The enrolment date of a frame row (for the completed-at rule)."""
    text = _date_text(row.get("enrolled_at"))
    return date.fromisoformat(text) if text else None
