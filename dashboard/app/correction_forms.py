"""What the corrections page's forms share: the setup they write with, the message a save
leaves for the next run, and errors shown beside their field.

The forms themselves: ``correction_edit_form`` (edit one enrollment; its saves and the way out
of a concurrent change in ``correction_edit``), ``correction_create_form`` and
``correction_delete``. Each form checks its input with ``correction_rules`` (the API's rules) and
``record_quality`` (the Data quality page's checks, stricter than the API) before anything is
sent; the server's 422 messages are shown beside the same fields; what the user typed stays in
the form on any failure. Widget values live in ``st.session_state``, and the saves run in
``on_click`` callbacks, before the next run draws the widgets (the only moment Streamlit lets
the code reset a widget's value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl
import streamlit as st

from dashboard.app.correction_rules import merge_errors
from dashboard.app.plain_text import escape_markdown
from dashboard.app.record_quality import QualityContext
from dashboard.client import ValidationError
from dashboard.data.corrections import corrections_log_status
from dashboard.data.source import DataSource
from dashboard.settings import Settings

__all__ = ["FLASH", "FLASH_WARNING", "OPEN", "FormSetup", "field_errors", "flash", "server_errors"]

FLASH = "corr_flash"  # what the last save did, said once on the next run
FLASH_WARNING = "corr_flash_warning"  # ... and what went wrong with its corrections-log entry
OPEN = "corr_open"  # the enrollment open in the edit form


@dataclass(frozen=True)
class FormSetup:
    """What the callbacks need besides the widget values: where to write, who writes, and the
    cohorts and stored enrollments the data-quality checks compare a record with."""

    settings: DataSource | Settings
    actor: str | None
    cohorts: pl.DataFrame
    enrollments: pl.DataFrame
    role: str | None = None  # the signed-in actor's role, logged beside the actor

    def quality(self) -> QualityContext:
        """The data-quality checks' context, with now as the limit for future dates."""
        return QualityContext(
            cohorts=self.cohorts, enrollments=self.enrollments, as_of=datetime.now(UTC)
        )


def flash(message: str, settings: DataSource | Settings) -> None:
    """Say what was saved, and at once if its corrections-log entry could not be written."""
    st.session_state[FLASH] = message
    status = corrections_log_status(settings)
    if status.ok:
        st.session_state.pop(FLASH_WARNING, None)
    elif status.pending:
        st.session_state[FLASH_WARNING] = (
            "The change was made, but its correction-log entry is pending in "
            f"{status.pending_path}: {status.problem}"
        )
    else:
        st.session_state[FLASH_WARNING] = (
            "The change was made, but its correction-log entry could not be kept (it is in the "
            f"server log): {status.problem}"
        )


def field_errors(errors: Mapping[str, Sequence[str]], field: str) -> None:
    """The errors of one field ("__all__": of the whole form), shown as plain text."""
    for message in errors.get(field, ()):
        st.error(escape_markdown(str(message)), icon=":material/error:")


def server_errors(error: ValidationError, *, fields: tuple[str, ...]) -> dict[str, list[str]]:
    """A 422's messages placed on the form's fields, the server's summary first."""
    placed = merge_errors(error.errors, fields=fields)
    placed.setdefault("__all__", []).insert(0, f"The server refused the change: {error.message}")
    return placed
