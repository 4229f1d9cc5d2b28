"""The name a correction is logged under."""

from __future__ import annotations

from dashboard.app.actor import actor_name
from dashboard.client import ClientCredentials, PasswordLogin, Secret, StaticToken


def test_signed_in_viewer_wins() -> None:
    credentials = ClientCredentials(client_id="demo-client", client_secret=Secret("x"))
    assert actor_name("ana@uni.test", credentials) == "ana@uni.test"


def test_api_identity_otherwise() -> None:
    assert actor_name(None, PasswordLogin(email="reg@uni.test", password=Secret("x"))) == (
        "reg@uni.test"
    )
    credentials = ClientCredentials(client_id="demo-client", client_secret=Secret("x"))
    assert actor_name("", credentials) == "client demo-client"
    assert actor_name(None, StaticToken(token=Secret("t"))) is None
