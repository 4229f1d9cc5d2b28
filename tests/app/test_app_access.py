"""Sign-in, roles and course scopes in the app (AppTest: st.user seeded as a provider would).

The browser test (tests/browser/test_signin_browser.py) signs in through a real OIDC provider;
these check every page and every role quickly, on the session's demo sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app.dataset import load_dataset
from dashboard.data.source import DataSource
from dokstamp_sandbox.runner import RunningSandbox

from ..conftest import demo_settings

AppFactory = Callable[..., AppTest]

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret-only-for-apptest",
    "client_id": "dashboard",
    "client_secret": "dashboard-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def _access(courses: list[str] | None = None) -> dict[str, Any]:
    """Rules: an admin, an editor, course leads (``courses`` only), anyone at example.edu."""
    leads: dict[str, Any] = {"role": "viewer", "groups": ["course-leads"]}
    if courses is not None:
        leads["courses"] = courses
    return {
        "rules": [
            {"role": "admin", "emails": ["dean@example.edu"]},
            {"role": "editor", "emails": ["registrar@example.edu"]},
            leads,
            {"role": "viewer", "domains": ["example.edu"]},
        ]
    }


def _user(email: str, **claims: Any) -> dict[str, Any]:
    return {"is_logged_in": True, "email": email, "email_verified": True, **claims}


@pytest.fixture(scope="module")
def demo_frames(sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo tenant's enrollments and courses as the data layer reads them."""
    settings = demo_settings(sandbox, tmp_path_factory.mktemp("frames"))
    with DataSource(settings) as source:
        return load_dataset(source)


def _two_courses(demo_frames: Any) -> tuple[list[str], int]:
    """Two course codes of the demo and how many enrollments they have together."""
    counts = (
        demo_frames.enrollments.group_by("course_uuid")
        .len()
        .join(demo_frames.courses, left_on="course_uuid", right_on="uuid")
        .sort("code")
    )
    chosen = counts.head(2)
    return chosen.get_column("code").to_list(), int(chosen.get_column("len").sum())


def _sidebar_texts(at: AppTest) -> str:
    return "\n".join(text.value for text in at.sidebar.text)


def _page_titles(at: AppTest) -> list[str]:
    return [title.value for title in at.title]


