"""Corrections: create, update and delete enrollments through the API, keeping caches in step.

Each write goes through ``DokStampClient``; when the server has accepted it, the write is added
to the corrections log and every cached enrollment extract of the same API and tenant is patched,
so the next ``load_enrollments`` shows it without a refetch. An update first re-reads the record
and refuses (``ConcurrentChangeError``) when it no longer is what the editor opened. The API has
no ETags, so a change landing between that re-read and the PATCH cannot be detected. When the
log cannot be written, the entry waits in a side file (``corrections_log_status`` says so).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from dashboard.client import (
    DokStampError,
    NotFoundError,
    parse_grade,
    parse_timestamp,
)
from dashboard.data.corrections_log import (
    CORRECTIONS_LOG_SCHEMA,
    Action,
    Correction,
)
from dashboard.data.corrections_log_place import open_corrections_log
from dashboard.data.errors import ConcurrentChangeError, CorrectionsLogError
from dashboard.data.frames import enrollment_frame, enrollment_record
from dashboard.data.loading import STORE_ERRORS, using_source
from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.data.source import DataSource
from dashboard.data.write_through import patch_snapshots, snapshot_enrollment_rows
from dashboard.settings import Settings

__all__ = [
    "CORRECTIONS_LOG_SCHEMA",
    "ConcurrentChangeError",
    "CorrectionsLogError",
    "CorrectionsLogStatus",
    "changed_fields",
    "corrections_log_status",
    "create_enrollment",
    "delete_enrollments",
    "read_corrections_log",
    "update_enrollment",
]

logger = logging.getLogger("dashboard.data")

_CACHE_ERRORS: tuple[type[BaseException], ...] = (*STORE_ERRORS, DokStampError)
_NESTED = ("student", "course", "cohort")


def create_enrollment(
    source: DataSource | Settings,
    payload: Mapping[str, Any],
    *,
    actor: str | None = None,
    role: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """Create an enrollment (``POST /enrollments``); returns it as the server stored it.

    ``payload`` uses the API's input fields: ``student_uuid``, ``course_uuid``, ``enrolled_at``
    (``YYYY-MM-DD``), optional ``cohort_uuid``, ``completion_status``, ``grade``,
    ``completed_at``. Typed client errors (``ValidationError`` with field messages, ...) pass
    through unchanged; nothing is logged or patched then.
    """
    with using_source(source, transport) as opened:
        created = opened.client.create_enrollment(payload)
        _after_write(
            opened,
            "create",
            actor=actor,
            role=role,
            changes=[(str(created["uuid"]), None, created)],
        )
    return created


def update_enrollment(
    source: DataSource | Settings,
    uuid: str,
    changes: Mapping[str, Any],
    *,
    opened: Mapping[str, Any] | None,
    actor: str | None = None,
    role: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """PATCH ``changes`` onto enrollment ``uuid``; returns the updated record.

    ``opened`` is the record as the editor saw it: an API record, or a row of the enrollment
    frame (only the columns it has are compared). The record is read again first; if it differs
    on any of those fields, ``ConcurrentChangeError`` (with ``current`` and ``opened``) is raised
    and nothing is written. ``opened=None`` skips that check.
    """
    with using_source(source, transport) as opened_source:
        client = opened_source.client
        current = client.get_enrollment(uuid)
        if opened is not None:
            differing = changed_fields(opened, current)
            if differing:
                raise ConcurrentChangeError(current=current, opened=opened, fields=differing)
        updated = client.update_enrollment(uuid, changes)
        _after_write(
            opened_source, "update", actor=actor, role=role, changes=[(uuid, current, updated)]
        )
    return updated


def delete_enrollments(
    source: DataSource | Settings,
    uuids: Iterable[str],
    *,
    actor: str | None = None,
    role: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """Delete enrollments (one ``DELETE``, or ``DELETE /enrollments/batch/destroy`` for several).

    The log's ``before`` of each comes from the cached extracts, or from the API when no
    extract holds it.
    """
    if isinstance(uuids, str):
        raise TypeError("uuids must be an iterable of uuid strings, not one string")
    targets = list(dict.fromkeys(str(uuid) for uuid in uuids))
    if not targets:
        return
    with using_source(source, transport) as opened:
        client = opened.client
        try:
            rows = snapshot_enrollment_rows(opened.store, opened.line(), targets)
        except _CACHE_ERRORS as error:
            logger.warning("cannot read the snapshots (%s); asking the API", error)
            rows = {}
        before: dict[str, Mapping[str, Any] | None] = {
            uuid: enrollment_record(row) for uuid, row in rows.items()
        }
        for uuid in targets:
            if uuid not in before:
                try:
                    before[uuid] = client.get_enrollment(uuid)
                except NotFoundError:
                    before[uuid] = None
        if len(targets) == 1:
            client.delete_enrollment(targets[0])
        else:
            client.batch_delete_enrollments(targets)
        _after_write(
            opened,
            "delete",
            actor=actor,
            role=role,
            changes=[(uuid, before[uuid], None) for uuid in targets],
        )


def read_corrections_log(source: DataSource | Settings) -> pl.DataFrame:
    """Every correction logged for this API and tenant, oldest first: through this cache folder,
    or, with a shared store, through every replica and worker that uses it.

    Columns: ``at`` (UTC), ``actor``, ``role`` (the actor's role when signed in), ``action``
    (create, update, delete), ``enrollment_uuid``,
    ``before`` and ``after`` (the record as JSON text in the API's shape; null for a create's
    before and a delete's after). Entries kept in the side file are written into the log first.
    Raises ``CorrectionsLogError`` (one line: which file, what to do) when the log is unusable.
    """
    with using_source(source) as opened:
        key = opened.line()
        log = open_corrections_log(opened.store, opened.cache_dir)
        return log.frame(api_url=key.api_url, tenant=key.tenant)


@dataclass(frozen=True)
class CorrectionsLogStatus:
    """Whether every logged write is in the corrections log, after trying to move kept ones in.

    ``pending`` entries wait in ``pending_path`` (a JSON-lines file in the cache folder);
    ``problem`` is the one-line ``CorrectionsLogError`` message when the log is unusable;
    ``where`` names the log (its file, or the shared store).
    """

    where: str
    pending_path: Path
    pending: int
    problem: str | None

    @property
    def ok(self) -> bool:
        """Every entry is in a usable log."""
        return self.pending == 0 and self.problem is None


def corrections_log_status(source: DataSource | Settings) -> CorrectionsLogStatus:
    """Move kept entries into the log if it is usable again, and say what is still pending.

    Call it after a write to learn at once whether that write's entry could not be logged.
    """
    with using_source(source) as opened:
        log = open_corrections_log(opened.store, opened.cache_dir)
        problem = None
        try:
            pending = log.write_pending()
        except CorrectionsLogError as error:
            problem = str(error)
            pending = error.pending
        except OSError as error:  # the side file itself cannot be opened
            problem = f"the corrections side file {log.pending_path} cannot be read: {error}"
            pending = 0
        if problem is None and pending:
            problem = f"{pending} unreadable line(s) in {log.pending_path}"
        return CorrectionsLogStatus(
            where=log.where, pending_path=log.pending_path, pending=pending, problem=problem
        )


def changed_fields(opened: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """The enrollment frame columns on which ``opened`` and ``current`` differ.

    Either may be an API record (nested ``student``/``course``/``cohort``) or a frame row; a
    frame row is compared on the columns it has.
    """
    before = _comparable(opened)
    now = _comparable(current)
    return [column for column in before if column in now and before[column] != now[column]]


def _comparable(record: Mapping[str, Any]) -> dict[str, Any]:
    if any(name in record for name in _NESTED):
        row: dict[str, Any] = enrollment_frame([record]).row(0, named=True)
        return row
    values: dict[str, Any] = {}
    for column, value in record.items():
        dtype = ENROLLMENT_SCHEMA.get(column)
        if dtype is None:
            continue
        if isinstance(dtype, pl.Datetime):
            values[column] = parse_timestamp(value)
        elif dtype == pl.Float64:
            values[column] = parse_grade(value)
        else:
            values[column] = None if value is None else str(value)
    return values


def _after_write(
    opened: DataSource,
    action: Action,
    *,
    actor: str | None,
    role: str | None,
    changes: list[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> None:
    """Log an accepted write and patch the snapshots (the write itself already succeeded)."""
    source = opened.line()
    at = datetime.now(UTC)
    corrections = [
        Correction(
            at=at, actor=actor, action=action, enrollment_uuid=uuid, before=b, after=a, role=role
        )
        for uuid, b, a in changes
    ]
    try:
        log = open_corrections_log(opened.store, opened.cache_dir)
        kept = log.append(api_url=source.api_url, tenant=source.tenant, corrections=corrections)
        if kept is not None:
            logger.warning("the %s was saved; its log entry is pending in %s", action, kept)
    except OSError as error:
        # Neither the log nor the side file can be written: the server log is the last place
        # left, so the entry goes there whole (records, no credential).
        logger.error(
            "the %s was saved but its log entry could not be kept (%s): %s",
            action,
            error,
            [
                (c.at.isoformat(), c.actor, c.action, c.enrollment_uuid, c.before, c.after)
                for c in corrections
            ],
        )
    written = [after for _, _, after in changes if after is not None]
    try:
        patch_snapshots(
            opened.store,
            source,
            removed=[uuid for uuid, _, _ in changes],
            written=enrollment_frame(written) if written else None,
        )
    except _CACHE_ERRORS as error:
        # Readers keep the unpatched snapshot until the next sync, which reads the write.
        logger.warning("the %s was saved but the snapshots could not be patched: %s", action, error)
