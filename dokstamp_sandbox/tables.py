"""The sandbox's SQLite tables and indexes (one database file holds every tenant)."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

TABLES = """
CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, domain TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,
    tenant_id INTEGER NOT NULL REFERENCES tenants, name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_clients (
    id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE,
    tenant_id INTEGER NOT NULL REFERENCES tenants, name TEXT NOT NULL, secret_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS access_tokens (
    token TEXT PRIMARY KEY, tenant_id INTEGER NOT NULL, user_id INTEGER, client_id INTEGER,
    expires_at REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY, access_token TEXT NOT NULL, user_id INTEGER NOT NULL,
    expires_at REAL NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS institutions (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, tenant_id INTEGER NOT NULL,
    name TEXT NOT NULL, legal_name TEXT, tax_id TEXT, country TEXT NOT NULL, website TEXT,
    status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS courses (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, tenant_id INTEGER NOT NULL,
    institution_id INTEGER NOT NULL, code TEXT, name TEXT NOT NULL, description TEXT,
    workload_hours INTEGER, area TEXT, version TEXT, status TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS cohorts (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, tenant_id INTEGER NOT NULL,
    course_id INTEGER NOT NULL, code TEXT NOT NULL, modality TEXT, start_date TEXT,
    end_date TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS students (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, tenant_id INTEGER NOT NULL,
    name TEXT NOT NULL, email TEXT NOT NULL, date_of_birth TEXT NOT NULL, gender TEXT,
    social_name TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS enrollments (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, tenant_id INTEGER NOT NULL,
    student_id INTEGER NOT NULL, course_id INTEGER NOT NULL, cohort_id INTEGER,
    completion_status TEXT NOT NULL, grade REAL, enrolled_at TEXT NOT NULL, completed_at TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS certificates (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, tenant_id INTEGER NOT NULL,
    institution_id INTEGER NOT NULL, course_id INTEGER NOT NULL, student_id INTEGER NOT NULL,
    cohort_id INTEGER, enrollment_id INTEGER, status TEXT NOT NULL, issued_at TEXT,
    revoked_at TEXT, revocation_reason TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);
"""

# uuid uniqueness is an index built after the bulk seed (inserting into it row by row is slow).
# Every list query filters on tenant and `deleted_at IS NULL` and orders by (sort key, id): these
# partial indexes let a page seek straight to its first row instead of scanning the table.
# The expression indexes (ifnull) must match the sort expressions in `resources.py` exactly.
INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS ux_institutions_uuid ON institutions(uuid);
CREATE UNIQUE INDEX IF NOT EXISTS ux_courses_uuid ON courses(uuid);
CREATE UNIQUE INDEX IF NOT EXISTS ux_cohorts_uuid ON cohorts(uuid);
CREATE UNIQUE INDEX IF NOT EXISTS ux_students_uuid ON students(uuid);
CREATE UNIQUE INDEX IF NOT EXISTS ux_enrollments_uuid ON enrollments(uuid);
CREATE UNIQUE INDEX IF NOT EXISTS ux_certificates_uuid ON certificates(uuid);
CREATE INDEX IF NOT EXISTS ix_institutions_live ON institutions(tenant_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_courses_live ON courses(tenant_id, id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_cohorts_live ON cohorts(tenant_id, id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_cohorts_course ON cohorts(tenant_id, course_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_students_live ON students(tenant_id, id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_students_email ON students(tenant_id, email, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_enrollments_live ON enrollments(tenant_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_enrollments_status ON enrollments(tenant_id, completion_status, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_enrollments_course ON enrollments(tenant_id, course_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_enrollments_cohort ON enrollments(tenant_id, cohort_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_enrollments_student ON enrollments(tenant_id, student_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_enrollments_enrolled_at ON enrollments(tenant_id, enrolled_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_enrollments_completed_at
    ON enrollments(tenant_id, ifnull(completed_at, ''), id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_enrollments_grade
    ON enrollments(tenant_id, ifnull(grade, -1e308), id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_certificates_live ON certificates(tenant_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_certificates_course ON certificates(tenant_id, course_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_certificates_cohort ON certificates(tenant_id, cohort_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_certificates_student ON certificates(tenant_id, student_id, id)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ix_certificates_enrollment ON certificates(tenant_id, enrollment_id, id)
    WHERE deleted_at IS NULL;
"""


def create_tables(connection: sqlite3.Connection) -> None:
    """Create the tables (not the indexes) if they do not exist yet."""
    connection.executescript(TABLES)


def create_indexes(connection: sqlite3.Connection) -> None:
    """Create the indexes; done after a bulk seed, which is faster than indexing row by row."""
    connection.executescript(INDEXES)
    connection.execute("PRAGMA analysis_limit = 1000")
    connection.execute("ANALYZE")
