"""CLI start-up benchmark: how long `enrollment-outcomes --help` takes, and how soon `sync` sends
its first request, each against a baseline measured in the same run.

Every figure is the wall time of a new process, from just before it is started:

- ``--help``: until `python -m dashboard.cli --help` exits; also the installed
  `enrollment-outcomes --help` script, and the group as it was before the commands were loaded
  lazily (every subcommand module imported first, then `--help`);
- baseline: until `python -c pass` exits (the interpreter's own start-up);
- first request of `sync`: until a throw-away HTTP listener on 127.0.0.1 (in this process)
  receives the first request of `enrollment-outcomes sync --refresh` (static token, empty
  cache); the listener answers 404, so the sync ends at once. Also the eager group's `sync`, and
  a floor: a script that imports httpx and sends one GET.

Runs are interleaved (one of each in turn, ``--repeats`` rounds) so that load on a shared machine
touches every line alike; the table gives median, min and max, and the median over the baseline.

Usage: ``python bench/cli_bench.py [--repeats 9] [--out bench/results_cli.md]``.
"""

from __future__ import annotations

import argparse
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.machine_info import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results_cli.md"
SCRIPT = Path(sys.executable).parent / "enrollment-outcomes"
# The group as it was: every subcommand module imported before the command line is read, the
# sandbox's server (FastAPI, uvicorn) with them, as `dashboard/cli/sandbox.py` imported it.
EAGER = (
    "import dashboard.cli.dashboard_command, dashboard.cli.export, dashboard.cli.sandbox, "
    "dashboard.cli.sync, "
    "dokstamp_sandbox.runner; "
    "from dashboard.cli import main; main(prog_name='enrollment-outcomes')"
)
HTTPX_FLOOR = "import sys, httpx; httpx.get(sys.argv[1] + '/enrollments', timeout=30)"
TIMEOUT = 120.0


class _FirstRequest(http.server.BaseHTTPRequestHandler):
    """Notes when a request arrives and answers 404 (the client then stops)."""

    arrived: list[float]

    def do_GET(self) -> None:
        self.arrived.append(time.perf_counter())
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        body = b'{"message": "benchmark listener"}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


class Listener:
    """An HTTP server on a free loopback port, in a thread, recording request arrival times."""

    def __init__(self) -> None:
        self.arrived: list[float] = []
        handler = type("Handler", (_FirstRequest,), {"arrived": self.arrived})
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class Case:
    """One line of the table: a name, what it waits for, and how one run is timed."""

    name: str
    measure: Callable[[], float]
    group: str  # "help" or "first request"


def _until_exit(argv: Sequence[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=TIMEOUT)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{argv} exited {completed.returncode}: {completed.stderr[-2000:]!r}")
    return seconds


def _until_first_request(argv: Sequence[str], env: dict[str, str], listener: Listener) -> float:
    listener.arrived.clear()
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    if not listener.arrived:
        raise RuntimeError(f"{argv} sent no request: {stderr[-2000:]!r}")
    return listener.arrived[0] - started


def _cases(listener: Listener, cache_dir: Path) -> list[Case]:
    python = sys.executable
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_"))
    }
    sync_env = {
        **env,
        "DOKSTAMP_API_URL": listener.url,
        "DOKSTAMP_TENANT": "benchmark",
        "DOKSTAMP_TOKEN": "benchmark-token",
        "ENROLLMENT_OUTCOMES_CACHE_DIR": str(cache_dir),
    }
    sync_args = ["sync", "--refresh"]
    return [
        Case(
            "`python -c pass` (baseline)", lambda: _until_exit([python, "-c", "pass"], env), "help"
        ),
        Case(
            "`python -m dashboard.cli --help`",
            lambda: _until_exit([python, "-m", "dashboard.cli", "--help"], env),
            "help",
        ),
        Case(
            "`enrollment-outcomes --help` (installed script)",
            lambda: _until_exit([str(SCRIPT), "--help"], env),
            "help",
        ),
        Case(
            "eager group `--help` (every command module imported first, as before)",
            lambda: _until_exit([python, "-c", EAGER, "--help"], env),
            "help",
        ),
        Case(
            "httpx floor: `import httpx; httpx.get(...)`",
            lambda: _until_first_request([python, "-c", HTTPX_FLOOR, listener.url], env, listener),
            "first request",
        ),
        Case(
            "`enrollment-outcomes sync`",
            lambda: _until_first_request([str(SCRIPT), *sync_args], sync_env, listener),
            "first request",
        ),
        Case(
            "eager group `sync` (as before)",
            lambda: _until_first_request([python, "-c", EAGER, *sync_args], sync_env, listener),
            "first request",
        ),
    ]


