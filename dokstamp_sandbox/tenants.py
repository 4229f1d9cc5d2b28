"""Creating tenants with their institution, users and API clients (seeds and static tokens)."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import uuid as uuid_lib

_ITERATIONS = 2_000


def hash_secret(secret: str, *, salt: str) -> str:
    """A salted hash of a password or client secret (the sandbox never stores them in clear)."""
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), _ITERATIONS)
    return digest.hex()


def secret_matches(secret: str, *, salt: str, expected_hash: str) -> bool:
    """Whether secret hashes to expected_hash (constant-time comparison)."""
    return hmac.compare_digest(hash_secret(secret, salt=salt), expected_hash)


def create_tenant(
    connection: sqlite3.Connection,
    *,
    domain: str,
    name: str,
    institution_name: str,
    country: str = "GB",
    created_at: str = "2018-01-01T00:00:00.000000Z",
    tenant_uuid: str | None = None,
    institution_uuid: str | None = None,
) -> int:
    """Insert a tenant and its one institution; returns the tenant id."""
    cursor = connection.execute(
        "INSERT INTO tenants (uuid, domain, name) VALUES (?, ?, ?)",
        (tenant_uuid or str(uuid_lib.uuid4()), domain, name),
    )
    tenant_id = int(cursor.lastrowid or 0)
    connection.execute(
        "INSERT INTO institutions (uuid, tenant_id, name, legal_name, tax_id, country, website,"
        " status, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, NULL, 'active', ?, ?)",
        (
            institution_uuid or str(uuid_lib.uuid4()),
            tenant_id,
            institution_name,
            institution_name,
            country,
            created_at,
            created_at,
        ),
    )
    return tenant_id


def ensure_tenant(connection: sqlite3.Connection, domain: str) -> int:
    """The id of the tenant with this domain, creating it (with one institution) if needed."""
    row = connection.execute("SELECT id FROM tenants WHERE domain = ?", (domain,)).fetchone()
    if row is not None:
        return int(row[0])
    name = domain.replace("-", " ").replace(".", " ").title()
    return create_tenant(connection, domain=domain, name=name, institution_name=name)


def add_user(
    connection: sqlite3.Connection,
    *,
    tenant_id: int,
    name: str,
    email: str,
    password: str,
    user_uuid: str | None = None,
) -> None:
    """Add a user who can log in with email and password (POST /auth/login)."""
    user_uuid = user_uuid or str(uuid_lib.uuid4())
    connection.execute(
        "INSERT INTO users (uuid, tenant_id, name, email, password_hash) VALUES (?, ?, ?, ?, ?)",
        (user_uuid, tenant_id, name, email, hash_secret(password, salt=email)),
    )


def add_client(
    connection: sqlite3.Connection, *, tenant_id: int, client_id: str, secret: str, name: str
) -> None:
    """Add an OAuth client for the client_credentials grant (POST /oauth/token)."""
    connection.execute(
        "INSERT INTO oauth_clients (client_id, tenant_id, name, secret_hash) VALUES (?, ?, ?, ?)",
        (client_id, tenant_id, name, hash_secret(secret, salt=client_id)),
    )
