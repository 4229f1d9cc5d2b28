"""Writing enrollments: create (never blindly resent), update, delete, batch delete.

There are no idempotency keys in the API, so each write says what a resend after an uncertain
failure may do: a create is looked up before it is sent again, a delete whose answer was lost
counts as done when the record is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from dashboard.client._exceptions import DokStampError
from dashboard.client._listing import ListingReader, records_as_list
from dashboard.client._models import parse_timestamp
from dashboard.client._pagination import PagesInMemory
from dashboard.client._retry import RetryBudget
from dashboard.client._sending import Tally, UncertainWrite

__all__ = ["BATCH_CHUNK", "EnrollmentWrites", "Requester", "segment"]

logger = logging.getLogger("dashboard.client")

# Uuids per batch-destroy request (the sandbox accepts up to 1000; the real limit is unknown).
BATCH_CHUNK = 500


class Requester(Protocol):
    """Sends one request with the client's token, pacer and retries (``DokStampClient``)."""

    def __call__(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        replay_safe: bool = True,
        already_done: Callable[[DokStampError], bool] | None = None,
        budget: RetryBudget | None = None,
    ) -> httpx.Response: ...


def segment(value: str) -> str:
    """A uuid as one URL path segment (escaped; an empty one refused)."""
    text = str(value)
    if not text:
        raise ValueError("an empty uuid")
    return quote(text, safe="")


def _was_deleted(error: DokStampError) -> bool:
    return error.status == 404


def _were_deleted(count: int) -> Callable[[DokStampError], bool]:
    """A batch resend refused because every uuid is gone (404, or 422 naming each of them)."""

    def check(error: DokStampError) -> bool:
        if error.status == 404:
            return True
        return error.status == 422 and all(f"uuids.{i}" in error.errors for i in range(count))

    return check


def _day(value: object) -> date | None:
    """The calendar day of an enrolled_at value, as sent (date or text) or as received."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            moment = parse_timestamp(value)
        except ValueError:
            return None
        return moment.date() if moment is not None else None
    return None


def _related_uuid(record: Mapping[str, Any], name: str) -> object:
    nested = record.get(name)
    if isinstance(nested, Mapping):
        return nested.get("uuid")
    return record.get(f"{name}_uuid")


class EnrollmentWrites:
    """The enrollment writes of one client, sent through its ``Requester``."""

    def __init__(
        self,
        send: Requester,
        *,
        data: Callable[[httpx.Response], dict[str, Any]],
        budget: Callable[[], RetryBudget],
        listings: ListingReader,
        tally: Tally,
        sleep: Callable[[float], None],
    ) -> None:
        self._send = send
        self._data = data
        self._budget = budget
        self._listings = listings
        self._tally = tally
        self._sleep = sleep

    def create(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create an enrollment; returns it as the server stored it.

        There are no idempotency keys, so a create is never simply resent: after an uncertain
        failure (timeout or dropped connection after sending, or a 5xx) the enrollment is looked
        up by student, course, cohort and enrollment day, and only created again if absent.
        """
        body = dict(payload)
        budget = self._budget()
        while True:
            try:
                response = self._send(
                    "POST", "/enrollments", json=body, replay_safe=False, budget=budget
                )
                return self._data(response)
            except UncertainWrite as uncertain:
                error = uncertain.error
                try:
                    existing = self._find_enrollment(body)
                except DokStampError as lookup_error:
                    error.add_note(
                        "The enrollment may have been created: looking it up failed "
                        f"({lookup_error})."
                    )
                    raise error from lookup_error
                if existing is not None:
                    logger.info("create was uncertain; found it created as %s", existing["uuid"])
                    return existing
                delay = budget.next_delay()
                if delay is None:
                    raise error from None
                logger.warning("create failed (%s) and was not stored; retrying", error)
                self._tally.add(retries=1)
                self._sleep(delay)

    def update(self, uuid: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH only the given fields; returns the updated enrollment."""
        if not changes:
            return self._data(self._send("GET", f"/enrollments/{segment(uuid)}"))
        response = self._send("PATCH", f"/enrollments/{segment(uuid)}", json=dict(changes))
        return self._data(response)

    def delete(self, uuid: str) -> None:
        """Delete (soft-delete) one enrollment."""
        self._send("DELETE", f"/enrollments/{segment(uuid)}", already_done=_was_deleted)

    def batch_delete(self, uuids: Sequence[str]) -> None:
        """Delete several enrollments (``DELETE /enrollments/batch/destroy``).

        Sent in chunks of at most 500 uuids; each chunk is all-or-nothing on the server, the
        whole call is not when it needs several chunks.
        """
        if isinstance(uuids, str):
            raise TypeError("uuids must be a sequence of uuid strings, not one string")
        listed = list(uuids)
        for start in range(0, len(listed), BATCH_CHUNK):
            chunk = listed[start : start + BATCH_CHUNK]
            self._send(
                "DELETE",
                "/enrollments/batch/destroy",
                json={"uuids": chunk},
                already_done=_were_deleted(len(chunk)),
            )

    def _find_enrollment(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """The enrollment matching a create payload, if the server has one."""
        student, course = body.get("student_uuid"), body.get("course_uuid")
        if not student or not course:
            return None
        pages: PagesInMemory[list[dict[str, Any]]] = PagesInMemory()
        self._listings.collect(
            "enrollments",
            filters={"student_uuid": str(student), "course_uuid": str(course)},
            progress=None,
            on_wait=None,
            build=records_as_list,
            sink=pages,
        )
        day = _day(body.get("enrolled_at"))
        cohort = body.get("cohort_uuid") or None
        for record in (r for page in pages.in_order() for r in page):
            if (
                _related_uuid(record, "student") == str(student)
                and _related_uuid(record, "course") == str(course)
                and (_related_uuid(record, "cohort") or None) == cohort
                and _day(record.get("enrolled_at")) == day
            ):
                return record
        return None
