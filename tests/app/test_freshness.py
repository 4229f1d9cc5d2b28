"""Freshness wording for the page header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.app.freshness import age_in_words, freshness_line

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(seconds=-30), "just now"),
        (timedelta(minutes=12, seconds=59), "12 min ago"),
        (timedelta(minutes=59), "59 min ago"),
        (timedelta(hours=3, minutes=10), "3 h ago"),
        (timedelta(days=3), "3 days ago"),
    ],
)
def test_age_in_words(age: timedelta, words: str) -> None:
    assert age_in_words(NOW - age, now=NOW) == words


def test_freshness_line_names_source_and_extract_time() -> None:
    line = freshness_line(NOW - timedelta(minutes=12), now=NOW, source="demo sandbox")
    assert line == "Source: demo sandbox. Data as of 12 min ago (2026-11-26 13:48 UTC)."
    patched = freshness_line(
        NOW - timedelta(hours=3), now=NOW, source="API", patched_at=NOW - timedelta(minutes=2)
    )
    assert patched.endswith("with corrections made since (2 min ago).")
    assert "Not read yet" in freshness_line(None, now=NOW, source="API")
