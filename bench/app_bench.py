"""App benchmark: a dashboard page rerunning after a filter change, on 100,000 enrollments.

What a user waits for when they change a sidebar filter: Streamlit reruns the entry file and the
page (filters applied, metrics, suppression, charts, tables, CSV bytes). Measured with
Streamlit's ``AppTest`` (the real scripts, in-process, no browser) against a demo sandbox seeded
with ``--enrollments`` rows, after the data is loaded (the dataset is cached per process):

- filter change: the Status filter toggled between "completed + dropped" and all, then a rerun;
- baseline A, plain rerun: the same page rerun with no change (the fixed cost of a run);
- baseline B, trivial app: a two-element Streamlit script rerun (Streamlit's own overhead);
- compute path: ``apply_filters`` alone on the frame (what the filter itself costs).

Each figure is the median (and max) of ``--repeats`` runs in one process.

Usage: ``python bench/app_bench.py [--enrollments 100000] [--repeats 6]``; writes
``bench/results_app.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.machine_info import machine  # noqa: E402
from dashboard.app import runtime  # noqa: E402
from dashboard.app.global_filters import Filters, apply_filters  # noqa: E402
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT  # noqa: E402
from dokstamp_sandbox.runner import SandboxOptions, start_sandbox  # noqa: E402

RESULTS = ROOT / "bench" / "results_app.md"
ENTRY = ROOT / "dashboard" / "app" / "main.py"
PAGES = {
    "Overview": "views/overview.py",
    "Completion": "views/completion.py",
    "Grades": "views/grades.py",
    "Cohorts": "views/cohorts.py",
    "Data quality": "views/data_quality.py",
    "Traceability": "views/traceability.py",
}
FILTERED = ["completed", "dropped"]
TRIVIAL_APP = "import streamlit as st\nst.title('Baseline')\nst.write('one line of text')\n"


def _seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _checked(at: AppTest) -> AppTest:
    if at.exception:
        raise RuntimeError(f"the app raised: {[e.message for e in at.exception]}")
    return at


def _stats(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), max(values)


def run(enrollments: int, repeats: int) -> str:
    host = machine()
    started_at = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="app-bench-"))
    seed_seconds = time.perf_counter()
    sandbox = start_sandbox(
        workdir / "sandbox.db",
        seed="demo",
        enrollments=enrollments,
        options=SandboxOptions(max_per_page=1000),
    )
    seed_seconds = time.perf_counter() - seed_seconds
    for name in list(os.environ):
        if name.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")):
            del os.environ[name]
    os.environ.update(
        {
            "DOKSTAMP_API_URL": sandbox.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "DOKSTAMP_PAGE_SIZE": "1000",
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(workdir / "cache"),
            "ENROLLMENT_OUTCOMES_EDITING": "false",
        }
    )
    try:
        at = AppTest.from_file(str(ENTRY), default_timeout=900)
        at.secrets["dokstamp"] = {}
        first_load = _seconds(lambda: _checked(at.run()))
        rows = next(m.value for m in at.metric if m.label == "Enrollments")

        table: list[tuple[str, float, float, float, float]] = []
        for title, page in PAGES.items():
            _checked(at.switch_page(page).run())  # warm this page once
            changes: list[float] = []
            plain: list[float] = []
            for index in range(repeats):
                value = FILTERED if index % 2 == 0 else []
                at.multiselect(key="filter_status").set_value(value)
                changes.append(_seconds(lambda: _checked(at.run())))
                plain.append(_seconds(lambda: _checked(at.run())))
            at.multiselect(key="filter_status").set_value([])
            _checked(at.run())
            change_median, change_max = _stats(changes)
            plain_median, plain_max = _stats(plain)
            table.append((title, change_median, change_max, plain_median, plain_max))
            print(f"{title}: filter change {change_median:.3f}s, plain rerun {plain_median:.3f}s")

        trivial = AppTest.from_string(TRIVIAL_APP, default_timeout=60)
        trivial.run()
        trivial_runs = [_seconds(trivial.run) for _ in range(repeats)]

        dataset = runtime.current_dataset(runtime.current_source())
        filters = Filters(statuses=tuple(FILTERED))
        filter_runs = [
            _seconds(lambda: apply_filters(dataset.enrollments, filters)) for _ in range(repeats)
        ]
    finally:
        sandbox.stop()

    lines = [
        "# App benchmark: rerun after a filter change",
        "",
        f"Machine: {host}.  ",
        f"Date: {started_at:%Y-%m-%d %H:%M} UTC.  ",
        f"Command: `python bench/app_bench.py --enrollments {enrollments} --repeats {repeats}` "
        f"(median and max of {repeats} runs each, one process; the 2-core machine may be shared "
        "with other work, so expect noise).  ",
        f"Data: demo sandbox seeded with {enrollments:,} enrollments in {seed_seconds:.1f} s; the "
        f"app showed {rows} enrollments. First load of the app (API read of every resource, "
        f"frames built, first page drawn): {first_load:.1f} s; later runs use the loaded dataset.",
        "",
        "Filter change = the sidebar Status filter toggled between completed + dropped and all, "
        "then `AppTest.run()` (the entry file and the page: filters, metrics, suppression, "
        "charts, tables, CSV bytes). Baseline A = the same page rerun without any change. "
        "Baseline B = a trivial two-element Streamlit script.",
        "",
        "| page | filter change, median s | max s | baseline A: plain rerun, median s | max s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for title, change_median, change_max, plain_median, plain_max in table:
        lines.append(
            f"| {title} | {change_median:.3f} | {change_max:.3f} | {plain_median:.3f} "
            f"| {plain_max:.3f} |"
        )
    trivial_median, trivial_max = _stats(trivial_runs)
    filter_median, filter_max = _stats(filter_runs)
    lines += [
        f"| baseline B: trivial app | {trivial_median:.3f} | {trivial_max:.3f} | | |",
        "",
        f"The filter itself (`apply_filters` on {enrollments:,} rows): median "
        f"{filter_median * 1000:.1f} ms (max {filter_max * 1000:.1f} ms).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    report = run(args.enrollments, args.repeats)
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
