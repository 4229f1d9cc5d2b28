"""Tokens: issuing (client credentials, login, refresh), checking and revoking them."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dokstamp_sandbox.database import Database
from dokstamp_sandbox.errors import ApiError, Unauthenticated
from dokstamp_sandbox.tenants import ensure_tenant, secret_matches

CLIENT_TOKEN_SECONDS = 43_200  # 12 h, as documented for POST /oauth/token
LOGIN_TOKEN_SECONDS = 31_536_000  # 1 year, as documented for POST /auth/login
_INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed",
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's tenant, and its user or API client."""

    token: str
    tenant_id: int
    tenant_domain: str
    user_id: int | None
    client_id: int | None
    expires_at: float


def _bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer ...` header; Unauthenticated if there is none."""
    if not authorization or not authorization[:7].lower() == "bearer ":
        raise Unauthenticated
    token = authorization[7:].strip()
    if not token:
        raise Unauthenticated
    return token


class InvalidClient(ApiError):
    status = 401

    def __init__(self) -> None:
        super().__init__("Client authentication failed", extra=_INVALID_CLIENT)


class UnsupportedGrant(ApiError):
    status = 400

    def __init__(self) -> None:
        message = "The authorization grant type is not supported by the authorization server."
        super().__init__(
            message, extra={"error": "unsupported_grant_type", "error_description": message}
        )


class Authenticator:
    """Issues and checks the Bearer tokens of one sandbox database.

    Tokens are random strings stored in the database (so they survive a restart); a checked
    token is cached in memory until it expires or is revoked. Static tokens (from the command
    line or tests) never expire.
    """

    def __init__(self, db: Database, *, static_tokens: Mapping[str, str]) -> None:
        self._db = db
        self._cache: dict[str, Principal] = {}
        self._lock = threading.Lock()
        self._static: dict[str, Principal] = {}
        for token, domain in static_tokens.items():
            with db.write(0) as connection:
                tenant_id = ensure_tenant(connection, domain)
            self._static[token] = Principal(token, tenant_id, domain, None, None, float("inf"))

    def _issue(
        self, *, tenant_id: int, user_id: int | None, client_id: int | None, seconds: int
    ) -> tuple[str, float]:
        token = secrets.token_urlsafe(32)
        expires_at = time.time() + seconds
        with self._db.write(0) as connection:
            connection.execute(
                "INSERT INTO access_tokens (token, tenant_id, user_id, client_id, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (token, tenant_id, user_id, client_id, expires_at),
            )
        return token, expires_at

    def client_credentials(self, form: Mapping[str, str]) -> dict[str, Any]:
        """POST /oauth/token with grant_type=client_credentials."""
        if form.get("grant_type") != "client_credentials":
            raise UnsupportedGrant
        client_id = form.get("client_id", "")
        row = (
            self._db.connection()
            .execute(
                "SELECT id, tenant_id, secret_hash FROM oauth_clients WHERE client_id = ?",
                (client_id,),
            )
            .fetchone()
        )
        if row is None or not secret_matches(
            form.get("client_secret", ""), salt=client_id, expected_hash=row["secret_hash"]
        ):
            raise InvalidClient
        token, _ = self._issue(
            tenant_id=row["tenant_id"],
            user_id=None,
            client_id=row["id"],
            seconds=CLIENT_TOKEN_SECONDS,
        )
        return {"token_type": "Bearer", "expires_in": CLIENT_TOKEN_SECONDS, "access_token": token}

    def _login_tokens(self, *, tenant_id: int, user_id: int) -> dict[str, Any]:
        token, expires_at = self._issue(
            tenant_id=tenant_id, user_id=user_id, client_id=None, seconds=LOGIN_TOKEN_SECONDS
        )
        refresh = secrets.token_urlsafe(48)
        with self._db.write(0) as connection:
            connection.execute(
                "INSERT INTO refresh_tokens (token, access_token, user_id, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (refresh, token, user_id, expires_at),
            )
        return {
            "access_token": token,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": LOGIN_TOKEN_SECONDS,
        }

    def login(self, *, email: str, password: str) -> dict[str, Any]:
        """POST /auth/login (the caller has validated that both fields are present)."""
        row = (
            self._db.connection()
            .execute("SELECT id, tenant_id, password_hash FROM users WHERE email = ?", (email,))
            .fetchone()
        )
        if row is None or not secret_matches(
            password, salt=email, expected_hash=row["password_hash"]
        ):
            raise Unauthenticated("These credentials do not match our records.")
        return self._login_tokens(tenant_id=row["tenant_id"], user_id=row["id"])

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """POST /auth/refresh: new tokens; the old refresh and access tokens are revoked."""
        with self._db.write(0) as connection:
            row = connection.execute(
                "SELECT r.access_token, r.user_id, u.tenant_id FROM refresh_tokens r"
                " JOIN users u ON u.id = r.user_id"
                " WHERE r.token = ? AND r.revoked = 0 AND r.expires_at > ?",
                (refresh_token, time.time()),
            ).fetchone()
            if row is not None:
                connection.execute(
                    "UPDATE refresh_tokens SET revoked = 1 WHERE token = ?", (refresh_token,)
                )
                connection.execute(
                    "UPDATE access_tokens SET revoked = 1 WHERE token = ?", (row["access_token"],)
                )
        if row is None:
            raise Unauthenticated("The refresh token is invalid.")
        self._forget(row["access_token"])
        return self._login_tokens(tenant_id=row["tenant_id"], user_id=row["user_id"])

    def logout(self, principal: Principal) -> None:
        """POST /auth/logout: revoke the calling token (a static token cannot be revoked)."""
        if principal.token in self._static:
            return
        with self._db.write(0) as connection:
            connection.execute(
                "UPDATE access_tokens SET revoked = 1 WHERE token = ?", (principal.token,)
            )
        self._forget(principal.token)

    def _forget(self, token: str) -> None:
        with self._lock:
            self._cache.pop(token, None)

    def remembered(self, authorization: str | None) -> Principal | None:
        """principal()'s answer when it needs no database read (a static or already checked token).

        None means the token must be looked up: call principal() (off the event loop). A malformed
        header or an expired token raises Unauthenticated here too. The app calls this on the event
        loop, so the common case (a sync's every request, same token) costs no thread hop.
        """
        token = _bearer_token(authorization)
        known = self._static.get(token)
        if known is None:
            with self._lock:
                known = self._cache.get(token)
            if known is None:
                return None
        if known.expires_at <= time.time():
            raise Unauthenticated
        return known

    def principal(self, authorization: str | None) -> Principal:
        """The caller behind an `Authorization: Bearer ...` header, or Unauthenticated."""
        known = self.remembered(authorization)
        if known is not None:
            return known
        token = _bearer_token(authorization)
        row = (
            self._db.connection()
            .execute(
                "SELECT a.tenant_id, t.domain, a.user_id, a.client_id, a.expires_at"
                " FROM access_tokens a JOIN tenants t ON t.id = a.tenant_id"
                " WHERE a.token = ? AND a.revoked = 0",
                (token,),
            )
            .fetchone()
        )
        if row is None:
            raise Unauthenticated
        checked = Principal(
            token,
            row["tenant_id"],
            row["domain"],
            row["user_id"],
            row["client_id"],
            row["expires_at"],
        )
        with self._lock:
            self._cache[token] = checked
        if checked.expires_at <= time.time():
            raise Unauthenticated
        return checked

    def me(self, principal: Principal) -> dict[str, Any]:
        """GET /auth/me: the user (or API client) and its tenant."""
        connection = self._db.connection()
        tenant = connection.execute(
            "SELECT id, uuid, name, domain FROM tenants WHERE id = ?", (principal.tenant_id,)
        ).fetchone()
        user: dict[str, Any]
        if principal.user_id is not None:
            row = connection.execute(
                "SELECT id, uuid, name, email FROM users WHERE id = ?", (principal.user_id,)
            ).fetchone()
            user = {
                "id": row["id"],
                "uuid": row["uuid"],
                "name": row["name"],
                "email": row["email"],
            }
        else:
            # A client-credentials (or static) token has no user: describe the API client.
            name = "Static token"
            if principal.client_id is not None:
                row = connection.execute(
                    "SELECT name FROM oauth_clients WHERE id = ?", (principal.client_id,)
                ).fetchone()
                name = row["name"]
            user = {"id": None, "uuid": None, "name": name, "email": None}
        user["tenant"] = {
            "id": tenant["id"],
            "uuid": tenant["uuid"],
            "name": tenant["name"],
            "domain": tenant["domain"],
        }
        return {"data": user}
