"""A tenant's rows into SQLite: ids continue the tables, days are written as the API's dates."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dokstamp_sandbox.provision import provision
from dokstamp_sandbox.seed_certificates import add_certificates
from dokstamp_sandbox.seed_draws import iso
from dokstamp_sandbox.seed_rows import ENROLLED, UUID, insert_rows, next_ids

from .seed_steps import enrolled_tenant


def test_rows_go_in_after_the_existing_ones(tmp_path: Path) -> None:
    provision(tmp_path / "s.db", seed_kind="demo", enrollments=200)
    connection = sqlite3.connect(tmp_path / "s.db")
    try:
        ids = next_ids(connection)
        assert ids["enrollments"] == 200 + 60 + 1  # the demo university's and the tiny college's
        rows, _ = enrolled_tenant(300, ids=ids)
        add_certificates(rows)
        insert_rows(connection, rows)
        count = connection.execute("SELECT count(*) FROM enrollments").fetchone()[0]
        assert count == 200 + 60 + 300
        first = rows.enrollments[0]
        stored = connection.execute(
            "SELECT id, enrolled_at, created_at FROM enrollments WHERE uuid = ?", (first[UUID],)
        ).fetchone()
        day = iso(first[ENROLLED])
        assert stored == (ids["enrollments"], day, f"{day}T09:00:00.000000Z")
        certificates = connection.execute("SELECT count(*) FROM certificates").fetchone()[0]
        assert certificates > len(rows.certificates)
    finally:
        connection.close()
