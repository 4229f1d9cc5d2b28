"""Two dashboard replicas and one `sync --every` worker on one redis-server (all on loopback).

The worker publishes snapshots and both replicas serve them; a correction made in a browser on
replica A shows on replica B at its next view; when Redis dies, each replica keeps its last
snapshot on screen with a clear message instead of failing.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from dashboard.data.shared_store import RedisSnapshotStore
from dashboard.data.source import DataSource
from dashboard.settings import Settings
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox

from ..conftest import RedisServer
from .conftest import ROOT, app_env, running_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

TIMEOUT_MS = 60_000
CHART = '[data-testid="stVegaLiteChart"] svg.marks'
WORKER_PERIOD = "15s"


def _metric(page: Page, label: str) -> int:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return int(card.locator('[data-testid="stMetricValue"]').inner_text().strip().replace(",", ""))


def _view(page: Page, url: str, path: str = "") -> None:
    page.goto(f"{url}/{path}", timeout=TIMEOUT_MS)
    page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText"
        ".includes('Running')",
        timeout=TIMEOUT_MS,
    )


def _api(sandbox: RunningSandbox) -> httpx.Client:
    token = httpx.post(
        f"{sandbox.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
        timeout=10,
    ).json()["access_token"]
    return httpx.Client(
        base_url=sandbox.url,
        headers={"Authorization": f"Bearer {token}", "X-Tenant": DEMO_TENANT},
        timeout=10,
    )


def _enrolled(api: httpx.Client, count: int) -> list[str]:
    listing = api.get(
        "/enrollments", params={"where[completion_status]": "enrolled", "per_page": str(count)}
    ).json()
    return [row["uuid"] for row in listing["data"]]


@pytest.fixture
def worker(
    redis_server: RedisServer, sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> Iterator[tuple[RunningSandbox, dict[str, str], RedisSnapshotStore, DataSource]]:
    """A writable sandbox, and `enrollment-outcomes sync --every` publishing to the shared store."""
    sandbox = sandbox_factory(seed="demo", enrollments=300)
    env = app_env(
        sandbox,
        tmp_path / "worker-cache",
        ENROLLMENT_OUTCOMES_STORE=redis_server.url,
        ENROLLMENT_OUTCOMES_EDITING="true",
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", "from dashboard.cli import main; main()", "sync", "--every",
             WORKER_PERIOD],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    source = DataSource(Settings.from_mapping(env))
    store = RedisSnapshotStore.from_url(redis_server.url)
    try:
        yield sandbox, env, store, source
    finally:
        process.terminate()
        process.wait(timeout=30)
        store.close()
        source.close()


def _next_snapshot(store: RedisSnapshotStore, source: DataSource, after: str | None) -> str:
    """Wait for a snapshot newer than ``after`` to be published; its id."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        info = store.latest(source.line())
        if info is not None and info.id != after:
            return info.id
        time.sleep(0.5)
    raise AssertionError("the worker published no new snapshot in 120 s")


def test_two_replicas_and_a_worker_share_one_store(
    worker: tuple[RunningSandbox, dict[str, str], RedisSnapshotStore, DataSource],
    redis_server: RedisServer,
    browser: Browser,
    tmp_path: Path,
    screenshots: Path,
) -> None:
    sandbox, worker_env, store, source = worker
    _next_snapshot(store, source, None)  # the worker's first run
    api = _api(sandbox)
    env_a = {**worker_env, "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path / "a")}
    env_b = {**worker_env, "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path / "b")}
    with (
        running_dashboard(env_a, tmp_path / "a.log") as (url_a, _),
        running_dashboard(env_b, tmp_path / "b.log") as (url_b, _),
    ):
        a = browser.new_page(viewport={"width": 1440, "height": 2400})
        b = browser.new_page(viewport={"width": 1440, "height": 2400})
        _view(a, url_a)
        _view(b, url_b)
        active = _metric(a, "Active (enrolled)")
        assert _metric(b, "Active (enrolled)") == active

        # A change made in DokStamp itself reaches both replicas through the worker's snapshot
        # (the second one published after it: a run under way may have read that page before).
        changed = _enrolled(api, 1)[0]
        api.patch(f"/enrollments/{changed}", json={"completion_status": "dropped"})
        latest = store.latest(source.line())
        assert latest is not None
        _next_snapshot(store, source, _next_snapshot(store, source, latest.id))
        _view(a, url_a)
        _view(b, url_b)
        assert _metric(a, "Active (enrolled)") == active - 1
        assert _metric(b, "Active (enrolled)") == active - 1
        active -= 1

        # A correction in a browser on replica A shows on replica B at its next view.
        uuid = _enrolled(api, 1)[0]
        a.goto(f"{url_a}/corrections", timeout=TIMEOUT_MS)
        search = a.get_by_label("Find an enrollment")
        search.fill(uuid)
        search.press("Enter")
        expect(a.get_by_text("Edit enrollment")).to_be_visible(timeout=TIMEOUT_MS)
        form = a.locator('[data-testid="stForm"]').filter(has_text="Save correction")
        form.locator('[data-testid="stSelectbox"]').filter(has_text="Status").click()
        a.get_by_role("option", name="dropped", exact=True).click()
        form.get_by_role("button", name="Save correction").click()
        expect(a.get_by_text("Saved: enrollment")).to_be_visible(timeout=TIMEOUT_MS)
        _view(b, url_b)
        assert _metric(b, "Active (enrolled)") == active - 1
        b.screenshot(path=str(screenshots / "replica_b_after_correction_on_a.png"), full_page=True)

        # The correction log on replica B (another cache folder: another host) holds it: the
        # log is in the shared store, and its CSV says who, in which role, when and what.
        b.goto(f"{url_b}/corrections", timeout=TIMEOUT_MS)
        b.get_by_role("tab", name="Correction log").click()
        expect(b.get_by_text("1 correction(s) made by this dashboard")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        with b.expect_download(timeout=TIMEOUT_MS) as download:
            b.locator('[data-testid="stDownloadButton"] button:visible').last.click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        entries = list(csv.DictReader(io.StringIO(text)))
        assert [entry["enrollment_uuid"] for entry in entries] == [uuid]
        assert entries[0]["action"] == "update"
        assert entries[0]["actor"] == f"client {DEMO_CLIENT_ID}"
        assert entries[0]["at"]
        assert '"dropped"' in entries[0]["after"]

        # Redis dies: each replica keeps its last snapshot, and says why nothing new comes.
        redis_server.stop()
        for page, url in ((a, url_a), (b, url_b)):
            _view(page, url)
            expect(page.get_by_text("The snapshot store cannot be reached")).to_be_visible(
                timeout=TIMEOUT_MS
            )
            assert _metric(page, "Active (enrolled)") == active - 1
            assert page.locator('[data-testid="stException"]').count() == 0
        a.screenshot(path=str(screenshots / "replica_a_redis_down.png"), full_page=True)
