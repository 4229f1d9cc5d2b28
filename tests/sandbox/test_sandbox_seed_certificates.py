"""Seeded certificates: only for plausible completions, issued after them, some revoked."""

from __future__ import annotations

from collections import Counter
from datetime import date

from dokstamp_sandbox.seed_certificates import add_certificates
from dokstamp_sandbox.seed_rows import COMPLETED, ID, STATUS

from .seed_steps import enrolled_tenant


def test_most_completions_are_certified_after_they_complete() -> None:
    rows, _ = enrolled_tenant(6_000)
    add_certificates(rows)
    enrollments = {row[ID]: row for row in rows.enrollments}
    completed = sum(1 for row in rows.enrollments if row[STATUS] == "completed")
    assert 0.85 * completed < len(rows.certificates) <= completed
    statuses = Counter(certificate[8] for certificate in rows.certificates)
    assert set(statuses) <= {"issued", "draft", "revoked"}
    assert statuses["issued"] > 0.9 * len(rows.certificates)
    unlinked = 0
    for certificate in rows.certificates:
        enrollment = enrollments.get(certificate[7])
        if enrollment is None:
            unlinked += 1
            continue
        assert enrollment[STATUS] == "completed"
        if certificate[9] is not None:  # issued_at
            assert date.fromisoformat(certificate[9][:10]).toordinal() > enrollment[COMPLETED]
    assert 0 < unlinked < 0.06 * len(rows.certificates)
