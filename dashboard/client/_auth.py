"""Access tokens for each credential kind: fetched, cached, renewed before expiry, thread-safe."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from dashboard.client._credentials import ClientCredentials, Credentials, PasswordLogin, StaticToken
from dashboard.client._exceptions import AuthenticationError, DokStampError, RateLimitedError

__all__ = ["TokenExchange", "TokenSource", "token_source_for"]

logger = logging.getLogger("dashboard.client")

# Renew this long before the server's expiry (the docs recommend about 60 s), or at half the
# lifetime for short-lived tokens.
RENEW_MARGIN_SECONDS = 60.0


class TokenExchange(Protocol):
    """Sends an unauthenticated token request; returns the JSON body or raises a DokStampError."""

    def __call__(
        self,
        path: str,
        *,
        form: Mapping[str, str] | None = None,
        json: Mapping[str, str] | None = None,
    ) -> Mapping[str, Any]: ...


class TokenSource(Protocol):
    """Hands out the access token to send; renewable sources can replace a refused one."""

    @property
    def renewable(self) -> bool: ...

    def token(self) -> str:
        """A token believed valid now (fetching or renewing it first if needed)."""
        ...

    def renew(self, refused: str) -> str:
        """A new token after the server refused ``refused`` (once per refusal, across threads)."""
        ...


def _access_token(body: Mapping[str, Any], path: str) -> tuple[str, float | None]:
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthenticationError(f"{path} answered without an access_token", status=200)
    expires_in = body.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        return token, float(expires_in)
    return token, None


class _StaticTokenSource:
    renewable = False

    def __init__(self, credentials: StaticToken) -> None:
        self._token = credentials.token.reveal()

    def token(self) -> str:
        return self._token

    def renew(self, refused: str) -> str:
        raise AuthenticationError("the static DOKSTAMP_TOKEN was refused", status=401)


class _ExpiringTokenSource:
    """Shared caching: one lock, so concurrent threads trigger one fetch, never several."""

    renewable = True

    def __init__(self, exchange: TokenExchange, clock: Callable[[], float]) -> None:
        self._exchange = exchange
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = float("inf")

    def _store(self, token: str, expires_in: float | None) -> str:
        self._token = token
        if expires_in is None:
            self._renew_at = float("inf")  # renewed only when the server refuses it
        else:
            self._renew_at = self._clock() + expires_in - min(RENEW_MARGIN_SECONDS, expires_in / 2)
        return token

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                return self._fetch(initial=self._token is None)
            return self._token

    def renew(self, refused: str) -> str:
        with self._lock:
            if self._token is not None and self._token != refused:
                return self._token  # another thread renewed it already
            return self._fetch(initial=False)

    def _fetch(self, *, initial: bool) -> str:
        raise NotImplementedError


class _ClientCredentialsSource(_ExpiringTokenSource):
    def __init__(
        self, credentials: ClientCredentials, exchange: TokenExchange, clock: Callable[[], float]
    ) -> None:
        super().__init__(exchange, clock)
        self._credentials = credentials

    def _fetch(self, *, initial: bool) -> str:
        body = self._exchange(
            "/oauth/token",
            form={
                "grant_type": "client_credentials",
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret.reveal(),
            },
        )
        logger.debug("obtained a service token (%s)", "initial" if initial else "renewed")
        return self._store(*_access_token(body, "/oauth/token"))


class _PasswordSource(_ExpiringTokenSource):
    def __init__(
        self, credentials: PasswordLogin, exchange: TokenExchange, clock: Callable[[], float]
    ) -> None:
        super().__init__(exchange, clock)
        self._credentials = credentials
        self._refresh_token: str | None = None

    def _fetch(self, *, initial: bool) -> str:
        if self._refresh_token is not None:
            try:
                body = self._exchange("/auth/refresh", json={"refresh_token": self._refresh_token})
            except RateLimitedError:
                raise
            except DokStampError as error:
                if error.status is None or error.status >= 500:
                    raise  # the server is unwell: a login would fail the same way
                # Refused (expired, rotated away, revoked): fall back to a fresh login.
                logger.info("refresh token refused (%s); logging in again", error.status)
                self._refresh_token = None
            else:
                return self._keep(body, "/auth/refresh")
        body = self._exchange(
            "/auth/login",
            json={
                "email": self._credentials.email,
                "password": self._credentials.password.reveal(),
            },
        )
        return self._keep(body, "/auth/login")

    def _keep(self, body: Mapping[str, Any], path: str) -> str:
        # Rotation: the old refresh token is now invalid, so always keep the new one.
        refresh = body.get("refresh_token")
        self._refresh_token = refresh if isinstance(refresh, str) and refresh else None
        return self._store(*_access_token(body, path))


def token_source_for(
    credentials: Credentials, *, exchange: TokenExchange, clock: Callable[[], float]
) -> TokenSource:
    """The token source for a credential kind."""
    if isinstance(credentials, StaticToken):
        return _StaticTokenSource(credentials)
    if isinstance(credentials, ClientCredentials):
        return _ClientCredentialsSource(credentials, exchange, clock)
    return _PasswordSource(credentials, exchange, clock)
