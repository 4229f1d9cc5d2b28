"""Who a correction is logged as: the signed-in viewer if known, else the API identity."""

from __future__ import annotations

from dashboard.client import ClientCredentials, Credentials, PasswordLogin

__all__ = ["actor_name"]


def actor_name(user_email: str | None, credentials: Credentials) -> str | None:
    """The viewer's email when signed in; otherwise the API sign-in (user email or client id).

    A static token identifies no one: then the actor is unknown (None) and the log says so.
    """
    if user_email:
        return user_email
    if isinstance(credentials, PasswordLogin):
        return credentials.email
    if isinstance(credentials, ClientCredentials):
        return f"client {credentials.client_id}"
    return None
