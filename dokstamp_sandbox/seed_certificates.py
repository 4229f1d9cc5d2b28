"""Certificates for completed enrollments: most issued weeks after completion, a few still
drafts, a handful revoked, and some not linked to their enrollment (as legacy records are)."""

from __future__ import annotations

from dokstamp_sandbox.seed_draws import AS_OF_DAY, between, stamp
from dokstamp_sandbox.seed_rows import (
    COHORT,
    COMPLETED,
    COURSE,
    ENROLLED,
    ID,
    STATUS,
    STUDENT,
    TenantRows,
)

_CERTIFIED = 0.93  # share of completions with a certificate
_REVOKED = 0.008
_LINKED = 0.97  # share of certificates that name their enrollment


def add_certificates(rows: TenantRows) -> None:
    """Add a certificate for most completed enrollments whose completion day is plausible."""
    draw = rows.rng.random
    for row in rows.enrollments:
        completed_at, enrolled = row[COMPLETED], row[ENROLLED]
        if row[STATUS] != "completed" or completed_at is None or completed_at > AS_OF_DAY:
            continue
        if completed_at < enrolled or draw() >= _CERTIFIED:
            continue
        issued: int | None = completed_at + between(draw, 10, 75)
        status = "issued"
        if issued is not None and issued > AS_OF_DAY:
            status, issued = "draft", None
        revoked: int | None = None
        if issued is not None and draw() < _REVOKED:
            revoked = issued + between(draw, 20, 400)
            if revoked > AS_OF_DAY:
                revoked = None
            else:
                status = "revoked"
        enrollment_id = row[ID] if draw() < _LINKED else None
        created = issued if issued is not None else completed_at + 5
        rows.certificates.append(
            (
                rows.new_id("certificates"),
                rows.new_uuid(),
                rows.tenant_id,
                rows.institution_id,
                row[COURSE],
                row[STUDENT],
                row[COHORT],
                enrollment_id,
                status,
                stamp(issued) if issued is not None else None,
                stamp(revoked) if revoked is not None else None,
                "Issued in error" if revoked is not None else None,
                stamp(created),
                stamp(created),
            )
        )
