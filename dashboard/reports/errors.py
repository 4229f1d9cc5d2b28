"""The typed errors of the reports package (the CLI turns each into a message and an exit code)."""

from __future__ import annotations

__all__ = ["ReportError", "ReportFilterError", "ReportInputError", "UnknownReportError"]


class ReportError(ValueError):
    """Base class: a report cannot be built from what was asked."""


class UnknownReportError(ReportError):
    """No report has this name."""


class ReportFilterError(ReportError):
    """A filter value is malformed (not a UUID, not a known status)."""


class ReportInputError(ReportError):
    """A report needs an input frame that was not given (e.g. the corrections log) or an option is
    out of range (e.g. ``min_cell`` below 1)."""
