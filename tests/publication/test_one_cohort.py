"""A cohort's rows computed alone are its rows of the breakdown over every cohort in the filter:
under each policy, for every cohort of the demo tenant (whole and filtered to small cohorts) and
of the small tenant, the one-cohort tables equal the whole tables' rows of that cohort."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import polars as pl
import pytest

from dashboard.data import load_cohorts, load_enrollments
from dashboard.data.schema import COHORT_SCHEMA, ENROLLMENT_SCHEMA
from dashboard.metrics import with_groupings
from dashboard.publication import (
    DisclosurePolicy,
    cohort_timeline_table,
    cohort_windows_table,
    completion_table,
    grade_summary_table,
)
from dashboard.publication.filters import Filters
from dashboard.publication.group_threshold import COMPLEMENT_NOTE
from dashboard.publication.one_cohort import (
    BY_COHORT,
    OneCohort,
    cohort_grade_summary,
    cohort_status,
    cohort_windows_detail,
    one_cohort,
)
from dokstamp_sandbox.runner import RunningSandbox

from ..conftest import demo_settings
from .conftest import SmallData

POLICIES = list(DisclosurePolicy)
WINDOWS = (100, 150, 200)


@pytest.fixture(scope="module")
def demo(
    sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory
) -> tuple[pl.DataFrame, pl.DataFrame, datetime]:
    """The demo tenant's enrollments (with groupings), cohorts and extract time."""
    settings = demo_settings(sandbox, tmp_path_factory.mktemp("one-cohort"))
    enrollments = load_enrollments(settings)
    cohorts = load_cohorts(settings).frame
    return with_groupings(enrollments.frame, cohorts), cohorts, enrollments.fetched_at


def _whole_tables(
    enrollments: pl.DataFrame, cohorts: pl.DataFrame, as_of: datetime, policy: DisclosurePolicy
) -> dict[str, pl.DataFrame]:
    """The breakdowns over every cohort of the rows, as the detail reports computed them."""
    members = enrollments.filter(pl.col("cohort_uuid").is_not_null())
    records = cohorts.filter(pl.col("uuid").is_in(members.get_column("cohort_uuid").implode()))
    return {
        "status": completion_table(members, by=BY_COHORT, policy=policy),
        "grades": grade_summary_table(members, by=BY_COHORT, policy=policy),
        "windows": cohort_windows_table(
            members, records, as_of=as_of, policy=policy, windows=WINDOWS
        ),
    }


def _alone(cohort: OneCohort, as_of: datetime, policy: DisclosurePolicy) -> Iterator[pl.DataFrame]:
    yield cohort_status(cohort, policy=policy, min_cell=10)
    yield cohort_grade_summary(cohort, pass_mark=5.0, policy=policy, min_cell=10)
    yield cohort_windows_detail(
        cohort,
        as_of=as_of,
        policy=policy,
        min_cell=10,
        windows=WINDOWS,
        course_normal_time_days=None,
        exclusions=None,
    )


def _notes_checked(
    enrollments: pl.DataFrame,
    cohorts: pl.DataFrame,
    as_of: datetime,
    policy: DisclosurePolicy,
    *,
    most: int | None = None,
) -> set[str]:
    """Check every cohort (or the first ``most``); the notes of the rows compared."""
    whole = _whole_tables(enrollments, cohorts, as_of, policy)
    uuids = sorted(enrollments.get_column("cohort_uuid").drop_nulls().unique().to_list())
    notes: set[str] = set()
    for uuid in uuids[:most]:
        cohort = OneCohort(uuid, enrollments, cohorts)
        for (name, table), alone in zip(whole.items(), _alone(cohort, as_of, policy), strict=True):
            expected = one_cohort(table, uuid)
            assert alone.schema == expected.schema, (name, uuid)
            assert alone.equals(expected, null_equal=True), (name, uuid)
            notes.update(expected.get_column("suppression_note").drop_nulls().to_list())
    return notes


@pytest.mark.parametrize("policy", POLICIES)
def test_every_demo_cohort_alone_is_its_rows_of_the_whole(
    demo: tuple[pl.DataFrame, pl.DataFrame, datetime], policy: DisclosurePolicy
) -> None:
    enrollments, cohorts, as_of = demo
    # Public computes the whole table for each cohort: a few cohorts say as much.
    public = policy is DisclosurePolicy.PUBLIC
    _notes_checked(enrollments, cohorts, as_of, policy, most=3 if public else 60)


