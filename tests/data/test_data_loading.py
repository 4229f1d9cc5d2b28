"""Loading from snapshots: hits, TTL, refresh, stale fallback, single flight, no secrets."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import diskcache
import httpx
import orjson
import polars as pl
import pytest

from dashboard.client import DokStampError, IncompleteSyncError, NotFoundError, ServerError
from dashboard.data import (
    MalformedRecordError,
    enrollment_frame,
    load_cohorts,
    load_courses,
    load_enrollments,
)
from dashboard.data.corrections import create_enrollment
from dashboard.data.corrections_log import Correction, append_corrections
from dashboard.data.loading import _FLIGHTS
from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.data.snapshots import DiskSnapshotStore
from dashboard.data.source import SNAPSHOTS_FOLDER, DataSource
from dashboard.data.sync import RESOURCES
from dashboard.settings import Settings
from dokstamp_sandbox.demo import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TENANT,
    TINY_CLIENT_ID,
    TINY_CLIENT_SECRET,
    TINY_TENANT,
)
from dokstamp_sandbox.runner import RunningSandbox

CacheFiles = Callable[[Path], list[tuple[Path, bytes]]]


def records(fakes: Any, count: int) -> list[dict[str, Any]]:
    return [fakes.enrollment(n, grade=str(n % 10) if n % 3 else None) for n in range(count)]


def snapshot_store(settings: Settings) -> DiskSnapshotStore:
    """The store the loads use: ``<cache folder>/snapshots`` (close it, or use ``with``)."""
    return DiskSnapshotStore(settings.cache_dir / SNAPSHOTS_FOLDER)


def flight_of(source: DataSource) -> tuple[str, str]:
    """What a sync of the source's unfiltered line is single-flighted by (loading.refresh_line)."""
    return (repr(source.store), source.line().text)


def test_first_load_syncs_a_snapshot_then_the_snapshot_answers(tmp_path: Path, fakes: Any) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 35))
    settings = fakes.make_settings(tmp_path)
    transport = httpx.MockTransport(api)
    first = load_enrollments(settings, transport=transport)
    assert (first.from_cache, first.stale, first.error) == (False, False, None)
    assert first.pages == 4
    assert first.rows == 35
    assert first.frame.schema == ENROLLMENT_SCHEMA
    assert first.cache_dir == tmp_path
    requests = api.list_requests
    with snapshot_store(settings) as store:
        (info,) = store.history(DataSource(settings).line())
    assert info.id == first.snapshot_id
    assert info.resources == RESOURCES  # the unfiltered line holds every resource
    assert info.rows["enrollments"] == 35

    second = load_enrollments(settings, transport=transport)
    assert second.from_cache
    assert not second.stale
    assert api.list_requests == requests
    assert second.frame.equals(first.frame)
    assert second.fetched_at == first.fetched_at
    assert second.pages == 4
    assert second.snapshot_id == first.snapshot_id
    courses = load_courses(settings, transport=transport)  # the same snapshot, no request
    assert (courses.from_cache, courses.snapshot_id, courses.rows) == (True, info.id, 0)
    assert api.list_requests == requests


def test_ttl_zero_and_refresh_fetch_again(tmp_path: Path, fakes: Any) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 5))
    transport = httpx.MockTransport(api)
    fresh_for_an_hour = fakes.make_settings(tmp_path, cache_ttl_seconds=3600.0)
    load_enrollments(fresh_for_an_hour, transport=transport)
    api.records.append(fakes.enrollment(99))
    assert load_enrollments(fresh_for_an_hour, transport=transport).rows == 5
    refreshed = load_enrollments(fresh_for_an_hour, refresh=True, transport=transport)
    assert (refreshed.rows, refreshed.from_cache) == (6, False)

    always_expired = fakes.make_settings(tmp_path, cache_ttl_seconds=0.0)
    api.records.append(fakes.enrollment(100))
    expired = load_enrollments(always_expired, transport=transport)
    assert (expired.rows, expired.from_cache) == (7, False)


