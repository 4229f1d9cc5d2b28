"""The client against the sandbox over real loopback HTTP: auth modes, paging, filters, writes."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
import uuid
from typing import Any

import httpx
import pytest

from dashboard.client import (
    AuthenticationError,
    ClientCredentials,
    Credentials,
    DokStampClient,
    DokStampError,
    NotFoundError,
    PasswordLogin,
    RateLimitedError,
    Secret,
    StaticToken,
    ValidationError,
    parse_grade,
    parse_timestamp,
)
from dashboard.settings import Settings
from dokstamp_sandbox import demo
from dokstamp_sandbox.runner import RunningSandbox, SandboxOptions

STATIC = "static-token-for-tests"


def _settings(sandbox: RunningSandbox, mode: str, **overrides: Any) -> Settings:
    tiny = overrides.pop("tiny", False)
    values = {
        "DOKSTAMP_API_URL": sandbox.url,
        "DOKSTAMP_TENANT": demo.TINY_TENANT if tiny else demo.DEMO_TENANT,
    }
    if mode == "token":
        values["DOKSTAMP_TOKEN"] = STATIC
    elif mode == "client":
        values["DOKSTAMP_CLIENT_ID"] = demo.TINY_CLIENT_ID if tiny else demo.DEMO_CLIENT_ID
        values["DOKSTAMP_CLIENT_SECRET"] = (
            demo.TINY_CLIENT_SECRET if tiny else demo.DEMO_CLIENT_SECRET
        )
    else:
        values["DOKSTAMP_EMAIL"] = demo.TINY_EMAIL if tiny else demo.DEMO_EMAIL
        values["DOKSTAMP_PASSWORD"] = demo.TINY_PASSWORD if tiny else demo.DEMO_PASSWORD
    return dataclasses.replace(Settings.from_mapping(values), **overrides)


def _no_wait(seconds: float) -> None:
    """Tests against a live server skip backoff waits (the sleeps are asserted elsewhere)."""


@pytest.fixture
def client(sandbox: RunningSandbox):
    with DokStampClient(_settings(sandbox, "client", page_size=100)) as client:
        yield client


def _plain_pages(sandbox: RunningSandbox, *, per_page: int) -> tuple[list[str], int]:
    """Every enrollment uuid read page by page with plain httpx (the reference), and the total."""
    with httpx.Client(base_url=sandbox.url) as http:
        form = {
            "grant_type": "client_credentials",
            "client_id": demo.DEMO_CLIENT_ID,
            "client_secret": demo.DEMO_CLIENT_SECRET,
        }
        token = http.post("/oauth/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Tenant": demo.DEMO_TENANT}
        uuids: list[str] = []
        page = 1
        while True:
            params = {"page": str(page), "per_page": str(per_page)}
            body = http.get("/enrollments", params=params, headers=headers).json()
            uuids.extend(r["uuid"] for r in body["data"])
            if page >= body["meta"]["last_page"]:
                return uuids, int(body["meta"]["total"])
            page += 1


def test_every_auth_mode_reads_the_tenant(sandbox_factory) -> None:
    running = sandbox_factory(seed="demo", enrollments=40, static_tokens={STATIC: demo.DEMO_TENANT})
    seen = {}
    for mode in ("token", "client", "login"):
        with DokStampClient(_settings(running, mode)) as client:
            seen[mode] = client.list_courses()
            assert client.get_course(seen[mode][0]["uuid"]) == seen[mode][0]
    assert seen["token"] == seen["client"] == seen["login"]
    assert len(seen["token"]) > 0


@pytest.mark.parametrize(
    ("mode", "message"),
    [("client", "Client authentication failed"), ("login", "do not match our records")],
)
def test_wrong_credentials_are_an_authentication_error(sandbox, mode, message) -> None:
    settings = _settings(sandbox, mode)
    wrong: Credentials
    if mode == "client":
        wrong = ClientCredentials(client_id=demo.DEMO_CLIENT_ID, client_secret=Secret("nope"))
    else:
        wrong = PasswordLogin(email=demo.DEMO_EMAIL, password=Secret("nope"))
    with (
        DokStampClient(dataclasses.replace(settings, credentials=wrong)) as client,
        pytest.raises(AuthenticationError, match=message),
    ):
        client.list_courses()


def test_paging_across_many_pages_concurrently_is_exact(sandbox) -> None:
    pages: list[tuple[int, int]] = []
    settings = _settings(sandbox, "login", page_size=25, concurrency=6)
    with DokStampClient(settings) as client:
        records = client.list_all("enrollments", progress=lambda d, t: pages.append((d, t)))
    reference, total = _plain_pages(sandbox, per_page=100)

    assert len(records) == total == len(reference)
    assert [r["uuid"] for r in records] == reference  # same order, nothing twice, nothing lost
    assert pages[-1] == (total // 25 + (total % 25 > 0),) * 2
    assert client.last_sync_stats is not None
    assert client.last_sync_stats.pages == pages[-1][1]


def test_filters_select_exactly_the_matching_records(client) -> None:
    everything = client.list_all("enrollments")
    completed = client.list_all("enrollments", filters={"completion_status": "completed"})
    course = everything[0]["course"]["uuid"]
    in_course = client.list_all("enrollments", filters={"course_uuid": course})
    both = client.list_all(
        "enrollments", filters={"course_uuid": course, "completion_status": "completed"}
    )

    def uuids(records, keep=lambda r: True):
        return {r["uuid"] for r in records if keep(r)}

    assert uuids(completed) == uuids(everything, lambda r: r["completion_status"] == "completed")
    assert uuids(in_course) == uuids(everything, lambda r: r["course"]["uuid"] == course)
    assert uuids(both) == uuids(completed) & uuids(in_course)
    assert 0 < len(both) < len(in_course) < len(everything)


def test_reference_lists_and_records(client) -> None:
    courses = client.list_courses()
    cohorts = client.list_cohorts()
    students = client.list_students()
    certificates = client.list_certificates()
    for listing in (courses, cohorts, students, certificates):
        assert listing
    assert client.get_cohort(cohorts[0]["uuid"]) == cohorts[0]
    assert client.get_student(students[0]["uuid"]) == students[0]
    email = students[0]["email"]
    assert client.list_students({"email": email}) == [students[0]]


def test_tenants_are_isolated(sandbox, client) -> None:
    demo_enrollments = client.list_all("enrollments")
    with DokStampClient(_settings(sandbox, "client", tiny=True)) as tiny:
        tiny_enrollments = tiny.list_all("enrollments")
        assert tiny_enrollments
        assert not {r["uuid"] for r in tiny_enrollments} & {r["uuid"] for r in demo_enrollments}
        with pytest.raises(NotFoundError):
            tiny.get_enrollment(demo_enrollments[0]["uuid"])

    # Demo credentials with the other tenant's X-Tenant are refused outright.
    wrong_tenant = dataclasses.replace(_settings(sandbox, "client"), tenant=demo.TINY_TENANT)
    with DokStampClient(wrong_tenant) as confused, pytest.raises(DokStampError) as caught:
        confused.list_courses()
    assert caught.value.status in {401, 403, 404}


@pytest.mark.parametrize("token", ["line\nbreak-secret-token", "trailing-space-secret-token "])
def test_a_token_http_forbids_is_refused_over_real_http_without_leaking_it(
    sandbox, caplog, token
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = dataclasses.replace(
        _settings(sandbox, "token"), credentials=StaticToken(Secret(token))
    )
    with DokStampClient(settings, sleep=_no_wait) as client, pytest.raises(DokStampError) as caught:
        client.get_course(str(uuid.uuid4()))
    assert "could not be sent" in caught.value.message
    assert client.last_sync_stats is None
    secret = token.strip().split("\n")[-1]
    assert secret not in caplog.text + str(caught.value) + repr(caught.value)
    assert "retrying" not in caplog.text


@pytest.mark.parametrize("success_flag", [False, True], ids=["gen-a", "gen-b"])
def test_write_round_trip(sandbox_factory, success_flag) -> None:
    running = sandbox_factory(
        seed="demo", enrollments=40, options=SandboxOptions(success_flag=success_flag)
    )
    with DokStampClient(_settings(running, "client")) as client:
        student = client.list_students()[0]["uuid"]
        cohort = client.list_cohorts()[0]
        course = cohort["course"]["uuid"]
        payload = {
            "student_uuid": student,
            "course_uuid": course,
            "cohort_uuid": cohort["uuid"],
            "enrolled_at": "2025-09-01",
        }
        before = len(client.list_all("enrollments"))

        created = client.create_enrollment(payload)
        assert created["student"]["uuid"] == student
        assert created["cohort"]["uuid"] == cohort["uuid"]
        assert parse_timestamp(created["enrolled_at"]).date().isoformat() == "2025-09-01"  # type: ignore[union-attr]
        assert client.get_enrollment(created["uuid"]) == created

        updated = client.update_enrollment(
            created["uuid"],
            {"completion_status": "completed", "grade": 8.75, "completed_at": "2026-06-30"},
        )
        assert updated["completion_status"] == "completed"
        assert parse_grade(updated["grade"]) == 8.75
        assert updated["enrolled_at"] == created["enrolled_at"]  # untouched by the PATCH
        mine = client.list_all("enrollments", filters={"student_uuid": student})
        assert created["uuid"] in {r["uuid"] for r in mine}
        assert len(client.list_all("enrollments")) == before + 1

        client.delete_enrollment(created["uuid"])
        with pytest.raises(NotFoundError):
            client.get_enrollment(created["uuid"])

        extra = [
            client.create_enrollment({**payload, "enrolled_at": f"2025-09-0{day}"})["uuid"]
            for day in (2, 3)
        ]
        client.batch_delete_enrollments(extra)
        assert len(client.list_all("enrollments")) == before

        with pytest.raises(ValidationError) as caught:
            client.create_enrollment({**payload, "course_uuid": str(uuid.uuid4())})
        assert caught.value.status == 422
        assert "course_uuid" in caught.value.errors


def test_grades_as_strings_and_timestamps_parse(sandbox_factory) -> None:
    running = sandbox_factory(
        seed="demo", enrollments=60, options=SandboxOptions(grade_as_string=True)
    )
    with DokStampClient(_settings(running, "client")) as client:
        records = client.list_all("enrollments")
    graded = [r["grade"] for r in records if r["grade"] is not None]
    assert graded
    assert all(isinstance(g, str) for g in graded)
    # The demo seed plants some out-of-range grades on purpose: only the type is checked here.
    assert all(isinstance(parse_grade(g), float) for g in graded)
    assert all(parse_timestamp(r["enrolled_at"]) is not None for r in records)


def test_injected_server_errors_are_retried_to_a_complete_list(sandbox_factory) -> None:
    running = sandbox_factory(seed="demo", enrollments=200, options=SandboxOptions(fail_rate=0.5))
    settings = _settings(running, "client", page_size=20, max_attempts=25, concurrency=4)
    with DokStampClient(settings, sleep=_no_wait) as client:
        records = client.list_all("enrollments")
        stats = client.last_sync_stats
    assert len(records) == 200
    assert len({r["uuid"] for r in records}) == 200
    assert stats is not None
    assert stats.retries > 0
    # +1: the token request; +2: pages 1 and 10 read again (the shift check).
    assert stats.requests == stats.pages + stats.retries + 1 + 2


def test_the_sandbox_rate_limit_is_spent_then_waited_out(sandbox_factory) -> None:
    # Real clock, the sandbox's own limiter with a short window: 10 requests per 2.5 s.
    limit, window = 10, 2.5
    running = sandbox_factory(
        seed="demo",
        enrollments=200,
        options=SandboxOptions(rate_limit_per_minute=limit, rate_limit_window_seconds=window),
        static_tokens={STATIC: demo.DEMO_TENANT},
    )
    settings = _settings(running, "token", page_size=10, concurrency=4)
    heard: list[float] = []
    with DokStampClient(settings) as client:
        started = time.monotonic()
        records = client.list_all("enrollments", on_wait=heard.append)
        seconds = time.monotonic() - started
        stats = client.last_sync_stats
    reference, _ = _plain_pages(running, per_page=100)

    assert [r["uuid"] for r in records] == reference
    assert stats is not None
    sent = stats.requests - stats.throttled
    assert sent == 22  # 20 pages, and pages 1 and 20 read again
    windows = math.ceil(sent / limit)
    # The window's length is unknown at first: one request asks (the only 429), and the
    # answer's Retry-After gives the length; the later windows are waited out without a 429.
    assert stats.throttled <= 1
    assert stats.retries == stats.throttled
    assert seconds >= (windows - 1) * window  # it cannot be faster than the server allows
    assert all(wait > 1.0 for wait in heard)


def test_a_429_from_the_sandbox_carries_retry_after(sandbox_factory) -> None:
    running = sandbox_factory(
        seed="demo",
        enrollments=50,
        options=SandboxOptions(rate_limit_per_minute=2),
        static_tokens={STATIC: demo.DEMO_TENANT},
    )
    # One send per request: the request that finds the allowance spent fails with its 429.
    settings = _settings(running, "token", page_size=10, concurrency=1, max_attempts=1)
    with (
        DokStampClient(settings, sleep=_no_wait) as client,
        pytest.raises(RateLimitedError) as caught,
    ):
        client.list_all("enrollments")
    assert caught.value.status == 429
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 60
