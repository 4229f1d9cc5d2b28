"""Deterministic demo data: a realistic university and a tiny college, bulk-inserted into SQLite.

Everything is drawn from a random generator seeded by the tenant and the requested size, and
dated relative to the fixed SEED_AS_OF (2026-09-01), so the same size always gives the same rows,
uuids included. A handful of rows carry on purpose the data problems the dashboard must flag
(metrics.md §7); they are inserted directly, as a legacy import would, bypassing validation.

The steps, each in its own module: courses and cohorts (seed_cohorts), students
(seed_students), enrollments (seed_enrollments), planted problems (seed_problems),
certificates (seed_certificates), the insert (seed_rows); the catalog is data
(seed_catalog.json).
"""

from __future__ import annotations

import gc
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from dokstamp_sandbox import demo
from dokstamp_sandbox.seed_catalog import DEMO_CATALOG, TINY_CATALOG, CourseSpec
from dokstamp_sandbox.seed_certificates import add_certificates
from dokstamp_sandbox.seed_cohorts import add_courses_and_cohorts, allocate, cohorts_by_course
from dokstamp_sandbox.seed_draws import uuid4
from dokstamp_sandbox.seed_enrollments import add_enrollments
from dokstamp_sandbox.seed_problems import plant_problems
from dokstamp_sandbox.seed_rows import TenantRows, insert_rows, next_ids
from dokstamp_sandbox.seed_students import StudentDraws
from dokstamp_sandbox.tenants import add_client, add_user, create_tenant

TINY_ENROLLMENTS = 60


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


def _create_tenant(connection: sqlite3.Connection, spec: TenantSeed) -> tuple[int, int]:
    rng = random.Random(spec.rng_seed)
    tenant_id = create_tenant(
        connection,
        domain=spec.domain,
        name=spec.name,
        institution_name=spec.institution,
        tenant_uuid=uuid4(rng),
        institution_uuid=uuid4(rng),
    )
    add_user(
        connection,
        tenant_id=tenant_id,
        name=spec.user_name,
        email=spec.user_email,
        password=spec.password,
        user_uuid=uuid4(rng),
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
    rows = TenantRows(
        tenant_id,
        institution_id,
        rng=random.Random(spec.rng_seed * 1_000_003 + enrollments),
        ids=next_ids(connection),
    )
    # Millions of new lists and tuples would trigger the cyclic garbage collector over and over
    # (none of them can form a cycle): pause it while generating.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _generate(rows, spec, size=enrollments)
        insert_rows(connection, rows)
    finally:
        if collecting:
            gc.enable()


def _generate(rows: TenantRows, spec: TenantSeed, *, size: int) -> None:
    """Draw a tenant's rows, step by step, all from rows.rng (the order of the steps is part of
    what makes a seed repeatable)."""
    cohorts = add_courses_and_cohorts(rows, spec.catalog, spec.institution)
    students = StudentDraws(rows, spec.email_domain)
    add_enrollments(rows, cohorts, allocate(cohorts, size), students)
    if spec.with_problems:
        plant_problems(rows, cohorts_by_course(cohorts))
    add_certificates(rows)


def seed(connection: sqlite3.Connection, *, kind: str, enrollments: int) -> None:
    """Seed a new database: "demo" (both tenants with data) or "empty" (tenants, no data)."""
    sized = kind == "demo"
    seed_tenant(connection, DEMO_SEED, enrollments=enrollments if sized else None)
    seed_tenant(connection, TINY_SEED, enrollments=TINY_ENROLLMENTS if sized else None)


def seeded_tenants() -> Sequence[TenantSeed]:
    """The tenants a seed creates (for printing their credentials)."""
    return (DEMO_SEED, TINY_SEED)