def test_not_signed_in_sees_only_the_sign_in_page(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(
        sandbox, secrets={"auth": AUTH, "access": _access()}, user={"is_logged_in": False}
    )
    assert not at.exception, at.exception
    assert [button.label for button in at.button] == ["Sign in"]
    assert not at.get("vega_lite_chart")
    assert not at.metric
    assert not at.dataframe
    assert "All enrollments" not in _sidebar_texts(at)


def test_a_named_provider_gets_its_own_button(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    auth = {
        "redirect_uri": AUTH["redirect_uri"],
        "cookie_secret": AUTH["cookie_secret"],
        "microsoft": {key: AUTH[key] for key in ("client_id", "client_secret")},
    }
    at = app_factory(sandbox, secrets={"auth": auth}, user={"is_logged_in": False})
    assert [button.label for button in at.button] == ["Sign in with microsoft"]


def test_an_unknown_user_gets_no_access(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(
        sandbox,
        secrets={"auth": AUTH, "access": _access()},
        user=_user("stranger@elsewhere.org"),
    )
    assert not at.exception, at.exception
    assert _page_titles(at) == ["No access"]
    assert "stranger@elsewhere.org" in at.error[0].value.replace("\\", "")
    assert not at.metric
    assert [button.label for button in at.button] == ["Sign out"]


def test_an_unverified_address_matches_no_rule(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(
        sandbox,
        secrets={"auth": AUTH, "access": _access()},
        user=_user("dean@example.edu", email_verified=False),
    )
    assert _page_titles(at) == ["No access"]


def test_a_broken_access_table_lets_no_one_in(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(
        sandbox,
        secrets={"auth": AUTH, "access": {"rules": [{"role": "owner", "emails": ["a@b.c"]}]}},
        user=_user("a@b.c"),
    )
    assert not at.exception, at.exception
    assert "access rules are not configured correctly" in at.error[0].value
    assert "role must be one of viewer, editor, admin" in at.error[0].value
    assert not at.metric


def test_a_viewer_sees_aggregates_only(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(
        sandbox,
        editing=True,
        secrets={"auth": AUTH, "access": _access()},
        user=_user("teacher@example.edu"),
    )
    assert not at.exception, at.exception
    assert "teacher@example.edu · viewer" in _sidebar_texts(at)
    assert "Refresh data" not in [button.label for button in at.button]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/corrections.py")
    at.switch_page("views/cohorts.py").run()
    assert not [e for e in at.expander if "editors only" in e.label]
    at.switch_page("views/data_quality.py").run()
    assert any("editors only" in info.value for info in at.info)


def test_an_editor_gets_corrections_and_rows(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(
        sandbox,
        editing=True,
        secrets={"auth": AUTH, "access": _access()},
        user=_user("registrar@example.edu"),
    )
    assert "Refresh data" not in [button.label for button in at.button]
    at.switch_page("views/corrections.py").run()
    assert not at.exception, at.exception
    assert "Corrections" in _page_titles(at)
    at.switch_page("views/cohorts.py").run()
    assert [e for e in at.expander if "editors only" in e.label]


def test_an_editor_sees_rows_also_where_writes_are_off(
    sandbox: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(
        sandbox,
        editing=False,
        secrets={"auth": AUTH, "access": _access()},
        user=_user("registrar@example.edu"),
    )
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/corrections.py")
    at.switch_page("views/data_quality.py").run()
    assert not at.exception, at.exception
    assert "Rows behind a check (editors only)" in [h.value for h in at.subheader]
    assert "Open in the correction form" not in [b.label for b in at.button]


def test_an_admin_may_refresh(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(
        sandbox, secrets={"auth": AUTH, "access": _access()}, user=_user("Dean@Example.edu")
    )
    assert "dean@example.edu · admin" in _sidebar_texts(at)
    assert "Refresh data" in [button.label for button in at.button]


def test_a_scoped_viewer_sees_their_courses_only(
    sandbox: RunningSandbox, app_factory: AppFactory, demo_frames: Any
) -> None:
    codes, expected = _two_courses(demo_frames)
    at = app_factory(
        sandbox,
        secrets={"auth": AUTH, "access": _access(codes)},
        user=_user("lead@example.edu", groups=["course-leads", "staff"]),
    )
    assert not at.exception, at.exception
    sidebar = _sidebar_texts(at)
    assert "lead@example.edu · viewer · 2 course(s)" in sidebar
    assert f"All enrollments: n = {expected:,}" in sidebar
    course_filter = at.sidebar.multiselect[0]
    names = set(
        demo_frames.courses.filter(pl.col("code").is_in(codes)).get_column("name").to_list()
    )
    assert {course_filter.format_func(option) for option in course_filter.options} == names
    enrollments = next(m.value for m in at.metric if m.label == "Enrollments")
    assert enrollments == f"{expected:,}"


def test_a_scope_naming_no_course_says_so(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    at = app_factory(
        sandbox,
        secrets={"auth": AUTH, "access": _access(["NO-SUCH-COURSE"])},
        user=_user("lead@example.edu", groups=["course-leads"]),
    )
    assert not at.exception, at.exception
    assert any("NO-SUCH-COURSE" in w.value.replace("\\", "") for w in at.warning)
    assert "All enrollments: n = 0" in _sidebar_texts(at) or "n<" in _sidebar_texts(at)


def test_without_auth_the_app_is_as_before(
    sandbox: RunningSandbox, app_factory: AppFactory, tmp_path: Path
) -> None:
    at = app_factory(sandbox, editing=True)
    assert "Signed in" not in _sidebar_texts(at)
    assert "Refresh data" in [button.label for button in at.button]
    at.switch_page("views/corrections.py").run()
    assert not at.exception, at.exception


def _log_table(at: AppTest) -> pl.DataFrame:
    from streamlit import dataframe_util

    table = next(frame for frame in at.dataframe if "role" in frame.value.columns)
    return pl.from_pandas(dataframe_util.convert_anything_to_pandas_df(table.value))


def test_the_log_names_the_signed_in_editor_and_role_and_the_admin_sees_everyone(
    sandbox_factory: Callable[..., RunningSandbox],
    app_factory: AppFactory,
    tmp_path: Path,
    tools: Any,
) -> None:
    writable = sandbox_factory(seed="demo", enrollments=200)
    secrets = {"auth": AUTH, "access": _access()}
    cache = tmp_path / "shared-cache"
    editor = app_factory(
        writable, cache_dir=cache, secrets=secrets, user=_user("registrar@example.edu")
    )
    editor.switch_page("views/corrections.py").run()
    uuid = tools.api_request(writable, "GET", "/enrollments?per_page=1").json()["data"][0]["uuid"]
    editor.text_input(key="corr_search").input(uuid).run()
    editor.text_input(key=f"corr_{uuid}_grade").input("7.5")
    next(b for b in editor.button if b.label == "Save correction").click().run()
    assert not editor.exception, editor.exception
    assert any("Saved" in s.value for s in editor.success)

    admin = app_factory(writable, cache_dir=cache, secrets=secrets, user=_user("dean@example.edu"))
    admin.switch_page("views/corrections.py").run()
    log = _log_table(admin)
    assert log.select("actor", "role", "action", "enrollment_uuid").rows() == [
        ("registrar@example.edu", "editor", "update", uuid)
    ]
    # Another editor sees their own corrections only (none).
    other = app_factory(
        writable,
        cache_dir=cache,
        secrets={
            "auth": AUTH,
            "access": {"rules": [{"role": "editor", "emails": ["ann@example.edu"]}]},
        },
        user=_user("ann@example.edu"),
    )
    other.switch_page("views/corrections.py").run()
    assert _log_table(other).height == 0


def test_the_settings_page_is_the_admins(sandbox: RunningSandbox, app_factory: AppFactory) -> None:
    secrets = {"auth": AUTH, "access": _access(["NURS-101"])}
    admin = app_factory(sandbox, secrets=secrets, user=_user("dean@example.edu"))
    admin.switch_page("views/settings.py").run()
    assert not admin.exception, admin.exception
    rules = next(t for t in admin.dataframe if "courses" in t.value.columns).value
    assert list(rules["role"]) == ["admin", "editor", "viewer", "viewer"]
    assert list(rules["courses"])[2] == "NURS-101"
    shown = " ".join(str(v) for t in admin.dataframe for v in t.value.to_numpy().ravel())
    assert "dashboard-secret" not in shown
    assert "not-a-real-secret" not in shown
    editor = app_factory(sandbox, secrets=secrets, user=_user("registrar@example.edu"))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        editor.switch_page("views/settings.py")