def run(repeats: int) -> str:
    host = machine()
    started_at = datetime.now(UTC)
    listener = Listener()
    try:
        with tempfile.TemporaryDirectory(prefix="cli-bench-") as scratch:
            cases = _cases(listener, Path(scratch) / "cache")
            for case in cases:  # one unmeasured run each: files in the page cache, .pyc written
                case.measure()
            times: dict[str, list[float]] = {case.name: [] for case in cases}
            for round_number in range(repeats):
                for case in cases:
                    times[case.name].append(case.measure())
                print(f"round {round_number + 1}/{repeats} done", flush=True)
    finally:
        listener.close()
    medians = {case.name: statistics.median(times[case.name]) for case in cases}
    baseline = medians[cases[0].name]
    rows = []
    for case in cases:
        values = times[case.name]
        median = medians[case.name]
        rows.append(
            f"| {case.group} | {case.name} | {median * 1000:.0f} | {min(values) * 1000:.0f} | "
            f"{max(values) * 1000:.0f} | {median / baseline:.1f}x |"
        )
    help_s, eager_help_s = medians[cases[2].name], medians[cases[3].name]
    floor_s, sync_s, eager_sync_s = (medians[case.name] for case in cases[4:7])
    return "\n".join(
        [
            "# CLI start-up benchmark",
            "",
            f"Machine: {host}.  ",
            f"Date: {started_at:%Y-%m-%d %H:%M} UTC.  ",
            f"Command: `python bench/cli_bench.py --repeats {repeats}` ({repeats} interleaved "
            "rounds after one unmeasured warm-up run of each line; the 2-core machine may be "
            "shared with other work, so expect noise: compare lines of the same run).",
            "",
            "Wall time of a new process from just before it starts: for `help` lines until it "
            "exits, for `first request` lines until a listener on 127.0.0.1 in the benchmark "
            "process receives its first HTTP request (static token, empty cache, "
            "`--refresh`). The ratio is the median over the `python -c pass` "
            "median.",
            "",
            "| waits for | command | median ms | min ms | max ms | median / baseline |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            f"- `enrollment-outcomes --help`: {help_s * 1000:.0f} ms, "
            f"{eager_help_s / help_s:.1f}x quicker than the eager group; target under 300 ms: "
            f"{'met' if help_s < 0.3 else 'missed'} in this run.",
            f"- First request of `sync`: {sync_s * 1000:.0f} ms after start, "
            f"{eager_sync_s / sync_s:.1f}x quicker than the eager group; target under 500 ms: "
            f"{'met' if sync_s < 0.5 else 'missed'} in this run. Importing httpx and sending one "
            f"request takes {floor_s * 1000:.0f} ms on its own here. `sync --refresh` sends its "
            "first request (page 1 of enrollments, `DokStampClient.start_listing`) before it "
            "imports polars and the data layer, which load while that request is in flight; "
            "before it come click, the settings, the client (httpx, which imports rich for its "
            "own CLI) and the composition root.",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9, help="interleaved rounds (default 9)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="report file")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    report = run(args.repeats)
    args.out.write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
