"""Writes: create, partial update, soft delete (guarded by dependants) and batch destroy."""

from __future__ import annotations

import sqlite3
import uuid as uuid_lib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dokstamp_sandbox.database import Database
from dokstamp_sandbox.errors import Conflict, NotFound, ValidationFailed
from dokstamp_sandbox.resources import Resource, fetch_rows
from dokstamp_sandbox.validation import UUID_PATTERN, WRITE_RULES, live_row, validate

BATCH_LIMIT = 1000


def now_timestamp() -> str:
    """The current UTC time in the API's timestamp format."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def find_live(
    connection: sqlite3.Connection, resource: Resource, *, tenant_id: int, uuid: str
) -> sqlite3.Row:
    """The tenant's live row with this uuid; 404 if absent, foreign, deleted or not a uuid."""
    row = None
    if UUID_PATTERN.match(uuid):
        row = live_row(connection, resource.table, tenant_id=tenant_id, uuid=uuid)
    if row is None:
        raise NotFound(model=resource.model, uuid=uuid)
    return row


def read_one(
    connection: sqlite3.Connection, resource: Resource, *, tenant_id: int, uuid: str
) -> sqlite3.Row:
    """The joined row of GET /{resource}/{uuid}."""
    row = find_live(connection, resource, tenant_id=tenant_id, uuid=uuid)
    return fetch_rows(connection, resource, [row["id"]])[0]


def create(
    db: Database, resource: Resource, *, tenant_id: int, body: Mapping[str, Any]
) -> sqlite3.Row:
    """Validate and insert one row; returns it joined, ready to render."""
    with db.write(tenant_id) as connection:
        values = validate(
            WRITE_RULES[resource.name],
            body,
            connection=connection,
            tenant_id=tenant_id,
            table=resource.table,
        )
        stamp = now_timestamp()
        if resource.name == "certificates" and values.get("status") == "issued":
            values.setdefault("issued_at", stamp)
        values.update(
            uuid=str(uuid_lib.uuid4()), tenant_id=tenant_id, created_at=stamp, updated_at=stamp
        )
        columns = ", ".join(values)
        cursor = connection.execute(
            f"INSERT INTO {resource.table} ({columns})"  # noqa: S608
            f" VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )
        return fetch_rows(connection, resource, [int(cursor.lastrowid or 0)])[0]


def update(
    db: Database, resource: Resource, *, tenant_id: int, uuid: str, body: Mapping[str, Any]
) -> sqlite3.Row:
    """Validate and apply a partial update (PATCH and PUT alike); returns the row joined."""
    with db.write(tenant_id) as connection:
        existing = find_live(connection, resource, tenant_id=tenant_id, uuid=uuid)
        values = validate(
            WRITE_RULES[resource.name],
            body,
            connection=connection,
            tenant_id=tenant_id,
            table=resource.table,
            existing=existing,
        )
        if values:
            values["updated_at"] = now_timestamp()
            assignments = ", ".join(f"{column} = ?" for column in values)
            connection.execute(
                f"UPDATE {resource.table} SET {assignments} WHERE id = ?",  # noqa: S608
                (*values.values(), existing["id"]),
            )
        return fetch_rows(connection, resource, [existing["id"]])[0]


def _blocker(
    connection: sqlite3.Connection, resource: Resource, *, tenant_id: int, row_id: int
) -> str | None:
    for dependant in resource.dependants:
        found = connection.execute(
            f"SELECT 1 FROM {dependant.table} WHERE tenant_id = ?"  # noqa: S608
            f" AND {dependant.column} = ? AND deleted_at IS NULL LIMIT 1",
            (tenant_id, row_id),
        ).fetchone()
        if found is not None:
            return dependant.label
    return None


def _refuse(resource: Resource, blocker: str, status: int) -> Conflict:
    noun = resource.model.lower()
    return Conflict(f"This {noun} cannot be deleted because it has {blocker}.", status=status)


def delete(
    db: Database, resource: Resource, *, tenant_id: int, uuid: str, protected_status: int
) -> None:
    """Soft-delete one row, unless live rows of a dependant table still reference it."""
    with db.write(tenant_id) as connection:
        row = find_live(connection, resource, tenant_id=tenant_id, uuid=uuid)
        blocker = _blocker(connection, resource, tenant_id=tenant_id, row_id=row["id"])
        if blocker is not None:
            raise _refuse(resource, blocker, protected_status)
        connection.execute(
            f"UPDATE {resource.table} SET deleted_at = ? WHERE id = ?",  # noqa: S608
            (now_timestamp(), row["id"]),
        )


def batch_destroy(
    db: Database,
    resource: Resource,
    *,
    tenant_id: int,
    body: Mapping[str, Any],
    protected_status: int,
) -> None:
    """DELETE /{resource}/batch/destroy: all listed rows, or none (422/409 names the problem)."""
    uuids = body.get("uuids")
    if uuids is None or uuids == []:
        raise ValidationFailed({"uuids": ["The uuids field is required."]})
    if not isinstance(uuids, list):
        raise ValidationFailed({"uuids": ["The uuids must be an array."]})
    if len(uuids) > BATCH_LIMIT:
        raise ValidationFailed(
            {"uuids": [f"The uuids must not have more than {BATCH_LIMIT} items."]}
        )
    with db.write(tenant_id) as connection:
        errors: dict[str, list[str]] = {}
        ids: list[int] = []
        for index, value in enumerate(uuids):
            key = f"uuids.{index}"
            if not isinstance(value, str) or not UUID_PATTERN.match(value):
                errors[key] = [f"The {key} must be a valid UUID."]
                continue
            row = live_row(
                connection, resource.table, tenant_id=tenant_id, uuid=value, columns="id"
            )
            if row is None:
                errors[key] = [f"The selected {key} is invalid."]
            else:
                ids.append(int(row[0]))
        if errors:
            raise ValidationFailed(errors)
        for row_id in ids:
            blocker = _blocker(connection, resource, tenant_id=tenant_id, row_id=row_id)
            if blocker is not None:
                raise _refuse(resource, blocker, protected_status)
        stamp = now_timestamp()
        connection.executemany(
            f"UPDATE {resource.table} SET deleted_at = ? WHERE id = ?",  # noqa: S608
            [(stamp, row_id) for row_id in set(ids)],
        )
