"""The seed's students: plausible names from one origin's pool, unique emails, ages by course kind.

Each new student is drawn when first enrolled; the draws are plain ``rng.random()`` calls (this
runs once per student, up to a million times), in a fixed order, so a seed gives the same people.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable

from dokstamp_sandbox.seed_catalog import NAME_POOLS, POOL_WEIGHTS
from dokstamp_sandbox.seed_draws import ascii_slug, iso, stamp
from dokstamp_sandbox.seed_rows import TenantRows

_POOL_CUMULATIVE = tuple(itertools.accumulate(POOL_WEIGHTS))
Pool = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # (female, male, surnames)


class StudentDraws:
    """Draws new students into a tenant's rows; remembers the emails taken."""

    def __init__(self, rows: TenantRows, email_domain: str) -> None:
        self.rows = rows
        self.email_domain = email_domain
        self.emails: dict[str, int] = {}

    def new_student(self, enrolled: int, kind: str) -> int:
        """Add a student who first enrolls on day ``enrolled`` in a course of ``kind``; its id."""
        draw = self.rows.rng.random
        pool = NAME_POOLS[bisect.bisect(_POOL_CUMULATIVE, draw() * _POOL_CUMULATIVE[-1])]
        gender = _gender(draw())
        first, email_first, last, email_last = _name(draw, pool, gender)
        email = self._email(email_first, email_last)
        born = enrolled - int(_age(self.rows.rng, kind) * 365.25) - int(draw() * 365)
        social = None
        if draw() < 0.004:
            social = f"{pool[0][int(draw() * len(pool[0]))]} {last}"
        student_id = self.rows.new_id("students")
        created = stamp(enrolled - 20)
        self.rows.students.append(
            (
                student_id,
                self.rows.new_uuid(),
                self.rows.tenant_id,
                f"{first} {last}",
                email,
                iso(born),
                gender,
                social,
                created,
                created,
            )
        )
        return student_id

    def _email(self, first: str, last: str) -> str:
        """first.last@domain; a namesake gets first.last2, first.last3, ..."""
        base = f"{ascii_slug(first)}.{ascii_slug(last)}"
        seen = self.emails.get(base, 0)
        self.emails[base] = seen + 1
        return f"{base}{seen + 1 if seen else ''}@{self.email_domain}"


def _gender(roll: float) -> str | None:
    return "female" if roll < 0.52 else "male" if roll < 0.96 else "other" if roll < 0.98 else None


def _name(draw: Callable[[], float], pool: Pool, gender: str | None) -> tuple[str, str, str, str]:
    """(full first names, first name for the email, full surname, surname for the email): some
    have a second first name, some two surnames (the email takes the second)."""
    firsts = pool[0] if gender == "female" else pool[1]
    if gender is None or gender == "other":
        firsts = pool[0] if draw() < 0.5 else pool[1]
    first = email_first = firsts[int(draw() * len(firsts))]
    if draw() < 0.12:
        first = f"{first} {firsts[int(draw() * len(firsts))]}"
    surnames = pool[2]
    last = email_last = surnames[int(draw() * len(surnames))]
    if draw() < 0.18:
        email_last = surnames[int(draw() * len(surnames))]
        last = f"{last} {email_last}"
    return first, email_first, last, email_last


def _age(rng: random.Random, kind: str) -> float:
    """Age at first enrollment: bachelors start young, masters later, short courses any time."""
    if kind == "bachelor":
        return 18 + abs(rng.gauss(0, 3))
    if kind == "master":
        return 23 + abs(rng.gauss(0, 6))
    return 20 + abs(rng.gauss(0, 12))