def test_failure_mid_sync_returns_the_previous_frame_intact(tmp_path: Path, fakes: Any) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 25))
    transport = httpx.MockTransport(api)
    settings = fakes.make_settings(tmp_path)
    good = load_enrollments(settings, transport=transport)

    api.records.extend(fakes.enrollment(n) for n in range(100, 120))
    api.fail_from_page = 2  # page 1 arrives, page 2 fails: a partial sync
    stale = load_enrollments(settings, refresh=True, transport=transport)
    assert stale.stale
    assert stale.from_cache
    assert isinstance(stale.error, ServerError)
    assert stale.frame.equals(good.frame)
    assert stale.fetched_at == good.fetched_at

    assert stale.snapshot_id == good.snapshot_id
    with snapshot_store(settings) as store:  # nothing was published by the failed sync
        assert [info.id for info in store.history(DataSource(settings).line())] == [
            good.snapshot_id
        ]

    api.fail_from_page = None
    after = load_enrollments(settings, transport=transport)  # still fresh: the old snapshot
    assert after.from_cache
    assert not after.stale
    assert after.frame.equals(good.frame)


def test_failure_with_nothing_cached_raises(tmp_path: Path, fakes: Any) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 25))
    api.fail_from_page = 2
    settings = fakes.make_settings(tmp_path)
    with pytest.raises(ServerError):
        load_enrollments(settings, transport=httpx.MockTransport(api))
    with snapshot_store(settings) as store:
        assert store.lines() == []
        assert store.latest(DataSource(settings).line()) is None


def test_unreadable_records_fall_back_like_a_failed_fetch(tmp_path: Path, fakes: Any) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 3))
    transport = httpx.MockTransport(api)
    settings = fakes.make_settings(tmp_path)
    good = load_enrollments(settings, transport=transport)
    api.records.append(fakes.enrollment(50, completion_status="graduated"))
    stale = load_enrollments(settings, refresh=True, transport=transport)
    assert stale.stale
    assert isinstance(stale.error, MalformedRecordError)
    assert stale.frame.equals(good.frame)


def _undecodable(request: httpx.Request) -> httpx.Response:
    """Says gzip, is not: httpx raises DecodingError while reading it."""
    return httpx.Response(
        200,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        content=b'{"data": [], "meta": {"per_page": 10, "total": 0}}',
    )


def _more_pages_without_meta(request: httpx.Request) -> httpx.Response:
    body = {"data": [], "links": {"next": "https://api.dokstamp.test/enrollments?page=2"}}
    return httpx.Response(200, json=body)


@pytest.mark.parametrize(
    ("broken", "error_class"),
    [(_undecodable, DokStampError), (_more_pages_without_meta, IncompleteSyncError)],
    ids=["undecodable-body", "no-meta-but-next-link"],
)
def test_an_unusable_answer_falls_back_to_the_last_good_frame(
    tmp_path: Path, fakes: Any, broken: Callable[[httpx.Request], httpx.Response], error_class: type
) -> None:
    settings = fakes.make_settings(tmp_path)
    good = load_enrollments(
        settings, transport=httpx.MockTransport(fakes.FakeEnrollmentsApi(records(fakes, 5)))
    )

    stale = load_enrollments(settings, refresh=True, transport=httpx.MockTransport(broken))

    assert stale.stale
    assert isinstance(stale.error, error_class)
    assert stale.frame.equals(good.frame)


def test_filters_reach_the_api_and_get_their_own_line(tmp_path: Path, fakes: Any) -> None:
    course = fakes.enrollment(1)["course"]["uuid"]
    api = fakes.FakeEnrollmentsApi(records(fakes, 20))
    transport = httpx.MockTransport(api)
    settings = fakes.make_settings(tmp_path)
    everything = load_enrollments(settings, transport=transport)
    one_course = load_enrollments(settings, filters={"course_uuid": course}, transport=transport)
    assert not one_course.from_cache
    assert one_course.rows == 10
    assert everything.rows == 20
    assert one_course.frame["course_uuid"].unique().to_list() == [course]
    assert one_course.snapshot_id != everything.snapshot_id
    with snapshot_store(settings) as store:
        filtered = store.latest(DataSource(settings).line({"course_uuid": course}))
        assert len(store.lines()) == 2
    assert filtered is not None
    assert filtered.resources == ("enrollments",)  # a filtered line reads only its enrollments
    again = load_enrollments(settings, filters={"course_uuid": course}, transport=transport)
    assert again.from_cache
    assert again.frame.equals(one_course.frame)
    with pytest.raises(ValueError, match="cannot filter"):
        load_enrollments(settings, filters={"grade": "9"}, transport=transport)


def test_progress_reports_pages(tmp_path: Path, fakes: Any) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 45))
    calls: list[tuple[int, int]] = []
    load_enrollments(
        fakes.make_settings(tmp_path),
        progress=lambda done, total: calls.append((done, total)),
        transport=httpx.MockTransport(api),
    )
    assert calls[0] == (1, 5)
    assert calls[-1] == (5, 5)


