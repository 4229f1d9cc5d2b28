"""`enrollment-outcomes sync` against the sandbox: snapshots, freshness, failures, the worker."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

import dashboard.sources
from dashboard.cli.sync import EXIT_API_ERROR, PlainProgress, parse_every, sync
from dashboard.data.snapshots import DiskSnapshotStore, SnapshotInfo
from dashboard.data.source import SNAPSHOTS_FOLDER, DataSource
from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox, SandboxOptions

ENROLLMENTS = 2_000  # the session sandbox's (tests/conftest.py)
RUN_LINE = re.compile(
    r"^snapshot (?P<id>\S+): (?P<rows>.+); (?P<requests>[\d,]+) requests in [\d.]+ s "
    r"\([\d.]+ s waiting for the rate limit\)$",
    re.MULTILINE,
)
FRESH_LINE = re.compile(
    r"^snapshot (?P<id>\S+) is still fresh \((?P<rows>.+)\); nothing read$", re.MULTILINE
)
PROGRESS_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
    r"(?P<resource>\w+): page (?P<done>[\d,]+) of (?P<total>[\d,]+)$"
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No settings from the developer's environment or a secrets file in the working folder."""
    for name in list(os.environ):
        if name.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def config(url: str, cache: Path, **extra: str) -> dict[str, str]:
    return {
        "DOKSTAMP_API_URL": url,
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
        "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "DOKSTAMP_MAX_ATTEMPTS": "1",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
        **extra,
    }


def run_sync(url: str, cache: Path, *args: str, **extra: str) -> Result:
    return CliRunner().invoke(sync, list(args), env=config(url, cache, **extra))


def rows_of(text: str) -> dict[str, int]:
    """``2,000 enrollments, 15 courses`` as {"enrollments": 2000, "courses": 15}."""
    counts = {}
    for part in text.split(", "):
        number, name = part.split(" ")
        counts[name] = int(number.replace(",", ""))
    return counts


def run_line(result: Result) -> re.Match[str]:
    match = RUN_LINE.search(result.stdout)
    assert match is not None, result.output
    return match


def history(url: str, cache: Path, filters: dict[str, str] | None = None) -> list[SnapshotInfo]:
    line = DataSource(Settings.from_mapping(config(url, cache))).line(filters)
    with DiskSnapshotStore(cache / SNAPSHOTS_FOLDER) as store:
        return store.history(line)


