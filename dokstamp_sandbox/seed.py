"""Deterministic demo data: a realistic university and a tiny college, bulk-inserted into SQLite.

Everything is drawn from a random generator seeded by the tenant and the requested size, and
dated relative to the fixed SEED_AS_OF (2026-09-01), so the same size always gives the same rows,
uuids included. A handful of rows carry on purpose the data problems the dashboard must flag
(metrics.md §7); they are inserted directly, as a legacy import would, bypassing validation.
"""

from __future__ import annotations

import bisect
import functools
import gc
import itertools
import random
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dokstamp_sandbox import demo
from dokstamp_sandbox.seed_catalog import (
    DEMO_CATALOG,
    NAME_POOLS,
    POOL_WEIGHTS,
    SHIFT_MODALITY,
    TINY_CATALOG,
    CourseSpec,
)
from dokstamp_sandbox.tenants import add_client, add_user, create_tenant

AS_OF = date.fromisoformat(demo.SEED_AS_OF)
_AS_OF_DAY = AS_OF.toordinal()
TINY_ENROLLMENTS = 60
# Completion probability and grade shift by class shift (evening and online students juggle jobs).
_SHIFT_COMPLETION = {"DAY": 0.03, "EVE": -0.04, "ONL": -0.08}
_SHIFT_GRADE = {"DAY": 0.1, "EVE": -0.1, "ONL": 0.0}
_POOL_CUMULATIVE = tuple(itertools.accumulate(POOL_WEIGHTS))
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


@dataclass(frozen=True)
class TenantSeed:
    """A seeded tenant: its identity, credentials, catalog and size."""

    domain: str
    name: str
    institution: str
    user_name: str
    user_email: str
    password: str
    client_id: str
    client_secret: str
    email_domain: str
    catalog: tuple[CourseSpec, ...]
    rng_seed: int
    with_problems: bool


DEMO_SEED = TenantSeed(
    domain=demo.DEMO_TENANT,
    name=demo.DEMO_INSTITUTION,
    institution=demo.DEMO_INSTITUTION,
    user_name=demo.DEMO_USER_NAME,
    user_email=demo.DEMO_EMAIL,
    password=demo.DEMO_PASSWORD,
    client_id=demo.DEMO_CLIENT_ID,
    client_secret=demo.DEMO_CLIENT_SECRET,
    email_domain="students.northfield.test",
    catalog=DEMO_CATALOG,
    rng_seed=2026_09_01,
    with_problems=True,
)

TINY_SEED = TenantSeed(
    domain=demo.TINY_TENANT,
    name=demo.TINY_INSTITUTION,
    institution=demo.TINY_INSTITUTION,
    user_name=demo.TINY_USER_NAME,
    user_email=demo.TINY_EMAIL,
    password=demo.TINY_PASSWORD,
    client_id=demo.TINY_CLIENT_ID,
    client_secret=demo.TINY_CLIENT_SECRET,
    email_domain="learners.tiny.test",
    catalog=TINY_CATALOG,
    rng_seed=1_234,
    with_problems=False,
)


@functools.cache
def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


@functools.cache
def _stamp(day: int) -> str:
    return f"{_iso(day)}T09:00:00.000000Z"


def _between(draw: Callable[[], float], low: int, high: int) -> int:
    """A uniform integer in [low, high] (what rng.randint does, several times faster)."""
    return low + int(draw() * (high - low + 1))


def _uuid4(rng: random.Random) -> str:
    """A version-4 uuid drawn from rng (formatted directly: uuid.UUID is slow in bulk)."""
    h = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, 1)


def _first_weekday(year: int, month: int) -> date:
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@functools.cache
def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return plain.encode("ascii", "ignore").decode().lower()


@dataclass
class _Cohort:
    row_id: int
    course: CourseSpec
    course_id: int
    shift: str
    start: int
    end: int
    weight: float


@dataclass
class _Generated:
    courses: list[tuple[Any, ...]] = field(default_factory=list)
    cohorts: list[tuple[Any, ...]] = field(default_factory=list)
    students: list[tuple[Any, ...]] = field(default_factory=list)
    enrollments: list[list[Any]] = field(default_factory=list)
    certificates: list[tuple[Any, ...]] = field(default_factory=list)


