"""Each page's report download is, byte for byte, `enrollment-outcomes export` with the page's
filters and policy (on the small tenant, over real HTTP)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboard.app.page_reports import (
    PAGE_REPORT_OPTIONS,
    PAGE_REPORTS,
    PageOptions,
    page_report_csv,
)
from dashboard.cli import main
from dashboard.publication import DisclosurePolicy
from dashboard.publication.filters import Filters
from dashboard.reports import REPORTS, build_report, frame_to_csv

from .conftest import SmallData

CASES = sorted({(page, name) for page, names in PAGE_REPORTS.items() for name in names})
NO_OPTIONS: tuple[PageOptions, ...] = ({},)


def _option_args(options: PageOptions) -> list[str]:
    by = options.get("by")
    args = ["--by", by] if by else []
    if "pass_mark" in options:
        args += ["--pass-mark", str(options["pass_mark"])]
    cohort = options.get("detail_cohort")
    if cohort:
        args += ["--detail-cohort", cohort]
    return args


def _options(name: str, data: SmallData) -> tuple[PageOptions, ...]:
    if REPORTS[name].needs_detail_cohort:  # each cohort of the tenant, as the page's choice
        return tuple(
            {"detail_cohort": cohort} for cohort in sorted(data.cohorts.get_column("uuid"))
        )
    return PAGE_REPORT_OPTIONS.get(name, NO_OPTIONS)


def _filter_sets(data: SmallData) -> list[Filters]:
    return [
        Filters(),
        Filters(statuses=("completed", "dropped")),
        Filters(intake_years=(2024,)),
        Filters(modalities=("presential",), courses=(data.tenant.courses["Nursing"],)),
    ]


@pytest.mark.parametrize(("page", "name"), CASES)
@pytest.mark.parametrize("policy", [DisclosurePolicy.INTERNAL, DisclosurePolicy.PUBLIC])
def test_page_download_equals_the_export(
    small_data: SmallData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: str,
    name: str,
    policy: DisclosurePolicy,
) -> None:
    if name == "data-quality" and policy is DisclosurePolicy.PUBLIC:
        pytest.skip("data-quality is never a public report (the export refuses it)")
    for variable in list(os.environ):
        if variable.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")):
            monkeypatch.delenv(variable)
    monkeypatch.chdir(tmp_path)
    cases = enumerate(
        (filters, options)
        for filters in _filter_sets(small_data)
        for options in _options(name, small_data)
    )
    for at, (filters, options) in cases:
        downloaded = page_report_csv(
            name,
            enrollments=small_data.enrollments,  # the dashboard's dataset (with groupings)
            cohorts=small_data.cohorts,
            as_of=small_data.as_of,
            filters=filters,
            policy=policy,
            certificates=small_data.certificates,
            **options,
        )
        # The page builds it from its rows already filtered (``page_report``): the same bytes.
        on_page = build_report(
            name,
            enrollments=filters.apply(small_data.enrollments),
            unfiltered=small_data.enrollments if REPORTS[name].reads_unfiltered else None,
            cohorts=small_data.cohorts,
            as_of=small_data.as_of,
            policy=policy,
            certificates=small_data.certificates,
            **options,
        )
        assert frame_to_csv(on_page) == downloaded, (page, name, filters, options)
        target = f"{page}-{at}.csv"
        args = [
            "export",
            name,
            *filters.to_cli_args(),
            *_option_args(options),
            "--policy",
            policy.value,
            "-o",
            target,
        ]
        result = CliRunner().invoke(main, args, env=small_data.env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert (tmp_path / target).read_bytes() == downloaded, (page, name, filters, options)
