"""Loading extracts: cache hits, TTL, refresh, stale fallback, single flight, no secrets on disk."""

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
    load_enrollments,
)
from dashboard.data.corrections import create_enrollment
from dashboard.data.corrections_log import Correction, append_corrections
from dashboard.data.loading import _FLIGHTS, cache_key, frames_dir
from dashboard.data.schema import ENROLLMENT_SCHEMA
from dashboard.sandbox.demo import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TENANT,
    TINY_CLIENT_ID,
    TINY_CLIENT_SECRET,
    TINY_TENANT,
)
from dashboard.sandbox.runner import RunningSandbox
from dashboard.settings import Settings

CacheFiles = Callable[[Path], list[tuple[Path, bytes]]]


def records(fakes: Any, count: int) -> list[dict[str, Any]]:
    return [fakes.enrollment(n, grade=str(n % 10) if n % 3 else None) for n in range(count)]


def test_first_load_fetches_then_the_cache_answers(tmp_path: Path, fakes: Any) -> None:
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

    second = load_enrollments(settings, transport=transport)
    assert second.from_cache
    assert not second.stale
    assert api.list_requests == requests
    assert second.frame.equals(first.frame)
    assert second.fetched_at == first.fetched_at
    assert second.pages == 4


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

    api.fail_from_page = None
    after = load_enrollments(settings, transport=transport)  # still fresh: the old entry
    assert after.from_cache
    assert not after.stale
    assert after.frame.equals(good.frame)


def test_failure_with_nothing_cached_raises(tmp_path: Path, fakes: Any) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 25))
    api.fail_from_page = 2
    with pytest.raises(ServerError):
        load_enrollments(fakes.make_settings(tmp_path), transport=httpx.MockTransport(api))
    assert not list(frames_dir(fakes.make_settings(tmp_path)).rglob("*.val"))


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


def test_filters_reach_the_api_and_get_their_own_entry(tmp_path: Path, fakes: Any) -> None:
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


def test_concurrent_loads_of_one_key_share_one_fetch(tmp_path: Path, fakes: Any) -> None:
    api = fakes.FakeEnrollmentsApi(records(fakes, 30))
    api.gate = threading.Event()
    settings = fakes.make_settings(tmp_path)
    transport = httpx.MockTransport(api)
    results: list[Any] = []

    def load() -> None:
        results.append(load_enrollments(settings, transport=transport))

    threads = [threading.Thread(target=load) for _ in range(2)]
    flight = (str(tmp_path.resolve()), cache_key(settings, "enrollments").text)
    threads[0].start()
    while not _FLIGHTS.in_flight(flight):
        threading.Event().wait(0.001)
    threads[1].start()
    while _FLIGHTS.followers(flight) == 0:
        threading.Event().wait(0.001)
    api.gate.set()
    for thread in threads:
        thread.join(timeout=30)
    assert api.list_requests == 5  # one sync of 3 pages (and pages 1 and 3 again), not two
    assert len(results) == 2
    assert results[0] is results[1]


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
    assert len(files) >= 3  # the diskcache db, at least one value file, ...
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
    )  # patched into the cached frame
    running.stop()
    stale = load_enrollments(settings, refresh=True, transport=recorder)  # the failure path too
    assert stale.stale

    secrets += recorder.issued
    expected_issued = {"token": 0, "client": 1, "login": 2}[mode]  # access (+ refresh) token
    assert len(recorder.issued) >= expected_issued
    assert len(secrets) >= 1 + expected_issued
    files = cache_files(cache)
    assert len(files) >= 3  # the frames' diskcache db and value files, the corrections log
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert "HTTP Request" in logged  # httpx's own request log was captured
    for secret in secrets:
        assert [path for path, content in files if secret.encode() in content] == []
        assert secret not in logged


def test_a_pickled_entry_at_the_key_is_refused_and_refetched(tmp_path: Path, fakes: Any) -> None:
    settings = fakes.make_settings(tmp_path)
    key = cache_key(settings, "enrollments")
    with diskcache.Cache(str(frames_dir(settings))) as plain:
        plain.set(key.text, {"looks": "like a frame"}, tag='{"format": "parquet"}')
    api = fakes.FakeEnrollmentsApi(records(fakes, 4))
    extract = load_enrollments(settings, transport=httpx.MockTransport(api))
    assert not extract.from_cache
    assert extract.rows == 4
    with diskcache.Cache(str(frames_dir(settings))) as plain:
        _, mode_row = plain._sql(
            "SELECT key, mode FROM Cache WHERE key = ?", (key.text,)
        ).fetchone()
    assert mode_row != diskcache.core.MODE_PICKLE


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
    assert not tiny_first.from_cache  # demo's fresh entry did not answer for tiny
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
    key = cache_key(settings, "enrollments")
    results: list[Any] = []
    loader = threading.Thread(
        target=lambda: results.append(
            load_enrollments(settings, transport=httpx.MockTransport(api))
        )
    )
    loader.start()
    while not _FLIGHTS.in_flight((str(tmp_path.resolve()), key.text)):
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
    (extract,) = results
    row = extract.frame.filter(pl.col("uuid") == data[3]["uuid"]).row(0, named=True)
    assert row["completion_status"] == "dropped"
    cached = load_enrollments(settings, transport=httpx.MockTransport(api))
    assert cached.from_cache
    assert cached.frame.equals(extract.frame)