@pytest.mark.parametrize("shared", [True, False], ids=["one-source", "bare-settings"])
def test_concurrent_loads_of_one_line_share_one_sync(
    tmp_path: Path, fakes: Any, shared: bool
) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 30))
    api.gate = threading.Event()
    settings = fakes.make_settings(tmp_path)
    transport = httpx.MockTransport(api)
    results: list[Any] = []
    source = DataSource(settings, transport=transport)

    def load() -> None:
        if shared:  # the app: one source for every session
            results.append(load_enrollments(source))
        else:  # notebooks: each call opens its own source on the same cache folder
            results.append(load_enrollments(settings, transport=transport))

    threads = [threading.Thread(target=load) for _ in range(2)]
    flight = flight_of(source)
    threads[0].start()
    while not _FLIGHTS.in_flight(flight):
        threading.Event().wait(0.001)
    threads[1].start()
    while _FLIGHTS.followers(flight) == 0:
        threading.Event().wait(0.001)
    api.gate.set()
    for thread in threads:
        thread.join(timeout=30)
    source.close()
    assert api.list_requests == 5  # one sync of 3 pages (and pages 1 and 3 again), not two
    assert len(results) == 2
    assert results[0].snapshot_id == results[1].snapshot_id
    assert results[0].frame.equals(results[1].frame)
    assert not results[0].from_cache
    assert not results[1].from_cache


def test_a_load_waits_for_a_sync_running_elsewhere_and_uses_its_snapshot(
    tmp_path: Path, fakes: Any
) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 8))
    settings = fakes.make_settings(tmp_path)
    source = DataSource(settings, transport=httpx.MockTransport(api))
    results: list[Any] = []
    with snapshot_store(settings) as elsewhere:  # another process: the worker, a replica
        lock = elsewhere.refresh_lock(source.line())
        assert lock.acquire()
        loader = threading.Thread(target=lambda: results.append(load_enrollments(source)))
        loader.start()
        while not _FLIGHTS.in_flight(flight_of(source)):
            threading.Event().wait(0.001)
        theirs = elsewhere.publish(
            source.line(),
            {"enrollments": enrollment_frame(records(fakes, 3))},
            extracted_at=datetime.now(UTC),
        )
        lock.release()
        loader.join(timeout=60)
    source.close()
    (extract,) = results
    assert extract.snapshot_id == theirs.id
    assert extract.rows == 3
    assert api.list_requests == 0  # no second sync of the same line


def test_a_snapshot_frame_with_another_schema_is_not_used(tmp_path: Path, fakes: Any) -> None:
    settings = fakes.make_settings(tmp_path)
    line = DataSource(settings).line()
    old = enrollment_frame(records(fakes, 2)).drop("grade")  # e.g. written by an older version
    with snapshot_store(settings) as store:
        store.publish(line, {"enrollments": old}, extracted_at=datetime.now(UTC))
    extract = load_enrollments(
        settings, transport=httpx.MockTransport(fakes.FakeEnrollmentsApi(records(fakes, 5)))
    )
    assert not extract.from_cache
    assert extract.rows == 5
    assert extract.frame.schema == ENROLLMENT_SCHEMA


def test_token_never_reaches_the_cache_folder(
    tmp_path: Path, fakes: Any, cache_files: CacheFiles
) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 15))
    settings = fakes.make_settings(tmp_path)
    transport = httpx.MockTransport(api)
    load_enrollments(settings, transport=transport)
    load_enrollments(settings, filters={"completion_status": "enrolled"}, transport=transport)
    api.fail_from_page = 1
    load_enrollments(settings, refresh=True, transport=transport)  # stale path too
    files = cache_files(tmp_path)
    assert len(files) >= 3  # the snapshots' diskcache db, frame files, lock files ...
    assert any(path.suffix == ".val" for path, _ in files)
    token = fakes.TOKEN.encode()
    assert [path for path, content in files if token in content] == []


class TokenRecorder(httpx.BaseTransport):
    """Loopback HTTP that notes every token the sandbox issues (login, refresh, client token)."""

    def __init__(self) -> None:
        self._http = httpx.HTTPTransport()
        self.issued: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._http.handle_request(request)
        if request.url.path in {"/oauth/token", "/auth/login", "/auth/refresh"}:
            body = orjson.loads(response.read())
            self.issued += [body[k] for k in ("access_token", "refresh_token") if body.get(k)]
        return response

    def close(self) -> None:
        self._http.close()


