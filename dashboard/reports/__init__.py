"""Reports: the CSV formatter and the published report tables (CLI export and download buttons)."""

from dashboard.reports.csv_format import CSV_MIME, CsvFormatError, frame_to_csv, neutralise_formula

__all__ = ["CSV_MIME", "CsvFormatError", "frame_to_csv", "neutralise_formula"]