def test_sync_publishes_a_snapshot_then_finds_it_fresh_then_refreshes(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = run_sync(sandbox.url, cache)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(f"Syncing {sandbox.url} (tenant {DEMO_TENANT})")
    made = run_line(first)
    rows = rows_of(made["rows"])
    assert list(rows) == ["enrollments", "courses", "cohorts", "certificates", "students"]
    assert rows["enrollments"] == ENROLLMENTS
    assert all(count > 0 for count in rows.values())
    (info,) = history(sandbox.url, cache)
    assert info.id == made["id"]
    assert info.rows == rows
    assert int(made["requests"].replace(",", "")) == info.requests

    second = run_sync(sandbox.url, cache)
    assert second.exit_code == 0, second.output
    fresh = FRESH_LINE.search(second.stdout)
    assert fresh is not None, second.output
    assert fresh["id"] == info.id
    assert rows_of(fresh["rows"]) == rows
    assert second.stderr == ""  # nothing was read: no progress

    third = run_sync(sandbox.url, cache, "--refresh")
    assert third.exit_code == 0, third.output
    assert run_line(third)["id"] != info.id
    assert [old.id for old in history(sandbox.url, cache)][1:] == [info.id]


def test_progress_is_plain_lines_when_the_output_is_not_a_terminal(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    result = run_sync(sandbox.url, tmp_path / "cache")  # CliRunner's streams are no terminal
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines
    assert "\r" not in result.stderr  # no progress bar redrawn in place
    matches = [PROGRESS_LINE.match(text) for text in lines]
    assert all(matches), lines
    finished = {m["resource"]: m["done"] for m in matches if m and m["done"] == m["total"]}
    assert list(finished) == ["enrollments", "courses", "cohorts", "certificates", "students"]


def test_plain_progress_writes_the_first_and_last_page_of_every_resource() -> None:
    log = io.StringIO()  # not a terminal
    progress = PlainProgress(log)
    progress.pages("enrollments", 1, 40)
    progress.pages("enrollments", 40, 40)
    progress.pages("courses", 1, 1)
    progress.close()
    lines = log.getvalue().splitlines()
    assert all(PROGRESS_LINE.match(text) for text in lines), lines
    assert [text[20:] for text in lines] == [
        "enrollments: page 1 of 40",
        "enrollments: page 40 of 40",
        "courses: page 1 of 1",
    ]


def test_progress_on_a_terminal_draws_one_bar_per_resource() -> None:
    screen = io.StringIO()
    progress = PlainProgress(screen, terminal=True)
    progress.pages("enrollments", 3, 40)
    progress.pages("enrollments", 40, 40)
    progress.pages("courses", 1, 1)
    progress.close()
    drawn = screen.getvalue()
    assert "\r" in drawn  # bars redrawn in place, not log lines
    assert "enrollments: 100%" in drawn
    assert "40/40" in drawn
    assert "courses: 100%" in drawn


def test_filters_make_a_line_of_their_own_enrollments(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "c"
    completed = run_sync(sandbox.url, cache, "--status", "completed")
    dropped = run_sync(sandbox.url, cache, "--status", "dropped")
    assert completed.exit_code == 0, completed.output
    assert "(enrollments where completion_status=completed)" in completed.stdout
    completed_rows = rows_of(run_line(completed)["rows"])
    dropped_rows = rows_of(run_line(dropped)["rows"])
    assert list(completed_rows) == ["enrollments"]  # a filtered line reads only its enrollments
    assert 0 < completed_rows["enrollments"] < ENROLLMENTS
    assert 0 < dropped_rows["enrollments"] < ENROLLMENTS
    assert completed_rows != dropped_rows
    assert len(history(sandbox.url, cache, {"completion_status": "completed"})) == 1
    assert history(sandbox.url, cache) == []


def test_missing_configuration_names_the_variable_and_the_demo(tmp_path: Path) -> None:
    result = CliRunner().invoke(sync, [], env={"DOKSTAMP_TENANT": "x"})
    assert result.exit_code == 2
    assert "DOKSTAMP_API_URL" in result.output
    assert "--demo" in result.output


def test_incomplete_credentials_are_a_configuration_error(tmp_path: Path) -> None:
    env = config("https://api.dokstamp.test", tmp_path / "cache")
    del env["DOKSTAMP_CLIENT_SECRET"]
    result = CliRunner().invoke(sync, [], env=env)
    assert result.exit_code == 2, result.output
    assert "Configuration error" in result.output


def test_demo_syncs_the_local_sandbox(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
        "ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS": "150",
        "DOKSTAMP_API_URL": "https://configured.but.ignored.invalid",
    }
    result = CliRunner().invoke(sync, ["--demo"], env=env)
    assert result.exit_code == 0, result.output
    assert "Syncing demo sandbox at http://127.0.0.1:" in result.stdout
    assert rows_of(run_line(result)["rows"])["enrollments"] == 150
    assert (cache / "demo-sandbox" / "sandbox.sqlite3").is_file()


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
        sync, ["--status", "enrolled"], env={"ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache)}
    )
    assert result.exit_code == 0, result.output
    made = run_line(result)
    (info,) = history(sandbox.url, cache, {"completion_status": "enrolled"})
    assert info.id == made["id"]
    assert not (tmp_path / "from-the-file").exists()


def test_unknown_status_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(sync, ["--status", "graduated"])
    assert result.exit_code == 2
    assert "graduated" in result.output


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900.0),
        ("1h", 3600.0),
        ("90s", 90.0),
        ("1h30m", 5400.0),
        ("2d", 172800.0),
        (" 1H ", 3600.0),
        ("45", 45.0),
        ("1.5m", 90.0),
    ],
)
def test_every_reads_durations(text: str, seconds: float) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0.5s", "15x", "m", "1h 30m", "-5m", "15 minutes"])
def test_every_refuses_what_is_not_a_period(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        parse_every(text)


def test_a_bad_every_is_a_usage_error_before_anything_is_read(tmp_path: Path) -> None:
    env = config("https://api.dokstamp.test", tmp_path / "cache")
    result = CliRunner().invoke(sync, ["--every", "soon"], env=env)
    assert result.exit_code == 2
    assert "--every" in result.output
    assert "Syncing" not in result.output
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("option", ["--course", "--cohort", "--student"])
def test_a_filter_that_is_not_a_uuid_is_a_usage_error_before_anything_is_read(
    tmp_path: Path, option: str
) -> None:
    env = config("https://api.dokstamp.test", tmp_path / "cache")
    result = CliRunner().invoke(sync, [option, "not-a-uuid"], env=env)
    assert result.exit_code == 2
    assert "'not-a-uuid' is not a UUID" in result.output
    assert "Syncing" not in result.output
    assert not (tmp_path / "cache").exists()


def test_unreachable_api_without_a_snapshot_fails(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    running = sandbox_factory(seed="demo", enrollments=100)
    url = running.url
    running.stop()
    result = run_sync(url, tmp_path / "cache")
    assert result.exit_code == 1
    assert "failed: " in result.stderr
    assert "there is no snapshot yet" in result.stderr  # none was ever made: nothing is kept
    assert RUN_LINE.search(result.stdout) is None
    assert history(url, tmp_path / "cache") == []


def test_a_tenant_the_credentials_do_not_open_is_named(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    running = sandbox_factory(seed="demo", enrollments=100)
    result = run_sync(running.url, tmp_path / "cache", DOKSTAMP_TENANT="nope")
    assert result.exit_code == 1
    assert "there is no snapshot yet" in result.stderr
    assert "refused tenant 'nope'" in result.stderr
    assert "DOKSTAMP_TENANT" in result.stderr


def test_api_down_after_a_sync_keeps_the_last_snapshot(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    running = sandbox_factory(seed="demo", enrollments=100)
    cache = tmp_path / "cache"
    first = run_sync(running.url, cache)
    assert first.exit_code == 0, first.output
    running.stop()
    result = run_sync(running.url, cache, "--refresh")
    assert result.exit_code == 1
    assert "the last good snapshot is kept" in result.stderr
    assert [info.id for info in history(running.url, cache)] == [run_line(first)["id"]]


def test_a_sync_already_running_elsewhere_is_skipped(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    line = DataSource(Settings.from_mapping(config(sandbox.url, cache))).line()
    with DiskSnapshotStore(cache / SNAPSHOTS_FOLDER) as store:  # the worker or the app
        lock = store.refresh_lock(line)
        assert lock.acquire()
        try:
            result = run_sync(sandbox.url, cache)
        finally:
            lock.release()
    assert result.exit_code == 0, result.output
    assert "another sync of the same data is running" in result.stdout
    assert history(sandbox.url, cache) == []


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
    served: dict[str, list[dict[str, Any]]] = {
        "enrollments": [ENROLLMENT],
        "courses": [COURSE],
        "cohorts": [],
        "certificates": [],
        "students": [],
    }
    served[resource] = [bad]

    def api(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_listing(served[request.url.path.strip("/")]))

    def open_with_transport(config: dict[str, str]) -> DataSource:  # the composition root, ...
        settings = Settings.from_mapping(config)  # ... with the fake API as its transport
        return DataSource(settings, transport=httpx.MockTransport(api))

    monkeypatch.setattr(dashboard.sources, "open_source", open_with_transport)
    cache = tmp_path / "cache"
    env = {
        "DOKSTAMP_API_URL": "https://api.dokstamp.test",
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_TOKEN": "cli-test-token",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
    }
    result = CliRunner().invoke(sync, [], env=env)

    assert isinstance(result.exception, SystemExit), result.exception  # reported, not a crash
    assert result.exit_code == 1, result.output
    assert "Invalid value" not in result.output
    assert f"failed: {resource}.{field} of {bad['uuid']}" in result.stderr
    line = DataSource(Settings.from_mapping(env)).line()
    with DiskSnapshotStore(cache / SNAPSHOTS_FOLDER) as store:
        assert store.history(line) == []  # all or nothing: the good resources are not published


def test_a_filter_the_line_cannot_key_is_a_usage_error(tmp_path: Path) -> None:
    env = {
        "DOKSTAMP_API_URL": "https://api.dokstamp.test",
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_TOKEN": "cli-test-token",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path / "cache"),
    }
    result = CliRunner().invoke(sync, ["--course", " "], env=env)
    assert result.exit_code == 2
    assert "Invalid value" in result.output
    assert "Syncing" not in result.output  # refused before anything was read


# -- the worker in a real process ------------------------------------------------------------------


@pytest.fixture
def slow_sandbox(sandbox_factory: Callable[..., RunningSandbox]) -> RunningSandbox:
    """300 enrollments (3 pages of 100) and 12 pages in all, each answer 300 ms late."""
    return sandbox_factory(
        seed="demo", enrollments=300, options=SandboxOptions(latency_ms=300, max_per_page=100)
    )


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
        command = Path(sys.executable).with_name("enrollment-outcomes")
        assert command.is_file(), command
        process = subprocess.Popen(
            [str(command), "sync", *args],
            env={**os.environ, **env},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.slow
def test_sigterm_aborts_the_running_sync_unpublished_and_the_next_run_resumes(
    slow_sandbox: RunningSandbox,
    tmp_path: Path,
    worker: Callable[..., subprocess.Popen[str]],
) -> None:
    cache = tmp_path / "cache"
    env = config(slow_sandbox.url, cache, DOKSTAMP_PAGE_SIZE="100")
    first = run_sync(slow_sandbox.url, cache, DOKSTAMP_PAGE_SIZE="100")
    assert first.exit_code == 0, first.output
    (published,) = history(slow_sandbox.url, cache)

    process = worker(env, "--every", "1s")
    assert process.stderr is not None
    seen: list[str] = []
    for text in process.stderr:  # the worker's plain progress lines
        seen.append(text)
        match = PROGRESS_LINE.match(text.strip())
        if match and match["resource"] == "enrollments" and match["done"] == match["total"]:
            break  # the enrollments are read; the reference listings are being read
    else:
        pytest.fail("the worker ended before reading the enrollments:\n" + "".join(seen))
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 0, out + err  # a worker stopped by a signal exits cleanly
    assert out.splitlines()[-1] == "stopped"
    assert RUN_LINE.search(out) is None
    assert "stopped: the sync was stopped before it finished" in err
    assert history(slow_sandbox.url, cache) == [published]  # the aborted run published nothing
    line = DataSource(Settings.from_mapping(env)).line()
    with DiskSnapshotStore(cache / SNAPSHOTS_FOLDER) as store:
        assert store.load_checkpoint(line, "enrollments") is not None
        assert store.load_checkpoint(line, "students") is None

    resumed_at = datetime.now(UTC)
    resumed = run_sync(slow_sandbox.url, cache, "--refresh", DOKSTAMP_PAGE_SIZE="100")

    assert resumed.exit_code == 0, resumed.output
    progress = [PROGRESS_LINE.match(text) for text in resumed.stderr.splitlines()]
    read = {m["resource"] for m in progress if m}
    assert "enrollments" not in read  # taken from the checkpoint, not read again
    assert "students" in read
    info = history(slow_sandbox.url, cache)[0]
    assert info.id == run_line(resumed)["id"] != published.id
    assert info.rows == published.rows
    assert info.pages == published.pages
    assert info.extracted_at < resumed_at  # the start of the oldest part: the aborted run's
    # One token request and the pages of what was not checkpointed (a listing of several pages
    # reads two of them again, to see it did not shift); a full run reads them all.
    unread = {name: pages for name, pages in info.pages.items() if name != "enrollments"}
    rereads = 2 * sum(1 for pages in unread.values() if pages > 1)
    assert info.requests <= 1 + sum(unread.values()) + rereads
    assert published.requests >= sum(published.pages.values())


def test_a_garbage_snapshot_index_is_moved_aside_and_the_sync_stored(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert run_sync(sandbox.url, cache).exit_code == 0
    index = cache / "snapshots" / "cache.db"
    index.write_bytes(b"this is not a database " * 100)
    result = run_sync(sandbox.url, cache)
    assert result.exit_code == 0, result.output
    assert RUN_LINE.search(result.output)  # read again and published
    assert list(index.parent.glob("cache.db.corrupt-*"))  # the bad file kept, moved aside
    again = run_sync(sandbox.url, cache)
    assert FRESH_LINE.search(again.output), again.output  # really stored this time


def test_a_store_that_cannot_be_written_is_a_failure_not_a_success(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "snapshots").write_text("a file where the snapshot folder should be")
    result = run_sync(sandbox.url, cache)
    assert result.exit_code == EXIT_API_ERROR, result.output
    assert "could not be stored" in result.output
    assert not RUN_LINE.search(result.output)


# -- the first request goes out before polars is loaded -------------------------------------------

_SPY_FIRST_REQUEST = """
import sys
from dashboard.client import _listing

sent = _listing.ListingReader.send_first_page


def spy(self, resource, **options):
    print(f"first page of {resource} sent; polars loaded: {'polars' in sys.modules}", flush=True)
    return sent(self, resource, **options)


_listing.ListingReader.send_first_page = spy
from dashboard.cli import main

main(["sync", "--refresh"], prog_name="enrollment-outcomes")
"""


def test_a_refresh_sends_its_first_request_before_polars_is_imported(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DOKSTAMP_", "ENROLLMENT_"))},
        **config(sandbox.url, tmp_path / "cache"),
    }
    done = subprocess.run(
        [sys.executable, "-c", _SPY_FIRST_REQUEST],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "first page of enrollments sent; polars loaded: False" in done.stdout
    assert rows_of(run_line_of(done.stdout)["rows"])["enrollments"] == ENROLLMENTS


def run_line_of(text: str) -> re.Match[str]:
    match = RUN_LINE.search(text)
    assert match is not None, text
    return match


def test_the_early_first_page_is_used_not_asked_for_again(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    plain = run_sync(sandbox.url, tmp_path / "plain")  # empty store: reads without an early page
    early = run_sync(sandbox.url, tmp_path / "early", "--refresh")  # sends page 1 ahead
    assert plain.exit_code == 0, plain.output
    assert early.exit_code == 0, early.output
    assert run_line(early)["requests"] == run_line(plain)["requests"]
    assert run_line(early)["rows"] == run_line(plain)["rows"]
