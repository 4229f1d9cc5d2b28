"""The one settings object: where DokStamp is, how to authenticate, cache and paging options.

Built from a mapping (the environment, the ``[dokstamp]`` table of ``.streamlit/secrets.toml``,
or a dict in tests). Problems raise one ``ConfigurationError`` naming the variable; secret values
are wrapped in ``Secret`` and never appear in ``repr``/``str`` or in error messages.
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import platformdirs

from dashboard.client import (
    ClientCredentials,
    ClientSettings,
    ConfigurationError,
    Credentials,
    PasswordLogin,
    Secret,
    StaticToken,
)

__all__ = ["VARIABLES", "ConfigurationError", "Settings", "default_cache_dir", "merged_config"]

# Every variable read, with its meaning (docs/reference/settings.md is generated from this).
VARIABLES: Final[Mapping[str, str]] = {
    "DOKSTAMP_API_URL": "Base URL of the DokStamp API (https, or http on loopback only)",
    "DOKSTAMP_TENANT": "Tenant domain sent as X-Tenant",
    "DOKSTAMP_TOKEN": "Static bearer token (mode 1)",
    "DOKSTAMP_CLIENT_ID": "OAuth2 client id for POST /oauth/token (mode 2)",
    "DOKSTAMP_CLIENT_SECRET": "OAuth2 client secret (mode 2)",
    "DOKSTAMP_EMAIL": "User email for POST /auth/login (mode 3)",
    "DOKSTAMP_PASSWORD": "User password (mode 3)",
    "DOKSTAMP_PAGE_SIZE": "per_page asked for when listing (the server may apply less)",
    "DOKSTAMP_CONCURRENCY": "Pages fetched at the same time",
    "DOKSTAMP_TIMEOUT": "Seconds before one HTTP request times out",
    "DOKSTAMP_MAX_ATTEMPTS": "Sends per request at most (first try plus retries)",
    "DOKSTAMP_RETRY_SECONDS": "Seconds of retrying per request at most",
    "ENROLLMENT_OUTCOMES_CACHE_DIR": "Folder of the local cache",
    "ENROLLMENT_OUTCOMES_CACHE_TTL": "Seconds a cached extract counts as fresh",
    "ENROLLMENT_OUTCOMES_EDITING": "true/false: allow corrections from the dashboard",
    "ENROLLMENT_OUTCOMES_SNAPSHOTS_KEPT": "Snapshots kept per data source (older ones are dropped)",
    "ENROLLMENT_OUTCOMES_STORE": "Where snapshots live: unset for the cache folder, or redis://...",
    "ENROLLMENT_OUTCOMES_ACCESS": "A TOML file with the [access] table (roles and course scopes "
    "of signed-in users); default: the [access] table of the Streamlit secrets",
}

_SECRET_VARIABLES = frozenset({"DOKSTAMP_TOKEN", "DOKSTAMP_CLIENT_SECRET", "DOKSTAMP_PASSWORD"})
_PREFIXES = ("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_LOOPBACK_NAMES = frozenset({"localhost"})


def default_cache_dir() -> Path:
    """The user's cache folder for this app (e.g. ``~/.cache/enrollment-outcomes``)."""
    return Path(platformdirs.user_cache_dir()) / "enrollment-outcomes"


