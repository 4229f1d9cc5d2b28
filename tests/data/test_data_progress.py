"""The tqdm progress callback: draws pages done of total, nothing on a cache hit."""

from __future__ import annotations

import io

from dashboard.data import page_progress


def test_bar_follows_the_callback() -> None:
    out = io.StringIO()
    with page_progress("enrollments", file=out) as progress:
        progress(1, 4)
        progress(3, 4)
        progress(4, 4)
        assert progress.pages_done == 4
    text = out.getvalue()
    assert "enrollments" in text
    assert "4/4" in text


def test_a_restarted_listing_moves_the_bar_back() -> None:
    out = io.StringIO()
    with page_progress("sync", file=out) as progress:
        progress(3, 5)
        progress(1, 6)
        assert progress.pages_done == 1
    assert "1/6" in out.getvalue()


def test_no_calls_no_bar() -> None:
    out = io.StringIO()
    with page_progress("sync", file=out) as progress:
        assert progress.pages_done == 0
    assert out.getvalue() == ""
