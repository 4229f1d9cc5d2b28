"""The issue's small tenant under each policy, with expectations worked out by hand.

Courses of 40, 25, 12 and 7 enrollments, two cohorts each (small_tenant.py). Wilson intervals:
for k of n, p = k/n, z = 1.96: centre = (p + z²/2n) / (1 + z²/n), half-width =
z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n). By hand: 6 of 40 -> 0.0706 to 0.2907; 16 of 25 ->
0.4452 to 0.7975; 3 of 20 -> 0.0524 to 0.3604; 10 of 15 -> 0.4171 to 0.8482; 6 of 10 ->
0.3127 to 0.8318.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from dashboard.cli import main
from dashboard.publication import (
    DisclosurePolicy,
    cohort_timeline_table,
    completion_table,
    data_quality_table,
)
from dashboard.reports import REPORTS, build_report

from .conftest import SmallData

INTERNAL = DisclosurePolicy.INTERNAL
PUBLIC = DisclosurePolicy.PUBLIC
COURSE = ["course_uuid", "course_name"]
COHORT = ["cohort_uuid", "cohort_code"]
# Columns that hold counts of enrollments or events in some report.
COUNT_COLUMNS = {
    "n", "completed", "dropped", "enrolled", "n_graded", "n_ungraded", "below_threshold",
    "count", "new_enrollments", "completions", "active", "n_at_risk", "n_events",
    "n_completers", "n_excluded", "excluded", "completed_within",
}  # fmt: skip


def rows_by(frame: pl.DataFrame, column: str) -> dict[str | None, dict[str, object]]:
    return {row[column]: row for row in frame.iter_rows(named=True)}


def test_internal_shows_every_course_of_ten_or_more_with_counts_and_interval(
    small_data: SmallData,
) -> None:
    table = completion_table(small_data.enrollments, by=COURSE, policy=INTERNAL)
    rows = rows_by(table, "course_name")
    nursing, law = rows["Nursing"], rows["Law"]
    assert (nursing["n"], nursing["completed"], nursing["dropped"], nursing["enrolled"]) == (
        40, 6, 3, 31,
    )  # fmt: skip
    assert nursing["completion_rate"] == pytest.approx(0.15)
    assert nursing["completion_rate_ci_low"] == pytest.approx(0.0706, abs=1e-4)
    assert nursing["completion_rate_ci_high"] == pytest.approx(0.2907, abs=1e-4)
    assert nursing["dropout_rate"] == pytest.approx(3 / 40)
    assert (law["n"], law["completed"], law["dropped"], law["enrolled"]) == (25, 16, 5, 4)
    assert law["completion_rate"] == pytest.approx(0.64)
    assert law["completion_rate_ci_low"] == pytest.approx(0.4452, abs=1e-4)
    assert law["completion_rate_ci_high"] == pytest.approx(0.7975, abs=1e-4)
    assert law["dropout_rate"] == pytest.approx(0.2)
    # Midwifery (7) is too small. With the total of 84 shown, 84 - 40 - 25 - 12 would give its
    # 7 (and its counts) away, so the next-smallest course, Pharmacy (12), is hidden too
    # (metrics.md §6): the hidden part of the total is then 19 enrollments.
    assert rows["Midwifery"]["n"] is None
    assert rows["Midwifery"]["suppression_note"] == "n<10"
    pharmacy = rows["Pharmacy"]
    assert all(pharmacy[c] is None for c in ("n", "completed", "completion_rate"))
    assert pharmacy["suppressed"] is True
    assert pharmacy["suppression_note"] != "n<10"  # reads "hidden", not "too small"
    total = rows[None]
    assert (total["n"], total["completed"], total["dropped"], total["enrolled"]) == (84, 27, 8, 49)


def test_internal_shows_every_cohort_of_ten_or_more(small_data: SmallData) -> None:
    table = completion_table(small_data.enrollments, by=COHORT, policy=INTERNAL)
    rows = rows_by(table, "cohort_code")
    expected = {  # n, completed, dropped, enrolled, interval of the completion rate
        "NUR-2023": (20, 3, 2, 15, (0.0524, 0.3604)),
        "NUR-2024": (20, 3, 1, 16, (0.0524, 0.3604)),
        "LAW-2023": (15, 10, 3, 2, (0.4171, 0.8482)),
        "LAW-2024": (10, 6, 2, 2, (0.3127, 0.8318)),
    }
    for code, (n, completed, dropped, enrolled, (low, high)) in expected.items():
        row = rows[code]
        assert (row["n"], row["completed"], row["dropped"], row["enrolled"]) == (
            n, completed, dropped, enrolled,
        ), code  # fmt: skip
        assert row["completion_rate"] == pytest.approx(completed / n)
        assert row["completion_rate_ci_low"] == pytest.approx(low, abs=1e-4), code
        assert row["completion_rate_ci_high"] == pytest.approx(high, abs=1e-4), code
        assert row["suppressed"] is False
    # The four small cohorts add up to 19 hidden enrollments: no complement is needed.
    for code in ("PHA-A", "PHA-B", "MID-A", "MID-B"):
        assert rows[code]["n"] is None
        assert rows[code]["suppression_note"] == "n<10"


def test_internal_timeline_of_a_cohort_of_twenty(small_data: SmallData) -> None:
    table = cohort_timeline_table(
        small_data.enrollments, small_data.cohorts, as_of=small_data.as_of, policy=INTERNAL
    )
    nur = table.filter(pl.col("cohort_code") == "NUR-2024").sort("month")
    months = rows_by(nur.with_columns(pl.col("month").cast(pl.String)), "month")
    # 20 enrolled on 2024-01-15: the intake month shows all 20; the headcount counts the 16
    # still enrolled and the 3 who complete later (the dropped one has no date: never active).
    january = months["2024-01-01"]
    assert (january["new_enrollments"], january["completions"], january["active"]) == (20, 0, 19)
    assert {months[m]["active"] for m in months if "2024-02-01" <= str(m) < "2025-12-01"} == {19}
    december = months["2025-12-01"]
    assert (december["new_enrollments"], december["completions"], december["active"]) == (
        0, 3, 16,
    )  # fmt: skip
    assert nur["month"].min() == date(2024, 1, 1)
    assert not nur["suppressed"].any()
    # NUR-2023: 20 in September 2023, 18 counted active, 3 complete in June 2025.
    nur23 = table.filter(pl.col("cohort_code") == "NUR-2023")
    september = nur23.filter(pl.col("month") == date(2023, 9, 1)).row(0, named=True)
    assert (september["new_enrollments"], september["active"]) == (20, 18)
    june = nur23.filter(pl.col("month") == date(2025, 6, 1)).row(0, named=True)
    assert (june["completions"], june["active"]) == (3, 15)
    # Cohorts under 10 show no month at all.
    small = table.filter(pl.col("cohort_code").is_in(["PHA-A", "MID-B"]))
    assert small.height > 0
    assert small["new_enrollments"].null_count() == small.height
    assert small["active"].null_count() == small.height


def test_data_quality_counts_appear_zeros_too(small_data: SmallData) -> None:
    table = data_quality_table(small_data.enrollments, small_data.cohorts, as_of=small_data.as_of)
    counts = dict(zip(table["check"].to_list(), table["count"].to_list(), strict=True))
    assert counts.pop("completed_without_grade") == 1  # the one LAW-2024 completer
    assert len(counts) >= 7
    assert set(counts.values()) == {0}  # every other check, shown as 0
    assert not table["suppressed"].any()


def _count_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c in COUNT_COLUMNS and frame.schema[c].is_integer()]


@pytest.mark.parametrize(
    "name",
    [name for name, report in REPORTS.items() if report.suppressed and not report.records_only],
)
def test_public_publishes_no_count_from_1_to_9(small_data: SmallData, name: str) -> None:
    frame = build_report(
        name,
        enrollments=small_data.enrollments,
        cohorts=small_data.cohorts,
        as_of=small_data.as_of,
        policy=PUBLIC,
        certificates=small_data.certificates,
        detail_cohort=small_data.cohorts.get_column("uuid").sort()[0]
        if REPORTS[name].needs_detail_cohort
        else None,
    )
    assert frame["policy"].unique().to_list() == ["public"]
    for column in _count_columns(frame):
        small = [v for v in frame[column].to_list() if v is not None and v < 10]
        assert small == [], (name, column)


def test_public_completion_by_course_hides_nothing_recoverable(small_data: SmallData) -> None:
    table = completion_table(small_data.enrollments, by=COURSE, policy=PUBLIC)
    groups = table.filter(~pl.col("is_total"))
    total = table.filter(pl.col("is_total")).row(0, named=True)
    statuses = ("completed", "dropped", "enrolled")
    for column in ("n", *statuses):
        hidden = groups[column].null_count()
        # One hidden cell beside a shown total is the total minus the others: never alone.
        assert not (total[column] is not None and hidden == 1), column
        if total[column] is not None and hidden:
            rest = total[column] - sum(groups[column].drop_nulls().to_list())
            assert rest >= 10 or (rest == 0 and hidden == 0), column
    for row in groups.iter_rows(named=True):
        if row["n"] is not None:
            shown = [row[s] for s in statuses if row[s] is not None]
            hidden = len(statuses) - len(shown)
            assert hidden != 1  # n minus the two others would give it
            assert hidden == 0 or row["n"] - sum(shown) >= 10
    # A band, where there is one, holds the true rate (Nursing: n = 40 is shown).
    for row in table.iter_rows(named=True):
        for rate in ("completion_rate", "dropout_rate"):
            assert row[rate] is None or row[f"{rate}_band"] is None


def test_export_cli_policy_option(
    small_data: SmallData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def export(*args: str) -> pl.DataFrame:
        result = CliRunner().invoke(
            main, ["export", *args, "-o", "out.csv"], env=small_data.env, catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        return pl.read_csv(tmp_path / "out.csv")

    internal = export("completion-by-course")  # internal is the default
    nursing = internal.filter(pl.col("course_name") == "Nursing").row(0, named=True)
    assert (nursing["n"], nursing["completed"], nursing["policy"]) == (40, 6, "internal")
    assert internal.columns[-1] == "policy"
    public = export("completion-by-course", "--policy", "public")
    assert set(public["policy"].to_list()) == {"public"}
    for column in ("n", "completed", "dropped", "enrolled"):
        assert all(v is None or v >= 10 for v in public[column].to_list())
    refused = CliRunner().invoke(
        main, ["export", "data-quality", "--policy", "public", "-o", "dq.csv"], env=small_data.env
    )
    assert refused.exit_code == 2
    assert "not a public report" in refused.output
    assert not (tmp_path / "dq.csv").exists()
    rows = CliRunner().invoke(
        main,
        ["export", "enrollments", "--policy", "internal", "-o", "rows.csv"],
        env=small_data.env,
    )
    assert rows.exit_code == 2
    assert "policy none only" in rows.output


@pytest.mark.parametrize("policy", [INTERNAL, PUBLIC])
def test_one_cohort_of_the_timeline_is_published_as_in_the_whole(
    small_data: SmallData, policy: DisclosurePolicy
) -> None:
    whole = cohort_timeline_table(
        small_data.enrollments, small_data.cohorts, as_of=small_data.as_of, policy=policy
    )
    for code in ("NUR-2024", "PHA-A", "MID-B"):
        uuid = small_data.tenant.cohorts[code]
        alone = cohort_timeline_table(
            small_data.enrollments,
            small_data.cohorts,
            as_of=small_data.as_of,
            policy=policy,
            only=[uuid],
        )
        assert alone.equals(whole.filter(pl.col("cohort_uuid") == uuid)), code
