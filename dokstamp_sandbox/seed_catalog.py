"""What the seeded universities offer and who studies there: courses, shifts and name pools.

The values are data, kept in ``seed_catalog.json`` beside this file and read once at import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Literal, cast

CourseKind = Literal["bachelor", "master", "short"]


@dataclass(frozen=True)
class CourseSpec:
    """One course of a seeded catalog and how its students fare."""

    code: str
    name: str
    kind: CourseKind
    months: int
    area: str
    workload_hours: int
    completion: float  # share of enrollments that eventually complete
    grade_mean: float
    grade_sd: float
    grade_step: float  # grades are recorded in steps of this size
    popularity: float
    shifts: tuple[str, ...]
    intake_months: tuple[int, ...]
    first_year: int = 2018


def _course(entry: dict[str, Any]) -> CourseSpec:
    return CourseSpec(
        **{
            **entry,
            "shifts": tuple(entry["shifts"]),
            "intake_months": tuple(entry["intake_months"]),
        }
    )


def _read_catalog() -> dict[str, Any]:
    text = files("dokstamp_sandbox").joinpath("seed_catalog.json").read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


_DATA = _read_catalog()
DEMO_CATALOG: tuple[CourseSpec, ...] = tuple(_course(entry) for entry in _DATA["demo_catalog"])
TINY_CATALOG: tuple[CourseSpec, ...] = tuple(_course(entry) for entry in _DATA["tiny_catalog"])
SHIFT_MODALITY: dict[str, str] = dict(_DATA["shift_modality"])
# Name pools by origin, so first names and surnames combine plausibly. (female, male, surnames)
NAME_POOLS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = tuple(
    (tuple(pool["female"]), tuple(pool["male"]), tuple(pool["surnames"]))
    for pool in _DATA["name_pools"]
)
# The share of students each pool names (relative weights).
POOL_WEIGHTS: tuple[float, ...] = tuple(float(pool["weight"]) for pool in _DATA["name_pools"])
