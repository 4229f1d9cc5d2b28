"""The corrections log: rows come back per API and tenant, in order, as a typed frame; when the
log is corrupt, entries wait in a side file and reach the log once it is usable again."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from dashboard.data.corrections_log import (
    CORRECTIONS_LOG_SCHEMA,
    LOG_FILE,
    PENDING_FILE,
    Correction,
    append_corrections,
    corrections_frame,
    corrections_since,
    pending_corrections,
    pending_count,
    write_pending,
)
from dashboard.data.errors import CorrectionsLogError

AT = datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
API = "https://api.dokstamp.test"


def correction(uuid: str, *, at: datetime = AT, action: str = "update") -> Correction:
    return Correction(
        at=at,
        actor="registrar",
        action=action,  # type: ignore[arg-type]
        enrollment_uuid=uuid,
        before={"uuid": uuid, "grade": 5.0},
        after=None if action == "delete" else {"uuid": uuid, "grade": 6.5},
    )


def test_empty_log_is_a_typed_empty_frame(tmp_path: Path) -> None:
    frame = corrections_frame(tmp_path, api_url=API, tenant="t")
    assert frame.height == 0
    assert frame.schema == CORRECTIONS_LOG_SCHEMA


def test_rows_come_back_typed_in_order_and_per_tenant(tmp_path: Path) -> None:
    append_corrections(tmp_path, api_url=API, tenant="t", corrections=[correction("e1")])
    append_corrections(tmp_path, api_url=API, tenant="other", corrections=[correction("x9")])
    append_corrections(
        tmp_path,
        api_url=API,
        tenant="t",
        corrections=[correction("e2", at=AT + timedelta(seconds=5), action="delete")],
    )
    frame = corrections_frame(tmp_path, api_url=API, tenant="t")
    assert frame.schema == CORRECTIONS_LOG_SCHEMA
    assert frame["enrollment_uuid"].to_list() == ["e1", "e2"]
    assert frame["action"].to_list() == ["update", "delete"]
    assert frame["at"][0] == AT
    assert orjson.loads(frame["after"][0]) == {"grade": 6.5, "uuid": "e1"}
    assert frame["after"][1] is None


def test_since_selects_later_corrections(tmp_path: Path) -> None:
    append_corrections(
        tmp_path,
        api_url=API,
        tenant="t",
        corrections=[correction("early"), correction("late", at=AT + timedelta(minutes=1))],
    )
    later = corrections_since(tmp_path, api_url=API, tenant="t", since=AT + timedelta(seconds=1))
    assert [c.enrollment_uuid for c in later] == ["late"]
    assert later[0].after == {"uuid": "late", "grade": 6.5}
    assert corrections_since(tmp_path / "none", api_url=API, tenant="t", since=AT) == []


GARBAGE = b"this is not an SQLite database\x00\xff" * 64


def corrupt_log(directory: Path) -> bytes:
    """Overwrite the log file with garbage (as the fault probe did); returns the bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / LOG_FILE).write_bytes(GARBAGE)
    return GARBAGE


def test_a_corrupt_log_keeps_new_entries_aside_and_is_never_touched(tmp_path: Path) -> None:
    garbage = corrupt_log(tmp_path)
    kept = append_corrections(tmp_path, api_url=API, tenant="t", corrections=[correction("e1")])
    assert kept == tmp_path / PENDING_FILE
    assert (tmp_path / LOG_FILE).read_bytes() == garbage  # not deleted, not overwritten
    assert pending_count(tmp_path) == 1
    line = orjson.loads((tmp_path / PENDING_FILE).read_bytes().splitlines()[0])
    assert (line["enrollment_uuid"], line["action"], line["tenant"]) == ("e1", "update", "t")

    with pytest.raises(CorrectionsLogError) as caught:
        corrections_frame(tmp_path, api_url=API, tenant="t")
    message = str(caught.value)
    assert "\n" not in message
    assert str(tmp_path / LOG_FILE) in message
    assert "file is not a database" in message
    assert "Move it aside" in message
    assert f"1 entry kept in {tmp_path / PENDING_FILE}" in message
    assert caught.value.corrupt
    with pytest.raises(CorrectionsLogError):
        corrections_since(tmp_path, api_url=API, tenant="t", since=AT)
    assert (tmp_path / LOG_FILE).read_bytes() == garbage
    # A second write while the log is still unusable is kept too, after the first.
    append_corrections(tmp_path, api_url=API, tenant="t", corrections=[correction("e2")])
    assert [
        c.enrollment_uuid for c in pending_corrections(tmp_path, api_url=API, tenant="t", since=AT)
    ] == [
        "e1",
        "e2",
    ]


