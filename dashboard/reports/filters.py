"""Report filters: the publication layer's one filter model, raising the reports' error type.

``ReportFilters`` is ``dashboard.publication.filters.Filters`` (the dashboard's URL filters
too): strict by default, so a scheduled export never silently widens to "all" on a typo.
"""

from __future__ import annotations

from typing import ClassVar

from dashboard.publication.filters import Filters
from dashboard.reports.errors import ReportFilterError

__all__ = ["ReportFilterError", "ReportFilters"]


class ReportFilters(Filters):
    """``Filters`` whose parse errors are ``ReportFilterError`` (a ``ReportError``)."""

    error: ClassVar[type[ValueError]] = ReportFilterError
