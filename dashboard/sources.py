"""Where the data comes from: the configured DokStamp API, or the local demo sandbox.

Shared by the dashboard and the CLI, so `make run`, `sync` and `export --demo` agree on the
configuration and on the one demo database.

Configuration is a plain mapping of the documented variable names, merged from the
``[dokstamp]`` section of ``.streamlit/secrets.toml`` and the environment (the environment wins).
Without ``DOKSTAMP_API_URL`` the app runs against its own demo sandbox, signed in as the demo
tenant's service client. Nothing here starts anything: the Streamlit runtime module does that.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dashboard.sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT

__all__ = [
    "CONFIG_PREFIXES",
    "DEFAULT_DEMO_ENROLLMENTS",
    "DEMO_ENROLLMENTS_KEY",
    "SECRETS_FILE",
    "SECRETS_SECTION",
    "StartupError",
    "app_config",
    "demo_config",
    "demo_db_path",
    "demo_enrollments",
    "editing_enabled",
    "read_secrets_file",
    "wants_demo",
]

SECRETS_SECTION = "dokstamp"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
CONFIG_PREFIXES = ("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")
DEMO_ENROLLMENTS_KEY = "ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS"
DEFAULT_DEMO_ENROLLMENTS = 20_000
_CREDENTIAL_KEYS = (
    "DOKSTAMP_TOKEN",
    "DOKSTAMP_CLIENT_ID",
    "DOKSTAMP_CLIENT_SECRET",
    "DOKSTAMP_EMAIL",
    "DOKSTAMP_PASSWORD",
)


class StartupError(ValueError):
    """An app-level setting (not a DokStamp one) has a value the app cannot use."""


def read_secrets_file(path: Path = SECRETS_FILE) -> dict[str, Any]:
    """The ``[dokstamp]`` table of the Streamlit secrets file, or ``{}`` when there is none.

    For the CLI (Streamlit reads the same file itself as ``st.secrets``). An unreadable file is a
    ``StartupError`` naming the file, never silently ignored.
    """
    if not path.is_file():
        return {}
    try:
        secrets = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise StartupError(f"cannot read {path}: {error}") from error
    table = secrets.get(SECRETS_SECTION, {})
    return dict(table) if isinstance(table, Mapping) else {}


def app_config(environ: Mapping[str, str], secrets: Mapping[str, Any]) -> dict[str, str]:
    """The app's settings: the secrets section overlaid by the environment, our keys only.

    Parameters
    ----------
    environ
        The process environment (or a dict in tests).
    secrets
        The ``[dokstamp]`` section of ``st.secrets`` (empty when there is no secrets file).
    """
    merged: dict[str, str] = {}
    for source in (secrets, environ):
        for key, value in source.items():
            if key.startswith(CONFIG_PREFIXES) and value is not None:
                merged[key] = str(value)
    return merged


def wants_demo(config: Mapping[str, str]) -> bool:
    """Whether no API is configured, so the app runs on its own demo sandbox."""
    return not config.get("DOKSTAMP_API_URL", "").strip()


def demo_config(config: Mapping[str, str], *, api_url: str) -> dict[str, str]:
    """Settings for the demo sandbox at ``api_url``: the demo tenant and its service client.

    Credentials configured for a real API are dropped; cache and tuning settings are kept.
    """
    kept = {key: value for key, value in config.items() if key not in _CREDENTIAL_KEYS}
    kept.update(
        {
            "DOKSTAMP_API_URL": api_url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        }
    )
    return kept


def demo_db_path(cache_dir: Path) -> Path:
    """Where the demo sandbox keeps its database: under the cache folder, kept across restarts."""
    return cache_dir / "demo-sandbox" / "sandbox.sqlite3"


def demo_enrollments(config: Mapping[str, str]) -> int:
    """How many enrollments a new demo database is seeded with."""
    text = config.get(DEMO_ENROLLMENTS_KEY, "").strip()
    if not text:
        return DEFAULT_DEMO_ENROLLMENTS
    try:
        value = int(text)
    except ValueError:
        raise StartupError(f"{DEMO_ENROLLMENTS_KEY} must be a whole number, not {text!r}") from None
    if value < 0:
        raise StartupError(f"{DEMO_ENROLLMENTS_KEY} must not be negative")
    return value


def editing_enabled(setting: bool | None, *, demo: bool) -> bool:
    """Corrections are on in the demo, and against a real API only when the setting says so."""
    if setting is not None:
        return setting
    return demo
