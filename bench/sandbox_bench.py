"""Sandbox benchmark: seed time, page 1 vs deep pages, and concurrent paging over HTTP.

The sandbox runs as ``enrollment-outcomes sandbox`` in its own process (uvicorn, one process), as
a remote API would; this script is the client (httpx, keep-alive connections). Measured:

- seed: ``provision()`` wall time, when DB does not exist yet (demo seed, SIZE enrollments);
- pages (per_page 100, milliseconds per request, client-measured) for the default order, a where
  filter (``completion_status=completed``) and a sort (``grade`` descending): page 1 (first
  request, then the median of 20), a deep page (``last_page - 10``; first request, then the
  median of 20) and the page after the deep one (median of 5);
- concurrent paging as a sync does it: consecutive pages of the default order fetched with 1, 4
  and 8 workers (one keep-alive client per worker, fresh pages for each run), for each
  ``--per-page`` value.

Usage: ``python bench/sandbox_bench.py DB SIZE [--per-page 100,1000] [--out FILE] [SANDBOX ...]``.
Options this script does not know go to ``enrollment-outcomes sandbox`` unchanged; per_page above
100 needs ``--max-per-page`` there. The report is printed, and written to ``--out`` when given.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx

from bench.machine_info import machine
from dokstamp_sandbox.demo import DEMO_TENANT
from dokstamp_sandbox.provision import provision, read_meta

BENCH_TOKEN = "sandbox-bench"
PAGE_TABLE_PER_PAGE = 100
WARM_REPEATS = 20
NEIGHBOUR_REPEATS = 5
DEEP_OFFSET = 10  # the deep page is this many pages before the last one
WORKER_COUNTS = (1, 4, 8)
LISTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("default order", {}),
    ("`where[completion_status]=completed`", {"where[completion_status]": "completed"}),
    ("`sort[column]=grade&sort[order]=desc`", {"sort[column]": "grade", "sort[order]": "desc"}),
)


class BenchmarkError(RuntimeError):
    """The sandbox did not start, or answered a request with something other than 200."""


@dataclass(frozen=True)
class PageTimings:
    """Milliseconds per request for one list (filter + sort) at per_page 100."""

    label: str
    total: int
    deep_page: int
    first_ms: float
    first_median_ms: float
    deep_first_ms: float
    deep_median_ms: float
    neighbour_median_ms: float


@dataclass(frozen=True)
class PagingRun:
    """One concurrent paging run: consecutive pages of the default order."""

    per_page: int
    workers: int
    pages: int
    rows: int
    seconds: float


# -- the sandbox, in its own process ----------------------------------------------------------


def seed(db_path: Path, size: int) -> float | None:
    """Seed a new sandbox database and return the seconds it took; None if it already existed."""
    if db_path.exists():
        return None
    started = time.perf_counter()
    provision(db_path, seed_kind="demo", enrollments=size)
    return time.perf_counter() - started


def sandbox_command(db_path: Path, extra_args: Sequence[str]) -> list[str]:
    cli = Path(sys.executable).with_name("enrollment-outcomes")
    return [
        str(cli),
        "sandbox",
        "--db",
        str(db_path),
        "--port",
        "0",
        "--static-token",
        f"{BENCH_TOKEN}:{DEMO_TENANT}",
        *extra_args,
    ]


@contextmanager
def sandbox_process(db_path: Path, extra_args: Sequence[str]) -> Iterator[str]:
    """Run ``enrollment-outcomes sandbox`` on db_path; yield its URL, stop it with SIGTERM."""
    process = subprocess.Popen(
        sandbox_command(db_path, extra_args),
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    try:
        url = _read_url(process.stdout, process)
        # Keep reading its output so a chatty server never blocks on a full pipe.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read_url(stdout: IO[str], process: subprocess.Popen[str]) -> str:
    output = ""
    for line in stdout:
        output += line
        if "Press Ctrl+C" in line:
            break
    found = re.search(r" on (http://[0-9.:]+)", output)
    if found is None:
        raise BenchmarkError(f"the sandbox did not start (exit {process.poll()}):\n{output}")
    return found.group(1)


# -- measurements -----------------------------------------------------------------------------


def bench_client(url: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {BENCH_TOKEN}", "X-Tenant": DEMO_TENANT}
    return httpx.Client(base_url=url, headers=headers, timeout=120)


def timed_get(
    client: httpx.Client, params: Mapping[str, Any], *, repeat: int = 1
) -> tuple[list[float], dict[str, Any]]:
    """Milliseconds of each of `repeat` GET /enrollments, and the last response body."""
    timings = []
    response = None
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get("/enrollments", params=params)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise BenchmarkError(f"GET /enrollments {dict(params)}: {response.text}")
    assert response is not None
    body: dict[str, Any] = response.json()
    return timings, body


def page_timings(client: httpx.Client, label: str, where: Mapping[str, str]) -> PageTimings:
    """Page 1 vs a deep page of one list; first requests are cold (no block boundary known)."""
    params = {**where, "per_page": PAGE_TABLE_PER_PAGE}
    first, body = timed_get(client, {**params, "page": 1})
    first_warm, _ = timed_get(client, {**params, "page": 1}, repeat=WARM_REPEATS)
    deep = max(1, body["meta"]["last_page"] - DEEP_OFFSET)
    deep_first, _ = timed_get(client, {**params, "page": deep})
    deep_warm, _ = timed_get(client, {**params, "page": deep}, repeat=WARM_REPEATS)
    neighbour, _ = timed_get(client, {**params, "page": deep + 1}, repeat=NEIGHBOUR_REPEATS)
    return PageTimings(
        label=label,
        total=body["meta"]["total"],
        deep_page=deep,
        first_ms=first[0],
        first_median_ms=statistics.median(first_warm),
        deep_first_ms=deep_first[0],
        deep_median_ms=statistics.median(deep_warm),
        neighbour_median_ms=statistics.median(neighbour),
    )


def effective_per_page(client: httpx.Client, per_page: int) -> tuple[int, int]:
    """The per_page the sandbox applies (it caps at its --max-per-page) and the row total."""
    _, body = timed_get(client, {"per_page": per_page, "page": 1})
    return body["meta"]["per_page"], body["meta"]["total"]


def pages_per_run(per_page: int, last_page: int, runs: int) -> int:
    """1,000 pages of 100 rows or 200 larger pages, fewer when the list is too short for fresh
    pages in every run."""
    wanted = 1000 if per_page <= 100 else 200
    return max(1, min(wanted, last_page // runs))


def concurrent_paging(
    url: str, *, per_page: int, total: int, workers: int, pages: range
) -> PagingRun:
    """Fetch `pages` with `workers` threads, each with its own keep-alive client."""
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def fetch(page: int) -> int:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = bench_client(url)
            with lock:
                clients.append(client)
        params = {"per_page": per_page, "page": page}
        return client.get("/enrollments", params=params).status_code

    started = time.perf_counter()
    try:
        with cf.ThreadPoolExecutor(workers) as pool:
            statuses = list(pool.map(fetch, pages))
    finally:
        for client in clients:
            client.close()
    seconds = time.perf_counter() - started
    if set(statuses) != {200}:
        raise BenchmarkError(f"concurrent paging: statuses {sorted(set(statuses))}")
    rows = sum(max(0, min(per_page, total - (page - 1) * per_page)) for page in pages)
    return PagingRun(per_page, workers, len(pages), rows, seconds)


def paging_runs(url: str, client: httpx.Client, per_page: int) -> list[PagingRun]:
    applied, total = effective_per_page(client, per_page)
    if applied != per_page:
        print(
            f"note: asked for per_page {per_page}, the sandbox serves {applied} "
            "(pass --max-per-page to raise its cap)",
            flush=True,
        )
    last_page = max(1, -(-total // applied))
    count = pages_per_run(applied, last_page, len(WORKER_COUNTS))
    runs = []
    for index, workers in enumerate(WORKER_COUNTS):
        pages = range(1 + index * count, 1 + (index + 1) * count)  # fresh pages each run
        run = concurrent_paging(url, per_page=applied, total=total, workers=workers, pages=pages)
        print(
            f"concurrent: per_page {applied}, {workers} workers, {run.pages} pages: "
            f"{run.seconds:.2f} s, {run.rows / run.seconds:,.0f} rows/s",
            flush=True,
        )
        runs.append(run)
    return runs


# -- the report -------------------------------------------------------------------------------


def render(
    *,
    command: str,
    host: str,
    size: int,
    seed_seconds: float | None,
    meta: Mapping[str, str],
    pages: Sequence[PageTimings],
    runs: Sequence[PagingRun],
) -> str:
    seeded = (
        f"seeded {size:,} demo enrollments in a new file in {seed_seconds:.1f} s (`provision()`)"
        if seed_seconds is not None
        else f"existing database, not seeded in this run (sandbox meta: {dict(meta)})"
    )
    lines = [
        "# Sandbox benchmark (`bench/sandbox_bench.py`)",
        "",
        f"Machine: {host}.  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.  ",
        f"Command: `{command}`.  ",
        f"Data: {seeded}. Server: `enrollment-outcomes sandbox` in its own process; client: "
        "httpx in this one, keep-alive connections.",
        "",
        f"## Pages (per_page {PAGE_TABLE_PER_PAGE}, milliseconds per HTTP request, "
        "client-measured)",
        "",
        "| list | total rows | deep page | page 1, first request | "
        f"page 1, median of {WARM_REPEATS} | deep page, first request | "
        f"deep page, median of {WARM_REPEATS} | next page after the deep one, median |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {p.label} | {p.total:,} | {p.deep_page:,} | {p.first_ms:.1f} | "
        f"{p.first_median_ms:.1f} | {p.deep_first_ms:.1f} | {p.deep_median_ms:.1f} | "
        f"{p.neighbour_median_ms:.1f} |"
        for p in pages
    ]
    lines += [
        "",
        "The first request into an unvisited region of a list walks the index once from the "
        "nearest remembered block boundary; later requests there cost what page 1 costs. "
        "Page 1's first request with a filter or sort includes the first `meta.total` count.",
        "",
        "## Concurrent paging (pages of the default order, consecutive, as a sync does)",
        "",
        "| per_page | workers | pages | seconds | pages/s | rows/s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.per_page:,} | {r.workers} | {r.pages:,} | {r.seconds:.2f} | "
        f"{r.pages / r.seconds:,.0f} | {r.rows / r.seconds:,.0f} |"
        for r in runs
    ]
    lines += [
        "",
        "All requests answered 200. Each run reads pages no earlier run read. On a machine "
        "where client and server share the cores, more workers share the server's CPU rather "
        "than add throughput.",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        epilog="Other options go to `enrollment-outcomes sandbox` (e.g. --max-per-page 1000).",
        allow_abbrev=False,
    )
    parser.add_argument("db", type=Path, help="sandbox SQLite file; seeded first if missing")
    parser.add_argument("size", type=int, help="demo enrollments to seed a new file with")
    parser.add_argument(
        "--per-page",
        default=str(PAGE_TABLE_PER_PAGE),
        help="comma-separated page sizes for concurrent paging (default: %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the report here")
    args, sandbox_args = parser.parse_known_args(argv)
    args.per_page = [int(value) for value in args.per_page.split(",") if value]
    return args, sandbox_args


def main(argv: Sequence[str] | None = None) -> int:
    args, sandbox_args = parse_args(argv)
    host = machine()
    command = " ".join(["python bench/sandbox_bench.py", *(sys.argv[1:] if argv is None else argv)])

    seed_seconds = seed(args.db, args.size)
    if seed_seconds is not None:
        print(f"seed {args.size:,} enrollments: {seed_seconds:.1f} s", flush=True)
    meta = read_meta(args.db)
    print(f"sandbox meta: {meta}", flush=True)

    with sandbox_process(args.db, sandbox_args) as url, bench_client(url) as client:
        print(f"sandbox on {url}", flush=True)
        timed_get(client, {"per_page": 1})  # the default order's total, as a sync reads first
        pages = []
        for label, where in LISTS:
            timings = page_timings(client, label, where)
            print(
                f"{label}: page 1 {timings.first_ms:.1f} / {timings.first_median_ms:.1f} ms, "
                f"deep page {timings.deep_first_ms:.1f} / {timings.deep_median_ms:.1f} ms",
                flush=True,
            )
            pages.append(timings)
        runs = [run for per_page in args.per_page for run in paging_runs(url, client, per_page)]

    report = render(
        command=command,
        host=host,
        size=args.size,
        seed_seconds=seed_seconds,
        meta=meta,
        pages=pages,
        runs=runs,
    )
    print(report)
    if args.out is not None:
        args.out.write_text(report, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
