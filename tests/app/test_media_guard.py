"""The download check: ``/media`` answers a signed-in user only for the files their sessions made.

The middleware is exercised over HTTP (Starlette's test client) with identity cookies signed the
way Streamlit signs them; the record of makers is filled by a real page run (AppTest) through the
wrapped ``MediaFileManager``. The browser test (tests/browser/test_signin_browser.py) checks the
whole path on a running server.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from streamlit.testing.v1 import AppTest
from streamlit.web.server.starlette import starlette_app
from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

from dashboard.app import media_guard
from dashboard.app.media_guard import MediaGuard, MediaOwners, identity_of, signed_in_user
from dokstamp_sandbox.runner import RunningSandbox

SECRET = "the-cookie-secret"
EDITOR = {"is_logged_in": True, "sub": "ed", "email": "ed@example.edu", "provider": "default"}
VIEWER = {"is_logged_in": True, "sub": "vi", "email": "vi@example.edu", "provider": "default"}
FILE_ID = "4f2a9c"


def _cookie(payload: Mapping[str, Any], secret: str = SECRET) -> str:
    return create_signed_value(secret, "_streamlit_user", json.dumps(payload)).decode()


def _client(
    owners: MediaOwners, *, enabled: bool = True, revoked: frozenset[str] = frozenset()
) -> MediaGuard:
    async def media(request: Request) -> Response:
        return Response(b"uuid,student_name\n1,Ada\n", media_type="text/csv")

    async def page(request: Request) -> Response:
        return Response(b"page")

    app = Starlette(routes=[Route("/media/{file_id:path}", media), Route("/", page)])
    guarded = MediaGuard(
        app,
        owners=owners,
        enabled=lambda: enabled,
        secret=lambda: SECRET,
        has_access=lambda user: user.get("email") not in revoked,
        prefix=lambda: "/media/",
    )
    return guarded


def _owners_with_editor_file() -> MediaOwners:
    owners = MediaOwners()
    identity = identity_of(EDITOR)
    assert identity is not None
    owners.made(FILE_ID, identity, alive=lambda _: True)
    return owners


def _fetch(
    app: MediaGuard, cookie: str | None, path: str = f"/media/{FILE_ID}.csv"
) -> httpx.Response:
    """One GET over HTTP to ``app`` (in process), with ``cookie`` as the identity cookie."""

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            headers = {} if cookie is None else {"Cookie": f"_streamlit_user={cookie}"}
            return await client.get(path, headers=headers)

    return asyncio.run(fetch())


def _get(app: MediaGuard, cookie: str | None, path: str = f"/media/{FILE_ID}.csv") -> int:
    return _fetch(app, cookie, path).status_code


def test_the_maker_gets_their_file() -> None:
    response = _fetch(_client(_owners_with_editor_file()), _cookie(EDITOR))
    assert response.status_code == 200
    assert response.content.startswith(b"uuid,student_name")


def test_a_signed_out_browser_is_refused() -> None:
    response = _fetch(_client(_owners_with_editor_file()), None)
    assert response.status_code == 403
    assert b"student_name" not in response.content
    assert response.headers["cache-control"] == "no-store"


def test_another_signed_in_user_gets_not_found() -> None:
    client = _client(_owners_with_editor_file())
    assert _get(client, _cookie(VIEWER)) == 404


def test_a_cookie_signed_with_another_secret_is_no_sign_in() -> None:
    client = _client(_owners_with_editor_file())
    assert _get(client, _cookie(EDITOR, secret="guessed")) == 403
    assert _get(client, "not-a-signed-value") == 403


def test_a_cookie_saying_signed_out_is_no_sign_in() -> None:
    client = _client(_owners_with_editor_file())
    assert _get(client, _cookie({**EDITOR, "is_logged_in": False})) == 403


def test_a_user_no_longer_in_the_access_rules_is_refused() -> None:
    client = _client(_owners_with_editor_file(), revoked=frozenset({"ed@example.edu"}))
    assert _get(client, _cookie(EDITOR)) == 403


def test_the_same_subject_of_another_provider_is_another_user() -> None:
    client = _client(_owners_with_editor_file())
    assert _get(client, _cookie({**EDITOR, "provider": "google"})) == 404


def test_without_sign_in_nothing_is_checked() -> None:
    client = _client(MediaOwners(), enabled=False)
    assert _get(client, None) == 200


def test_other_paths_pass_untouched() -> None:
    client = _client(MediaOwners())
    assert _get(client, None, path="/") == 200


def test_identity_needs_a_signed_in_subject() -> None:
    assert identity_of(EDITOR) == "default|ed"
    assert identity_of({"is_logged_in": True, "email": "a@b.c"}) == "|a@b.c"
    assert identity_of({"is_logged_in": False, "sub": "ed"}) is None
    assert identity_of({"is_logged_in": True}) is None
    assert identity_of({}) is None


def test_signed_in_user_reads_the_payload_back() -> None:
    assert signed_in_user({"_streamlit_user": _cookie(EDITOR)}, SECRET) == EDITOR
    assert signed_in_user({"_streamlit_user": _cookie(EDITOR)}, "other") is None
    assert signed_in_user({}, SECRET) is None


def test_the_record_forgets_files_the_storage_dropped() -> None:
    owners = MediaOwners()
    for index in range(300):
        owners.made(f"f{index}", "default|ed", alive=lambda file_id: file_id == "f299")
    assert owners.may_read("f299", "default|ed")
    assert not owners.may_read("f0", "default|ed")


def test_only_the_newest_deferred_buttons_are_remembered() -> None:
    owners = MediaOwners(deferred_kept=2)
    for placeholder in ("p1", "p2", "p3"):
        owners.deferred(placeholder, "default|ed")
    assert owners.maker_of_deferred("p1") is None
    assert owners.maker_of_deferred("p3") == "default|ed"


_SCRIPT = """
import streamlit as st
st.download_button("Download", data=b"uuid\\n1\\n", file_name="rows.csv", mime="text/csv")
"""


@pytest.mark.parametrize("user", [EDITOR, {"is_logged_in": False}])
def test_a_page_run_notes_its_user_as_the_maker(user: dict[str, Any]) -> None:
    assert media_guard.installed()  # the conftest installs it, as the server entry does
    at = AppTest.from_string(_SCRIPT)
    at.user = user
    at.run()
    url = at.get("download_button")[0].proto.url
    file_id = url.rsplit("/", 1)[-1].split(".")[0]
    maker = identity_of(user)
    if maker is None:
        assert not media_guard.OWNERS.may_read(file_id, "|")
    else:
        assert media_guard.OWNERS.may_read(file_id, maker)
        assert not media_guard.OWNERS.may_read(file_id, "default|vi")


AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret-only-for-apptest",
    "client_id": "dashboard",
    "client_secret": "dashboard-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def test_sign_in_without_the_download_check_serves_nothing(
    sandbox: RunningSandbox, app_factory: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media_guard, "_installed", threading.Event())  # a plain `streamlit run`
    rules = {"rules": [{"role": "editor", "emails": ["ed@example.edu"]}]}
    at = app_factory(sandbox, secrets={"auth": AUTH, "access": rules}, user=EDITOR)
    assert not at.exception, at.exception
    assert "does not check download links" in at.error[0].value
    assert not at.get("vega_lite_chart")
    assert not at.get("download_button")
    assert not at.button


def test_install_puts_the_guard_first_in_streamlits_middleware() -> None:
    media_guard.install()  # a second call changes nothing
    classes: list[object] = [entry.cls for entry in starlette_app.create_streamlit_middleware()]
    assert classes[0] is MediaGuard
    assert classes.count(MediaGuard) == 1
