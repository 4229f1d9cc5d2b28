"""How old the data on screen is, in words ("fetched 12 min ago"), and whether to warn about it."""

from __future__ import annotations

from datetime import datetime

__all__ = ["age_in_words", "freshness_line"]


def age_in_words(fetched_at: datetime, *, now: datetime) -> str:
    """The age of an extract in words, rounded down: "just now", "12 min ago", "3 h ago", ...

    Both datetimes must be timezone-aware. A ``fetched_at`` in the future (clock skew) reads
    "just now" rather than a negative age.
    """
    seconds = (now - fetched_at).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"


def freshness_line(
    fetched_at: datetime | None, *, now: datetime, from_cache: bool, source: str
) -> str:
    """One plain-text line naming the data source and the extract time, for the page header."""
    if fetched_at is None:
        return f"Source: {source}. Not fetched yet."
    stamp = fetched_at.strftime("%Y-%m-%d %H:%M UTC")
    where = "from the local cache" if from_cache else "from the API"
    return f"Source: {source}. Fetched {age_in_words(fetched_at, now=now)} ({stamp}), {where}."
