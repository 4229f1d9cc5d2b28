"""Small hand-made aggregate frames (the metrics contract's columns) and a spec reader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import altair as alt
import polars as pl
import pytest

# Values a suppressed row carries in these fixtures. They are distinctive on purpose: none may
# appear anywhere in a chart's spec.
SUPPRESSED_RATE = 0.428571428
SUPPRESSED_LOW = 0.158113883
SUPPRESSED_HIGH = 0.749654467


class Spec:
    """A chart's Vega-Lite dict, with the walks the tests need."""

    def __init__(self, chart: alt.TopLevelMixin) -> None:
        self.dict: dict[str, Any] = chart.to_dict()
        self.json = json.dumps(self.dict)

    def views(self) -> list[dict[str, Any]]:
        """Every unit view (a dict with a mark), depth first, in layer order."""
        return list(_units(self.dict))

    def marks(self) -> list[str]:
        return [_mark_type(view) for view in self.views()]

    def view(self, mark: str, index: int = 0) -> dict[str, Any]:
        return [view for view in self.views() if _mark_type(view) == mark][index]

    def rows(self) -> list[dict[str, Any]]:
        """All rows of all inline datasets."""
        return [row for rows in self.dict.get("datasets", {}).values() for row in rows]

    def tooltip_titles(self, view: dict[str, Any]) -> list[str]:
        tooltip = view.get("encoding", {}).get("tooltip", [])
        return [entry.get("title", entry.get("field", "")) for entry in tooltip]

    def title(self) -> str:
        title = self.dict.get("title")
        return title["text"] if isinstance(title, dict) else str(title)

    def subtitle(self) -> str:
        title = self.dict.get("title", {})
        subtitle = title.get("subtitle", []) if isinstance(title, dict) else []
        return " ".join(subtitle) if isinstance(subtitle, list) else str(subtitle)


