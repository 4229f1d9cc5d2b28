"""List endpoints: paging, per_page cap, where filters, sort, the envelope (listing.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dokstamp_sandbox import api, listing
from dokstamp_sandbox.database import Database
from dokstamp_sandbox.listing import ListQuery, list_page, parse_list_query
from dokstamp_sandbox.options import SandboxOptions
from dokstamp_sandbox.provision import provision
from dokstamp_sandbox.resources import ENROLLMENTS

TOTAL = 2_000


def _all(client, resource="/enrollments", **params):
    rows, page = [], 1
    while True:
        body = client.get(resource, params={**params, "page": page}).json()
        rows.extend(body["data"])
        if page >= body["meta"]["last_page"]:
            return rows
        page += 1


def test_envelope_of_the_first_page(api, sandbox) -> None:
    body = api.get("/enrollments").json()
    assert set(body) == {"data", "links", "meta"}
    assert body["meta"] == {
        "current_page": 1,
        "from": 1,
        "last_page": 134,
        "path": f"{sandbox.url}/enrollments",
        "per_page": 15,
        "to": 15,
        "total": TOTAL,
    }
    assert len(body["data"]) == 15
    assert body["links"]["prev"] is None
    assert set(body["links"]) == {"first", "last", "prev", "next"}


def test_enrollment_objects_have_exactly_the_documented_keys(api) -> None:
    for row in api.get("/enrollments", params={"per_page": 100}).json()["data"]:
        assert set(row) == {
            "uuid",
            "completion_status",
            "grade",
            "enrolled_at",
            "completed_at",
            "student",
            "course",
            "cohort",
        }
        assert set(row["student"]) == {"uuid", "name"}
        assert set(row["course"]) == {"uuid", "name"}
        assert row["cohort"] is None or set(row["cohort"]) == {"uuid", "code"}
        assert row["enrolled_at"].endswith("T00:00:00.000000Z")


def test_last_page_and_past_the_end(api) -> None:
    last = api.get("/enrollments", params={"page": 134}).json()
    assert last["meta"]["from"] == 1_996
    assert last["meta"]["to"] == TOTAL
    assert len(last["data"]) == 5
    assert last["links"]["next"] is None
    beyond = api.get("/enrollments", params={"page": 500}).json()
    assert beyond["data"] == []
    assert beyond["meta"]["from"] is None
    assert beyond["meta"]["to"] is None
    assert beyond["meta"]["current_page"] == 500


@pytest.mark.parametrize(("asked", "applied"), [("1000", 100), ("100", 100), ("7", 7)])
def test_per_page_is_capped_and_reported(api, asked, applied) -> None:
    body = api.get("/enrollments", params={"per_page": asked}).json()
    assert body["meta"]["per_page"] == applied
    assert len(body["data"]) == applied


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1.5", "", "٣"])
def test_bad_page_and_per_page_fall_back_to_defaults(api, value) -> None:
    response = api.get("/enrollments", params={"per_page": value, "page": value})
    assert response.status_code == 200
    assert response.json()["meta"]["per_page"] == 15
    assert response.json()["meta"]["current_page"] == 1


def test_huge_numbers_are_capped_not_errors(api) -> None:
    body = api.get("/enrollments", params={"per_page": "9" * 40, "page": "9" * 40}).json()
    assert body["meta"]["per_page"] == 100
    assert body["data"] == []
    assert body["meta"]["total"] == TOTAL


def test_links_carry_filters_and_lead_to_the_next_page(api) -> None:
    params = {"where[completion_status]": "completed", "per_page": 10}
    first = api.get("/enrollments", params=params).json()
    query = parse_qs(urlsplit(first["links"]["next"]).query)
    assert query["where[completion_status]"] == ["completed"]
    assert query["page"] == ["2"]
    second = api.get(first["links"]["next"]).json()
    assert second["meta"]["current_page"] == 2
    assert not {r["uuid"] for r in first["data"]} & {r["uuid"] for r in second["data"]}


def test_large_pages_read_off_the_loop_match_small_ones(
    sandbox_factory, make_client, monkeypatch
) -> None:
    # Pages up to INLINE_PAGE_ROWS rows are read on the event loop, larger ones by a thread.
    monkeypatch.setattr(api, "INLINE_PAGE_ROWS", 10)
    running = sandbox_factory(
        seed="demo",
        enrollments=600,
        options=SandboxOptions(max_per_page=1000),
        static_tokens={"LISTING": "demo-university"},
    )
    client = make_client(running.url, token="LISTING", tenant="demo-university")
    large = api.INLINE_PAGE_ROWS * 30
    pooled = client.get("/enrollments", params={"per_page": large, "page": 2}).json()
    assert pooled["meta"]["per_page"] == large
    small = api.INLINE_PAGE_ROWS // 2
    inline = _all(client, per_page=small)
    assert pooled["data"] == inline[large : 2 * large]
    assert pooled["links"]["prev"].endswith(f"per_page={large}&page=1")


def test_pages_cover_every_row_once_whatever_the_page_size(api) -> None:
    by_100 = [row["uuid"] for row in _all(api, per_page=100)]
    by_37 = [row["uuid"] for row in _all(api, per_page=37)]
    assert len(by_100) == TOTAL
    assert len(set(by_100)) == TOTAL
    assert by_100 == by_37


def test_the_documented_completed_query(api) -> None:
    body = api.get(
        "/enrollments", params={"where[completion_status]": "completed", "per_page": 100}
    ).json()
    assert body["meta"]["per_page"] == 100
    assert body["meta"]["total"] > 0
    assert {row["completion_status"] for row in body["data"]} == {"completed"}


def test_where_filters_are_equality_and_combine_with_and(api) -> None:
    rows = _all(api, per_page=100)
    course = rows[0]["course"]["uuid"]
    cohort = next(r["cohort"]["uuid"] for r in rows if r["cohort"] is not None)
    student = rows[0]["student"]["uuid"]
    cases = {
        "completion_status": ("dropped", lambda r: r["completion_status"] == "dropped"),
        "course_uuid": (course, lambda r: r["course"]["uuid"] == course),
        "cohort_uuid": (
            cohort,
            lambda r: r["cohort"] is not None and r["cohort"]["uuid"] == cohort,
        ),
        "student_uuid": (student, lambda r: r["student"]["uuid"] == student),
    }
    for key, (value, matches) in cases.items():
        expected = [r["uuid"] for r in rows if matches(r)]
        got = [r["uuid"] for r in _all(api, per_page=100, **{f"where[{key}]": value})]
        assert got == expected, key
        assert expected
    both = _all(
        api, per_page=100, **{"where[course_uuid]": course, "where[completion_status]": "completed"}
    )
    assert [r["uuid"] for r in both] == [
        r["uuid"]
        for r in rows
        if r["course"]["uuid"] == course and r["completion_status"] == "completed"
    ]


def test_null_matches_missing_values(api) -> None:
    rows = _all(api, per_page=100)
    without_cohort = [r["uuid"] for r in rows if r["cohort"] is None]
    got = _all(api, per_page=100, **{"where[cohort_uuid]": "null"})
    assert [r["uuid"] for r in got] == without_cohort
    assert without_cohort


def test_unknown_filters_are_ignored_and_unknown_uuids_match_nothing(api) -> None:
    assert api.get("/enrollments", params={"where[colour]": "red"}).json()["meta"]["total"] == TOTAL
    unknown = api.get(
        "/enrollments", params={"where[course_uuid]": "00000000-0000-4000-8000-000000000000"}
    )
    assert unknown.json()["meta"]["total"] == 0
    not_a_uuid = api.get("/enrollments", params={"where[course_uuid]": "abc"})
    assert not_a_uuid.json()["meta"]["total"] == 0


def _sort_value(row, column):
    value = row[column]
    return (value is not None, value if value is not None else 0)


@pytest.mark.parametrize("column", ["enrolled_at", "completed_at", "grade", "completion_status"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sort_orders_every_page_consistently(api, column, order) -> None:
    params = {"sort[column]": column, "sort[order]": order}
    by_100 = _all(api, per_page=100, **params)
    assert len({r["uuid"] for r in by_100}) == TOTAL
    keys = [_sort_value(row, column) for row in by_100]
    assert keys == sorted(keys, reverse=order == "desc")


def test_sorted_pages_agree_whatever_the_page_size(api) -> None:
    params = {"sort[column]": "grade", "sort[order]": "desc"}
    by_100 = _all(api, per_page=100, **params)
    by_30 = _all(api, per_page=30, **params)
    assert [r["uuid"] for r in by_100] == [r["uuid"] for r in by_30]


def test_unknown_sort_column_keeps_the_default_order(api) -> None:
    default = api.get("/enrollments").json()["data"]
    unknown = api.get("/enrollments", params={"sort[column]": "colour"}).json()["data"]
    assert default == unknown


def test_other_resources_list_and_filter(api) -> None:
    courses = api.get("/courses", params={"per_page": 100}).json()
    assert courses["meta"]["total"] == 15
    course = courses["data"][0]
    cohorts = _all(api, "/cohorts", per_page=100, **{"where[course_uuid]": course["uuid"]})
    assert cohorts
    assert {c["course"]["uuid"] for c in cohorts} == {course["uuid"]}
    student = api.get("/students").json()["data"][3]
    found = api.get("/students", params={"where[email]": student["email"]}).json()["data"]
    assert [s["uuid"] for s in found] == [student["uuid"]]
    certificates = api.get("/certificates", params={"where[status]": "issued"}).json()
    assert certificates["meta"]["total"] > 0
    assert api.get("/institutions").json()["meta"]["total"] == 1
    by_name = api.get("/courses", params={"sort[column]": "name", "per_page": 100}).json()["data"]
    assert [c["name"] for c in by_name] == sorted(c["name"] for c in by_name)


def test_parse_list_query_is_lenient() -> None:
    options = SandboxOptions(max_per_page=50)
    query = parse_list_query(
        [
            ("page", "3"),
            ("per_page", "500"),
            ("where[completion_status]", "enrolled"),
            ("where[completion_status]", "completed"),
            ("where[nope]", "x"),
            ("sort[column]", "grade"),
            ("sort[order]", "DESC"),
        ],
        resource=ENROLLMENTS,
        options=options,
    )
    assert query == ListQuery(
        page=3,
        per_page=50,
        where=(("completion_status", "completed"),),
        sort_column="grade",
        descending=True,
    )


@pytest.mark.parametrize("sort_column", [None, "grade", "completed_at", "completion_status"])
def test_deep_pages_seek_from_remembered_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sort_column
) -> None:
    """With boundaries every 7 rows, every page (in any order) equals the OFFSET answer."""
    monkeypatch.setattr(listing, "CHECKPOINT_STEP", 7)
    db_path = tmp_path / "s.db"
    provision(db_path, seed_kind="demo", enrollments=400)
    db = Database(db_path)
    options = SandboxOptions()
    expression = ENROLLMENTS.sorts[sort_column] if sort_column else "t.id"
    expected = [
        row[0]
        for row in db.connection().execute(
            f"SELECT t.uuid FROM enrollments t WHERE t.tenant_id = 1 AND t.deleted_at IS NULL"  # noqa: S608
            f" ORDER BY {expression} DESC, t.id DESC"
        )
    ]
    pages = list(range(1, 42))
    for page in [*reversed(pages), *pages]:
        query = ListQuery(page=page, per_page=10, sort_column=sort_column, descending=True)
        body = list_page(db, ENROLLMENTS, tenant_id=1, query=query, url="u", options=options)
        assert [r["uuid"] for r in body["data"]] == expected[(page - 1) * 10 : page * 10]
    db.close()


def test_concurrent_page_requests_get_consistent_pages(api, sandbox) -> None:
    """Sixteen clients paging at once (as a sync does) get exactly the sequential pages."""
    expected = [row["uuid"] for row in _all(api, per_page=50, **{"sort[column]": "enrolled_at"})]
    headers = dict(api.headers)

    def fetch(page: int) -> list[str]:
        with httpx.Client(base_url=sandbox.url, headers=headers) as client:
            params: dict[str, str | int] = {
                "per_page": 50,
                "page": page,
                "sort[column]": "enrolled_at",
            }
            return [row["uuid"] for row in client.get("/enrollments", params=params).json()["data"]]

    with ThreadPoolExecutor(16) as pool:
        pages = list(pool.map(fetch, range(40, 0, -1)))
    assert [uuid for page in reversed(pages) for uuid in page] == expected