@dataclass(frozen=True, slots=True)
class Settings(ClientSettings):
    """Validated settings: the client's, and the cache's and app's. Build with ``from_mapping``."""

    cache_dir: Path = field(default_factory=default_cache_dir)
    cache_ttl_seconds: float = 900.0
    editing: bool | None = None
    snapshots_kept: int = 3
    store_url: str | None = None

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object]) -> Settings:
        """Settings from ``DOKSTAMP_*`` / ``ENROLLMENT_OUTCOMES_*`` keys; other keys are ignored.

        Empty values count as unset. Exactly one credential mode must be complete:
        ``DOKSTAMP_TOKEN``, or ``DOKSTAMP_CLIENT_ID`` + ``DOKSTAMP_CLIENT_SECRET``, or
        ``DOKSTAMP_EMAIL`` + ``DOKSTAMP_PASSWORD``.
        """
        values = _present(mapping)
        return cls(
            api_url=_api_url(values),
            tenant=_header_value(values, "DOKSTAMP_TENANT"),
            credentials=_credentials(values),
            cache_dir=_path(values, "ENROLLMENT_OUTCOMES_CACHE_DIR") or default_cache_dir(),
            cache_ttl_seconds=_number(values, "ENROLLMENT_OUTCOMES_CACHE_TTL", 900.0, minimum=0),
            page_size=_whole(values, "DOKSTAMP_PAGE_SIZE", 1000, minimum=1, maximum=100_000),
            concurrency=_whole(values, "DOKSTAMP_CONCURRENCY", 16, minimum=1, maximum=64),
            editing=_flag(values, "ENROLLMENT_OUTCOMES_EDITING"),
            timeout_seconds=_number(values, "DOKSTAMP_TIMEOUT", 30.0, minimum=0.001),
            max_attempts=_whole(values, "DOKSTAMP_MAX_ATTEMPTS", 5, minimum=1, maximum=100),
            retry_seconds=_number(values, "DOKSTAMP_RETRY_SECONDS", 60.0, minimum=0),
            snapshots_kept=_whole(
                values, "ENROLLMENT_OUTCOMES_SNAPSHOTS_KEPT", 3, minimum=1, maximum=100
            ),
            store_url=_store_url(values),
        )

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] = os.environ,
        secrets: Mapping[str, object] | None = None,
    ) -> Settings:
        """Settings from the ``[dokstamp]`` secrets table with environment variables over it."""
        return cls.from_mapping(merged_config(environ, secrets or {}))


def merged_config(environ: Mapping[str, object], secrets: Mapping[str, object]) -> dict[str, str]:
    """The one merge rule: the secrets table, then the environment over it, per variable.

    Only ``DOKSTAMP_*`` / ``ENROLLMENT_OUTCOMES_*`` keys are kept, and an empty value means
    unset in either place: ``DOKSTAMP_API_URL=`` in the environment does not hide the file's URL.
    """
    merged: dict[str, str] = {}
    for source in (secrets, environ):
        for key, value in _present(source).items():
            merged[key] = value if isinstance(value, str) else str(value)
    return merged


def _store_url(values: Mapping[str, object]) -> str | None:
    variable = "ENROLLMENT_OUTCOMES_STORE"
    value = values.get(variable)
    if value is None:
        return None
    text = str(value)
    if urlsplit(text).scheme not in {"redis", "rediss"}:
        raise ConfigurationError(
            f"{variable} must be a redis:// or rediss:// URL (or unset for the local cache "
            f"folder), got {urlsplit(text).scheme or text!r}",
            variable=variable,
        )
    return text


def _present(mapping: Mapping[str, object]) -> dict[str, object]:
    """The mapping's settings keys whose values are not empty."""
    present: dict[str, object] = {}
    for key, value in mapping.items():
        if not isinstance(key, str) or not key.startswith(_PREFIXES):
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        present[key] = value.strip() if isinstance(value, str) else value
    return present


def _shown(variable: str, value: object) -> str:
    return "(hidden)" if variable in _SECRET_VARIABLES else repr(value)


def _required(values: Mapping[str, object], variable: str) -> str:
    value = values.get(variable)
    if value is None:
        raise ConfigurationError(
            f"{variable} is not set ({VARIABLES[variable]})", variable=variable
        )
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{variable} must be text, got {_shown(variable, value)}", variable=variable
        )
    return value


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _api_url(values: Mapping[str, object]) -> str:
    variable = "DOKSTAMP_API_URL"
    url = _required(values, variable).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(
            f"{variable} must be an http(s) URL such as https://api.dokstamp.eu, got "
            f"{_shown_url(url)!r}",
            variable=variable,
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"{variable} must not have a query or fragment (not shown here: it may hold a "
            f"key), got {_shown_url(url)!r} with one",
            variable=variable,
        )
    if parts.username or parts.password:
        raise ConfigurationError(
            f"{variable} must not contain credentials; use DOKSTAMP_TOKEN or the client "
            "credentials variables",
            variable=variable,
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{variable} uses plain http to {parts.hostname}: the bearer token would travel "
            "unencrypted; use https (plain http is allowed on loopback only)",
            variable=variable,
        )
    return url


