"""The seed's draws and days: uuids, bounded integers, month arithmetic, email slugs."""

from __future__ import annotations

import random
import uuid
from datetime import date

from dokstamp_sandbox.seed_draws import (
    AS_OF,
    AS_OF_DAY,
    add_months,
    ascii_slug,
    between,
    first_weekday,
    iso,
    stamp,
    uuid4,
)


def test_uuids_are_version_4_and_repeat_with_the_seed() -> None:
    drawn = [uuid4(random.Random(1)) for _ in range(2)]
    assert drawn[0] == drawn[1]
    parsed = uuid.UUID(drawn[0])
    assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
    assert str(parsed) == drawn[0]


def test_between_covers_both_ends_and_nothing_else() -> None:
    rng = random.Random(3)
    seen = {between(rng.random, -2, 2) for _ in range(500)}
    assert seen == {-2, -1, 0, 1, 2}


def test_days_are_ordinals_formatted_as_the_api_does() -> None:
    assert iso(AS_OF_DAY) == AS_OF.isoformat() == "2026-09-01"
    assert stamp(AS_OF_DAY) == "2026-09-01T09:00:00.000000Z"


def test_months_and_weekdays() -> None:
    assert add_months(date(2024, 11, 20), 3) == date(2025, 2, 1)
    assert add_months(date(2024, 1, 31), 12) == date(2025, 1, 1)
    assert first_weekday(2026, 8) == date(2026, 8, 3)  # August 1st 2026 is a Saturday
    assert first_weekday(2026, 9) == date(2026, 9, 1)


def test_slugs_are_plain_lower_case_ascii() -> None:
    assert ascii_slug("Łukasz") == "lukasz"
    assert ascii_slug("Ørsted-Bjørn") == "orstedbjorn"
    assert ascii_slug("O'Brien") == "obrien"
    assert ascii_slug("José María") == "josemaria"
