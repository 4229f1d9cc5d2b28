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
    fetched_at: datetime | None,
    *,
    now: datetime,
    source: str,
    patched_at: datetime | None = None,
) -> str:
    """One plain-text line naming the data source and the snapshot's extract time."""
    if fetched_at is None:
        return f"Source: {source}. Not read yet."
    stamp = fetched_at.strftime("%Y-%m-%d %H:%M UTC")
    line = f"Source: {source}. Data as of {age_in_words(fetched_at, now=now)} ({stamp})"
    if patched_at is not None:
        line += f", with corrections made since ({age_in_words(patched_at, now=now)})"
    return line + "."
