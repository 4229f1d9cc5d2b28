"""The sandbox Database: per-thread connections, write transactions, versioned caches."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from dokstamp_sandbox.database import Database
from dokstamp_sandbox.provision import provision


@pytest.fixture
def db(tmp_path: Path):
    provision(tmp_path / "s.db", seed_kind="empty", enrollments=0)
    database = Database(tmp_path / "s.db")
    yield database
    database.close()


def test_each_thread_gets_its_own_connection(db) -> None:
    seen = []
    thread = threading.Thread(target=lambda: seen.append(db.connection()))
    thread.start()
    thread.join()
    assert seen[0] is not db.connection()
    assert db.connection() is db.connection()


def test_write_commits_and_bumps_the_tenant_version(db) -> None:
    with db.write(1) as connection:
        connection.execute("UPDATE institutions SET name = 'Renamed' WHERE tenant_id = 1")
    assert db.version(1) == 1
    assert db.version(2) == 0
    name = db.connection().execute("SELECT name FROM institutions WHERE tenant_id = 1").fetchone()
    assert name[0] == "Renamed"


def test_failed_write_changes_nothing(db) -> None:
    def half_done() -> None:
        with db.write(1) as connection:
            connection.execute("UPDATE institutions SET name = 'Half' WHERE tenant_id = 1")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        half_done()
    assert db.version(1) == 0
    name = db.connection().execute("SELECT name FROM institutions WHERE tenant_id = 1").fetchone()
    assert name[0] != "Half"


def test_cached_values_are_keyed_and_computed_once(db) -> None:
    calls = []

    def compute() -> int:
        calls.append(1)
        return 42

    assert db.cached(("count", 1, db.version(1)), compute) == 42
    assert db.cached(("count", 1, db.version(1)), compute) == 42
    assert len(calls) == 1
    with db.write(1):
        pass
    assert db.cached(("count", 1, db.version(1)), compute) == 42
    assert len(calls) == 2


def test_snapshot_reads_one_state(db) -> None:
    with db.snapshot() as connection:
        assert connection.execute("SELECT count(*) FROM tenants").fetchone()[0] == 2
