"""Settings page (admins): what this deployment runs with, and who may see what.

Secrets never appear: credentials are named by their mode, the store by its URL without a
password, and the access rules are addresses, domains, groups and courses.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.access import AccessConfigError, access_rules_from_config, read_access_table
from dashboard.app.disclosure import app_policy
from dashboard.app.plain_text import escape_markdown
from dashboard.app.runtime import page_context, read_config
from dashboard.app.signin_config import auth_configured, secrets_tables

context = page_context()
st.title("Settings")
if not context.access.administers:  # the page is not registered for them; refuse all the same
    st.error("Settings are for administrators.", icon=":material/block:")
    st.stop()

source = context.source
settings = source.settings
st.subheader("This deployment")
st.dataframe(
    pl.DataFrame(
        {
            "setting": [
                "Data source",
                "Sign-in",
                "Snapshot store",
                "Snapshot fresh for (s)",
                "Snapshots kept",
                "Corrections from the dashboard",
                "Disclosure policy",
                "API sign-in mode",
            ],
            "value": [
                source.label,
                "required ([auth])" if auth_configured() else "off (local use)",
                repr(source.data.store),
                f"{settings.cache_ttl_seconds:g}",
                str(settings.snapshots_kept),
                "on" if source.editing else "off",
                app_policy().value,
                type(settings.credentials).__name__,
            ],
        }
    ),
    hide_index=True,
    key="settings_table",
)

st.subheader("Access rules")
st.caption(
    "Read in order; the first rule that matches a signed-in user decides their role and "
    'courses. A user no rule matches sees a "no access" page.'
)
try:
    rules = access_rules_from_config(read_access_table(read_config(), secrets_tables()))
except AccessConfigError as error:
    st.error(escape_markdown(str(error)))
    st.stop()
st.dataframe(
    pl.DataFrame(
        {
            "role": [rule.role.value for rule in rules.rules],
            "emails": [", ".join(sorted(rule.emails)) for rule in rules.rules],
            "domains": [", ".join(sorted(rule.domains)) for rule in rules.rules],
            f"{rules.groups_claim} (claim)": [
                ", ".join(sorted(rule.groups)) for rule in rules.rules
            ],
            "courses": [
                "every course" if rule.courses is None else ", ".join(sorted(rule.courses))
                for rule in rules.rules
            ],
        },
        schema={
            "role": pl.String,
            "emails": pl.String,
            "domains": pl.String,
            f"{rules.groups_claim} (claim)": pl.String,
            "courses": pl.String,
        },
    ),
    hide_index=True,
    key="access_table",
)
st.caption(f"E-mail is read from the ID token's `{escape_markdown(rules.email_claim)}` claim.")
