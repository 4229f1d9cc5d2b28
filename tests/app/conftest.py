"""AppTest fixtures: the dashboard pointed at a sandbox through its environment, in a tmp cache."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dashboard.sandbox.runner import RunningSandbox

ENTRY = Path(__file__).resolve().parents[2] / "dashboard" / "app" / "main.py"
RUN_TIMEOUT = 60.0

AppFactory = Callable[..., AppTest]


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
    """``app_factory(sandbox, editing=..., query_params=...)`` -> an AppTest after its first run.

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
    ) -> AppTest:
        env = sandbox_env(sandbox, cache_dir or tmp_path / "cache", editing=editing)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        at = AppTest.from_file(str(ENTRY), default_timeout=RUN_TIMEOUT)
        at.secrets["dokstamp"] = {}
        for param, values in (query_params or {}).items():
            at.query_params[param] = values
        return at.run()

    return make
