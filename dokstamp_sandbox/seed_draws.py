"""The seed's draws and days: fast integer and uuid draws from a seeded generator, days as ordinals.

Days are kept as ordinals (``date.toordinal``) while rows are generated and formatted once, when
written; SEED_AS_OF is the fixed "today" every seeded date is relative to.
"""

from __future__ import annotations

import functools
import random
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

from dokstamp_sandbox import demo

AS_OF = date.fromisoformat(demo.SEED_AS_OF)
AS_OF_DAY = AS_OF.toordinal()
# Letters NFKD does not take apart, and the characters an email address leaves out.
_ASCII = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "ı": "i",
        "æ": "ae",
        "'": "",
        " ": "",
        "-": "",
    }
)


@functools.cache
def iso(day: int) -> str:
    """The ISO date of a day ordinal."""
    return date.fromordinal(day).isoformat()


@functools.cache
def stamp(day: int) -> str:
    """The API's timestamp for 09:00 UTC on a day ordinal."""
    return f"{iso(day)}T09:00:00.000000Z"


def between(draw: Callable[[], float], low: int, high: int) -> int:
    """A uniform integer in [low, high] (what rng.randint does, several times faster)."""
    return low + int(draw() * (high - low + 1))


def uuid4(rng: random.Random) -> str:
    """A version-4 uuid drawn from rng (formatted directly: uuid.UUID is slow in bulk)."""
    h = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after day's month."""
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, 1)


def first_weekday(year: int, month: int) -> date:
    """The first Monday-to-Friday day of a month (when a cohort starts)."""
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@functools.cache
def ascii_slug(text: str) -> str:
    """A name as the lower-case ASCII an email address is made of."""
    plain = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return plain.encode("ascii", "ignore").decode().lower()