_STATIC = "static-token-for-the-cache-test"


@pytest.mark.parametrize("mode", ["token", "client", "login"])
def test_no_secret_of_any_auth_mode_reaches_the_cache_folder_or_the_logs(
    sandbox_factory: Callable[..., RunningSandbox],
    tmp_path: Path,
    cache_files: CacheFiles,
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx's and httpcore's included
    running = sandbox_factory(seed="demo", enrollments=40, static_tokens={_STATIC: DEMO_TENANT})
    cache = tmp_path / "cache"  # the sandbox's own db (which holds the secrets) stays outside
    values = {
        "DOKSTAMP_API_URL": running.url,
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache),
        "DOKSTAMP_MAX_ATTEMPTS": "1",
    }
    secrets: list[str]
    if mode == "token":
        values["DOKSTAMP_TOKEN"] = _STATIC
        secrets = [_STATIC]
    elif mode == "client":
        values |= {
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        }
        secrets = [DEMO_CLIENT_SECRET]
    else:
        values |= {"DOKSTAMP_EMAIL": DEMO_EMAIL, "DOKSTAMP_PASSWORD": DEMO_PASSWORD}
        secrets = [DEMO_PASSWORD]
    settings = Settings.from_mapping(values)
    recorder = TokenRecorder()

    enrollments = load_enrollments(settings, transport=recorder)
    load_enrollments(settings, filters={"completion_status": "completed"}, transport=recorder)
    cohort = load_cohorts(settings, transport=recorder).frame.row(0, named=True)
    created = create_enrollment(
        settings,
        {
            "student_uuid": enrollments.frame["student_uuid"][0],
            "course_uuid": cohort["course_uuid"],
            "cohort_uuid": cohort["uuid"],
            "enrolled_at": "2025-09-01",
        },
        actor="registrar",
        transport=recorder,
    )
    assert (
        load_enrollments(settings, transport=recorder)
        .frame["uuid"]
        .to_list()
        .count(created["uuid"])
        == 1
    )  # patched into the latest snapshot
    running.stop()
    stale = load_enrollments(settings, refresh=True, transport=recorder)  # the failure path too
    assert stale.stale

    secrets += recorder.issued
    expected_issued = {"token": 0, "client": 1, "login": 2}[mode]  # access (+ refresh) token
    assert len(recorder.issued) >= expected_issued
    assert len(secrets) >= 1 + expected_issued
    files = cache_files(cache)
    assert len(files) >= 3  # the snapshots' diskcache db and frame files, the corrections log
    assert any(SNAPSHOTS_FOLDER in path.parts for path, _ in files)
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert "HTTP Request" in logged  # httpx's own request log was captured
    for secret in secrets:
        assert [path for path, content in files if secret.encode() in content] == []
        assert secret not in logged


def test_a_pickled_entry_is_refused_and_synced_over(tmp_path: Path, fakes: Any) -> None:
    settings = fakes.make_settings(tmp_path)
    key = "latest:" + DataSource(settings).line().text  # where the line's snapshot list lives
    folder = settings.cache_dir / SNAPSHOTS_FOLDER
    with diskcache.Cache(str(folder)) as plain:
        plain.set(key, [{"id": "looks like a snapshot list"}])
    api = fakes.FakeEnrollmentsApi(records(fakes, 4))
    transport = httpx.MockTransport(api)
    extract = load_enrollments(settings, transport=transport)
    assert not extract.from_cache
    assert extract.rows == 4
    with diskcache.Cache(str(folder)) as plain:
        modes = [mode for (mode,) in plain._sql("SELECT mode FROM Cache").fetchall()]
        assert diskcache.core.MODE_PICKLE not in modes  # the pickle was written over
        # Now a pickle where the snapshot's frame is: the load syncs again rather than read it.
        plain.set(f"snapshot-frame:{extract.snapshot_id}:enrollments", {"looks": "like a frame"})
    again = load_enrollments(settings, transport=transport)
    assert not again.from_cache
    assert again.snapshot_id != extract.snapshot_id
    assert again.frame.equals(extract.frame)