def _shown_url(url: str) -> str:
    """``url`` as an error may repeat it: without user, password, query or fragment (a key or
    password put there must not reach a terminal or a log)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _credentials(values: Mapping[str, object]) -> Credentials:
    modes = {
        "DOKSTAMP_TOKEN": ("DOKSTAMP_TOKEN",),
        "DOKSTAMP_CLIENT_ID": ("DOKSTAMP_CLIENT_ID", "DOKSTAMP_CLIENT_SECRET"),
        "DOKSTAMP_EMAIL": ("DOKSTAMP_EMAIL", "DOKSTAMP_PASSWORD"),
    }
    chosen = [names for names in modes.values() if any(name in values for name in names)]
    if not chosen:
        raise ConfigurationError(
            "No DokStamp credentials: set DOKSTAMP_TOKEN, or DOKSTAMP_CLIENT_ID and "
            "DOKSTAMP_CLIENT_SECRET, or DOKSTAMP_EMAIL and DOKSTAMP_PASSWORD",
            variable="DOKSTAMP_TOKEN",
        )
    if len(chosen) > 1:
        given = [next(name for name in names if name in values) for names in chosen]
        raise ConfigurationError(
            f"Contradictory credentials: {' and '.join(given)} are both set; set only one of "
            "DOKSTAMP_TOKEN, DOKSTAMP_CLIENT_ID+DOKSTAMP_CLIENT_SECRET, "
            "DOKSTAMP_EMAIL+DOKSTAMP_PASSWORD",
            variable=given[1],
        )
    names = chosen[0]
    for name in names:
        if name not in values:
            other = next(n for n in names if n != name)
            raise ConfigurationError(f"{name} is required when {other} is set", variable=name)
    texts = [_required(values, name) for name in names]
    if names[0] == "DOKSTAMP_TOKEN":
        _header_value(values, "DOKSTAMP_TOKEN")
        return StaticToken(token=Secret(texts[0]))
    if names[0] == "DOKSTAMP_CLIENT_ID":
        return ClientCredentials(client_id=texts[0], client_secret=Secret(texts[1]))
    return PasswordLogin(email=texts[0], password=Secret(texts[1]))


def _header_value(values: Mapping[str, object], variable: str) -> str:
    """A value sent in an HTTP header (X-Tenant, the bearer token): visible ASCII, no spaces.

    Checked here so a stray newline or accent is a clear configuration error naming the variable,
    not a low-level encoding error later (whose message would quote the token).
    """
    text = _required(values, variable)
    if not all("!" <= character <= "~" for character in text):
        raise ConfigurationError(
            f"{variable} may contain only visible ASCII characters (no spaces, line breaks or "
            "accents): it is sent in an HTTP header",
            variable=variable,
        )
    return text


def _path(values: Mapping[str, object], variable: str) -> Path | None:
    value = values.get(variable)
    if value is None:
        return None
    if not isinstance(value, str | os.PathLike):
        raise ConfigurationError(
            f"{variable} must be a folder path, got {value!r}", variable=variable
        )
    return Path(value).expanduser()


def _whole(
    values: Mapping[str, object], variable: str, default: int, *, minimum: int, maximum: int
) -> int:
    value = values.get(variable)
    if value is None:
        return default
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            number = None
    if number is None:
        raise ConfigurationError(
            f"{variable} must be a whole number, got {value!r}", variable=variable
        )
    if not minimum <= number <= maximum:
        raise ConfigurationError(
            f"{variable} must be between {minimum} and {maximum}, got {number}", variable=variable
        )
    return number


def _number(
    values: Mapping[str, object], variable: str, default: float, *, minimum: float
) -> float:
    value = values.get(variable)
    if value is None:
        return default
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise ConfigurationError(
            f"{variable} must be a number of seconds, got {value!r}", variable=variable
        )
    if number < minimum:
        raise ConfigurationError(
            f"{variable} must be at least {minimum:g}, got {number:g}", variable=variable
        )
    return number


def _flag(values: Mapping[str, object], variable: str) -> bool | None:
    value = values.get(variable)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ConfigurationError(f"{variable} must be true or false, got {value!r}", variable=variable)
