"""App benchmark: a page's rerun after a filter change, first chart and memory, against a baseline.

What a user waits for when they change a sidebar filter: Streamlit reruns the entry file and the
page. Measured for two versions of the dashboard in the same run, on the same sandbox and the
same warm snapshot: this tree ("ours") and the ``dashboard/`` package of ``--baseline-ref``
("baseline", exported with ``git archive``), each in its own process, one after the other.

In-process, with Streamlit's ``AppTest`` (the real scripts, no browser), per page after one
warm-up run:

- new filter: the sidebar changes to a filter this process has not shown yet (a status set and
  every intake year but one), then a rerun: what the first viewer of a view waits for;
- seen filter: toggling between two filters shown before (any viewer after the first);
- plain rerun: the page rerun with no change (the fixed cost of a run).

With a real server and browser (started as ``enrollment-outcomes app`` starts it, real Chromium),
on the warm snapshot: the viewer opens the page as soon as the server listens; seconds from that
to the Overview's first chart drawn, and from the server's process start, then every page visited
(waiting for its title, and its first chart where it has one), then the server's peak resident
memory (``VmHWM``). Medians of ``--repeats`` runs; ratios are ours / baseline. Python writes
bytecode in these processes (``PYTHONDONTWRITEBYTECODE`` is dropped), as a deployment would have.

Usage: ``python bench/app_bench.py [--enrollments 100000 1000000] [--repeats 6] [--rounds 2]
[--baseline-ref 5bf9213]`` (``--rounds``: the two versions alternate, a new process each round,
and each round's reruns are pooled); writes ``bench/results_app.md``. With
``--first-chart-only``: the real server's part alone, this tree only, on a snapshot
``enrollment-outcomes sync`` wrote; writes ``bench/results_app_first_chart.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results_app.md"
BIN = Path(sys.executable).parent
PAGES = {
    "Overview": "overview",
    "Completion": "completion",
    "Grades": "grades",
    "Cohorts": "cohorts",
    "Data quality": "data_quality",
    "Traceability": "traceability",
}
WITH_CHART = {"overview", "completion", "grades", "cohorts", "data_quality", "traceability"}
# Two statuses first (most enrollments), then one.
STATUS_SETS = [
    ["completed", "enrolled"],
    ["completed", "dropped"],
    ["dropped", "enrolled"],
    ["completed"],
    ["enrolled"],
    ["dropped"],
]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- worker: one version of the app, in its own process (``--worker``) -----------------------


def _worker(code: Path, repeats: int) -> dict[str, Any]:
    """AppTest measurements of the app under ``code`` (env: sandbox and cache already set)."""
    sys.path.insert(0, str(code))
    from streamlit.testing.v1 import AppTest  # after sys.path names the code

    cpu: list[float] = []  # the process CPU time of each measured run, in order

    def seconds(action: Callable[[], object]) -> float:
        # CPU beside wall time: on a shared virtual machine the wall time also holds the time
        # the host gave to others (steal), which CPU time leaves out.
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        cpu.append(time.process_time() - started_cpu)
        return time.perf_counter() - started

    def checked(at: AppTest) -> AppTest:
        if at.exception:
            raise RuntimeError(f"the app raised: {[e.message for e in at.exception]}")
        return at

    sections: dict[str, Any] = {}
    try:  # pages shown one tab at a time, where the version has them
        from dashboard.app.page_sections import PAGE_SECTIONS

        sections.update(PAGE_SECTIONS)
    except ImportError:
        pass

    at = AppTest.from_file(str(code / "dashboard" / "app" / "main.py"), default_timeout=1800)
    at.secrets["dokstamp"] = {}
    first = seconds(lambda: checked(at.run()))
    rows = next(m.value for m in at.metric if m.label == "Enrollments")
    years = [int(y) for y in at.multiselect(key="filter_intake").options]
    # Every (status set, all intake years but one) pair once, then all years but two: no view
    # sees a filter another view showed, and each keeps most enrollments (as large a
    # computation as a filter makes).
    fresh = itertools.chain(
        itertools.product(STATUS_SETS, [(year,) for year in years]),
        itertools.product(STATUS_SETS, itertools.combinations(years, 2)),
    )
    pages: dict[str, dict[str, list[float]]] = {}
    views = [
        (page, label)
        for page in PAGES.values()
        for label in (sections[page].labels if page in sections else (None,))
    ]
    for page, label in views:
        checked(at.switch_page(f"views/{page}.py").run())
        if label is not None:  # the tab a viewer opened
            at.session_state[sections[page].param] = label
            checked(at.run())
        timings: dict[str, list[float]] = {"new": [], "seen": [], "plain": [], "new_cpu": []}
        for _ in range(repeats):
            statuses, left_out = next(fresh)
            at.multiselect(key="filter_status").set_value(statuses)
            at.multiselect(key="filter_intake").set_value([y for y in years if y not in left_out])
            timings["new"].append(seconds(lambda: checked(at.run())))
            timings["new_cpu"].append(cpu[-1])
            timings["plain"].append(seconds(lambda: checked(at.run())))
        for index in range(repeats + 2):  # the first two show both filters once
            at.multiselect(key="filter_status").set_value(["completed"] if index % 2 else [])
            at.multiselect(key="filter_intake").set_value([])
            took = seconds(lambda: checked(at.run()))
            if index >= 2:
                timings["seen"].append(took)
        pages[page if label is None else f"{page}/{label}"] = timings
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"first_load": first, "rows": rows, "pages": pages, "apptest_peak_mb": peak_mb}


# --- browser: first chart and memory of a real server -----------------------------------------


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def _server_command(code: Path, port: int) -> list[str]:
    """How ``enrollment-outcomes app`` starts ``code``'s dashboard: its server module where it
    has one (start-up work before the first viewer), else ``streamlit run`` of the entry file."""
    options = [
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    if (code / "dashboard" / "app" / "server.py").is_file():
        return [str(BIN / "python"), "-m", "dashboard.app.server", *options]
    entry = code / "dashboard" / "app" / "main.py"
    return [str(BIN / "python"), "-m", "streamlit", "run", str(entry), *options]


def _browser_run(code: Path, env: dict[str, str], log: Path) -> tuple[float, ...]:
    """(server listening s, first chart s, every page visited s, peak RSS MB, the first
    viewer's wait s) of one server of ``code``; the first two count from the process start, the
    last from the viewer opening the page (as soon as the server listens)."""
    # Imported here: main() put the repository on the path; playwright only for this phase.
    from playwright.sync_api import sync_playwright

    from bench.chromium import launch_chromium
    from bench.loopback import free_port, wait_for_port

    port = free_port()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        started = time.perf_counter()
        with log.open("ab") as out:
            process = subprocess.Popen(
                _server_command(code, port),
                cwd=code,  # ``-m dashboard.app.server`` imports the package of the cwd first
                env={**env, "PYTHONPATH": str(code)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(port, 300)
            listening = time.perf_counter() - started
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            chart = '[data-testid="stVegaLiteChart"] svg.marks'
            opened = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/", timeout=600_000)
            page.wait_for_selector(chart, timeout=600_000)
            first_chart = time.perf_counter() - started
            first_view = time.perf_counter() - opened
            visit_started = time.perf_counter()
            for title, name in PAGES.items():
                if name == "overview":
                    continue
                page.goto(f"http://127.0.0.1:{port}/{name}", timeout=600_000)
                page.get_by_role("heading", name=title).first.wait_for(timeout=600_000)
                if name in WITH_CHART:
                    page.wait_for_selector(chart, timeout=600_000)
                page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
            visited = time.perf_counter() - visit_started
            rss = _peak_rss_mb(process.pid)
        finally:
            browser.close()
            process.terminate()
            process.wait(60)
    return listening, first_chart, visited, rss, first_view


# --- the run: sandbox, both versions, report ------------------------------------------------


def _export(ref: str, into: Path) -> Path:
    """The ``dashboard/`` package of git ``ref``, in a folder of its own."""
    archive = into / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", ref, "dashboard"], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "baseline", filter="data")
    return into / "baseline"


def _seeded_sandbox(enrollments: int, prefix: str) -> tuple[Path, Any, float, dict[str, str]]:
    """A work folder, a demo sandbox of ``enrollments`` in it (pages of up to 1,000), the
    seconds its seeding took, and the dashboard's environment pointing at it."""
    from dokstamp_sandbox.demo import (  # the worker must not import ours
        DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET,
        DEMO_TENANT,
    )
    from dokstamp_sandbox.runner import SandboxOptions, start_sandbox

    work = Path(tempfile.mkdtemp(prefix=f"{prefix}-{enrollments}-"))
    seeded = time.perf_counter()
    sandbox = start_sandbox(
        work / "sandbox.db",
        seed="demo",
        enrollments=enrollments,
        options=SandboxOptions(max_per_page=1000),
    )
    seed_seconds = time.perf_counter() - seeded
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOKSTAMP_", "ENROLL"))}
    # As a deployment runs: with bytecode. (The workers, which run first, write it for both
    # versions and the libraries; without it every server start compiles ~1,100 modules.)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env |= {
        "DOKSTAMP_API_URL": sandbox.url,
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
        "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "DOKSTAMP_PAGE_SIZE": "1000",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(work / "cache"),
        "ENROLLMENT_OUTCOMES_EDITING": "false",
        # The snapshot the first worker reads stays fresh: no refresh runs during the bench.
        "ENROLLMENT_OUTCOMES_CACHE_TTL": "86400",
    }
    return work, sandbox, seed_seconds, env


