"""AppTest fixtures: the dashboard pointed at a sandbox through its environment, in a tmp cache."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app import media_guard
from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox

ENTRY = Path(__file__).resolve().parents[2] / "dashboard" / "app" / "main.py"
RUN_TIMEOUT = 60.0

AppFactory = Callable[..., AppTest]


@pytest.fixture(scope="session", autouse=True)
def _download_check() -> None:
    """The download check the server entry installs (signed-in runs refuse to start without it)."""
    media_guard.install()


def sandbox_env(sandbox: RunningSandbox, cache_dir: Path, *, editing: bool) -> dict[str, str]:
    """Environment that points the app at ``sandbox`` as the demo tenant's service client."""
    return {
        "DOKSTAMP_API_URL": sandbox.url,
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
        "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache_dir),
        "ENROLLMENT_OUTCOMES_EDITING": "true" if editing else "false",
    }


@pytest.fixture
def app_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppFactory:
    """``app_factory(sandbox, editing=, query_params=, page=, config=, secrets=, user=)`` -> an
    AppTest after its first run (``config``: more environment settings; ``secrets``: more
    secrets tables such as ``auth`` and ``access``; ``user``: what ``st.user`` holds).

    The configuration goes through the environment, as in production; every DOKSTAMP_* or
    ENROLLMENT_OUTCOMES_* variable of the outer environment is removed first, and the secrets
    section is empty, so nothing outside the test decides where the app points.
    """
    for name in list(os.environ):
        if name.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")):
            monkeypatch.delenv(name)

    def make(
        sandbox: RunningSandbox,
        *,
        editing: bool = True,
        query_params: dict[str, str | list[str]] | None = None,
        cache_dir: Path | None = None,
        page: str | None = None,
        config: dict[str, str] | None = None,
        secrets: dict[str, Any] | None = None,
        user: dict[str, Any] | None = None,
    ) -> AppTest:
        env = sandbox_env(sandbox, cache_dir or tmp_path / "cache", editing=editing)
        env.update(config or {})  # further settings, e.g. ENROLLMENT_OUTCOMES_DISCLOSURE
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        at = AppTest.from_file(str(ENTRY), default_timeout=RUN_TIMEOUT)
        at.secrets["dokstamp"] = {}
        for table, value in (secrets or {}).items():  # e.g. [auth] and [access]
            at.secrets[table] = value
        if user is not None:  # the signed-in user's ID-token claims (st.user)
            at.user = user
        for param, values in (query_params or {}).items():
            at.query_params[param] = values
        if page is not None:  # open the app on this page, as a shared link would
            at.switch_page(page)
        return at.run()

    return make


def sandbox_settings(sandbox: RunningSandbox, cache_dir: Path) -> Settings:
    """Settings for talking to ``sandbox`` directly from a test (as another user would)."""
    return Settings.from_mapping(sandbox_env(sandbox, cache_dir, editing=True))


def api_token(sandbox: RunningSandbox) -> str:
    """A bearer token of the demo tenant's service client."""
    response = httpx.post(
        f"{sandbox.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
        timeout=10,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def api_request(
    sandbox: RunningSandbox, method: str, path: str, *, json: Any = None
) -> httpx.Response:
    """One raw API call as the demo tenant (for what the client has no method for)."""
    return httpx.request(
        method,
        f"{sandbox.url}{path}",
        json=json,
        headers={
            "Authorization": f"Bearer {api_token(sandbox)}",
            "X-Tenant": DEMO_TENANT,
            "Accept": "application/json",
        },
        timeout=10,
    )


def plain(markdown: str) -> str:
    """Text of an escaped Markdown string as a reader sees it (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


class AppTestTools:
    """The helpers above, handed to tests as a fixture (conftest modules are not importable)."""

    sandbox_settings = staticmethod(sandbox_settings)
    api_request = staticmethod(api_request)
    plain = staticmethod(plain)


@pytest.fixture
def tools() -> AppTestTools:
    """Helpers for AppTest tests: direct API calls, settings, plain text of Markdown."""
    return AppTestTools()
