"""The three ways to authenticate to DokStamp, with secret values that never print."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ClientCredentials", "Credentials", "PasswordLogin", "Secret", "StaticToken"]

_MASK = "**********"


class Secret:
    """A secret string: ``repr``/``str``/f-strings show a mask; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, format_spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class StaticToken:
    """A long-lived bearer token (``DOKSTAMP_TOKEN``); it cannot be renewed."""

    token: Secret


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """OAuth2 client credentials (``POST /oauth/token``); the token is renewed before expiry."""

    client_id: str
    client_secret: Secret


@dataclass(frozen=True, slots=True)
class PasswordLogin:
    """A user login (``POST /auth/login``), renewed with ``POST /auth/refresh`` (rotating)."""

    email: str
    password: Secret


Credentials = StaticToken | ClientCredentials | PasswordLogin
