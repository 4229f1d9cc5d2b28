"""The corrections log: appended rows come back per API and tenant, in order, as a typed frame."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from dashboard.data.corrections_log import (
    CORRECTIONS_LOG_SCHEMA,
    Correction,
    append_corrections,
    corrections_frame,
    corrections_since,
)

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
