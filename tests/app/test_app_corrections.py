"""The corrections page in AppTest: checks before sending, server 422s beside the field, a valid
edit reaching the charts at once, concurrent changes shown, deletes confirmed, the log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from dashboard.client import DokStampClient
from dashboard.data.corrections import read_corrections_log
from dokstamp_sandbox.runner import RunningSandbox

AppFactory = Callable[..., AppTest]
CORRECTIONS = "views/corrections.py"
OVERVIEW = "views/overview.py"


@pytest.fixture
def writable(sandbox_factory: Callable[..., RunningSandbox]) -> RunningSandbox:
    """A private demo sandbox this module's tests may write to."""
    return sandbox_factory(seed="demo", enrollments=300)


def _open(at: AppTest, uuid: str) -> AppTest:
    """Go to the corrections page and open ``uuid`` by searching for it."""
    at.switch_page(CORRECTIONS).run()
    at.text_input(key="corr_search").input(uuid).run()
    assert not at.exception, at.exception
    assert at.text_input(key=f"corr_{uuid}_grade") is not None
    return at


def _submit(at: AppTest, label: str = "Save correction") -> AppTest:
    button = next(b for b in at.button if b.label == label)
    return button.click().run()


def _errors(at: AppTest, tools: Any) -> list[str]:
    return [tools.plain(error.value) for error in at.error]


def _form_items(at: AppTest, uuid: str) -> list[tuple[str, str]]:
    """The edit form's children in order, as (kind, label or text)."""
    form = next(block for block in at.get("form") if block.proto.form.form_id.endswith("form"))
    items = []
    for node in form.children.values():
        kind = node.type
        label = getattr(node, "label", None) or getattr(node, "value", "")
        items.append((kind, str(label)))
    return items


def _pick(frame: pl.DataFrame, **where: Any) -> dict[str, Any]:
    rows = frame
    for column, value in where.items():
        rows = rows.filter(pl.col(column).cast(pl.String) == value)
    assert rows.height, where
    return rows.row(0, named=True)


def _enrollments(sandbox: RunningSandbox, tools: Any, tmp_path: Path) -> pl.DataFrame:
    from dashboard.data import load_enrollments

    settings = tools.sandbox_settings(sandbox, tmp_path / "probe-cache")
    return load_enrollments(settings).frame


