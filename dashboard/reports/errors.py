"""The typed errors of the reports package (the CLI turns each into a message and an exit code)."""

from __future__ import annotations

from dashboard.publication.filters import FilterError

__all__ = ["ReportError", "ReportFilterError", "ReportInputError", "UnknownReportError"]


class ReportError(ValueError):
    """Base class: a report cannot be built from what was asked."""


class UnknownReportError(ReportError):
    """No report has this name."""


class ReportFilterError(ReportError, FilterError):
    """A filter value is malformed (not a UUID, not a known status, year or modality)."""


class ReportInputError(ReportError):
    """A report needs an input frame that was not given (e.g. the corrections log) or an option is
    out of range (e.g. ``min_cell`` below 1)."""
