"""The composition root: read the configuration once, open the data source once.

The dashboard, every CLI command and the notebooks call ``load_config`` (one merge rule: the
environment over the ``[dokstamp]`` table of ``.streamlit/secrets.toml``, an empty value meaning
unset in both) and ``open_source`` (the configured DokStamp API, or, without
``DOKSTAMP_API_URL``, the local demo sandbox signed in as the demo tenant's service client). The
``DataSource`` it returns owns the one client, the snapshot store and the demo server.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dashboard.data.source import DataSource
from dashboard.demo_credentials import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dashboard.settings import Settings, merged_config

__all__ = [
    "CONFIG_PREFIXES",
    "DEFAULT_DEMO_ENROLLMENTS",
    "DEMO_ENROLLMENTS_KEY",
    "SECRETS_FILE",
    "SECRETS_SECTION",
    "StartupError",
    "demo_config",
    "demo_db_path",
    "demo_enrollments",
    "editing_enabled",
    "load_config",
    "open_source",
    "read_secrets_file",
    "wants_demo",
]

SECRETS_SECTION = "dokstamp"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
CONFIG_PREFIXES = ("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")
DEMO_ENROLLMENTS_KEY = "ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS"
DEFAULT_DEMO_ENROLLMENTS = 20_000
# The demo's port changes at every start; its snapshots and log are named by this instead.
DEMO_IDENTITY_URL = "http://demo-sandbox.invalid"
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


def load_config(
    environ: Mapping[str, str] | None = None, secrets_file: Path = SECRETS_FILE
) -> dict[str, str]:
    """The configuration: the secrets file's ``[dokstamp]`` table with the environment over it.

    The one merge rule of every entry point (``dashboard.settings.merged_config``): our keys
    only, and an empty value is unset wherever it is (``DOKSTAMP_API_URL=`` in the environment
    does not switch a configured API to the demo).
    """
    return merged_config(
        os.environ if environ is None else environ, read_secrets_file(secrets_file)
    )


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


def open_source(
    config: Mapping[str, str] | None = None, *, demo_max_per_page: int = 1000
) -> DataSource:
    """The data source the configuration names (close it when done, or use ``with``).

    Without ``DOKSTAMP_API_URL`` this starts the demo sandbox (seeding its database under the
    cache folder on first use) in a background thread; closing the source stops it.
    """
    config = load_config() if config is None else config
    if not wants_demo(config):
        settings = Settings.from_mapping(config)
        return DataSource(settings, label=f"{settings.api_url} (tenant {settings.tenant})")
    from dokstamp_sandbox.runner import SandboxOptions, start_sandbox  # the demo only

    # Settings decide the cache folder; the sandbox's address is known only once it runs.
    provisional = Settings.from_mapping(demo_config(config, api_url="http://127.0.0.1"))
    db_path = demo_db_path(provisional.cache_dir)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Pages of up to 1,000 rows (the client's default page size): the first read is ~10x quicker
    # than with the sandbox's default cap of 100, which emulates a stricter server.
    sandbox = start_sandbox(
        db_path,
        seed="demo",
        enrollments=demo_enrollments(config),
        options=SandboxOptions(max_per_page=demo_max_per_page),
    )
    try:
        settings = Settings.from_mapping(demo_config(config, api_url=sandbox.url))
    except BaseException:
        sandbox.stop()
        raise
    label = f"demo sandbox at {sandbox.url} (tenant {settings.tenant})"
    return DataSource(
        settings, label=label, demo=True, owned=sandbox, identity_url=DEMO_IDENTITY_URL
    )