def _chart_rows(at: AppTest, title: str) -> list[dict[str, Any]]:
    """The data rows a chart was drawn from (Streamlit ships them as Arrow datasets)."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if title in json.dumps(spec.get("title", "")):
            rows: list[dict[str, Any]] = []
            for dataset in chart.proto.datasets:
                frame = pl.from_pandas(
                    dataframe_util.convert_arrow_bytes_to_pandas_df(dataset.data.data)
                )
                rows.extend(frame.to_dicts())
            return rows
    raise AssertionError(f"no chart titled {title!r}")


def test_bad_input_is_rejected_without_sending(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    row = _pick(_enrollments(writable, tools, tmp_path), completion_status="enrolled")
    uuid = row["uuid"]
    at = _open(app_factory(writable), uuid)
    at.text_input(key=f"corr_{uuid}_grade").input("10.555")
    at.text_input(key=f"corr_{uuid}_completed_at").input("2024-02-30")
    _submit(at)
    errors = _errors(at, tools)
    assert "The grade must not be greater than 10." in errors
    assert "The grade must have at most 2 decimal places." in errors
    assert any("completed at does not match the format" in e for e in errors)
    # What the user typed is still there.
    assert at.text_input(key=f"corr_{uuid}_grade").value == "10.555"
    assert at.text_input(key=f"corr_{uuid}_completed_at").value == "2024-02-30"
    # Each message sits right after its own field.
    items = _form_items(at, uuid)
    grade_at = items.index(("text_input", "Grade"))
    assert items[grade_at + 1][0] == "error"
    assert "greater than 10" in tools.plain(items[grade_at + 1][1])
    # Nothing reached the API: the record is unchanged and nothing was logged.
    settings = tools.sandbox_settings(writable, tmp_path / "cache")
    with DokStampClient(settings) as client:
        assert client.get_enrollment(uuid)["grade"] == row["grade"]
    assert read_corrections_log(settings).is_empty()


def test_server_422_is_shown_beside_the_field(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    row = _pick(_enrollments(writable, tools, tmp_path), completion_status="enrolled")
    uuid = row["uuid"]
    created = tools.api_request(
        writable,
        "POST",
        "/cohorts",
        json={"course_uuid": row["course_uuid"], "code": "TEST-GONE", "modality": "remote"},
    )
    assert created.status_code == 201, created.text
    cohort = created.json()["data"]["uuid"]
    at = _open(app_factory(writable), uuid)  # the app now offers the new cohort
    deleted = tools.api_request(writable, "DELETE", f"/cohorts/{cohort}")
    assert deleted.status_code == 204, deleted.text
    at.selectbox(key=f"corr_{uuid}_cohort_uuid").set_value(cohort)
    _submit(at)
    assert not at.exception, at.exception
    items = _form_items(at, uuid)
    cohort_at = items.index(("selectbox", "Cohort"))
    assert items[cohort_at + 1][0] == "error"
    assert tools.plain(items[cohort_at + 1][1]) == "The selected cohort uuid is invalid."
    assert any("The server refused the change" in e for e in _errors(at, tools))
    assert at.selectbox(key=f"corr_{uuid}_cohort_uuid").value == cohort  # kept


def test_valid_edit_shows_up_in_the_charts_at_once(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    frame = _enrollments(writable, tools, tmp_path)
    at = app_factory(writable)
    before = {r["intake_year"]: r for r in _chart_rows(at, "Completion rate by intake year")}
    # An enrolled row of an intake year whose bar is published (so the change must show).
    published = [year for year, r in before.items() if r["completed"] is not None]
    assert published
    row = frame.filter(
        (pl.col("completion_status").cast(pl.String) == "enrolled")
        & pl.col("enrolled_at").dt.year().cast(pl.String).is_in(published)
    ).row(0, named=True)
    uuid, year = row["uuid"], row["enrolled_at"].year
    active_before = next(m.value for m in at.metric if m.label == "Active (enrolled)")

    _open(at, uuid)
    at.selectbox(key=f"corr_{uuid}_completion_status").set_value("completed")
    completed_on = row["enrolled_at"].date().replace(year=year + 1).isoformat()
    at.text_input(key=f"corr_{uuid}_completed_at").input(completed_on)
    at.text_input(key=f"corr_{uuid}_grade").input("8.25")
    _submit(at)
    assert not at.exception, at.exception
    assert _errors(at, tools) == []
    assert any("Saved" in s.value for s in at.success)

    at.switch_page(OVERVIEW).run()
    after = {r["intake_year"]: r for r in _chart_rows(at, "Completion rate by intake year")}
    key = str(year)
    assert after[key]["n"] == before[key]["n"]
    assert after[key]["completed"] == before[key]["completed"] + 1
    assert after[key]["completion_rate"] > before[key]["completion_rate"]
    active_after = next(m.value for m in at.metric if m.label == "Active (enrolled)")
    assert int(active_after.replace(",", "")) == int(active_before.replace(",", "")) - 1
    log = read_corrections_log(tools.sandbox_settings(writable, tmp_path / "cache"))
    assert log.get_column("action").to_list() == ["update"]
    assert log.get_column("enrollment_uuid").to_list() == [uuid]


def test_concurrent_change_shows_both_versions(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    row = _pick(_enrollments(writable, tools, tmp_path), completion_status="enrolled")
    uuid = row["uuid"]
    at = _open(app_factory(writable), uuid)
    # Someone else changes the record after it was opened.
    other = tools.api_request(writable, "PATCH", f"/enrollments/{uuid}", json={"grade": 3.5})
    assert other.status_code == 200, other.text
    at.text_input(key=f"corr_{uuid}_grade").input("9")
    _submit(at)
    assert not at.exception, at.exception
    assert any("Someone changed this enrollment" in w.value for w in at.warning)
    versions = next(df.value for df in at.dataframe if "on the server now" in df.value.columns)
    grade = versions[versions["field"] == "Grade"].iloc[0]
    assert grade["on the server now"] == "3.5"
    assert grade["your edit"] == "9.0"
    # Not overwritten.
    settings = tools.sandbox_settings(writable, tmp_path / "cache")
    with DokStampClient(settings) as client:
        assert float(client.get_enrollment(uuid)["grade"]) == 3.5
    # Taking the server's version puts it in the form.
    next(b for b in at.button if b.label == "Load the server's version").click().run()
    assert at.text_input(key=f"corr_{uuid}_grade").value == "3.5"


def test_batch_delete_asks_and_names_how_many(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    frame = _enrollments(writable, tools, tmp_path)
    course = frame.get_column("course_name")[0]
    at = app_factory(writable)
    at.switch_page(CORRECTIONS).run()
    at.text_input(key="corr_search").input(course).run()
    matches = at.dataframe[0].value
    chosen = list(matches["uuid"][:3])
    at.session_state["corr_results"] = {"selection": {"rows": [0, 1, 2], "columns": []}}
    at.run()
    next(b for b in at.button if b.label == "Delete 3 selected…").click().run()
    assert any("Delete 3 enrollments?" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Yes, delete 3 enrollments").click().run()
    assert not at.exception, at.exception
    assert any("Deleted 3 enrollments." in s.value for s in at.success)
    settings = tools.sandbox_settings(writable, tmp_path / "cache")
    log = read_corrections_log(settings)
    assert sorted(log.get_column("enrollment_uuid").to_list()) == sorted(chosen)
    assert set(log.get_column("action").to_list()) == {"delete"}
    total = next(m.value for m in at.switch_page(OVERVIEW).run().metric if m.label == "Enrollments")
    assert int(total.replace(",", "")) == frame.height - 3


def test_create_enrollment_with_pickers(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    frame = _enrollments(writable, tools, tmp_path)
    student = frame.get_column("student_uuid")[0]
    course = frame.get_column("course_uuid")[0]
    at = app_factory(writable)
    at.switch_page(CORRECTIONS).run()
    at.selectbox(key="corr_new_student_uuid").set_value(student)
    at.selectbox(key="corr_new_course_uuid").set_value(course)
    at.text_input(key="corr_new_enrolled_at").input("2026-03-01")
    at.text_input(key="corr_new_grade").input("11")
    _submit(at, "Create enrollment")
    assert "The grade must not be greater than 10." in _errors(at, tools)
    at.text_input(key="corr_new_grade").input("")
    _submit(at, "Create enrollment")
    assert not at.exception, at.exception
    assert any("Created enrollment" in s.value for s in at.success)
    log = read_corrections_log(tools.sandbox_settings(writable, tmp_path / "cache"))
    assert log.get_column("action").to_list() == ["create"]
    at.switch_page(OVERVIEW).run()
    total = next(m.value for m in at.metric if m.label == "Enrollments")
    assert int(total.replace(",", "")) == frame.height + 1


def test_data_quality_rows_open_in_the_correction_form(
    writable: RunningSandbox, app_factory: AppFactory
) -> None:
    at = app_factory(writable)
    at.switch_page("views/data_quality.py").run()
    checks = at.selectbox(key="quality_check").options
    for label in checks:
        at.selectbox(key="quality_check").select(label).run()
        if at.selectbox(key="quality_target") is not None and not any(
            "No enrollment in the current filter fails" in s.value for s in at.success
        ):
            break
    else:
        raise AssertionError("the demo data should have at least one data-quality finding")
    target = at.selectbox(key="quality_target").value
    next(b for b in at.button if b.label == "Open in the correction form").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Corrections"
    assert at.text_input(key=f"corr_{target}_grade") is not None


def test_names_are_shown_as_text(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    name = "**Bold** [link](http://example.test) <b>tag</b> :red[x]"
    student = tools.api_request(
        writable,
        "POST",
        "/students",
        json={"name": name, "email": "markup@example.test", "date_of_birth": "2000-01-01"},
    )
    assert student.status_code == 201, student.text
    course = _enrollments(writable, tools, tmp_path).get_column("course_uuid")[0]
    created = tools.api_request(
        writable,
        "POST",
        "/enrollments",
        json={
            "student_uuid": student.json()["data"]["uuid"],
            "course_uuid": course,
            "enrolled_at": "2025-02-01",
        },
    )
    assert created.status_code == 201, created.text
    uuid = created.json()["data"]["uuid"]
    at = _open(app_factory(writable), uuid)
    # Shown by st.text (never Markdown): the name appears exactly as stored.
    assert any(name in text.value for text in at.text)
    assert not any(name in markdown.value for markdown in at.markdown)


# --- a concurrent change: only this editor's fields are sent --------------------------------


def _server(sandbox: RunningSandbox, tools: Any, tmp_path: Path, uuid: str) -> dict[str, Any]:
    with DokStampClient(tools.sandbox_settings(sandbox, tmp_path / "probe-cache")) as client:
        return client.get_enrollment(uuid)


def _conflict(at: AppTest, tools: Any, writable: RunningSandbox, uuid: str, **theirs: Any) -> None:
    """Someone else PATCHes ``theirs`` after the form was opened; this editor's save then stops."""
    other = tools.api_request(writable, "PATCH", f"/enrollments/{uuid}", json=theirs)
    assert other.status_code == 200, other.text
    _submit(at)
    assert not at.exception, at.exception
    assert any("Someone changed this enrollment" in w.value for w in at.warning)


