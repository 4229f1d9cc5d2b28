"""Creating sandbox database files: seed only when new, refuse foreign files (provision.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dokstamp_sandbox.provision import NotASandboxDatabase, provision, read_meta


def _count(db_path: Path, table: str) -> int:
    connection = sqlite3.connect(db_path)
    try:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    finally:
        connection.close()


def test_new_file_is_seeded_once(tmp_path: Path) -> None:
    db_path = tmp_path / "nested" / "s.db"
    assert provision(db_path, seed_kind="demo", enrollments=100) is True
    assert provision(db_path, seed_kind="demo", enrollments=900) is False
    assert _count(db_path, "enrollments") == 160  # 100 demo + 60 tiny-college
    meta = read_meta(db_path)
    assert meta["seed"] == "demo"
    assert meta["enrollments"] == "100"
    assert meta["as_of"] == "2026-09-01"


def test_empty_seed_has_tenants_and_credentials_only(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    provision(db_path, seed_kind="empty", enrollments=100)
    assert _count(db_path, "tenants") == 2
    assert _count(db_path, "oauth_clients") == 2
    assert _count(db_path, "institutions") == 2
    assert _count(db_path, "enrollments") == 0
    assert _count(db_path, "courses") == 0


def test_no_seed_has_no_tenants(tmp_path: Path) -> None:
    db_path = tmp_path / "s.db"
    provision(db_path, seed_kind=None, enrollments=0)
    assert _count(db_path, "tenants") == 0


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    db_path = tmp_path / "other.db"
    connection = sqlite3.connect(db_path)
    connection.execute("CREATE TABLE precious (x)")
    connection.close()
    with pytest.raises(NotASandboxDatabase, match="not a sandbox database"):
        provision(db_path, seed_kind="demo", enrollments=10)
    assert _count(db_path, "precious") == 0


def test_negative_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="negative"):
        provision(tmp_path / "s.db", seed_kind="demo", enrollments=-1)
