"""Creating a sandbox database file: tables, seed data and indexes, only when the file is new."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Literal

from dokstamp_sandbox import demo
from dokstamp_sandbox.seed import seed
from dokstamp_sandbox.tables import SCHEMA_VERSION, create_indexes, create_tables

SeedKind = Literal["demo", "empty"]


class NotASandboxDatabase(Exception):
    """The file exists and holds tables, but not a (completely seeded) sandbox database."""


def _state(connection: sqlite3.Connection) -> Literal["new", "ready", "foreign"]:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if not tables:
        return "new"
    if "sandbox_meta" not in tables:
        return "foreign"
    ready = connection.execute("SELECT value FROM sandbox_meta WHERE key = 'ready'").fetchone()
    return "ready" if ready is not None else "foreign"


def provision(db_path: Path, *, seed_kind: SeedKind | None, enrollments: int) -> bool:
    """Make db_path a ready sandbox database; seed it only if it is new. Returns True if new.

    Seeding runs with durability off and builds the indexes after the bulk insert (much faster
    than indexing row by row); the file is marked ready last, so a half-seeded file is refused
    next time instead of being served.
    """
    if enrollments < 0:
        raise ValueError("enrollments must not be negative")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        state = _state(connection)
        if state == "foreign":
            raise NotASandboxDatabase(
                f"{db_path} is not a sandbox database (or its seeding was interrupted); "
                "remove it or choose another --db"
            )
        if state == "ready":
            create_tables(connection)
            create_indexes(connection)
            return False
        started = time.perf_counter()
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        # A large page cache and in-memory temp files keep index sorts off the disk.
        connection.execute("PRAGMA cache_size = -262144")
        connection.execute("PRAGMA temp_store = MEMORY")
        connection.execute("PRAGMA threads = 2")
        create_tables(connection)
        connection.execute("BEGIN")
        if seed_kind is not None:
            seed(connection, kind=seed_kind, enrollments=enrollments)
        connection.execute("COMMIT")
        create_indexes(connection)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        meta = {
            "schema_version": str(SCHEMA_VERSION),
            "seed": seed_kind or "none",
            "enrollments": str(enrollments if seed_kind == "demo" else 0),
            "as_of": demo.SEED_AS_OF,
            "seed_seconds": f"{time.perf_counter() - started:.2f}",
            "ready": "1",
        }
        connection.executemany(
            "INSERT OR REPLACE INTO sandbox_meta (key, value) VALUES (?, ?)", meta.items()
        )
        return True
    finally:
        connection.close()


def read_meta(db_path: Path) -> dict[str, str]:
    """The sandbox_meta rows of a ready database (seed kind, size, as-of date, seed time)."""
    connection = sqlite3.connect(db_path)
    try:
        return dict(connection.execute("SELECT key, value FROM sandbox_meta").fetchall())
    finally:
        connection.close()