def test_kept_entries_reach_the_log_once_it_is_usable_again(tmp_path: Path) -> None:
    corrupt_log(tmp_path)
    append_corrections(tmp_path, api_url=API, tenant="t", corrections=[correction("e1")])
    (tmp_path / LOG_FILE).rename(tmp_path / "corrections.sqlite3.broken")  # what the message says
    # The next read starts a new log and moves the kept entry into it.
    frame = corrections_frame(tmp_path, api_url=API, tenant="t")
    assert frame["enrollment_uuid"].to_list() == ["e1"]
    assert frame["at"][0] == AT
    assert orjson.loads(frame["before"][0]) == {"grade": 5.0, "uuid": "e1"}
    assert pending_count(tmp_path) == 0
    assert (tmp_path / "corrections.sqlite3.broken").read_bytes() == GARBAGE
    # Reading again does not add it twice; the next write goes straight into the log.
    assert (
        append_corrections(tmp_path, api_url=API, tenant="t", corrections=[correction("e2")])
        is None
    )
    assert corrections_frame(tmp_path, api_url=API, tenant="t")["enrollment_uuid"].to_list() == [
        "e1",
        "e2",
    ]


def test_the_next_write_moves_kept_entries_in_first(tmp_path: Path) -> None:
    corrupt_log(tmp_path)
    append_corrections(tmp_path, api_url=API, tenant="t", corrections=[correction("early")])
    (tmp_path / LOG_FILE).unlink()
    later = correction("late", at=AT + timedelta(minutes=1))
    assert append_corrections(tmp_path, api_url=API, tenant="t", corrections=[later]) is None
    assert pending_count(tmp_path) == 0
    rows = corrections_since(tmp_path, api_url=API, tenant="t", since=AT)
    assert [c.enrollment_uuid for c in rows] == ["early", "late"]


def test_an_entry_already_in_the_log_is_not_added_twice(tmp_path: Path) -> None:
    append_corrections(tmp_path, api_url=API, tenant="t", corrections=[correction("e1")])
    # A crash after the log took the kept entry but before the side file was emptied.
    line = {
        "at": AT.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "api_url": API,
        "tenant": "t",
        "actor": "registrar",
        "action": "update",
        "enrollment_uuid": "e1",
        "before": None,
        "after": None,
    }
    (tmp_path / PENDING_FILE).write_bytes(orjson.dumps(line) + b"\n")
    assert write_pending(tmp_path) == 0
    assert corrections_frame(tmp_path, api_url=API, tenant="t").height == 1


def test_a_torn_line_stays_in_the_side_file(tmp_path: Path) -> None:
    corrupt_log(tmp_path)
    append_corrections(tmp_path, api_url=API, tenant="t", corrections=[correction("e1")])
    with (tmp_path / PENDING_FILE).open("ab") as handle:
        handle.write(b'{"at": "2025-03-0')  # a crash in the middle of a line
    (tmp_path / LOG_FILE).unlink()
    assert write_pending(tmp_path) == 1  # the readable entry moved, the torn one is kept
    assert corrections_frame(tmp_path, api_url=API, tenant="t")["enrollment_uuid"].to_list() == [
        "e1"
    ]
    assert (tmp_path / PENDING_FILE).read_bytes() == b'{"at": "2025-03-0\n'


def test_the_role_is_logged_and_an_older_log_gains_the_column(tmp_path: Path) -> None:
    """A log written before sign-in existed (no role column) still reads and takes roles."""
    with sqlite3.connect(tmp_path / LOG_FILE) as connection:
        connection.executescript(
            "CREATE TABLE corrections (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,"
            " api_url TEXT NOT NULL, tenant TEXT NOT NULL, actor TEXT, action TEXT NOT NULL,"
            " enrollment_uuid TEXT NOT NULL, before TEXT, after TEXT);"
        )
        connection.execute(
            "INSERT INTO corrections (at, api_url, tenant, actor, action, enrollment_uuid)"
            " VALUES (?, ?, 't', 'old', 'delete', 'e0')",
            (AT.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), API),
        )
    connection.close()
    signed_in = replace(correction("e1", at=AT + timedelta(seconds=1)), role="editor")
    append_corrections(tmp_path, api_url=API, tenant="t", corrections=[signed_in])
    frame = corrections_frame(tmp_path, api_url=API, tenant="t")
    assert frame["actor"].to_list() == ["old", "registrar"]
    assert frame["role"].to_list() == [None, "editor"]
    assert [c.role for c in corrections_since(tmp_path, api_url=API, tenant="t", since=AT)] == [
        None,
        "editor",
    ]


def test_a_side_file_line_without_a_role_still_reads(tmp_path: Path) -> None:
    """Side-file lines written before the role existed move into the log with a null role."""
    line = {
        "at": AT.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "api_url": API,
        "tenant": "t",
        "actor": "registrar",
        "action": "delete",
        "enrollment_uuid": "e7",
        "before": None,
        "after": None,
    }
    (tmp_path / PENDING_FILE).write_bytes(orjson.dumps(line) + b"\n")
    assert [c.role for c in pending_corrections(tmp_path, api_url=API, tenant="t", since=AT)] == [
        None
    ]
    assert write_pending(tmp_path) == 0
    frame = corrections_frame(tmp_path, api_url=API, tenant="t")
    assert frame["enrollment_uuid"].to_list() == ["e7"]
    assert frame["role"].to_list() == [None]