class _Generator:
    """Draws one tenant's rows; every random choice comes from one seeded generator."""

    def __init__(
        self,
        spec: TenantSeed,
        *,
        size: int,
        tenant_id: int,
        institution_id: int,
        next_ids: dict[str, int],
    ) -> None:
        self.spec = spec
        self.size = size
        self.tenant_id = tenant_id
        self.institution_id = institution_id
        self.next_ids = next_ids
        self.rng = random.Random(spec.rng_seed * 1_000_003 + size)
        self.out = _Generated()
        self.emails: dict[str, int] = {}
        self.cohorts: list[_Cohort] = []
        self.cohorts_by_course: dict[int, list[int]] = {}

    def _id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def _uuid(self) -> str:
        return _uuid4(self.rng)

    def courses_and_cohorts(self) -> None:
        for course in self.spec.catalog:
            course_id = self._id("courses")
            created = _stamp(date(course.first_year - 1, 11, 15).toordinal())
            self.out.courses.append(
                (
                    course_id,
                    self._uuid(),
                    self.tenant_id,
                    self.institution_id,
                    course.code,
                    course.name,
                    f"{course.name} at {self.spec.institution}.",
                    course.workload_hours,
                    course.area,
                    f"{course.first_year}.1",
                    "active",
                    created,
                    created,
                )
            )
            months = sorted(course.intake_months)
            for year in range(course.first_year, AS_OF.year + 2):
                for term, month in enumerate(months):
                    start = _first_weekday(year, month)
                    if start.toordinal() > _AS_OF_DAY + 183:
                        continue
                    end = _add_months(start, course.months).toordinal() - 1
                    suffix = chr(ord("A") + term) if len(months) > 1 else ""
                    for shift in course.shifts:
                        weight = course.popularity * (1 + 0.07 * (year - 2018)) / len(months)
                        if shift == "ONL":
                            weight *= 0.5 if year < 2020 else min(1.4, 0.8 + 0.15 * (year - 2020))
                        elif shift == "EVE":
                            weight *= 0.7
                        if start.toordinal() > _AS_OF_DAY:
                            weight = 0.0  # planned cohort: nobody has enrolled yet
                        cohort_id = self._id("cohorts")
                        modality = SHIFT_MODALITY[shift]
                        if shift == "EVE" and year < 2021:
                            modality = "presential"
                        code = f"{course.code}-{year}{suffix}-{shift}"
                        self.out.cohorts.append(
                            (
                                cohort_id,
                                self._uuid(),
                                self.tenant_id,
                                course_id,
                                code,
                                modality,
                                start.isoformat(),
                                _iso(end),
                                _stamp(start.toordinal() - 90),
                                _stamp(start.toordinal() - 90),
                            )
                        )
                        self.cohorts.append(
                            _Cohort(
                                cohort_id, course, course_id, shift, start.toordinal(), end, weight
                            )
                        )
                        self.cohorts_by_course.setdefault(course_id, []).append(cohort_id)

    def _allocate(self) -> list[int]:
        """Enrollments per cohort, proportional to weight and summing exactly to size."""
        total = sum(cohort.weight for cohort in self.cohorts)
        if total == 0 or self.size == 0:
            return [0] * len(self.cohorts)
        shares = [self.size * cohort.weight / total for cohort in self.cohorts]
        counts = [int(share) for share in shares]
        by_remainder = sorted(
            range(len(shares)), key=lambda i: (shares[i] - counts[i], -i), reverse=True
        )
        for index in by_remainder[: self.size - sum(counts)]:
            counts[index] += 1
        return counts

    def _student(self, enrolled: int, kind: str) -> int:
        # Hot path (one call per new student): plain rng.random() draws instead of choice/randint.
        draw = self.rng.random
        pool = NAME_POOLS[bisect.bisect(_POOL_CUMULATIVE, draw() * _POOL_CUMULATIVE[-1])]
        roll = draw()
        gender = (
            "female" if roll < 0.52 else "male" if roll < 0.96 else "other" if roll < 0.98 else None
        )
        firsts = pool[0] if gender == "female" else pool[1]
        if gender is None or gender == "other":
            firsts = pool[0] if draw() < 0.5 else pool[1]
        first = firsts[int(draw() * len(firsts))]
        email_first = first
        if draw() < 0.12:
            first = f"{first} {firsts[int(draw() * len(firsts))]}"
        surnames = pool[2]
        last = email_last = surnames[int(draw() * len(surnames))]
        if draw() < 0.18:
            email_last = surnames[int(draw() * len(surnames))]
            last = f"{last} {email_last}"
        base = f"{_ascii_slug(email_first)}.{_ascii_slug(email_last)}"
        seen = self.emails.get(base, 0)
        self.emails[base] = seen + 1
        email = f"{base}{seen + 1 if seen else ''}@{self.spec.email_domain}"
        if kind == "bachelor":
            age = 18 + abs(self.rng.gauss(0, 3))
        elif kind == "master":
            age = 23 + abs(self.rng.gauss(0, 6))
        else:
            age = 20 + abs(self.rng.gauss(0, 12))
        born = enrolled - int(age * 365.25) - int(draw() * 365)
        social = None
        if draw() < 0.004:
            social = f"{pool[0][int(draw() * len(pool[0]))]} {last}"
        student_id = self._id("students")
        created = _stamp(enrolled - 20)
        self.out.students.append(
            (
                student_id,
                self._uuid(),
                self.tenant_id,
                f"{first} {last}",
                email,
                _iso(born),
                gender,
                social,
                created,
                created,
            )
        )
        return student_id

    def _grade(self, mean: float, sd: float, step: float, low: float) -> float:
        raw = min(10.0, max(low, self.rng.gauss(mean, sd)))
        return round(round(raw / step) * step, 2)

    def enrollments(self) -> None:
        rng = self.rng
        draw = rng.random
        student_ids: list[int] = []
        first_course: dict[int, int] = {}
        # Chronological order: a returning student was created by an earlier enrollment.
        planned = sorted(
            zip(self.cohorts, self._allocate(), strict=True),
            key=lambda pair: (pair[0].start, pair[0].row_id),
        )
        for cohort, count in planned:
            course = cohort.course
            duration = cohort.end - cohort.start
            completion = course.completion + _SHIFT_COMPLETION[cohort.shift]
            for _ in range(count):
                if draw() < 0.08:
                    enrolled = cohort.start + _between(draw, 0, 14)
                else:
                    enrolled = cohort.start - _between(draw, 0, 45)
                enrolled = min(enrolled, _AS_OF_DAY)
                student_id = 0
                if student_ids and draw() < 0.15:
                    # A returning student (e.g. a graduate back for a master's or a short course).
                    student_id = student_ids[rng.randrange(len(student_ids))]
                    if first_course[student_id] == cohort.course_id:
                        student_id = 0
                if not student_id:
                    student_id = self._student(enrolled, course.kind)
                    student_ids.append(student_id)
                    first_course[student_id] = cohort.course_id
                completes = draw() < completion
                if completes:
                    roll = draw()
                    if roll < 0.8:
                        event = cohort.end + _between(draw, -25, 20)
                    elif roll < 0.95:
                        event = cohort.end + int(duration * (0.1 + 0.4 * draw()))
                    else:
                        event = cohort.end + int(duration * (0.5 + 0.5 * draw()))
                    event = max(event, enrolled + 7)
                elif duration > 400 and draw() < 0.6:
                    event = enrolled + _between(draw, 20, 365)  # most dropouts leave in year one
                elif duration > 400:
                    event = enrolled + _between(draw, 366, duration)
                else:
                    event = enrolled + 7 + int(duration * draw() ** 1.8)
                status, completed_at, grade = "enrolled", None, None
                if event <= _AS_OF_DAY and completes:
                    status, completed_at = "completed", event
                    grade = self._grade(
                        course.grade_mean + _SHIFT_GRADE[cohort.shift],
                        course.grade_sd,
                        course.grade_step,
                        4.0,
                    )
                elif event <= _AS_OF_DAY:
                    status = "dropped"
                    if draw() < 0.15:
                        grade = self._grade(course.grade_mean - 2.5, 1.4, course.grade_step, 0.0)
                cohort_id: int | None = cohort.row_id if draw() >= 0.03 else None
                updated = completed_at if completed_at is not None else enrolled
                self.out.enrollments.append(
                    [
                        self._id("enrollments"),
                        self._uuid(),
                        self.tenant_id,
                        student_id,
                        cohort.course_id,
                        cohort_id,
                        status,
                        grade,
                        enrolled,
                        completed_at,
                        event if status == "dropped" else updated,
                    ]
                )

    def problems(self) -> None:
        """Plant a handful of each data problem of metrics.md §7 on distinct rows."""
        rng = self.rng
        rows = self.out.enrollments
        per_problem = max(2, round(len(rows) * 0.0008))
        order = list(range(len(rows)))
        rng.shuffle(order)
        used: set[int] = set()

        def take(status: str | None, count: int = per_problem) -> list[list[Any]]:
            picked: list[list[Any]] = []
            for index in order:
                if len(picked) == count:
                    break
                row = rows[index]
                if index in used or (status is not None and row[6] != status):
                    continue
                if status == "completed" and (row[7] is None or row[9] is None):
                    continue
                used.add(index)
                picked.append(row)
            return picked

        for row in take("completed"):  # completed without completed_at
            row[9] = None
        for row in take("completed"):  # completed_at before enrolled_at
            row[9] = row[8] - rng.randint(1, 400)
        for row in take("completed"):  # completed_at in the future
            row[9] = _AS_OF_DAY + rng.randint(30, 480)
        for row in take("enrolled", max(1, per_problem // 2)):  # enrolled_at in the future
            row[8] = _AS_OF_DAY + rng.randint(5, 200)
        for row in take("completed", max(1, per_problem // 2)):  # grade on a 0-100 scale
            row[7] = round(row[7] * 10, 1)
        for row in take("completed", max(1, per_problem // 2)):  # more than 2 decimals
            row[7] = round(min(9.9, row[7]) + 1 / 30, 6)
        for row in take("dropped"):  # dropped with a completed_at
            row[9] = row[10]
        for row in take("enrolled"):  # still enrolled with a completed_at
            row[9] = min(_AS_OF_DAY, row[8] + rng.randint(100, 600))
        for row in take("completed"):  # completed without a grade
            row[7] = None
        course_ids = sorted(self.cohorts_by_course)
        for row in take(None):  # cohort of another course
            other = rng.choice([c for c in course_ids if c != row[4]] or course_ids)
            row[5] = rng.choice(self.cohorts_by_course[other])
        twins = take(None, 2 * per_problem)
        for original, twin in zip(twins[::2], twins[1::2], strict=False):
            twin[3], twin[4], twin[5] = original[3], original[4], original[5]  # enrolled twice

    def certificates(self) -> None:
        draw = self.rng.random
        for row in self.out.enrollments:
            completed_at, enrolled = row[9], row[8]
            if row[6] != "completed" or completed_at is None or completed_at > _AS_OF_DAY:
                continue
            if completed_at < enrolled or draw() >= 0.93:
                continue
            issued: int | None = completed_at + _between(draw, 10, 75)
            status = "issued"
            if issued is not None and issued > _AS_OF_DAY:
                status, issued = "draft", None
            revoked: int | None = None
            if issued is not None and draw() < 0.008:
                revoked = issued + _between(draw, 20, 400)
                if revoked > _AS_OF_DAY:
                    revoked = None
                else:
                    status = "revoked"
            enrollment_id = row[0] if draw() < 0.97 else None
            created = issued if issued is not None else completed_at + 5
            self.out.certificates.append(
                (
                    self._id("certificates"),
                    self._uuid(),
                    self.tenant_id,
                    self.institution_id,
                    row[4],
                    row[3],
                    row[5],
                    enrollment_id,
                    status,
                    _stamp(issued) if issued is not None else None,
                    _stamp(revoked) if revoked is not None else None,
                    "Issued in error" if revoked is not None else None,
                    _stamp(created),
                    _stamp(created),
                )
            )


def _next_ids(connection: sqlite3.Connection) -> dict[str, int]:
    tables = ("courses", "cohorts", "students", "enrollments", "certificates")
    return {
        table: int(connection.execute(f"SELECT ifnull(max(id), 0) + 1 FROM {table}").fetchone()[0])  # noqa: S608
        for table in tables
    }


def _create_tenant(connection: sqlite3.Connection, spec: TenantSeed) -> tuple[int, int]:
    rng = random.Random(spec.rng_seed)
    tenant_id = create_tenant(
        connection,
        domain=spec.domain,
        name=spec.name,
        institution_name=spec.institution,
        tenant_uuid=_uuid4(rng),
        institution_uuid=_uuid4(rng),
    )
    add_user(
        connection,
        tenant_id=tenant_id,
        name=spec.user_name,
        email=spec.user_email,
        password=spec.password,
        user_uuid=_uuid4(rng),
    )
    add_client(
        connection,
        tenant_id=tenant_id,
        client_id=spec.client_id,
        secret=spec.client_secret,
        name=f"{spec.institution} API client",
    )
    institution_id = connection.execute(
        "SELECT id FROM institutions WHERE tenant_id = ?", (tenant_id,)
    ).fetchone()[0]
    return tenant_id, int(institution_id)


def seed_tenant(
    connection: sqlite3.Connection, spec: TenantSeed, *, enrollments: int | None
) -> None:
    """Create a tenant with its credentials; with `enrollments`, also its generated data."""
    tenant_id, institution_id = _create_tenant(connection, spec)
    if enrollments is None:
        return
    generator = _Generator(
        spec,
        size=enrollments,
        tenant_id=tenant_id,
        institution_id=institution_id,
        next_ids=_next_ids(connection),
    )
    # Millions of new lists and tuples would trigger the cyclic garbage collector over and over
    # (none of them can form a cycle): pause it while generating.
    collecting = gc.isenabled()
    gc.disable()
    try:
        generator.courses_and_cohorts()
        generator.enrollments()
        if spec.with_problems:
            generator.problems()
        generator.certificates()
        _insert(connection, generator.out)
    finally:
        if collecting:
            gc.enable()


def _insert(connection: sqlite3.Connection, out: _Generated) -> None:
    connection.executemany(
        "INSERT INTO courses (id, uuid, tenant_id, institution_id, code, name, description,"
        " workload_hours, area, version, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        out.courses,
    )
    connection.executemany(
        "INSERT INTO cohorts (id, uuid, tenant_id, course_id, code, modality, start_date,"
        " end_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        out.cohorts,
    )
    connection.executemany(
        "INSERT INTO students (id, uuid, tenant_id, name, email, date_of_birth, gender,"
        " social_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        out.students,
    )
    iso_cache: dict[int, str] = {}

    def iso(day: int | None) -> str | None:
        if day is None:
            return None
        text = iso_cache.get(day)
        if text is None:
            text = iso_cache[day] = _iso(day)
        return text

    connection.executemany(
        "INSERT INTO enrollments (id, uuid, tenant_id, student_id, course_id, cohort_id,"
        " completion_status, grade, enrolled_at, completed_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                iso(r[8]),
                iso(r[9]),
                f"{iso(r[8])}T09:00:00.000000Z",
                f"{iso(r[10])}T09:00:00.000000Z",
            )
            for r in out.enrollments
        ),
    )
    connection.executemany(
        "INSERT INTO certificates (id, uuid, tenant_id, institution_id, course_id, student_id,"
        " cohort_id, enrollment_id, status, issued_at, revoked_at, revocation_reason,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        out.certificates,
    )


def seed(connection: sqlite3.Connection, *, kind: str, enrollments: int) -> None:
    """Seed a new database: "demo" (both tenants with data) or "empty" (tenants, no data)."""
    sized = kind == "demo"
    seed_tenant(connection, DEMO_SEED, enrollments=enrollments if sized else None)
    seed_tenant(connection, TINY_SEED, enrollments=TINY_ENROLLMENTS if sized else None)


def seeded_tenants() -> Sequence[TenantSeed]:
    """The tenants a seed creates (for printing their credentials)."""
    return (DEMO_SEED, TINY_SEED)
