"""What the secrets say about sign-in: whether ``[auth]`` is configured, and the access rules.

Read by the sign-in pages (``dashboard.app.signin``) and by the download check in front of the
server's ``/media`` route (``dashboard.app.media_guard``), which runs outside any page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.access import AccessRules, access_rules_from_config, read_access_table
from dashboard.app.runtime import read_config

__all__ = ["access_rules", "auth_configured", "secrets_tables"]


def secrets_tables() -> Mapping[str, Any]:
    """The Streamlit secrets as a plain mapping (empty when there is no secrets file)."""
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def auth_configured(secrets: Mapping[str, Any] | None = None) -> bool:
    """Whether the secrets hold an ``[auth]`` table (sign-in is then required)."""
    table = (secrets_tables() if secrets is None else secrets).get("auth")
    return isinstance(table, Mapping) and bool(table)


def access_rules(secrets: Mapping[str, Any]) -> AccessRules:
    """The ``[access]`` rules in force (the file ``ENROLLMENT_OUTCOMES_ACCESS`` names, else the
    secrets' table); raises ``AccessConfigError`` when they cannot be used."""
    return access_rules_from_config(read_access_table(read_config(), secrets))
