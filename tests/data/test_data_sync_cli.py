"""`enrollment-outcomes sync` on the sandbox: counts, cache hits, refresh, failures, bad cache."""

from __future__ import annotations

import functools
import importlib
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from dashboard.cli.sync import EXIT_CACHE_ERROR, sync
from dashboard.data.loading import load_extract
from dashboard.sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dashboard.sandbox.runner import RunningSandbox


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No settings from the developer's environment or a secrets file in the working folder."""
    for name in list(os.environ):
        if name.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def run_sync(url: str, cache: Path, *args: str) -> Result:
    env = {
        "DOKSTAMP_API_URL": url,
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
        "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "DOKSTAMP_MAX_ATTEMPTS": "1",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
    }
    return CliRunner().invoke(sync, list(args), env=env)


def rows_of(output: str, resource: str) -> int:
    match = re.search(rf"^{resource}\s+([\d,]+) rows", output, re.MULTILINE)
    assert match is not None, output
    return int(match.group(1).replace(",", ""))


def test_sync_fetches_then_reads_the_cache_then_refreshes(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = run_sync(sandbox.url, cache)
    assert first.exit_code == 0, first.output
    assert rows_of(first.output, "enrollments") == 2000
    assert rows_of(first.output, "cohorts") > 0
    assert "fetched from the API" in first.output
    assert f"Cache folder: {cache}" in first.output

    second = run_sync(sandbox.url, cache, "--no-references")
    assert second.exit_code == 0, second.output
    assert "enrollments" in second.output
    assert "from the cache" in second.output
    assert "cohorts" not in second.output

    third = run_sync(sandbox.url, cache, "--refresh", "--no-references")
    assert third.exit_code == 0, third.output
    assert "fetched from the API" in third.output


def test_filters_narrow_the_enrollments(sandbox: RunningSandbox, tmp_path: Path) -> None:
    completed = run_sync(sandbox.url, tmp_path / "c", "--status", "completed", "--no-references")
    dropped = run_sync(sandbox.url, tmp_path / "c", "--status", "dropped", "--no-references")
    assert completed.exit_code == 0, completed.output
    assert "enrollments where completion_status=completed" in completed.output
    assert 0 < rows_of(completed.output, "enrollments") < 2000
    assert 0 < rows_of(dropped.output, "enrollments") < 2000
    assert rows_of(completed.output, "enrollments") != rows_of(dropped.output, "enrollments")


def test_missing_configuration_names_the_variable(tmp_path: Path) -> None:
    result = CliRunner().invoke(sync, [], env={"DOKSTAMP_TENANT": "x"})
    assert result.exit_code == 2
    assert "DOKSTAMP_API_URL" in result.output


def test_secrets_file_is_read_and_the_environment_wins(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text(
        "[dokstamp]\n"
        f'DOKSTAMP_API_URL = "{sandbox.url}"\n'
        f'DOKSTAMP_TENANT = "{DEMO_TENANT}"\n'
        f'DOKSTAMP_CLIENT_ID = "{DEMO_CLIENT_ID}"\n'
        f'DOKSTAMP_CLIENT_SECRET = "{DEMO_CLIENT_SECRET}"\n'
        'ENROLLMENT_OUTCOMES_CACHE_DIR = "from-the-file"\n',
        encoding="utf-8",
    )
    cache = tmp_path / "from-the-environment"
    result = CliRunner().invoke(
        sync, ["--no-references"], env={"ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache)}
    )
    assert result.exit_code == 0, result.output
    assert rows_of(result.output, "enrollments") == 2000
    assert f"Cache folder: {cache}" in result.output


def test_unknown_status_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(sync, ["--status", "graduated"])
    assert result.exit_code == 2
    assert "graduated" in result.output


def test_unreachable_api_without_cache_fails(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    running = sandbox_factory(seed="demo", enrollments=100)
    url = running.url
    running.stop()
    result = run_sync(url, tmp_path / "cache", "--no-references")
    assert result.exit_code == 1
    assert "enrollments  failed" in result.output


def test_api_down_after_a_sync_shows_the_stale_copy(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    running = sandbox_factory(seed="demo", enrollments=100)
    cache = tmp_path / "cache"
    assert run_sync(running.url, cache, "--no-references").exit_code == 0
    running.stop()
    result = run_sync(running.url, cache, "--refresh", "--no-references")
    assert result.exit_code == 1
    assert rows_of(result.output, "enrollments") == 100
    assert "STALE" in result.output


def _listing(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"data": records, "meta": {"current_page": 1, "per_page": 1000, "total": len(records)}}


ENROLLMENT = {
    "uuid": str(uuid.UUID(int=1)),
    "completion_status": "enrolled",
    "grade": None,
    "enrolled_at": "2024-02-01T00:00:00.000000Z",
    "completed_at": None,
    "student": {"uuid": str(uuid.UUID(int=2)), "name": "Student"},
    "course": {"uuid": str(uuid.UUID(int=3)), "name": "Course"},
    "cohort": None,
}
COURSE = {"uuid": str(uuid.UUID(int=3)), "code": "C", "name": "Course", "workload_hours": 120}


@pytest.mark.parametrize(
    ("resource", "bad", "field"),
    [
        ("enrollments", {**ENROLLMENT, "enrolled_at": "0001-01-01T00:00:00+01:00"}, "enrolled_at"),
        ("enrollments", {**ENROLLMENT, "enrolled_at": "9999-12-31T23:59:59-01:00"}, "enrolled_at"),
        ("courses", {**COURSE, "workload_hours": "²"}, "workload_hours"),
    ],
    ids=["before-year-1", "after-year-9999", "superscript-digit"],
)
def test_a_malformed_record_is_a_data_error_not_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, resource: str, bad: dict[str, Any], field: str
) -> None:
    served = {
        "enrollments": [ENROLLMENT],
        "courses": [COURSE],
        "cohorts": [],
        "certificates": [],
    }
    served[resource] = [bad]

    def api(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_listing(served[request.url.path.strip("/")]))

    monkeypatch.setattr(
        importlib.import_module("dashboard.cli.sync"),  # the module (the package exports `sync`)
        "load_extract",
        functools.partial(load_extract, transport=httpx.MockTransport(api)),
    )
    env = {
        "DOKSTAMP_API_URL": "https://api.dokstamp.test",
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_TOKEN": "cli-test-token",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path / "cache"),
    }
    result = CliRunner().invoke(sync, [], env=env)

    assert isinstance(result.exception, SystemExit), result.exception  # reported, not a crash
    assert result.exit_code == 1, result.output
    assert "Invalid value" not in result.output
    assert f"{resource:<13}failed: {resource}.{field} of {bad['uuid']}" in result.output
    assert "records the frames cannot hold" in result.output
    others = [name for name in served if name != resource]
    assert all(re.search(rf"^{name}\s+[\d,]+ rows", result.output, re.M) for name in others)


def test_a_filter_the_cache_cannot_key_is_a_usage_error(tmp_path: Path) -> None:
    env = {
        "DOKSTAMP_API_URL": "https://api.dokstamp.test",
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_TOKEN": "cli-test-token",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path / "cache"),
    }
    result = CliRunner().invoke(sync, ["--course", " "], env=env)
    assert result.exit_code == 2
    assert "Invalid value" in result.output
    assert "Syncing" not in result.output  # refused before anything was fetched


# -- the cache folder is damaged: never report as stored what was not ---------------------------


def _cache_indexes(cache: Path) -> list[Path]:
    """Every diskcache index under the cache folder (the frame cache's, and any other store's)."""
    return sorted(cache.rglob("cache.db"))


def test_a_garbage_cache_index_is_moved_aside_and_the_sync_still_caches(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert run_sync(sandbox.url, cache, "--no-references").exit_code == 0
    indexes = _cache_indexes(cache)
    assert indexes
    for index in indexes:
        index.write_bytes(b"\x00garbage, not SQLite\xff" * 4096)

    rebuilt = run_sync(sandbox.url, cache, "--no-references")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "could not be read (file is not a database); moved it to" in rebuilt.output
    assert "started an empty cache" in rebuilt.output
    assert "fetched from the API" in rebuilt.output
    for index in indexes:
        moved = sorted(index.parent.glob("cache.db.corrupt-*"))
        assert [path.read_bytes()[:9] for path in moved] == [b"\x00garbage,"], moved
        assert str(moved[0]) in rebuilt.output

    again = run_sync(sandbox.url, cache, "--no-references")
    assert again.exit_code == 0, again.output
    assert "from the cache" in again.output  # the fetched frame was really stored
    assert "moved it to" not in again.output


def test_a_sync_that_cannot_store_fails_and_says_so(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "frames").write_text("a file where the frame cache's folder should be")

    result = run_sync(sandbox.url, cache)

    assert result.exit_code == EXIT_CACHE_ERROR, result.output
    assert rows_of(result.output, "enrollments") == 2000  # the data itself was good
    assert "fetched from the API, NOT stored in the cache: FileExistsError" in result.output
    assert re.search(r"^enrollments .* fetched from the API$", result.output, re.M) is None
    assert "NOT stored in the cache folder" in result.output
    assert "enrollments, courses, cohorts, certificates" in result.output
