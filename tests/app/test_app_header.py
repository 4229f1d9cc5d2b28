"""The strip above every page: freshness, the refresh button, the stale and not-cached banners."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app import runtime
from dashboard.sandbox.runner import RunningSandbox

AppFactory = Callable[..., AppTest]


def _freshness(at: AppTest) -> str:
    return next(text.value for text in at.text if text.value.startswith("Source:"))


def test_refresh_reads_the_api_again(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(sandbox)
    assert "Fetched just now" in _freshness(at)
    runtime.data_changed()
    at.run()
    assert "from the local cache" in _freshness(at)
    next(button for button in at.button if button.label == "Refresh data").click().run()
    assert not at.exception, at.exception
    assert "from the API" in _freshness(at)
    assert not at.warning


def test_stale_banner_when_the_api_fails(
    sandbox_factory: Callable[..., RunningSandbox],
    app_factory: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = sandbox_factory(seed="demo", enrollments=200)
    monkeypatch.setenv("ENROLLMENT_OUTCOMES_CACHE_TTL", "0")  # every load asks the API
    monkeypatch.setenv("DOKSTAMP_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("DOKSTAMP_TIMEOUT", "2")
    at = app_factory(server)
    enrollments = next(m.value for m in at.metric if m.label == "Enrollments")
    server.stop()
    runtime.data_changed()
    at.run()
    assert not at.exception, at.exception
    warnings = " ".join(warning.value for warning in at.warning)
    assert "Stale data" in warnings
    # The cached data is still shown.
    assert next(m.value for m in at.metric if m.label == "Enrollments") == enrollments


def test_a_cache_that_cannot_store_is_shown_not_hidden(
    sandbox: RunningSandbox, app_factory: AppFactory, tmp_path: Path
) -> None:
    cache = tmp_path / "unusable-cache"
    cache.mkdir()
    (cache / "frames").write_text("a file where the frame cache's folder should be")
    at = app_factory(sandbox, cache_dir=cache)
    assert not at.exception, at.exception
    warnings = " ".join(warning.value for warning in at.warning)
    assert "Not cached" in warnings
    assert "FileExistsError" in warnings
    assert next(m.value for m in at.metric if m.label == "Enrollments")  # the data is shown