def _measure_size(
    enrollments: int, repeats: int, versions: dict[str, Path], browser_runs: int, rounds: int
) -> dict[str, Any]:
    work, sandbox, seed_seconds, env = _seeded_sandbox(enrollments, "app-bench")
    result: dict[str, Any] = {"seed_seconds": seed_seconds, "versions": {}}
    try:
        # The versions alternate, round by round, so that a slow minute of the shared machine
        # falls on both; each round is a new process, and the rounds' reruns are pooled.
        for _ in range(rounds):
            for name, code in versions.items():
                print(f"{enrollments:,}: {name} (AppTest)…", flush=True)
                _pool(result["versions"], name, _run_worker(code, repeats, env))
        for name, code in versions.items():
            runs = []
            for _ in range(browser_runs):
                print(f"{enrollments:,}: {name} (browser)…", flush=True)
                runs.append(_browser_run(code, env, work / f"{name}.log"))
            result["versions"][name]["browser"] = runs
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)  # the 1M sandbox and snapshots take gigabytes
    return result


def _run_worker(code: Path, repeats: int, env: dict[str, str]) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--worker", str(code), "--repeats", str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode != 0:
        raise RuntimeError(f"the worker of {code} failed:\n{output.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def _pool(versions: dict[str, Any], name: str, run: dict[str, Any]) -> None:
    """Add a worker's run to ``versions[name]``: reruns pooled, the first load and peak kept
    from the first round (its first load is the only one that syncs), the peak the highest."""
    if name not in versions:
        versions[name] = run
        return
    pooled = versions[name]
    for page, timings in run["pages"].items():
        for kind, values in timings.items():
            pooled["pages"][page][kind] += values
    pooled["apptest_peak_mb"] = max(pooled["apptest_peak_mb"], run["apptest_peak_mb"])


def _report(
    sizes: dict[int, dict[str, Any]], repeats: int, rounds: int, ref: str, started: datetime
) -> str:
    from bench.machine_info import machine

    lines = [
        "# App benchmark: rerun after a filter change, first chart, memory",
        "",
        f"Command: `python bench/app_bench.py --enrollments {' '.join(map(str, sizes))} "
        f"--repeats {repeats} --rounds {rounds} --baseline-ref {ref}`. "
        f"Date: {started:%Y-%m-%d %H:%M} UTC.  ",
        f"Machine: {machine()} (at the end). The 2-core machine is shared with other agents: "
        "seconds are noisy, the ratios (both versions measured in the same run, alternately) "
        "less so.",
        "",
        f"Baseline = the dashboard of `{ref}` (before this work), ours = this tree, alternating "
        f"in {rounds} round(s) of a new process each. In-process (AppTest) medians of "
        f"{repeats * rounds} reruns per page (per tab, where a page shows one tab at a time; "
        "such a tab is compared with the baseline's whole page where the baseline has no tabs): "
        "**new filter** = a filter this process has not shown "
        "(a status set and every intake year but one), **seen filter** = toggling between two "
        "filters shown before, **plain** = a rerun with no change. **CPU**: the process's "
        "CPU time of a new-filter rerun (all threads), which leaves out the time a shared "
        "virtual machine's host gives to others (steal).",
        "",
    ]
    for enrollments, data in sizes.items():
        base, ours = data["versions"]["baseline"], data["versions"]["ours"]
        lines += [
            f"## {enrollments:,} enrollments",
            "",
            f"Sandbox seeded in {data['seed_seconds']:.0f} s; the app showed {ours['rows']} "
            f"enrollments. First AppTest run (baseline: sync from the API into a snapshot, "
            f"{base['first_load']:.1f} s; ours: read the warm snapshot, "
            f"{ours['first_load']:.1f} s).",
            "",
            "| page | new filter: baseline s | ours s | ratio | new filter, CPU: baseline s "
            "| ours s | ratio | seen filter: baseline s | ours s | ratio | plain: baseline s "
            "| ours s |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        # A page ours shows one tab at a time: each tab beside the baseline's page (as the
        # baseline shows it: every section at once, or the same tabs).
        rows = [
            (title + (f": {view.partition('/')[2]} tab" if "/" in view else ""), page, view)
            for title, page in PAGES.items()
            for view in ours["pages"]
            if view == page or view.startswith(f"{page}/")
        ]
        for title, page, view in rows:
            b, o = base["pages"].get(view, base["pages"].get(page)), ours["pages"][view]
            new_b, new_o = _median(b["new"]), _median(o["new"])
            cpu_b, cpu_o = _median(b.get("new_cpu", [])), _median(o.get("new_cpu", []))
            seen_b, seen_o = _median(b["seen"]), _median(o["seen"])
            lines.append(
                f"| {title} | {new_b:.3f} | {new_o:.3f} | {new_o / new_b:.2f} | {cpu_b:.3f} "
                f"| {cpu_o:.3f} | {cpu_o / cpu_b:.2f} | {seen_b:.3f} | {seen_o:.3f} "
                f"| {seen_o / seen_b:.2f} | {_median(b['plain']):.3f} "
                f"| {_median(o['plain']):.3f} |"
            )
        lines += [
            "",
            f"AppTest process peak RSS after every page: baseline {base['apptest_peak_mb']:.0f} "
            f"MB, ours {ours['apptest_peak_mb']:.0f} MB.",
            "",
        ]
        if base.get("browser") and ours.get("browser"):
            lines += [
                "Real server (as `enrollment-outcomes app` starts it: `python -m "
                "dashboard.app.server` where the version has it, else `streamlit run`) and "
                "Chromium on the warm snapshot, "
                f"{len(ours['browser'])} run(s) each, median:",
                "",
                "| | baseline | ours | ratio |",
                "| --- | ---: | ---: | ---: |",
            ]
            for index, label, unit in (
                (0, "process start to the server listening", "s"),
                (4, "the viewer opens the page as it listens: wait for the first chart", "s"),
                (1, "process start to the Overview's first chart", "s"),
                (2, "then every other page visited (title and first chart)", "s"),
                (3, "server peak RSS (VmHWM) after every page", "MB"),
            ):
                if any(len(run) <= index for run in base["browser"] + ours["browser"]):
                    continue
                value_b = _median([run[index] for run in base["browser"]])
                value_o = _median([run[index] for run in ours["browser"]])
                digits = 0 if unit == "MB" else 2
                lines.append(
                    f"| {label}, {unit} | {value_b:.{digits}f} | {value_o:.{digits}f} "
                    f"| {value_o / value_b:.2f} |"
                )
            lines.append("")
    return "\n".join(lines)


FIRST_CHART_RESULTS = ROOT / "bench" / "results_app_first_chart.md"


def _first_chart_only(enrollments: int, browser_runs: int) -> dict[str, Any]:
    """Browser runs of this tree only, on a snapshot that ``enrollment-outcomes sync`` wrote."""
    from bench.first_chart_bench import ONE_CHART_PAGE, first_chart

    work, sandbox, seed_seconds, env = _seeded_sandbox(enrollments, "app-bench-first-chart")
    try:
        synced = time.perf_counter()
        subprocess.run(
            [str(BIN / "enrollment-outcomes"), "sync"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        sync_seconds = time.perf_counter() - synced
        runs = []
        floors = []
        for _ in range(browser_runs):
            print(f"{enrollments:,}: ours (browser)…", flush=True)
            runs.append(_browser_run(ROOT, env, work / "ours.log"))
            # Interleaved: the floor, what the browser alone needs here for one chart.
            floors.append(first_chart(env, work / "floor.log", plain=ONE_CHART_PAGE).next_view)
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "seed_seconds": seed_seconds,
        "sync_seconds": sync_seconds,
        "runs": runs,
        "floor": floors,
    }


def _first_chart_report(sizes: dict[int, dict[str, Any]], started: datetime) -> str:
    from bench.machine_info import machine

    runs = max(len(data["runs"]) for data in sizes.values())
    lines = [
        "# App benchmark, first chart only: a real server on a warm snapshot",
        "",
        f"Command: `python bench/app_bench.py --first-chart-only --enrollments "
        f"{' '.join(map(str, sizes))} --browser-runs {runs}`. Date: {started:%Y-%m-%d %H:%M} "
        "UTC.  ",
        f"Machine: {machine()} (at the end).",
        "",
        "The snapshot is written by `enrollment-outcomes sync`; the dashboard is then started as "
        "`enrollment-outcomes app` starts it (`python -m dashboard.app.server`) and real "
        "Chromium opens the Overview as soon as the server listens, then visits every other "
        f"page. Median of {runs} start(s) per size, seconds (memory in MB).",
        "",
        "| enrollments | process start to listening | viewer's wait for the first chart | "
        "floor: the wait for a one-chart page | wait vs floor | process start to the first "
        "chart | every other page visited | server peak RSS (MB) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for enrollments, data in sizes.items():
        runs_of = data["runs"]
        listening, first_chart, visited, rss, first_view = (
            _median([run[index] for run in runs_of]) for index in range(5)
        )
        floor = _median(data["floor"])
        lines.append(
            f"| {enrollments:,} | {listening:.2f} | {first_view:.2f} | {floor:.2f} | "
            f"{first_view / floor:.2f}x | {first_chart:.2f} | {visited:.2f} | {rss:.0f} |"
        )
    lines += [
        "",
        "Floor: a bare `streamlit run` of `bench/one_chart_page.py` (one small chart, no data), "
        "started once after each start of the dashboard; the wait of its second viewer (its "
        "first run imports the charting libraries): what loading Streamlit's frontend and "
        "drawing one chart costs on this machine.",
        "",
        "Goal (issue 14): first chart under 3 s from a warm snapshot at 1,000,000 enrollments; "
        "the server under 1.5 GB after every page.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--baseline-ref", default="5bf9213")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per version")
    parser.add_argument("--browser-runs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--first-chart-only",
        action="store_true",
        help="Only the real server's first chart and memory, this tree only; writes "
        "bench/results_app_first_chart.md unless --out says otherwise.",
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.repeats)))
        return
    sys.path.insert(0, str(ROOT))
    started = datetime.now(UTC)
    if args.first_chart_only:
        only = {size: _first_chart_only(size, args.browser_runs) for size in args.enrollments}
        out = FIRST_CHART_RESULTS if args.out == RESULTS else args.out
        report = _first_chart_report(only, started)
        out.write_text(report, encoding="utf-8")
        print(report)
        return
    with tempfile.TemporaryDirectory(prefix="app-bench-code-") as scratch:
        versions = {"baseline": _export(args.baseline_ref, Path(scratch)), "ours": ROOT}
        sizes = {
            size: _measure_size(size, args.repeats, versions, args.browser_runs, args.rounds)
            for size in args.enrollments
        }
    report = _report(sizes, args.repeats, args.rounds, args.baseline_ref, started)
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
