"""Sign-in in a real browser against a real OpenID Connect provider (oidc-provider-mock on
loopback): a viewer, an editor, a course-scoped viewer and an unknown user sign in, and each sees
what their role allows and cannot reach the rest (pages, typed URLs, CSV downloads)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import Browser, Page, expect

from dashboard.app.dataset import load_dataset
from dashboard.data.source import DataSource
from dashboard.settings import Settings
from dokstamp_sandbox.runner import RunningSandbox

from .conftest import _free_port, app_env, running_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

TIMEOUT_MS = 45_000
CHART = '[data-testid="stVegaLiteChart"] svg.marks'
SIDEBAR = '[data-testid="stSidebar"]'
EDITORS_ONLY = re.compile(r"editors only\)")  # the row extracts' labels
USERS = [
    User(sub="bob@example.edu", claims={"email": "bob@example.edu", "email_verified": True}),
    User(
        sub="registrar@example.edu",
        claims={"email": "registrar@example.edu", "email_verified": True},
    ),
    User(
        sub="lead@example.edu",
        claims={"email": "lead@example.edu", "email_verified": True, "groups": ["course-leads"]},
    ),
]


@dataclass(frozen=True)
class SignedInApp:
    url: str
    scope_codes: list[str]
    scope_names: set[str]
    scope_total: int


def _secrets(app_port: int, provider_port: int, scope: list[str]) -> str:
    courses = ", ".join(f'"{code}"' for code in scope)
    return f"""