def test_a_store_that_cannot_be_opened_is_a_clear_error(tmp_path: Path, fakes: Any) -> None:
    settings = fakes.make_settings(tmp_path)
    (tmp_path / SNAPSHOTS_FOLDER).write_text("a file where the snapshot folder should be")
    api = fakes.FakeEnrollmentsApi(records(fakes, 4))
    with pytest.raises(OSError, match="snapshots"):
        load_enrollments(settings, transport=httpx.MockTransport(api))


def test_tenants_with_the_same_filters_never_share_a_frame(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    def settings_for(tenant: str, client_id: str, secret: str) -> Settings:
        return Settings.from_mapping(
            {
                "DOKSTAMP_API_URL": sandbox.url,
                "DOKSTAMP_TENANT": tenant,
                "DOKSTAMP_CLIENT_ID": client_id,
                "DOKSTAMP_CLIENT_SECRET": secret,
                "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path),
            }
        )

    demo = settings_for(DEMO_TENANT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
    tiny = settings_for(TINY_TENANT, TINY_CLIENT_ID, TINY_CLIENT_SECRET)
    demo_first = load_enrollments(demo)
    tiny_first = load_enrollments(tiny)
    assert not tiny_first.from_cache  # demo's fresh snapshot did not answer for tiny
    assert tiny_first.snapshot_id != demo_first.snapshot_id
    demo_again, tiny_again = load_enrollments(demo), load_enrollments(tiny)
    assert demo_again.from_cache
    assert tiny_again.from_cache
    assert demo_again.frame.equals(demo_first.frame)
    assert tiny_again.frame.equals(tiny_first.frame)
    demo_uuids = set(demo_again.frame["uuid"].to_list())
    tiny_uuids = set(tiny_again.frame["uuid"].to_list())
    assert demo_uuids
    assert tiny_uuids
    assert not demo_uuids & tiny_uuids
    assert len(tiny_uuids) < len(demo_uuids)


def test_reference_frames_load_from_the_sandbox(sandbox: RunningSandbox, tmp_path: Path) -> None:
    settings = Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": sandbox.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path),
        }
    )
    cohorts = load_cohorts(settings)
    enrollments = load_enrollments(settings)
    assert cohorts.rows > 0
    assert cohorts.frame["start_date"].null_count() < cohorts.rows
    known = set(cohorts.frame["uuid"].to_list())
    used = set(enrollments.frame["cohort_uuid"].drop_nulls().to_list())
    assert used <= known


def test_not_found_is_not_swallowed(tmp_path: Path, fakes: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return fakes.json_response(404, {"message": "Resource not found."})

    with pytest.raises(NotFoundError):
        load_enrollments(fakes.make_settings(tmp_path), transport=httpx.MockTransport(handler))


def test_frame_builder_used_for_the_cache_matches_direct_build(tmp_path: Path, fakes: Any) -> None:
    data = records(fakes, 12)
    extract = load_enrollments(
        fakes.make_settings(tmp_path), transport=httpx.MockTransport(fakes.FakeEnrollmentsApi(data))
    )
    assert extract.frame.sort("uuid").equals(enrollment_frame(data).sort("uuid"))
    assert extract.frame["grade"].dtype == pl.Float64


def test_a_write_during_the_sync_is_replayed_onto_the_fetched_frame(
    tmp_path: Path, fakes: Any
) -> None:
    data = records(fakes, 12)
    api = fakes.FakeEnrollmentsApi(data)
    api.gate = threading.Event()
    settings = fakes.make_settings(tmp_path)
    source = DataSource(settings, transport=httpx.MockTransport(api))
    key = source.line()
    results: list[Any] = []
    loader = threading.Thread(target=lambda: results.append(load_enrollments(source)))
    loader.start()
    while not _FLIGHTS.in_flight(flight_of(source)):
        threading.Event().wait(0.001)
    # Meanwhile a correction is accepted by the API and logged (the pages read so far predate it).
    changed = {**data[3], "completion_status": "dropped"}
    append_corrections(
        tmp_path,
        api_url=key.api_url,
        tenant=key.tenant,
        corrections=[
            Correction(datetime.now(UTC), "ana", "update", data[3]["uuid"], data[3], changed)
        ],
    )
    api.gate.set()
    loader.join(timeout=30)
    source.close()
    (extract,) = results
    row = extract.frame.filter(pl.col("uuid") == data[3]["uuid"]).row(0, named=True)
    assert row["completion_status"] == "dropped"
    cached = load_enrollments(settings, transport=httpx.MockTransport(api))
    assert cached.from_cache
    assert cached.frame.equals(extract.frame)
