"""read_pages: pages handed to a sink as they pass the checks; pages it holds are not asked for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from dashboard.client import HeldPages, ListingShape


class Sink:
    """A PageSink that keeps the uuids of each page, and may hold pages of an earlier read."""

    def __init__(
        self, held: dict[int, list[str]] | None = None, last_page: list[str] | None = None
    ):
        self.held = held or {}
        self.last_page = last_page
        self.shapes: list[ListingShape] = []
        self.added: dict[int, list[str]] = {}
        self.order: list[int] = []

    def begin(self, shape: ListingShape) -> HeldPages | None:
        self.shapes.append(shape)
        self.added.clear()
        if len(self.shapes) > 1 or not self.held:  # read again: the held pages are void
            return None
        assert self.last_page is not None
        return HeldPages(
            numbers=frozenset(self.held),
            last_page=self.last_page,
            identities=self._identities,
        )

    def add(self, number: int, built: list[str]) -> None:
        self.added[number] = built
        self.order.append(number)

    def _identities(self) -> Iterable[tuple[int, Sequence[object]]]:
        return self.held.items()

    def rows(self) -> list[str]:
        pages = {**self.held, **self.added} if len(self.shapes) == 1 else dict(self.added)
        return [uuid for number in sorted(pages) for uuid in pages[number]]


def uuids(page: list[dict[str, Any]]) -> list[str]:
    return [record["uuid"] for record in page]


def requested_pages(api) -> list[int]:
    return [int(r.url.params["page"]) for r in api.page_requests()]


def pages_of(records: list[dict[str, Any]], size: int) -> dict[int, list[str]]:
    return {
        n // size + 1: [r["uuid"] for r in records[n : n + size]]
        for n in range(0, len(records), size)
    }


def test_every_page_goes_to_the_sink_once_in_any_order(make_client, fakes) -> None:
    records = [fakes.enrollment(n) for n in range(95)]
    api = fakes.FakeListApi(records, max_per_page=10)
    client = make_client(api, page_size=10, concurrency=4)
    sink = Sink()

    stats = client.read_pages("enrollments", sink, build=uuids)

    assert sink.shapes == [ListingShape(total=95, per_page=10, pages=10)]
    assert sorted(sink.order) == list(range(1, 11))
    # Page 1 is read again once the last page was read: that read is the one used.
    assert sink.order.index(1) > sink.order.index(10)
    assert sink.rows() == [r["uuid"] for r in records]
    assert stats == client.last_sync_stats
    assert stats.pages == 10
    assert stats.records == 95


def test_held_pages_are_not_asked_for(make_client, fakes) -> None:
    records = [fakes.enrollment(n) for n in range(95)]
    api = fakes.FakeListApi(records, max_per_page=10)
    client = make_client(api, page_size=10, concurrency=2)
    pages = pages_of(records, 10)
    held = {n: pages[n] for n in (1, 2, 3, 4)}
    sink = Sink(held=held, last_page=pages[10])
    progress: list[tuple[int, int]] = []

    stats = client.read_pages(
        "enrollments",
        sink,
        build=uuids,
        progress=lambda done, total: progress.append((done, total)),
    )

    asked = requested_pages(api)
    assert sorted(set(asked)) == [1, 5, 6, 7, 8, 9, 10]
    assert asked.count(1) == 1  # only for the listing's shape: the held page 1 is the one used
    assert sorted(sink.added) == [5, 6, 7, 8, 9, 10]
    assert sink.rows() == [r["uuid"] for r in records]
    assert stats.requests < 10 + 2
    assert progress[0] == (4, 10)  # the held pages count as done
    assert progress[-1] == (10, 10)


def test_a_held_last_page_is_only_checked_at_the_end(make_client, fakes) -> None:
    records = [fakes.enrollment(n) for n in range(40)]
    api = fakes.FakeListApi(records, max_per_page=10)
    client = make_client(api, page_size=10, concurrency=2)
    pages = pages_of(records, 10)
    sink = Sink(held={3: pages[3], 4: pages[4]}, last_page=pages[4])

    client.read_pages("enrollments", sink, build=uuids)

    # The shape, page 2, page 1 again, and the last page checked against the held one.
    assert sorted(requested_pages(api)) == [1, 1, 2, 4]
    assert sink.rows() == [r["uuid"] for r in records]


def test_a_changed_last_page_voids_the_held_pages(make_client, fakes) -> None:
    records = [fakes.enrollment(n) for n in range(40)]
    pages = pages_of(records, 10)
    api = fakes.FakeListApi(records, max_per_page=10)
    client = make_client(api, page_size=10, concurrency=1)
    # Held from a read when the last page had other rows (one deleted, one added since).
    sink = Sink(held={1: pages[1], 2: pages[2]}, last_page=["gone", *pages[4][1:]])

    stats = client.read_pages("enrollments", sink, build=uuids)

    assert len(sink.shapes) == 2  # read again from page 1, without the held pages
    assert sorted(sink.added) == [1, 2, 3, 4]
    assert sink.rows() == [r["uuid"] for r in records]
    assert stats.attempts == 2


def test_a_held_uuid_seen_again_on_a_page_read_now_restarts_the_listing(make_client, fakes) -> None:
    records = [fakes.enrollment(n) for n in range(30)]
    pages = pages_of(records, 10)
    api = fakes.FakeListApi(records, max_per_page=10)
    client = make_client(api, page_size=10, concurrency=1)
    # The held page 2 claims a record that page 3 holds now: a row moved between the reads.
    sink = Sink(held={2: [*pages[2][:9], pages[3][0]]}, last_page=pages[3])

    client.read_pages("enrollments", sink, build=uuids)

    assert len(sink.shapes) == 2
    assert sink.rows() == [r["uuid"] for r in records]


def test_held_pages_that_are_not_pages_of_the_listing_are_refused(make_client, fakes) -> None:
    records = [fakes.enrollment(n) for n in range(30)]
    client = make_client(fakes.FakeListApi(records, max_per_page=10), page_size=10)
    sink = Sink(held={7: ["x"]}, last_page=["y"])

    with pytest.raises(ValueError, match="not pages of this listing"):
        client.read_pages("enrollments", sink, build=uuids)


def test_a_listing_of_one_page_reads_it_whatever_is_held(make_client, fakes) -> None:
    records = [fakes.enrollment(n) for n in range(7)]
    api = fakes.FakeListApi(records, max_per_page=10)
    client = make_client(api, page_size=10)
    sink = Sink(held={1: ["old"]}, last_page=["old"])

    client.read_pages("enrollments", sink, build=uuids)

    assert sink.added == {1: [r["uuid"] for r in records]}


def test_a_sink_error_fails_the_listing_as_is(make_client, fakes) -> None:
    records = [fakes.enrollment(n) for n in range(50)]
    client = make_client(fakes.FakeListApi(records, max_per_page=10), page_size=10)

    class Full(Sink):
        def add(self, number: int, built: list[str]) -> None:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        client.read_pages("enrollments", Full(), build=uuids)
    assert client.last_sync_stats is None