[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "a-cookie-secret-for-the-browser-test-only"
client_id = "enrollment-outcomes"
client_secret = "client-secret-for-the-test"
server_metadata_url = "http://localhost:{provider_port}/.well-known/openid-configuration"

[[access.rules]]
role = "editor"
emails = ["registrar@example.edu"]

[[access.rules]]
role = "viewer"
groups = ["course-leads"]
courses = [{courses}]

[[access.rules]]
role = "viewer"
domains = ["example.edu"]
"""


@pytest.fixture(scope="module")
def signed_in_app(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch_module: pytest.MonkeyPatch,
) -> Iterator[SignedInApp]:
    from dokstamp_sandbox.runner import start_sandbox

    tmp = tmp_path_factory.mktemp("signin")
    # The provider speaks plain http on loopback; Authlib refuses that unless told.
    monkeypatch_module.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    sandbox: RunningSandbox = start_sandbox(tmp / "sandbox.db", seed="demo", enrollments=400)
    try:
        env = app_env(sandbox, tmp / "cache", ENROLLMENT_OUTCOMES_EDITING="true")
        settings = Settings.from_mapping({**env, "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp / "p")})
        with DataSource(settings) as source:
            dataset = load_dataset(source)
        counts = (
            dataset.enrollments.group_by("course_uuid")
            .len()
            .join(dataset.courses, left_on="course_uuid", right_on="uuid")
            .sort("code")
            .head(2)
        )
        codes = counts.get_column("code").to_list()
        with run_server_in_thread(user_claims=USERS) as provider:
            app_port = _free_port()
            secrets = tmp / "secrets.toml"
            secrets.write_text(_secrets(app_port, provider.server_port, codes))
            env["AUTHLIB_INSECURE_TRANSPORT"] = "1"
            with running_dashboard(
                env, tmp / "streamlit.log", port=app_port, secrets_file=secrets
            ) as (url, _):
                yield SignedInApp(
                    url=url,
                    scope_codes=codes,
                    scope_names=set(counts.get_column("name").to_list()),
                    scope_total=int(counts.get_column("len").sum()),
                )
    finally:
        sandbox.stop()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _sign_in(page: Page, app: SignedInApp, sub: str) -> None:
    page.goto(app.url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"), timeout=TIMEOUT_MS)
    predefined = page.get_by_role("button", name=sub, exact=True)
    if predefined.count():
        predefined.click()
    else:  # a user the provider does not know yet: type their subject (it becomes the e-mail)
        page.locator('input[name="sub"]').fill(sub)
        page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(app.url) + r"/?(\?.*)?$"), timeout=TIMEOUT_MS)


def _nav(page: Page) -> list[str]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    links.first.wait_for(timeout=TIMEOUT_MS)
    return [text.strip().splitlines()[-1].strip() for text in links.all_inner_texts()]


def _open(page: Page, app: SignedInApp, path: str) -> None:
    page.goto(f"{app.url}/{path}")
    page.locator(SIDEBAR).get_by_text("Signed in:").wait_for(timeout=TIMEOUT_MS)


def _download_csv(page: Page) -> list[dict[str, str]]:
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.locator('[data-testid="stDownloadButton"] button').first.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_not_signed_in_only_the_sign_in_page(page: Page, signed_in_app: SignedInApp) -> None:
    for path in ("", "corrections", "completion"):
        page.goto(f"{signed_in_app.url}/{path}")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT_MS)
        assert page.locator(CHART).count() == 0
        assert page.locator('[data-testid="stDownloadButton"]').count() == 0
        assert page.get_by_label("Find an enrollment").count() == 0


def test_a_viewer_sees_aggregates_and_cannot_reach_corrections(
    page: Page, signed_in_app: SignedInApp, screenshots: Path
) -> None:
    _sign_in(page, signed_in_app, "bob@example.edu")
    page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
    expect(page.locator(SIDEBAR)).to_contain_text("bob@example.edu · viewer")
    nav = _nav(page)
    assert "Corrections" not in nav
    assert "Settings" not in nav
    assert page.get_by_role("button", name="Refresh data").count() == 0
    rows = _download_csv(page)  # an aggregate table: no student in it
    assert rows
    assert not {"student_name", "student_uuid", "uuid"} & set(rows[0])
    _open(page, signed_in_app, "corrections")  # typed by hand
    page.wait_for_timeout(1000)
    assert page.get_by_label("Find an enrollment").count() == 0
    _open(page, signed_in_app, "settings")  # the admin's page, typed by hand
    page.wait_for_selector(CHART, timeout=TIMEOUT_MS)  # lands on the Overview instead
    assert page.get_by_role("heading", name="Settings").count() == 0
    _open(page, signed_in_app, "cohorts")
    page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
    expect(page.get_by_text(EDITORS_ONLY)).to_have_count(0)
    page.screenshot(path=str(screenshots / "signin_viewer_cohorts.png"), full_page=True)


def test_an_editor_gets_corrections_and_row_level_rows(
    page: Page, signed_in_app: SignedInApp
) -> None:
    _sign_in(page, signed_in_app, "registrar@example.edu")
    expect(page.locator(SIDEBAR)).to_contain_text("registrar@example.edu · editor")
    assert "Corrections" in _nav(page)
    _open(page, signed_in_app, "corrections")
    expect(page.get_by_label("Find an enrollment")).to_be_visible(timeout=TIMEOUT_MS)
    _open(page, signed_in_app, "cohorts")
    expect(page.get_by_text(EDITORS_ONLY).first).to_be_visible(timeout=TIMEOUT_MS)


def test_a_scoped_viewer_sees_their_courses_only(
    page: Page, signed_in_app: SignedInApp, screenshots: Path
) -> None:
    _sign_in(page, signed_in_app, "lead@example.edu")
    page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
    sidebar = page.locator(SIDEBAR)
    expect(sidebar).to_contain_text("lead@example.edu · viewer · 2 course(s)")
    expect(sidebar).to_contain_text(f"All enrollments: n = {signed_in_app.scope_total:,}")
    _open(page, signed_in_app, "completion")
    page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
    rows = _download_csv(page)  # completion by course: their courses and their total only
    by_course = {row["course_name"]: row for row in rows}
    assert set(by_course) == {*signed_in_app.scope_names, "(all)"}
    # The "All" row is their scope's, and equals the sum of their courses.
    assert int(by_course["(all)"]["n"]) == signed_in_app.scope_total
    assert sum(int(by_course[name]["n"]) for name in signed_in_app.scope_names) == (
        signed_in_app.scope_total
    )
    # The course filter offers their courses only.
    sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Course").click()
    options = {text.strip() for text in page.get_by_role("option").all_inner_texts()}
    assert options - {"Select all"} == signed_in_app.scope_names
    page.screenshot(path=str(screenshots / "signin_scoped_viewer.png"), full_page=True)


def test_an_unknown_user_gets_no_access_and_can_sign_out(
    page: Page, signed_in_app: SignedInApp
) -> None:
    _sign_in(page, signed_in_app, "stranger@elsewhere.org")
    expect(page.get_by_role("heading", name="No access")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text(re.compile("signed in as stranger@elsewhere.org"))).to_be_visible()
    assert page.locator(CHART).count() == 0
    page.goto(f"{signed_in_app.url}/completion")
    expect(page.get_by_role("heading", name="No access")).to_be_visible(timeout=TIMEOUT_MS)
    assert page.locator('[data-testid="stDownloadButton"]').count() == 0
    page.get_by_role("button", name="Sign out").click()
    # Sign-out also ends the provider's session (its end_session page asks to confirm).
    page.get_by_role("button", name="End session").click(timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT_MS)
    page.goto(f"{signed_in_app.url}/completion")  # the cookie is gone: signed out everywhere
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT_MS)


def test_a_download_link_serves_only_the_user_who_made_it(
    browser: Browser, browser_context_args: dict[str, Any], signed_in_app: SignedInApp
) -> None:
    """The row-level CSV an editor downloads is refused to a signed-out browser (403), to a
    signed-in viewer who is handed its URL (404) and to a user no access rule names (403); the
    editor fetches it again."""
    editor = browser.new_context(**browser_context_args)
    viewer = browser.new_context(**browser_context_args)
    stranger = browser.new_context(**browser_context_args)
    unknown = browser.new_context(**browser_context_args)
    try:
        page = editor.new_page()
        _sign_in(page, signed_in_app, "registrar@example.edu")
        _open(page, signed_in_app, "cohorts")
        page.get_by_text(EDITORS_ONLY).first.click()  # opens the rows' expander
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            page.get_by_role("button", name="Download rows (CSV)").first.click()
        url = download.value.url
        assert "/media/" in url
        rows = Path(download.value.path()).read_text(encoding="utf-8")
        assert "uuid" in rows.splitlines()[0]  # row-level: one line per enrollment

        again = page.request.get(url)
        assert again.status == 200
        assert again.text() == rows

        refused = stranger.request.get(url)
        assert refused.status == 403
        assert "uuid" not in refused.text()

        viewer_page = viewer.new_page()
        _sign_in(viewer_page, signed_in_app, "bob@example.edu")
        viewer_page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
        handed = viewer_page.request.get(url)
        assert handed.status == 404
        assert "uuid" not in handed.text()
        # The viewer's own aggregate download is theirs to fetch.
        with viewer_page.expect_download(timeout=TIMEOUT_MS) as own:
            viewer_page.locator('[data-testid="stDownloadButton"] button').first.click()
        assert viewer_page.request.get(own.value.url).status == 200
        assert stranger.request.get(own.value.url).status == 403

        # Signed in, but named by no access rule: refused like a signed-out browser.
        unknown_page = unknown.new_page()
        _sign_in(unknown_page, signed_in_app, "stranger@elsewhere.org")
        expect(unknown_page.get_by_role("heading", name="No access")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        assert unknown_page.request.get(own.value.url).status == 403
        assert unknown_page.request.get(url).status == 403
    finally:
        for context in (editor, viewer, stranger, unknown):
            context.close()
