"""ChunkFrames: pages in any order, made into typed frames a batch of pages at a time."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from dashboard.data import enrollment_frame
from dashboard.data.chunk_frames import ChunkFrames
from dashboard.data.errors import MalformedRecordError

Records = list[dict[str, Any]]


@pytest.fixture
def pages(fakes) -> dict[int, Records]:
    """Pages 11-17 of a listing, 3 records each (7 pages: batches of 3, 3 and 1 page)."""
    records = [fakes.enrollment(n) for n in range(21)]
    return {11 + index: records[index * 3 : index * 3 + 3] for index in range(7)}


def built_calls(pages: dict[int, Records]) -> tuple[ChunkFrames, list[int]]:
    sizes: list[int] = []

    def build(records: Any) -> pl.DataFrame:
        sizes.append(len(records))
        return enrollment_frame(records)

    return ChunkFrames(range(11, 18), per_batch=3, build=build), sizes


def test_pages_in_any_order_give_the_frames_of_the_pages_in_order(pages) -> None:
    chunk, sizes = built_calls(pages)
    for number in (17, 12, 11, 15, 16, 14, 13):
        assert not chunk.complete
        chunk.add(number, pages[number])
    assert chunk.complete
    whole = pl.concat(chunk.frames())
    expected = enrollment_frame([row for n in sorted(pages) for row in pages[n]])
    assert whole.equals(expected)
    assert sorted(sizes) == [3, 9, 9]  # one build per batch of pages, not one per page


def test_a_batch_is_built_only_when_its_last_page_comes(pages) -> None:
    chunk, sizes = built_calls(pages)
    chunk.add(12, pages[12])
    chunk.add(13, pages[13])
    assert sizes == []  # page 11 is missing: the records wait
    chunk.add(11, pages[11])
    assert sizes == [9]


def test_a_malformed_record_fails_when_its_batch_is_built(pages) -> None:
    chunk, _ = built_calls(pages)
    broken = [dict(record) for record in pages[17]]
    del broken[1]["uuid"]
    with pytest.raises(MalformedRecordError):
        chunk.add(17, broken)  # the last batch is that one page


def test_a_page_of_another_chunk_is_refused(pages) -> None:
    chunk, _ = built_calls(pages)
    with pytest.raises(ValueError, match="not in this chunk"):
        chunk.add(18, pages[17])
    with pytest.raises(ValueError, match="at least one page"):
        ChunkFrames(range(1, 3), per_batch=0, build=enrollment_frame)
