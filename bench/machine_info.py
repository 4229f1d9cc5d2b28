"""The line each benchmark report ends with: which machine, how loaded, which versions."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def machine() -> str:
    """CPU model, cores, Python, library and SQLite versions, and the load average at the start.

    Every benchmark ends its report with this line (one definition, so reports compare).
    """
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for package in ("streamlit", "polars", "httpx"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            continue
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {', '.join(versions)}, "
        f"SQLite {sqlite3.sqlite_version}; "
        f"load average at start {load}"
    )
