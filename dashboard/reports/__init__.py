"""Reports: the published tables (CLI export, download buttons, notebooks) and the CSV formatter.

``build_report(name, ...)`` gives a report as a frame, ``report_csv(name, ...)`` as CSV bytes, and
``frame_to_csv(frame)`` formats any frame the same way. ``REPORTS`` lists the reports.
"""

from dashboard.reports.catalog import (
    REPORTS,
    Report,
    ReportInputs,
    ReportOptions,
    build_report,
    build_reports,
    report_csv,
)
from dashboard.reports.csv_format import CSV_MIME, CsvFormatError, frame_to_csv, neutralise_formula
from dashboard.reports.errors import (
    ReportError,
    ReportFilterError,
    ReportInputError,
    UnknownReportError,
)
from dashboard.reports.filters import ReportFilters

__all__ = [
    "CSV_MIME",
    "REPORTS",
    "CsvFormatError",
    "Report",
    "ReportError",
    "ReportFilterError",
    "ReportFilters",
    "ReportInputError",
    "ReportInputs",
    "ReportOptions",
    "UnknownReportError",
    "build_report",
    "build_reports",
    "frame_to_csv",
    "neutralise_formula",
    "report_csv",
]
