"""`enrollment-outcomes export`: write one report as CSV to a file (atomically) or to stdout."""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import click
import polars as pl

from dashboard.client import ConfigurationError, DokStampError
from dashboard.data import load_certificates, load_cohorts, load_enrollments, page_progress
from dashboard.data.corrections import CorrectionsLogError, read_corrections_log
from dashboard.data.schema import COMPLETION_STATUSES
from dashboard.data.source import DataSource
from dashboard.publication import MIN_CELL, DisclosurePolicy
from dashboard.publication.filters import MODALITIES
from dashboard.reports import (
    REPORTS,
    ReportError,
    ReportFilterError,
    ReportFilters,
    report_csv,
)
from dashboard.sources import (
    SECRETS_FILE,
    SECRETS_SECTION,
    StartupError,
    load_config,
    open_source,
    wants_demo,
)

__all__ = ["export", "write_atomically"]

T = TypeVar("T")

STDOUT = "-"


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` via a temporary file in the same folder and a rename.

    Readers see either the old file or the complete new one, never a partial file; on any error
    the temporary file is removed and ``target`` is left as it was.
    """
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _checked_output(value: str) -> Path | None:
    """The output path (None for stdout), refused before any data is loaded if it cannot work."""
    if value == STDOUT:
        return None
    if not value.strip():
        raise click.BadParameter("an empty path; give a file name or -", param_hint="--output")
    path = Path(value).expanduser()
    if path.is_dir():
        raise click.BadParameter(f"{value!r} is a folder, not a file", param_hint="--output")
    parent = path.parent
    if not parent.is_dir():
        raise click.BadParameter(
            f"folder {str(parent)!r} does not exist (create it first)", param_hint="--output"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise click.BadParameter(f"folder {str(parent)!r} is not writable", param_hint="--output")
    return path


def _write_stdout(data: bytes) -> None:
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # The reader stopped early (`... -o - | head`): silence the interpreter's own flush at
        # exit, as the Python docs advise, and exit like other tools on EPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(1) from None


@contextlib.contextmanager
def _api_errors() -> Iterator[None]:
    try:
        yield
    except ConfigurationError as error:
        raise click.ClickException(
            f"configuration: {error}. Set it in the environment or in {SECRETS_FILE} under "
            f"[{SECRETS_SECTION}], or use --demo for the local demo data."
        ) from error
    except DokStampError as error:
        raise click.ClickException(f"DokStamp API: {error}") from error


@contextlib.contextmanager
def _source(*, demo: bool) -> Iterator[DataSource]:
    """The configured source; with ``demo``, the local demo sandbox (the dashboard's database)."""
    try:
        config = load_config()
    except StartupError as error:
        raise click.ClickException(str(error)) from error
    if demo:
        config.pop("DOKSTAMP_API_URL", None)
    elif wants_demo(config):
        raise click.ClickException(
            "DOKSTAMP_API_URL is not set (environment or "
            f"{SECRETS_FILE} [{SECRETS_SECTION}]); use --demo for the local demo data"
        )
    with _api_errors(), open_source(config) as source:
        yield source


@click.command(name="export")
@click.argument("report", type=click.Choice(list(REPORTS)), metavar="REPORT")
@click.option(
    "--output",
    "-o",
    required=True,
    metavar="FILE|-",
    help="File to write (replaced atomically, never left half-written), or - for stdout.",
)
@click.option("--course", "courses", multiple=True, metavar="UUID", help="Only this course.")
@click.option("--cohort", "cohorts", multiple=True, metavar="UUID", help="Only this cohort.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    metavar="|".join(COMPLETION_STATUSES),
    help="Only enrollments with this completion status.",
)
@click.option(
    "--intake", "intake_years", multiple=True, metavar="YEAR", help="Only this intake year."
)
@click.option(
    "--modality",
    "modalities",
    multiple=True,
    metavar="|".join(MODALITIES),
    help="Only enrollments whose cohort has this modality.",
)
@click.option("--student", "students", multiple=True, metavar="UUID", help="Only this student.")
@click.option(
    "--policy",
    type=click.Choice([policy.value for policy in DisclosurePolicy], case_sensitive=False),
    default=None,
    help="Disclosure policy (metrics.md §6): internal (default for aggregate reports: the "
    "minimum applies to each group), public (reports that leave the institution: no small "
    "count, nothing recoverable), none (student-level reports, their only policy).",
)
@click.option(
    "--min-cell",
    type=click.IntRange(min=1),
    default=MIN_CELL,
    show_default=True,
    help="The policy's minimum cell size.",
)
@click.option(
    "--by",
    type=click.Choice(["course", "cohort", "intake_year", "modality", "all"]),
    default=None,
    help="The grouping of a report that takes one (grades-by-group, completion-durations), as "
    "the dashboard page's grouping choice; default: the report's first grouping.",
)
@click.option(
    "--pass-mark",
    type=click.FloatRange(min=0.0, max=10.0),
    default=5.0,
    show_default=True,
    help="Grades strictly below it count as below threshold (grade-summary, grades-by-group).",
)
@click.option(
    "--detail-cohort",
    metavar="UUID",
    default=None,
    help="The cohort of a one-cohort report (cohort-detail-*), as chosen on the Cohorts page; "
    "the filters still choose the cohorts it is published among.",
)
@click.option("--bom", is_flag=True, help="Start with a UTF-8 byte-order mark (for Excel).")
@click.option("--refresh", is_flag=True, help="Read the API now instead of a fresh cache.")
@click.option(
    "--demo", is_flag=True, help="Use the local demo sandbox (as the dashboard does without API)."
)
def export(
    report: str,
    output: str,
    courses: tuple[str, ...],
    cohorts: tuple[str, ...],
    statuses: tuple[str, ...],
    intake_years: tuple[str, ...],
    modalities: tuple[str, ...],
    students: tuple[str, ...],
    policy: str | None,
    min_cell: int,
    by: str | None,
    pass_mark: float,
    detail_cohort: str | None,
    bom: bool,
    refresh: bool,
    demo: bool,
) -> None:
    """Write REPORT as CSV (UTF-8, ISO dates, formula-safe) to FILE, or to stdout with -o -.

    Exit status: 0 written, 1 configuration, API or write error (an existing FILE is kept), 2
    usage error (found before anything is read).
    """
    try:
        filters = ReportFilters.parse(
            courses=courses,
            cohorts=cohorts,
            statuses=statuses,
            intake_years=intake_years,
            modalities=modalities,
            students=students,
        )
    except ReportFilterError as error:
        raise click.BadParameter(str(error), param_hint="filter") from error
    spec = REPORTS[report]
    if filters.active and not spec.takes_filters:
        raise click.BadParameter(f"{report} takes no filters", param_hint="filter")
    # The report's own options, checked before anything is read (usage errors: exit 2).
    chosen = _checked("--policy", lambda: spec.checked_policy(policy))
    _checked("--by", lambda: spec.grouping_columns(by))
    detail_cohort = _checked("--detail-cohort", lambda: spec.checked_detail_cohort(detail_cohort))
    target = _checked_output(output)

    with _source(demo=demo) as source, _api_errors():
        with page_progress("enrollments", file=sys.stderr, disable=None) as progress:
            enrollments = load_enrollments(source, refresh=refresh, progress=progress)
        cohort_frame = load_cohorts(source)
        certificates = load_certificates(source).frame if spec.needs_certificates else None
        try:
            corrections = read_corrections_log(source) if spec.needs_corrections else None
        except CorrectionsLogError as error:  # one line that names the file and the way out
            raise click.ClickException(str(error)) from error
    if detail_cohort is not None and not _has_cohort(cohort_frame.frame, detail_cohort):
        raise click.BadParameter(
            f"there is no cohort {detail_cohort} in this tenant's data",
            param_hint="--detail-cohort",
        )
    if enrollments.stale:
        click.echo(
            f"warning: the API could not be read ({enrollments.error}); using the cached data "
            f"fetched at {enrollments.fetched_at.isoformat(timespec='seconds')}",
            err=True,
        )
    try:
        data = report_csv(
            report,
            enrollments=enrollments.frame,
            cohorts=cohort_frame.frame,
            corrections=corrections,
            filters=filters,
            as_of=enrollments.fetched_at,
            min_cell=min_cell,
            policy=chosen,
            by=by,
            pass_mark=pass_mark,
            certificates=certificates,
            detail_cohort=detail_cohort,
            bom=bom,
        )
    except ReportError as error:
        raise click.ClickException(str(error)) from error

    if target is None:
        _write_stdout(data)
        return
    try:
        write_atomically(target, data)
    except OSError as error:
        raise click.ClickException(f"cannot write {str(target)!r}: {error}") from error
    rows = data.count(b"\n") - 1
    click.echo(f"{report}: {max(rows, 0)} lines written to {target}", err=True)


def _checked(option: str, check: Callable[[], T]) -> T:
    try:
        return check()
    except ReportError as error:
        raise click.BadParameter(str(error), param_hint=option) from error


def _has_cohort(cohorts: pl.DataFrame, cohort: str) -> bool:
    return bool(cohorts.get_column("uuid").eq(cohort).any())


def _help_with_reports() -> str:
    lines = [inspect.cleandoc(export.help or ""), "", "\b", "Reports:"]
    lines += [f"  {name:<22} {spec.description}" for name, spec in REPORTS.items()]
    lines += [
        "",
        "Aggregate reports are published under --policy like the dashboard: hidden values are "
        "empty with suppressed=true (never 0), and the last column, policy, names the policy. "
        "internal hides groups under --min-cell (and a complement where a total would give one "
        "away); public hides every count under --min-cell and whatever would reveal it, and "
        "codes extreme hidden rates as bands. data-quality shows every count and is never "
        "public. Filters can be "
        "repeated (--status completed --status dropped). Settings come from the environment and "
        f"{SECRETS_FILE} [{SECRETS_SECTION}]; the data is read through the same cache as the "
        "dashboard.",
    ]
    return "\n".join(lines)


export.help = _help_with_reports()
