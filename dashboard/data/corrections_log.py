"""The corrections log: every write made through the data layer, in SQLite in the cache folder.

One row per enrollment touched: when, who (the actor the caller named), what (create, update,
delete) and the record before and after, as JSON in the API's shape. The log holds no
credential. It also lets a sync that was running during a write apply that write to what it
fetched before caching it (see ``dashboard.data.loading``).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson
import polars as pl

from dashboard.data.schema import UtcDatetime

__all__ = [
    "CORRECTIONS_LOG_SCHEMA",
    "LOG_FILE",
    "Correction",
    "append_corrections",
    "corrections_frame",
    "corrections_since",
]

LOG_FILE = "corrections.sqlite3"
Action = Literal["create", "update", "delete"]

CORRECTIONS_LOG_SCHEMA = pl.Schema(
    [
        ("at", UtcDatetime),
        ("actor", pl.String()),
        ("action", pl.String()),
        ("enrollment_uuid", pl.String()),
        ("before", pl.String()),
        ("after", pl.String()),
    ]
)

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width: text order is time order
_FRAME_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"  # the same, as polars spells it
_DDL = """
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    api_url TEXT NOT NULL,
    tenant TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    enrollment_uuid TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS corrections_source ON corrections (api_url, tenant, at);
"""


@dataclass(frozen=True, slots=True)
class Correction:
    """One logged write to one enrollment."""

    at: datetime
    actor: str | None
    action: Action
    enrollment_uuid: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@contextlib.contextmanager
def _connection(directory: Path) -> Iterator[sqlite3.Connection]:
    directory.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(directory / LOG_FILE, timeout=30.0)
    try:
        connection.executescript(_DDL)
        with connection:  # commits, or rolls back on error
            yield connection
    finally:
        connection.close()


def _json(record: Mapping[str, Any] | None) -> str | None:
    return None if record is None else orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()


def _text_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def append_corrections(
    directory: Path, *, api_url: str, tenant: str, corrections: Sequence[Correction]
) -> None:
    """Add ``corrections`` (of one API and tenant) to the log in ``directory``, in one go."""
    rows = [
        (
            _text_time(c.at),
            api_url,
            tenant,
            c.actor,
            c.action,
            c.enrollment_uuid,
            _json(c.before),
            _json(c.after),
        )
        for c in corrections
    ]
    with _connection(directory) as connection:
        connection.executemany(
            "INSERT INTO corrections (at, api_url, tenant, actor, action, enrollment_uuid,"
            " before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def corrections_since(
    directory: Path, *, api_url: str, tenant: str, since: datetime
) -> list[Correction]:
    """The logged corrections of one API and tenant made at or after ``since``, oldest first."""
    if not (directory / LOG_FILE).exists():
        return []
    with _connection(directory) as connection:
        rows = connection.execute(
            "SELECT at, actor, action, enrollment_uuid, before, after FROM corrections"
            " WHERE api_url = ? AND tenant = ? AND at >= ? ORDER BY id",
            (api_url, tenant, _text_time(since)),
        ).fetchall()
    return [
        Correction(
            at=datetime.strptime(at, _TIME_FORMAT).replace(tzinfo=UTC),
            actor=actor,
            action=action,
            enrollment_uuid=uuid,
            before=None if before is None else orjson.loads(before),
            after=None if after is None else orjson.loads(after),
        )
        for at, actor, action, uuid, before, after in rows
    ]


def corrections_frame(directory: Path, *, api_url: str, tenant: str) -> pl.DataFrame:
    """The whole log of one API and tenant as a frame (``CORRECTIONS_LOG_SCHEMA``), oldest first."""
    if not (directory / LOG_FILE).exists():
        return pl.DataFrame(schema=CORRECTIONS_LOG_SCHEMA)
    with _connection(directory) as connection:
        rows = connection.execute(
            "SELECT at, actor, action, enrollment_uuid, before, after FROM corrections"
            " WHERE api_url = ? AND tenant = ? ORDER BY id",
            (api_url, tenant),
        ).fetchall()
    columns: list[Sequence[Any]] = (
        list(zip(*rows, strict=True)) if rows else [[] for _ in CORRECTIONS_LOG_SCHEMA]
    )
    frame = pl.DataFrame(
        {
            name: pl.Series(name, list(values), dtype=pl.String)
            for name, values in zip(CORRECTIONS_LOG_SCHEMA.names(), columns, strict=True)
        }
    )
    at = pl.col("at").str.to_datetime(_FRAME_TIME_FORMAT, time_unit="us", time_zone="UTC")
    return frame.with_columns(at)
