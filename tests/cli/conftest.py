"""The CLI tests share the report fixtures (a sandbox of known enrollments) with tests/reports."""

from __future__ import annotations

from ..reports.conftest import cache_dir, report_data, report_sandbox

__all__ = ["cache_dir", "report_data", "report_sandbox"]