def test_saving_over_a_change_keeps_the_fields_i_did_not_touch(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    row = _pick(_enrollments(writable, tools, tmp_path), completion_status="enrolled")
    uuid = row["uuid"]
    at = _open(app_factory(writable), uuid)
    at.text_input(key=f"corr_{uuid}_grade").input("9")
    _conflict(at, tools, writable, uuid, completion_status="dropped")
    assert any("Their change to Status stays" in c.value for c in at.caption)
    assert at.radio == []  # no field was changed by both: nothing to choose
    _submit(at, "Save my edit over it")
    assert not at.exception, at.exception
    assert _errors(at, tools) == []
    assert any("Saved" in s.value for s in at.success)
    server = _server(writable, tools, tmp_path, uuid)
    assert (server["completion_status"], float(server["grade"])) == ("dropped", 9.0)
    # The form now shows the merged record, and the log has one update whose before is theirs.
    assert at.selectbox(key=f"corr_{uuid}_completion_status").value == "dropped"
    log = read_corrections_log(tools.sandbox_settings(writable, tmp_path / "cache"))
    assert log.get_column("action").to_list() == ["update"]
    assert json.loads(log["before"][0])["completion_status"] == "dropped"


def test_a_field_both_changed_is_the_editors_choice(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    row = _pick(_enrollments(writable, tools, tmp_path), completion_status="enrolled")
    uuid = row["uuid"]
    at = _open(app_factory(writable), uuid)
    at.text_input(key=f"corr_{uuid}_grade").input("9")
    _conflict(at, tools, writable, uuid, grade=3.5, completion_status="dropped")
    choice = at.radio(key=f"corr_{uuid}_choose_grade")
    assert choice.value is None  # no default: the editor decides
    assert choice.options == ["Mine: 9", "Theirs: 3.5"]
    # Saving without choosing sends nothing and says what is missing.
    _submit(at, "Save my edit over it")
    assert any("Choose mine or theirs for: Grade" in e for e in _errors(at, tools))
    assert float(_server(writable, tools, tmp_path, uuid)["grade"]) == 3.5
    at.radio(key=f"corr_{uuid}_choose_grade").set_value("mine")
    _submit(at, "Save my edit over it")
    assert not at.exception, at.exception
    assert any("Saved" in s.value for s in at.success)
    server = _server(writable, tools, tmp_path, uuid)
    assert (server["completion_status"], float(server["grade"])) == ("dropped", 9.0)


def test_keeping_theirs_for_every_field_sends_nothing(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    row = _pick(_enrollments(writable, tools, tmp_path), completion_status="enrolled")
    uuid = row["uuid"]
    at = _open(app_factory(writable), uuid)
    at.text_input(key=f"corr_{uuid}_grade").input("9")
    _conflict(at, tools, writable, uuid, grade=3.5)
    at.radio(key=f"corr_{uuid}_choose_grade").set_value("theirs")
    _submit(at, "Save my edit over it")
    assert not at.exception, at.exception
    assert any("Nothing was sent" in s.value for s in at.success)
    assert at.text_input(key=f"corr_{uuid}_grade").value == "3.5"
    assert read_corrections_log(tools.sandbox_settings(writable, tmp_path / "cache")).is_empty()


# --- the data-quality rules, stricter than the API -------------------------------------------


def test_the_edit_form_refuses_what_the_data_quality_page_flags(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    frame = _enrollments(writable, tools, tmp_path)
    enrolled = _pick(frame, completion_status="enrolled")
    done = frame.filter(
        (pl.col("completion_status").cast(pl.String) == "completed")
        & pl.col("completed_at").is_not_null()
        & pl.col("grade").is_not_null()
    ).row(0, named=True)
    at = app_factory(writable)

    # Completed with no completion date.
    uuid = enrolled["uuid"]
    _open(at, uuid)
    assert any("Stricter than the API" in c.value for c in at.caption)
    at.selectbox(key=f"corr_{uuid}_completion_status").set_value("completed")
    at.text_input(key=f"corr_{uuid}_grade").input("7.5")
    _submit(at)
    assert not at.exception, at.exception
    items = _form_items(at, uuid)
    completed_at = items.index(("text_input", "Completed at"))
    assert items[completed_at + 1][0] == "error"
    message = tools.plain(items[completed_at + 1][1])
    assert "A completed enrollment needs a completion date." in message
    assert "the API would accept this" in message
    assert at.selectbox(key=f"corr_{uuid}_completion_status").value == "completed"  # kept
    assert at.text_input(key=f"corr_{uuid}_grade").value == "7.5"
    assert _server(writable, tools, tmp_path, uuid)["completion_status"] == "enrolled"

    # Enrolled or dropped with a completion date.
    uuid = done["uuid"]
    for status in ("enrolled", "dropped"):
        _open(at, uuid)
        at.selectbox(key=f"corr_{uuid}_completion_status").set_value(status)
        _submit(at)
        assert any(
            "Only a completed enrollment has a completion date" in e for e in _errors(at, tools)
        )
        assert at.selectbox(key=f"corr_{uuid}_completion_status").value == status
        assert _server(writable, tools, tmp_path, uuid)["completion_status"] == "completed"
    assert read_corrections_log(tools.sandbox_settings(writable, tmp_path / "cache")).is_empty()

    # Clearing the date as the message says: accepted and saved.
    at.text_input(key=f"corr_{uuid}_completed_at").input("")
    _submit(at)
    assert _errors(at, tools) == []
    assert _server(writable, tools, tmp_path, uuid)["completion_status"] == "dropped"


def test_the_create_form_refuses_what_the_data_quality_page_flags(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    frame = _enrollments(writable, tools, tmp_path)
    row = frame.row(0, named=True)
    at = app_factory(writable)
    at.switch_page(CORRECTIONS).run()
    at.selectbox(key="corr_new_student_uuid").set_value(row["student_uuid"])
    at.selectbox(key="corr_new_course_uuid").set_value(row["course_uuid"])
    at.text_input(key="corr_new_enrolled_at").input("2025-09-01")
    at.selectbox(key="corr_new_completion_status").set_value("completed")
    at.text_input(key="corr_new_grade").input("8")
    _submit(at, "Create enrollment")
    assert not at.exception, at.exception
    assert any("A completed enrollment needs a completion date." in e for e in _errors(at, tools))
    assert at.text_input(key="corr_new_grade").value == "8"  # kept
    assert at.selectbox(key="corr_new_completion_status").value == "completed"
    at.selectbox(key="corr_new_completion_status").set_value("dropped")
    at.text_input(key="corr_new_completed_at").input("2026-01-15")
    _submit(at, "Create enrollment")
    assert any("Only a completed enrollment has a completion date" in e for e in _errors(at, tools))
    assert read_corrections_log(tools.sandbox_settings(writable, tmp_path / "cache")).is_empty()
    assert _enrollments(writable, tools, tmp_path / "again").height == frame.height  # none sent


# --- a corrupt corrections log ---------------------------------------------------------------


def test_a_corrupt_log_is_said_at_once_and_the_entry_is_kept(
    writable: RunningSandbox, app_factory: AppFactory, tools: Any, tmp_path: Path
) -> None:
    row = _pick(_enrollments(writable, tools, tmp_path), completion_status="enrolled")
    uuid = row["uuid"]
    cache = tmp_path / "cache"
    cache.mkdir(exist_ok=True)
    log_file = cache / "corrections.sqlite3"
    garbage = b"overwritten by a fault probe, not a database " * 50
    log_file.write_bytes(garbage)
    at = _open(app_factory(writable, cache_dir=cache), uuid)
    assert not at.exception, at.exception
    tab_error = [e for e in _errors(at, tools) if "corrections log" in e]
    assert len(tab_error) == 1
    assert str(log_file) in tab_error[0]
    assert "file is not a database" in tab_error[0]
    assert "Move it aside" in tab_error[0]
    assert "\n" not in tab_error[0]

    at.text_input(key=f"corr_{uuid}_grade").input("6.5")
    _submit(at)
    assert not at.exception, at.exception
    assert any("Saved" in s.value for s in at.success)
    pending = cache / "corrections.pending.jsonl"
    warnings = [tools.plain(w.value) for w in at.warning]
    assert any(
        "The change was made, but its correction-log entry is pending in" in w and str(pending) in w
        for w in warnings
    ), warnings
    assert float(_server(writable, tools, tmp_path, uuid)["grade"]) == 6.5
    assert log_file.read_bytes() == garbage  # never overwritten
    assert uuid in pending.read_text()

    # Moved aside as the message says: the next read starts a new log with the kept entry.
    log_file.rename(cache / "corrections.sqlite3.broken")
    at.run()
    assert not at.exception, at.exception
    assert not any("corrections log" in e for e in _errors(at, tools))
    log = next(df.value for df in at.dataframe if "enrollment_uuid" in df.value.columns)
    assert list(log["enrollment_uuid"]) == [uuid]
    assert list(log["action"]) == ["update"]
