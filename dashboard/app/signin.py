"""Sign-in (OpenID Connect through ``st.login``) and who the signed-in user is allowed to be.

With an ``[auth]`` table in the Streamlit secrets the dashboard is for signed-in users only: a
visitor who is not signed in gets the sign-in page and nothing else (no data is read for them),
and a signed-in user whom no ``[access]`` rule names gets a "no access" page. Without ``[auth]``
the dashboard is as it was before sign-in existed (local use): everyone is ``ANONYMOUS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.access import ANONYMOUS, Access, AccessConfigError
from dashboard.app import media_guard
from dashboard.app.plain_text import escape_markdown
from dashboard.app.signin_config import access_rules, auth_configured, secrets_tables

__all__ = [
    "access_rules",
    "auth_configured",
    "current_access",
    "render_account",
    "secrets_tables",
    "sign_in_providers",
]


def sign_in_providers(auth: Mapping[str, Any]) -> list[str]:
    """The named providers of ``[auth]`` (its sub-tables); empty when it names one directly."""
    return sorted(name for name, value in auth.items() if isinstance(value, Mapping))


def _sign_in_page(secrets: Mapping[str, Any]) -> None:
    st.title("Enrollment Outcomes")
    st.write("Sign in with your institution's account to see the dashboard.")
    providers = sign_in_providers(secrets["auth"])
    if not providers:
        st.button("Sign in", key="sign_in", on_click=st.login, icon=":material/login:")
    for provider in providers:
        st.button(
            f"Sign in with {provider}",
            key=f"sign_in_{provider}",
            on_click=st.login,
            args=(provider,),
            icon=":material/login:",
        )


def _no_access_page(email: str | None) -> None:
    st.title("No access")
    who = escape_markdown(email) if email else "an account without a verified e-mail address"
    st.error(
        f"You are signed in as {who}, but this dashboard has no access for you. Ask its "
        "administrator to add you to the access rules of this deployment.",
        icon=":material/block:",
    )
    st.button("Sign out", key="sign_out", on_click=st.logout, icon=":material/logout:")


def current_access() -> Access:
    """The signed-in user's access; stops the run with the sign-in or "no access" page.

    Without ``[auth]`` this is ``ANONYMOUS`` (the dashboard as for local use). A broken
    ``[access]`` table stops every run with the reason (no one gets in by a typo), and so does
    a server without the download check (``dashboard.app.media_guard``).
    """
    secrets = secrets_tables()
    if not auth_configured(secrets):
        return ANONYMOUS
    if not media_guard.installed():
        # Streamlit alone serves download links to anyone who has them: signed-in use needs the
        # check ``dashboard.app.server`` installs before the server starts.
        st.error(
            "Sign-in is configured, but this server does not check download links against the "
            "signed-in user. Start the dashboard with `enrollment-outcomes app` (or "
            "`python -m dashboard.app.server`), not `streamlit run`."
        )
        st.stop()
    if not st.user.is_logged_in:
        _sign_in_page(secrets)
        st.stop()
    try:
        rules = access_rules(secrets)
    except AccessConfigError as error:
        st.error(f"The access rules are not configured correctly: {escape_markdown(str(error))}")
        st.stop()
    claims = st.user.to_dict()
    access = rules.access_for(claims)
    if access is None:
        _no_access_page(rules.email_of(claims))
        st.stop()
    return access


def render_account(access: Access) -> None:
    """Who is signed in, with what role, and the sign-out button (nothing when anonymous)."""
    if access is ANONYMOUS:
        return
    with st.sidebar:
        st.text(f"Signed in: {access.describe()}")
        st.button("Sign out", key="sign_out", on_click=st.logout, icon=":material/logout:")
