"""Listing: page planning from meta, concurrent pages, and syncs whose pages do not add up."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from dashboard.client import DokStampError, IncompleteSyncError, NotFoundError
from dashboard.client._pagination import (
    ListingChanged,
    Page,
    assemble_pages,
    page_count,
    read_page,
)


def _records(fakes, count):
    return [fakes.enrollment(n) for n in range(count)]


# -- pure parts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "per_page", "pages"), [(0, 100, 1), (1, 100, 1), (100, 100, 1), (101, 100, 2)]
)
def test_page_count(total, per_page, pages) -> None:
    assert page_count(total, per_page) == pages


def test_read_page_takes_what_the_server_applied() -> None:
    body = {"data": [{"uuid": "a"}], "meta": {"current_page": 2, "per_page": 100, "total": 101}}
    page = read_page(body, number=2, where="GET /x")
    assert (page.per_page, page.total, page.records) == (100, 101, [{"uuid": "a"}])


def test_read_page_rejects_a_body_without_data() -> None:
    with pytest.raises(DokStampError, match="'data' list"):
        read_page({"meta": {}}, number=1, where="GET /x")


def test_read_page_rejects_the_wrong_page() -> None:
    body = {"data": [], "meta": {"current_page": 1, "per_page": 10, "total": 30}}
    with pytest.raises(DokStampError, match="asked for page 3"):
        read_page(body, number=3, where="GET /x")


def test_assemble_rejects_a_short_middle_page() -> None:
    pages = [
        Page(1, [{"uuid": "a"}, {"uuid": "b"}], 2, 5),
        Page(2, [{"uuid": "c"}], 2, 5),
        Page(3, [{"uuid": "e"}], 2, 5),
    ]
    with pytest.raises(ListingChanged, match="page 2 held 1"):
        assemble_pages(pages)


def test_assemble_rejects_a_duplicate() -> None:
    pages = [Page(1, [{"uuid": "a"}, {"uuid": "b"}], 2, 3), Page(2, [{"uuid": "b"}], 2, 3)]
    with pytest.raises(ListingChanged, match="appeared twice"):
        assemble_pages(pages)


# -- through the client ----------------------------------------------------------------------


def test_list_all_reads_meta_and_fetches_every_page(make_client, fakes) -> None:
    records = _records(fakes, 250)
    api = fakes.FakeListApi(records, max_per_page=100)
    client = make_client(api, page_size=1000)

    assert client.list_all("enrollments") == records

    first, *rest = api.page_requests()
    assert first.url.params["per_page"] == "1000"
    assert first.url.params["page"] == "1"
    assert first.url.params["sort[column]"] == "uuid"
    assert first.url.params["sort[order]"] == "asc"
    # Later pages use the per_page the server applied, so the pages line up. The last page is
    # sent first, page 2 beside it (two in flight: they reach the server in either order), then
    # page 1 again and the last page again (the shift check).
    later = [(r.url.params["page"], r.url.params["per_page"]) for r in rest]
    assert sorted(later[:2]) == [("2", "100"), ("3", "100")]
    assert later[2:] == [("1", "100"), ("3", "100")]
    stats = client.last_sync_stats
    assert stats is not None
    assert (stats.pages, stats.requests, stats.records, stats.attempts) == (3, 5, 250, 1)


def test_filters_become_where_parameters(make_client, fakes) -> None:
    records = _records(fakes, 30)
    records[3]["completion_status"] = "completed"
    records[7]["completion_status"] = "completed"
    api = fakes.FakeListApi(records)
    client = make_client(api)

    found = client.list_all("enrollments", filters={"completion_status": "completed"})

    assert [r["uuid"] for r in found] == [records[3]["uuid"], records[7]["uuid"]]
    assert api.page_requests()[0].url.params["where[completion_status]"] == "completed"


def test_empty_listing_is_one_page_and_no_records(make_client, fakes) -> None:
    progress: list[tuple[int, int]] = []
    client = make_client(fakes.FakeListApi([]))

    assert client.list_all("enrollments", progress=lambda d, t: progress.append((d, t))) == []
    assert progress == [(1, 1)]


def test_an_unpaginated_answer_is_taken_whole(make_client, fakes) -> None:
    data = [{"uuid": "a"}, {"uuid": "b"}]
    client = make_client(lambda request: fakes.json_response(200, {"data": data}))

    assert client.list_all("courses") == data


@pytest.mark.parametrize(
    ("rows", "links", "reason"),
    [
        (2, {"next": "https://api.dokstamp.test/enrollments?page=2"}, "links.next is set"),
        (10, {"next": None}, "a page of 10 records is full"),
        (10, None, "a page of 10 records is full"),
    ],
    ids=["next-link", "full-page", "full-page-no-links"],
)
def test_an_answer_without_meta_that_may_have_more_pages_is_refused(
    make_client, fakes, rows, links, reason
) -> None:
    body: dict[str, object] = {"data": _records(fakes, rows)}
    if links is not None:
        body["links"] = links
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return fakes.json_response(200, body)

    client = make_client(handler, page_size=10)

    with pytest.raises(IncompleteSyncError, match="no pagination meta") as caught:
        client.list_all("enrollments")

    assert reason in caught.value.message
    assert caught.value.received == rows
    assert len(requests) == 1  # a server answering this way does so every time: not retried


def test_an_answer_without_meta_is_whole_only_when_clearly_complete(make_client, fakes) -> None:
    data = _records(fakes, 9)
    body = {"data": data, "links": {"first": "https://x/?page=1", "next": None}}
    client = make_client(lambda request: fakes.json_response(200, body), page_size=10)

    assert client.list_all("enrollments") == data


def test_meta_numbers_must_be_ascii_digits() -> None:
    body = {"data": [], "meta": {"current_page": 1, "per_page": "²", "total": 0}}
    with pytest.raises(DokStampError, match=r"meta\.per_page/meta\.total"):
        read_page(body, number=1, where="GET /x")


def test_progress_counts_pages_in_the_calling_thread(make_client, fakes) -> None:
    calls: list[tuple[int, int, str]] = []
    client = make_client(fakes.FakeListApi(_records(fakes, 95), max_per_page=10), page_size=10)

    client.list_all(
        "enrollments", progress=lambda d, t: calls.append((d, t, threading.current_thread().name))
    )

    assert [(d, t) for d, t, _ in calls] == [(n, 10) for n in range(1, 11)]
    assert {name for _, _, name in calls} == {threading.current_thread().name}


def test_pages_are_fetched_concurrently_within_the_bound(make_client, fakes) -> None:
    records = _records(fakes, 370)
    api = fakes.FakeListApi(records, max_per_page=10)
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.002)
        try:
            return api(request)
        finally:
            with lock:
                in_flight -= 1

    client = make_client(handler, page_size=10, concurrency=4)

    assert client.list_all("enrollments") == records
    assert 1 < most <= 4
    pages = sorted(int(r.url.params["page"]) for r in api.page_requests())
    assert pages == sorted([*range(1, 38), 1, 37])  # page 1 and the last one read twice


def test_a_total_changing_mid_sync_is_retried_then_complete(make_client, fakes) -> None:
    records = _records(fakes, 50)
    added = fakes.enrollment(999)
    state = {"pages_seen": 0}

    def insert_once(page: int, api) -> None:
        state["pages_seen"] += 1
        if page == 3 and added not in api.records:
            api.records.append(added)  # a row is created while the sync is under way

    api = fakes.FakeListApi(records, max_per_page=10, before_page=insert_once)
    client = make_client(api, page_size=10, concurrency=1)

    result = client.list_all("enrollments")

    assert result == [*_records(fakes, 50), added]
    assert len({r["uuid"] for r in result}) == 51
    assert client.last_sync_stats is not None
    assert client.last_sync_stats.attempts == 2


def test_a_deletion_mid_sync_never_yields_a_partial_list(make_client, fakes) -> None:
    records = _records(fakes, 50)

    def delete_on_page_2(page: int, api) -> None:
        if page == 2 and len(api.records) == 50:
            del api.records[0]  # rows shift left: page 2 would skip one record

    api = fakes.FakeListApi(records, max_per_page=10, before_page=delete_on_page_2)
    client = make_client(api, page_size=10, concurrency=1)

    result = client.list_all("enrollments")

    assert result == api.records
    assert len(result) == 49


def test_a_listing_that_keeps_changing_raises_incomplete_sync(make_client, fakes, caplog) -> None:
    counter = iter(range(1000, 2000))

    def always_growing(page: int, api) -> None:
        if page == 2:
            api.records.append(fakes.enrollment(next(counter)))

    api = fakes.FakeListApi(_records(fakes, 30), max_per_page=10, before_page=always_growing)
    client = make_client(api, page_size=10, concurrency=2)

    with pytest.raises(IncompleteSyncError, match="kept changing") as caught:
        client.list_all("enrollments")

    assert caught.value.expected is not None
    assert client.last_sync_stats is None
    attempts = [r for r in caplog.records if "changed during the sync" in r.getMessage()]
    assert len(attempts) == 3  # three whole attempts


def test_duplicates_with_an_unchanged_total_are_caught(make_client, fakes) -> None:
    records = _records(fakes, 20)
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        calls["n"] += 1
        # First attempt: page 2 repeats page 1's last record (a row moved between pages).
        data = records[:10] if page == 1 else records[10:20]
        if page == 2 and calls["n"] <= 2:
            data = [records[9], *records[10:19]]
        meta = {"current_page": page, "per_page": 10, "total": 20}
        return fakes.json_response(200, {"data": data, "meta": meta})

    client = make_client(handler, page_size=10, concurrency=1)

    assert client.list_all("enrollments") == records
    assert client.last_sync_stats is not None
    assert client.last_sync_stats.attempts == 2


def test_a_failing_page_fails_the_listing_without_partial_data(make_client, fakes) -> None:
    api = fakes.FakeListApi(_records(fakes, 100), max_per_page=10)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["page"] == "4":
            return fakes.json_response(404, {"message": "Resource not found."})
        return api(request)

    client = make_client(handler, page_size=10, concurrency=3)

    with pytest.raises(NotFoundError):
        client.list_all("enrollments")
    assert client.last_sync_stats is None


def test_transient_page_failures_are_retried_inside_the_sync(make_client, fakes) -> None:
    api = fakes.FakeListApi(_records(fakes, 100), max_per_page=10)
    failed: set[str] = set()

    def handler(request: httpx.Request) -> httpx.Response:
        page = request.url.params["page"]
        if page in {"3", "7"} and page not in failed:
            failed.add(page)
            return fakes.json_response(503, {"message": "busy"})
        return api(request)

    client = make_client(handler, page_size=10, concurrency=3)

    assert len(client.list_all("enrollments")) == 100
    stats = client.last_sync_stats
    assert stats is not None
    # 10 pages, 2 retries, and pages 1 and 10 read again (the shift check).
    assert (stats.pages, stats.requests, stats.retries, stats.attempts) == (10, 14, 2, 1)


def test_a_server_ignoring_page_is_reported(make_client, fakes) -> None:
    records = _records(fakes, 30)

    def handler(request: httpx.Request) -> httpx.Response:
        meta = {"current_page": 1, "per_page": 10, "total": 30}
        return fakes.json_response(200, {"data": records[:10], "meta": meta})

    client = make_client(handler, page_size=10)
    with pytest.raises(DokStampError, match="asked for page"):
        client.list_all("enrollments")


def test_resource_names_are_checked(make_client, fakes) -> None:
    client = make_client(fakes.FakeListApi([]))
    with pytest.raises(ValueError, match="resource"):
        client.list_all("../admin")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("list_courses", "/courses"),
        ("list_cohorts", "/cohorts"),
        ("list_students", "/students"),
        ("list_certificates", "/certificates"),
    ],
)
def test_reference_lists_use_their_endpoint(make_client, fakes, method, path) -> None:
    api = fakes.FakeListApi([{"uuid": "x"}])
    client = make_client(api)

    assert getattr(client, method)() == [{"uuid": "x"}]
    assert api.page_requests()[0].url.path == path


def test_list_students_passes_filters(make_client, fakes) -> None:
    api = fakes.FakeListApi([{"uuid": "x", "email": "a@b.test"}, {"uuid": "y", "email": "c@d"}])
    client = make_client(api)

    assert client.list_students({"email": "a@b.test"}) == [{"uuid": "x", "email": "a@b.test"}]
