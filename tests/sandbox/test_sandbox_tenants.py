"""Tenants, users and API clients: creation and secret hashing (tenants.py)."""

from __future__ import annotations

import sqlite3

from dokstamp_sandbox.tables import create_tables
from dokstamp_sandbox.tenants import (
    add_client,
    add_user,
    ensure_tenant,
    hash_secret,
    secret_matches,
)


def test_secrets_are_salted_hashes() -> None:
    hashed = hash_secret("demo-secret", salt="demo-client")
    assert "demo-secret" not in hashed
    assert hashed != hash_secret("demo-secret", salt="other-client")
    assert secret_matches("demo-secret", salt="demo-client", expected_hash=hashed)
    assert not secret_matches("wrong", salt="demo-client", expected_hash=hashed)


def test_ensure_tenant_creates_once_with_an_institution() -> None:
    connection = sqlite3.connect(":memory:")
    create_tables(connection)
    first = ensure_tenant(connection, "north-college")
    assert ensure_tenant(connection, "north-college") == first
    assert connection.execute("SELECT name FROM tenants").fetchall() == [("North College",)]
    assert connection.execute("SELECT count(*) FROM institutions").fetchone() == (1,)
    add_user(connection, tenant_id=first, name="A", email="a@x.test", password="pw")
    add_client(connection, tenant_id=first, client_id="c", secret="s", name="Client")
    stored = connection.execute("SELECT password_hash FROM users").fetchone()[0]
    assert secret_matches("pw", salt="a@x.test", expected_hash=stored)