def _units(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "mark" in node:
            yield node
        for key in ("layer", "spec", "hconcat", "vconcat", "concat"):
            child = node.get(key)
            if isinstance(child, list):
                for item in child:
                    yield from _units(item)
            elif isinstance(child, dict):
                yield from _units(child)


def _mark_type(view: dict[str, Any]) -> str:
    mark = view["mark"]
    return str(mark["type"] if isinstance(mark, dict) else mark)


@pytest.fixture
def suppressed_values() -> tuple[float, ...]:
    """The rate and interval bounds the fixtures give suppressed rows."""
    return (SUPPRESSED_RATE, SUPPRESSED_LOW, SUPPRESSED_HIGH)


@pytest.fixture
def spec() -> type[Spec]:
    return Spec


@pytest.fixture
def rates() -> pl.DataFrame:
    """completion_rates(by=["course_name"]) with one suppressed group (Physics)."""
    return pl.DataFrame(
        {
            "course_name": ["Biology", "Chemistry", "Physics", None],
            "n": [120, 45, 7, 30],
            "completed": [80, 20, 3, 10],
            "dropped": [10, 5, 1, 5],
            "enrolled": [30, 20, 3, 15],
            "completion_rate": [80 / 120, 20 / 45, SUPPRESSED_RATE, 10 / 30],
            "completion_rate_ci_low": [0.578, 0.309, SUPPRESSED_LOW, 0.192],
            "completion_rate_ci_high": [0.744, 0.589, SUPPRESSED_HIGH, 0.512],
            "dropout_rate": [10 / 120, 5 / 45, 1 / 7, 5 / 30],
            "dropout_rate_ci_low": [0.046, 0.048, 0.026, 0.073],
            "dropout_rate_ci_high": [0.147, 0.235, 0.513, 0.339],
            "suppressed": [False, False, True, False],
        }
    )


@pytest.fixture
def windows() -> pl.DataFrame:
    """cohort_completion_windows: one mature cohort, one in progress, one without normal time,
    one suppressed."""
    rows: list[dict[str, Any]] = []
    cohorts = [
        ("BIO-21", "Biology", ("shown", "shown", "shown"), 365, False),
        ("BIO-23", "Biology", ("shown", "in progress", "in progress"), 365, False),
        ("CHE-24", "Chemistry", ("no normal time",) * 3, None, False),
        ("PHY-22", "Physics", ("shown",) * 3, 300, True),
    ]
    for code, course, statuses, normal_time, suppressed in cohorts:
        for window, status in zip((100, 150, 200), statuses, strict=True):
            shown = status == "shown"
            rate = (SUPPRESSED_RATE if suppressed else 0.5 + window / 1000) if shown else None
            rows.append(
                {
                    "cohort_uuid": f"uuid-{code}",
                    "cohort_code": code,
                    "course_uuid": f"uuid-{course}",
                    "course_name": course,
                    "window_pct": window,
                    "normal_time_days": normal_time,
                    "n": 7 if suppressed else 40,
                    "excluded": 1,
                    "completed_within": (3 if suppressed else 20 + window // 10) if shown else None,
                    "completion_rate": rate,
                    "completion_rate_ci_low": (SUPPRESSED_LOW if suppressed else 0.35)
                    if shown
                    else None,
                    "completion_rate_ci_high": (SUPPRESSED_HIGH if suppressed else 0.8)
                    if shown
                    else None,
                    "status": status,
                    "matures_on": date(2027, 5, 1) if normal_time else None,
                    "suppressed": suppressed,
                }
            )
    return pl.DataFrame(rows)


@pytest.fixture
def curves() -> pl.DataFrame:
    """cumulative_incidence(by=["modality"]); the last Online point is suppressed."""
    rows = []
    for modality in ("Online", "On campus"):
        for event, top in (("completed", 0.7), ("dropped", 0.2)):
            for step, t_days in enumerate((0, 30, 90, 180, 365)):
                last = step == 4
                suppressed = last and modality == "Online"
                rows.append(
                    {
                        "modality": modality,
                        "event": event,
                        "t_days": t_days,
                        "cif": SUPPRESSED_RATE if suppressed else top * step / 4,
                        "n_at_risk": 100 - 20 * step,
                        "n_events": 5 + step,
                        "suppressed": suppressed,
                    }
                )
    return pl.DataFrame(rows)


@pytest.fixture
def histogram() -> pl.DataFrame:
    """grade_histogram over 0-10 in 0.5 bins; bins with 1-9 grades are suppressed."""
    starts = [step / 2 for step in range(20)]
    counts = [0, 0, 1, 2, 3, 5, 8, 13, 20, 30, 40, 38, 35, 30, 25, 20, 15, 9, 4, 2]
    return pl.DataFrame(
        {
            "bin_start": starts,
            "bin_end": [start + 0.5 for start in starts],
            "count": counts,
            "suppressed": [0 < count < 10 for count in counts],
        }
    )


@pytest.fixture
def grade_summary() -> pl.DataFrame:
    """grade_summary(by=["course_name"]) with a suppressed course (Physics)."""
    return pl.DataFrame(
        {
            "course_name": ["Biology", "Chemistry", "Physics"],
            "n_graded": [120, 45, 7],
            "n_ungraded": [10, 4, 1],
            "mean": [6.5, 5.8, 7.0123],
            "min": [1.0, 2.0, 4.5678],
            "q1": [5.2, 4.5, 5.4321],
            "median": [6.6, 5.9, 7.1234],
            "q3": [7.8, 7.0, 8.0246],
            "max": [9.8, 9.5, 9.8765],
            "below_threshold": [20, 12, 1],
            "below_threshold_rate": [20 / 120, 12 / 45, SUPPRESSED_RATE],
            "below_threshold_rate_ci_low": [0.11, 0.16, SUPPRESSED_LOW],
            "below_threshold_rate_ci_high": [0.24, 0.41, SUPPRESSED_HIGH],
            "suppressed": [False, False, True],
        }
    )


@pytest.fixture
def timeline() -> pl.DataFrame:
    """cohort_timeline for two cohorts; BIO-24's third month is suppressed."""
    months = [date(2024, month, 1) for month in range(1, 7)]
    rows = []
    for uuid, code in (("c-bio", "BIO-24"), ("c-che", "CHE-24")):
        for index, month in enumerate(months):
            suppressed = code == "BIO-24" and index == 2
            rows.append(
                {
                    "cohort_uuid": uuid,
                    "cohort_code": code,
                    "month": month,
                    "new_enrollments": 60 if index == 0 else 0,
                    "completions": 4321 if suppressed else index * 2,
                    "drops": 1,
                    "active": 60 - index * 3,
                    "suppressed": suppressed,
                }
            )
    return pl.DataFrame(rows)


@pytest.fixture
def planned() -> pl.DataFrame:
    """cohort_windows_planned for the two cohorts of ``timeline``."""
    return pl.DataFrame(
        {
            "cohort_uuid": ["c-bio", "c-che"],
            "cohort_code": ["BIO-24", "CHE-24"],
            "course_name": ["Biology", "Chemistry"],
            "start_date": [datetime(2024, 1, 15, tzinfo=UTC), None],
            "end_date": [datetime(2025, 3, 31, tzinfo=UTC), None],
        },
        schema_overrides={
            "start_date": pl.Datetime("us", "UTC"),
            "end_date": pl.Datetime("us", "UTC"),
        },
    )


@pytest.fixture
def quality() -> pl.DataFrame:
    """data_quality summary."""
    return pl.DataFrame(
        {
            "check": ["completed_without_date", "completed_before_enrolled", "future_dates"],
            "label": [
                "Completed without completed_at",
                "completed_at before enrolled_at",
                "Dates in the future",
            ],
            "count": [12, 0, 1],
        }
    )