@pytest.mark.parametrize("policy", POLICIES)
def test_small_demo_cohorts_alone_are_hidden_as_in_the_whole(
    demo: tuple[pl.DataFrame, pl.DataFrame, datetime], policy: DisclosurePolicy
) -> None:
    enrollments, cohorts, as_of = demo
    # The largest cohorts and a small one: the small one is hidden, and so is the next
    # smallest (else it could be worked out from the total).
    sizes = enrollments.group_by("cohort_uuid").len().drop_nulls().sort("len", "cohort_uuid")
    small = sizes.filter(pl.col("len") < 10).get_column("cohort_uuid")[-1]
    chosen = (*sizes.get_column("cohort_uuid").tail(3).to_list(), small)
    rows = Filters(cohorts=chosen).apply(enrollments)
    notes = _notes_checked(rows, cohorts, as_of, policy)
    if policy is DisclosurePolicy.INTERNAL:
        assert {"n<10", COMPLEMENT_NOTE} <= notes


@pytest.mark.parametrize("policy", POLICIES)
def test_small_tenant_cohorts_alone_are_their_rows_of_the_whole(
    small_data: SmallData, policy: DisclosurePolicy
) -> None:
    notes = _notes_checked(small_data.enrollments, small_data.cohorts, small_data.as_of, policy)
    if policy is DisclosurePolicy.INTERNAL:
        assert "n<10" in notes


def test_a_cohort_not_in_the_filter_has_no_rows(small_data: SmallData) -> None:
    cohort = OneCohort("not-a-cohort", small_data.enrollments, small_data.cohorts)
    for policy in POLICIES:
        for table in _alone(cohort, small_data.as_of, policy):
            assert table.is_empty()


def test_a_cohort_is_computed_beside_the_smallest_other_one(small_data: SmallData) -> None:
    uuid = small_data.tenant.cohorts["NUR-2024"]
    cohort = OneCohort(uuid, small_data.enrollments, small_data.cohorts)
    rows, records = cohort.with_companion
    others = cohort.sizes.filter(pl.col("cohort_uuid") != uuid).sort("n", "cohort_uuid")
    companion = others.get_column("cohort_uuid")[0]
    assert set(rows.get_column("cohort_uuid").unique().to_list()) == {uuid, companion}
    assert set(records.get_column("uuid").to_list()) == {uuid, companion}
    assert cohort.rows.get_column("cohort_uuid").unique().to_list() == [uuid]


def _tied_cohorts(order: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cohorts A (5 enrollments: too small), B and C (12 each: tied as its complement) and D
    (40), with the enrollments' rows in ``order`` of the cohorts."""
    sizes = {"A": 5, "B": 12, "C": 12, "D": 40}
    start = datetime(2024, 1, 8, tzinfo=UTC)
    rows = [
        {
            "uuid": f"{code}{n}", "completion_status": "enrolled", "grade": None,
            "enrolled_at": start, "completed_at": None,
            "student_uuid": f"s-{code}{n}", "student_name": None,
            "course_uuid": "c1", "course_name": "Course 1",
            "cohort_uuid": f"h-{code}", "cohort_code": code,
        }
        for index in order
        for code in [list(sizes)[index]]
        for n in range(sizes[code])
    ]  # fmt: skip
    enrollments = pl.DataFrame(rows, schema=ENROLLMENT_SCHEMA)
    cohorts = pl.DataFrame(
        [
            {"uuid": f"h-{code}", "code": code, "modality": "online", "start_date": start,
             "end_date": None, "course_uuid": "c1", "course_name": "Course 1"}
            for code in sizes
        ],
        schema=COHORT_SCHEMA,
    )  # fmt: skip
    return enrollments, cohorts


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [2, 3, 0, 1]])
def test_a_tie_between_complements_goes_the_same_way_alone_and_whole(order: list[int]) -> None:
    # Under internal, hiding A (5) and showing the all-cohorts total needs one more cohort
    # hidden: B and C tie at 12, and the whole timeline hides the first by code (B). A cohort's
    # timeline computed alone decides the same way, whatever the order of the rows.
    enrollments, cohorts = _tied_cohorts(order)
    as_of = datetime(2024, 3, 1, tzinfo=UTC)
    whole = cohort_timeline_table(enrollments, cohorts, as_of=as_of, policy="internal")
    hidden = set(whole.filter(pl.col("suppressed"))["cohort_uuid"].to_list())
    assert hidden == {"h-A", "h-B"}
    for uuid in ("h-A", "h-B", "h-C", "h-D"):
        alone = cohort_timeline_table(
            enrollments, cohorts, as_of=as_of, policy="internal", only=[uuid]
        )
        assert alone.equals(whole.filter(pl.col("cohort_uuid") == uuid)), uuid
