"""The client's typed errors, and the mapping from an HTTP error response to one of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import orjson

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "DokStampError",
    "IncompleteSyncError",
    "NetworkError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "ValidationError",
    "error_from_response",
]

# Non-JSON bodies (an HTML page from a proxy, say) are quoted in the message only up to this length.
_BODY_EXCERPT = 200


class DokStampError(Exception):
    """Something went wrong talking to DokStamp.

    ``status`` is the HTTP status (``None`` when no response arrived), ``message`` the server's
    message (or a description of what failed), ``errors`` the server's field -> messages map
    (empty unless the server sent one), ``method`` and ``url`` the request that failed (never
    with credentials).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: Mapping[str, list[str]] | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors: dict[str, list[str]] = dict(errors or {})
        self.method = method
        self.url = url

    def __str__(self) -> str:
        parts = [f"{self.status}: {self.message}" if self.status is not None else self.message]
        if self.errors:
            details = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in self.errors.items()
            )
            parts.append(f"({details})")
        if self.method and self.url:
            parts.append(f"[{self.method} {self.url}]")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class AuthenticationError(DokStampError):
    """401: the credentials were refused (or a renewed token was refused again)."""


class PermissionDeniedError(DokStampError):
    """403: the token is valid but may not do this."""


class NotFoundError(DokStampError):
    """404: no such record in this tenant (another tenant's records are 404 too)."""


class ValidationError(DokStampError):
    """422: the request was refused; ``errors`` maps each field to its messages."""


class RateLimitedError(DokStampError):
    """429 after every retry allowed; ``retry_after`` is the server's last hint in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(DokStampError):
    """5xx after every retry allowed."""


class NetworkError(DokStampError):
    """No usable response (refused or dropped connection, timeout) after every retry allowed."""


class IncompleteSyncError(DokStampError):
    """A list's pages did not add up (records added or deleted meanwhile) on every attempt."""

    def __init__(
        self, message: str, *, expected: int | None = None, received: int | None = None
    ) -> None:
        super().__init__(message)
        self.expected = expected
        self.received = received


class ConfigurationError(DokStampError):
    """A setting is missing, malformed or contradicts another; ``variable`` names it."""

    def __init__(self, message: str, *, variable: str) -> None:
        super().__init__(message)
        self.variable = variable


_BY_STATUS: dict[int, type[DokStampError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
    429: RateLimitedError,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form); None if absent or unreadable."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # the HTTP-date form: Laravel never sends it, so it is not worth a clock here
    return max(seconds, 0.0) if seconds == seconds else None  # NaN guard


def _field_errors(raw: object) -> dict[str, list[str]]:
    if not isinstance(raw, Mapping):
        return {}
    errors: dict[str, list[str]] = {}
    for field, messages in raw.items():
        if isinstance(messages, list):
            errors[str(field)] = [str(m) for m in messages]
        else:
            errors[str(field)] = [str(messages)]
    return errors


def _message_and_errors(response: httpx.Response) -> tuple[str, dict[str, list[str]]]:
    """The server's message and field errors; both documented shapes, and non-JSON bodies."""
    content = response.content
    reason = response.reason_phrase or f"HTTP {response.status_code}"
    try:
        body = orjson.loads(content) if content else None
    except orjson.JSONDecodeError:
        text = content.decode("utf-8", errors="replace").strip()
        if not text:
            return reason, {}
        excerpt = text[:_BODY_EXCERPT] + ("…" if len(text) > _BODY_EXCERPT else "")
        return f"{reason}: {excerpt}", {}
    if not isinstance(body, Mapping):
        return reason, {}
    # Gen A and Gen B differ only in the extra "success": false; /oauth/token adds OAuth fields.
    for key in ("message", "error_description", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value, _field_errors(body.get("errors"))
    return reason, _field_errors(body.get("errors"))


def error_from_response(response: httpx.Response) -> DokStampError:
    """The typed error for a non-2xx response (the body must have been read)."""
    status = response.status_code
    message, errors = _message_and_errors(response)
    request = response.request
    context: dict[str, Any] = {
        "status": status,
        "errors": errors,
        "method": request.method,
        "url": str(request.url.copy_with(query=None)),
    }
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitedError(message, retry_after=retry_after, **context)
    if status >= 500:
        return ServerError(message, **context)
    return _BY_STATUS.get(status, DokStampError)(message, **context)


class ClientInterrupted(Exception):
    """``DokStampClient.interrupt()`` ended a wait (rate limit, back-off): no request is sent
    after it. Not a ``DokStampError``: the API did not fail, the caller is stopping."""
