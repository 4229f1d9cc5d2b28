"""`enrollment-outcomes sync`: fetch the enrollments (and reference frames) into the local cache."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import click

from dashboard.client import ConfigurationError, DokStampError
from dashboard.data import Extract, page_progress
from dashboard.data.loading import cache_key, load_extract
from dashboard.data.schema import COMPLETION_STATUSES
from dashboard.settings import Settings
from dashboard.sources import StartupError, read_secrets_file

__all__ = ["EXIT_API_ERROR", "EXIT_CACHE_ERROR", "EXIT_CONFIGURATION", "describe", "sync"]

EXIT_API_ERROR = 1
EXIT_CONFIGURATION = 2
EXIT_CACHE_ERROR = 3
_REFERENCES = ("courses", "cohorts", "certificates")


def describe(resource: str, extract: Extract, *, now: datetime) -> str:
    """One line saying what a load produced: rows, pages, seconds and where the data came from."""
    pages = f"{extract.pages:,} page" + ("" if extract.pages == 1 else "s")
    fetched = extract.fetched_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if extract.stale:
        source = f"STALE: cached copy fetched {fetched}; the API failed: {extract.error}"
    elif extract.from_cache:
        age = int((now - extract.fetched_at).total_seconds())
        source = f"from the cache (fetched {fetched}, {age:,} s ago)"
    elif extract.cache_error is not None:
        source = f"fetched from the API, NOT stored in the cache: {extract.cache_error}"
    else:
        source = "fetched from the API"
    return f"{resource:<13}{extract.rows:>11,} rows {pages:>12} {extract.seconds:>8.2f} s  {source}"


@click.command(name="sync")
@click.option("--course", "course_uuid", metavar="UUID", help="Only enrollments of this course.")
@click.option("--cohort", "cohort_uuid", metavar="UUID", help="Only enrollments of this cohort.")
@click.option(
    "--status",
    "completion_status",
    type=click.Choice(COMPLETION_STATUSES),
    help="Only enrollments with this completion status.",
)
@click.option("--student", "student_uuid", metavar="UUID", help="Only this student's enrollments.")
@click.option("--refresh", is_flag=True, help="Fetch from the API even if the cache is fresh.")
@click.option(
    "--references/--no-references",
    default=True,
    show_default=True,
    help="Also sync the courses, cohorts and certificates (unfiltered).",
)
def sync(
    course_uuid: str | None,
    cohort_uuid: str | None,
    completion_status: str | None,
    student_uuid: str | None,
    refresh: bool,
    references: bool,
) -> None:
    """Fetch enrollments from DokStamp into the local cache, with a progress bar.

    Prints rows, pages, seconds and whether each extract came from the API, the cache, or (when
    the API failed) a stale cached copy, then the cache folder. Settings come from the
    environment and .streamlit/secrets.toml [dokstamp]. Exit status: 0 when everything is
    current, 1 when the API failed or sent records that do not fit (even if a stale copy was
    shown), 2 for a configuration error or a bad option, 3 when fetched data could not be stored
    in the cache folder. Warnings of the data layer (a cache index rebuilt, a refused cache
    entry) are printed to stderr.
    """
    try:
        settings = Settings.from_environment(os.environ, secrets=read_secrets_file())
    except (ConfigurationError, StartupError) as error:
        click.echo(f"Configuration error: {error}", err=True)
        sys.exit(EXIT_CONFIGURATION)
    filters = {
        name: value
        for name, value in (
            ("course_uuid", course_uuid),
            ("cohort_uuid", cohort_uuid),
            ("completion_status", completion_status),
            ("student_uuid", student_uuid),
        )
        if value is not None
    }
    try:
        cache_key(settings, "enrollments", filters)  # the filters are checked before any fetch
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    shown = ", ".join(f"{name}={value}" for name, value in filters.items())
    click.echo(
        f"Syncing {settings.tenant} from {settings.api_url}"
        + (f" (enrollments where {shown})" if shown else "")
    )
    with _data_warnings_on_stderr():
        failed, not_stored = _sync_all(settings, filters, refresh=refresh, references=references)
    click.echo(f"Cache folder: {settings.cache_dir}")
    if failed:
        click.echo(
            "The API could not be read completely, or sent records the frames cannot hold; "
            "see the lines above.",
            err=True,
        )
    if not_stored:
        click.echo(
            "Fetched but NOT stored in the cache folder (the next sync fetches again): "
            + ", ".join(not_stored),
            err=True,
        )
    if failed or not_stored:
        sys.exit(EXIT_API_ERROR if failed else EXIT_CACHE_ERROR)


def _sync_all(
    settings: Settings, filters: dict[str, str], *, refresh: bool, references: bool
) -> tuple[bool, list[str]]:
    """Load each resource and print its line: (whether the API failed, resources not stored)."""
    failed = False
    not_stored: list[str] = []
    resources = ["enrollments", *(_REFERENCES if references else ())]
    for resource in resources:
        try:
            with page_progress(resource, disable=None) as progress:
                extract = load_extract(
                    settings,
                    resource,
                    filters=filters if resource == "enrollments" else None,
                    refresh=refresh,
                    progress=progress,
                )
        except DokStampError as error:  # the API failed or sent records the frame cannot hold
            click.echo(f"{resource:<13}failed: {error}", err=True)
            failed = True
            continue
        click.echo(describe(resource, extract, now=datetime.now(UTC)))
        failed = failed or extract.stale
        if extract.cache_error is not None:
            not_stored.append(resource)
    return failed, not_stored


class _EchoWarnings(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {record.getMessage()}", err=True)


@contextlib.contextmanager
def _data_warnings_on_stderr() -> Iterator[None]:
    """Show the data layer's warnings (cache rebuilt, entry refused) while the command runs."""
    data_logger = logging.getLogger("dashboard.data")
    handler = _EchoWarnings(logging.WARNING)
    data_logger.addHandler(handler)
    try:
        yield
    finally:
        data_logger.removeHandler(handler)
