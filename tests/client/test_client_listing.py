"""_listing: each page handed to a builder as it arrives, in page order, nothing else kept."""

from __future__ import annotations

import gc
import threading
import tracemalloc
from typing import Any

import httpx
import pytest

from dashboard.client import DokStampError
from dashboard.client import _listing as listing_module
from dashboard.client._pagination import UuidHashes


def _records(fakes, count):
    return [fakes.enrollment(n) for n in range(count)]


def test_pages_are_built_and_returned_in_page_order(make_client, fakes) -> None:
    records = _records(fakes, 95)
    client = make_client(fakes.FakeListApi(records, max_per_page=10), page_size=10, concurrency=4)
    threads: set[str] = set()

    def first_uuid_and_size(page: list[dict[str, Any]]) -> tuple[str, int]:
        threads.add(threading.current_thread().name)
        return page[0]["uuid"], len(page)

    built = client.list_pages("enrollments", build=first_uuid_and_size)

    assert built == [(records[n]["uuid"], 10 if n < 90 else 5) for n in range(0, 95, 10)]
    assert client.last_sync_stats is not None
    assert client.last_sync_stats.pages == 10
    assert client.last_sync_stats.records == 95
    assert any(name.startswith("dokstamp-page") for name in threads)  # built on the workers


def test_list_all_is_list_pages_with_the_records_kept(make_client, fakes) -> None:
    records = _records(fakes, 250)
    client = make_client(fakes.FakeListApi(records, max_per_page=100), page_size=1000)

    pages = client.list_pages("enrollments", build=list)
    assert [r for page in pages for r in page] == client.list_all("enrollments") == records


def test_single_and_unpaginated_listings_build_once(make_client, fakes) -> None:
    records = _records(fakes, 7)
    client = make_client(fakes.FakeListApi(records, max_per_page=10), page_size=10)
    assert client.list_pages("enrollments", build=len) == [7]

    body = {"data": records, "links": {"next": None}}
    bare = make_client(lambda request: fakes.json_response(200, body), page_size=10)
    assert bare.list_pages("enrollments", build=len) == [7]


def test_no_record_outlives_its_page(make_client, fakes) -> None:
    records = _records(fakes, 4000)
    api = fakes.FakeListApi(records, max_per_page=100)
    client = make_client(api, page_size=100)
    client.list_pages("enrollments", build=len)  # warm up: imports, pools, caches
    api.requests.clear()

    tracemalloc.start()
    try:
        client.list_pages("enrollments", build=len)
        api.requests.clear()  # the fake server's own log of requests
        gc.collect()  # httpx responses sit in reference cycles until a collection
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 4,000 decoded records take several MB while they exist; afterwards only the built
    # results (40 ints) and the bookkeeping remain.
    assert peak > 1_000_000
    assert kept < 200_000


def test_a_builder_error_fails_the_listing_as_is(make_client, fakes) -> None:
    client = make_client(fakes.FakeListApi(_records(fakes, 50), max_per_page=10), page_size=10)

    def refuse(page: list[dict[str, Any]]) -> int:
        raise ValueError("grade out of range")

    with pytest.raises(ValueError, match="grade out of range"):
        client.list_pages("enrollments", build=refuse)
    assert client.last_sync_stats is None


def test_a_repeated_uuid_on_two_pages_restarts_the_listing(make_client, fakes) -> None:
    records = _records(fakes, 30)
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        page = int(request.url.params["page"])
        data = records[(page - 1) * 10 : page * 10]
        if page == 3 and calls["n"] <= 3:
            data = [records[5], *records[21:30]]  # page 1's 6th record again, 20 lost
        meta = {"current_page": page, "per_page": 10, "total": 30}
        return fakes.json_response(200, {"data": data, "meta": meta})

    client = make_client(handler, page_size=10, concurrency=1)

    assert client.list_pages("enrollments", build=list) == [
        records[0:10],
        records[10:20],
        records[20:30],
    ]
    assert client.last_sync_stats is not None
    assert client.last_sync_stats.attempts == 2


def test_equal_hashes_of_different_uuids_are_not_a_repeat(make_client, fakes, monkeypatch) -> None:
    # Every uuid hashes alike: each is a suspect, and reading the pages again shows none repeats.
    monkeypatch.setattr(
        listing_module, "UuidHashes", lambda: UuidHashes(hash_function=lambda uuid: len(str(uuid)))
    )
    records = _records(fakes, 30)
    api = fakes.FakeListApi(records, max_per_page=10)
    client = make_client(api, page_size=10, concurrency=2)

    assert client.list_all("enrollments") == records
    stats = client.last_sync_stats
    assert stats is not None
    assert stats.attempts == 1
    assert stats.requests == 3 + 2 + 3  # the pages, the shift check, the pages read to confirm


def test_a_page_with_a_uuid_twice_is_refused(make_client, fakes) -> None:
    records = _records(fakes, 20)

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        data = records[(page - 1) * 10 : page * 10]
        if page == 2:
            data = [*data[:9], data[0]]
        meta = {"current_page": page, "per_page": 10, "total": 20}
        return fakes.json_response(200, {"data": data, "meta": meta})

    client = make_client(handler, page_size=10, concurrency=1)
    with pytest.raises(DokStampError, match="kept changing"):
        client.list_pages("enrollments", build=len)


def test_uuid_hashes_find_repeats_across_pages_only() -> None:
    hashes = UuidHashes()
    hashes.add(1, ["a", "b", None])
    hashes.add(2, ["c", "a"])
    hashes.add(3, ["d"])
    assert len(hashes) == 5
    assert hashes.suspects() == {hash("a"): {1, 2}}


def _page_ones(api) -> list[str]:
    return [str(r.url) for r in api.page_requests() if r.url.params.get("page") == "1"]


def test_a_first_page_sent_ahead_starts_the_listing(make_client, fakes) -> None:
    records = _records(fakes, 250)
    api = fakes.FakeListApi(records, max_per_page=100)
    client = make_client(api, page_size=100)

    client.start_listing("enrollments")
    client.start_listing("enrollments")  # already on its way: not sent twice
    assert client.list_all("enrollments") == records
    # Page 1 ahead, then again after the last page: as many requests as without sending ahead.
    assert len(_page_ones(api)) == 2
    assert client.last_sync_stats is not None
    assert client.last_sync_stats.requests == len(api.requests)  # the early one counted

    client.list_all("enrollments")  # taken once: the next listing asks for page 1 itself
    assert len(_page_ones(api)) == 4


def test_a_first_page_sent_ahead_is_only_for_its_own_listing(make_client, fakes) -> None:
    records = _records(fakes, 30)
    api = fakes.FakeListApi(records, max_per_page=100)
    client = make_client(api, page_size=100)
    wanted = records[0]["course"]["uuid"]

    client.start_listing("enrollments", filters={"course_uuid": wanted})
    everything = client.list_all("enrollments")
    assert everything == records
    filtered = client.list_all("enrollments", filters={"course_uuid": wanted})
    assert filtered == [r for r in records if r["course"]["uuid"] == wanted]
    assert len(_page_ones(api)) == 2  # one unfiltered, one filtered (sent ahead, then taken)


def test_a_first_page_sent_ahead_that_failed_fails_the_listing(make_client, fakes) -> None:
    client = make_client(lambda request: fakes.json_response(403, {"message": "no"}))
    client.start_listing("enrollments")
    with pytest.raises(DokStampError, match="no"):
        client.list_all("enrollments")
