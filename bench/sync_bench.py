"""Sync benchmark: naive paging vs our load_enrollments, cold and warm, against a slow sandbox.

For each size N the sandbox (``dokstamp_sandbox.runner.start_sandbox``, demo seed, N
enrollments, 20 ms added to every response) runs in its own process, as a remote API would; each
measurement runs in a fresh child process so its peak memory (``ru_maxrss``) is its own:

- baseline: sequential pages of 100 with httpx, ``json.loads`` and ``pl.from_dicts``;
- ours, cold: ``load_enrollments(settings, refresh=True)`` (page size 1000 asked for,
  8 pages at a time), once with the sandbox's default per_page cap of 100 and once with a larger
  cap (``--caps``);
- ours, warm: ``load_enrollments(settings)`` answered from the cache folder;
- ours, CLI (``--kinds ...,cli``): the whole ``enrollment-outcomes sync --refresh`` process
  (start-up, imports, token, the pages of all five resources it reads, frames, snapshot), wall
  time, with ``DOKSTAMP_CONCURRENCY`` from ``--concurrency`` (the cap of the adaptive in-flight
  limit). Its baseline reads the same five resources the same plain way as the baseline above
  (sequential pages of 100, httpx, ``json.loads``, ``pl.from_dicts`` per resource); its floor is
  total pages x latency / concurrency: what the pages cost with that many always in flight.

Usage: ``python bench/sync_bench.py [--sizes 10000,100000] [--caps 100,1000]
[--kinds baseline,cold,warm,cli] [--concurrency 32]``; results go to
``bench/results_sync.md`` (rows are merged by size, so sizes can be run separately).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.machine_info import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results_sync.md"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_CAPS = (100, 1000)
WARM_RUNS = 5


# -- the sandbox, in its own process ----------------------------------------------------------


def _serve(
    db_path: str, enrollments: int, latency_ms: int, cap: int, nodelay: bool, pipe: Connection
) -> None:
    sys.path.insert(0, str(ROOT))
    from dokstamp_sandbox import runner
    from dokstamp_sandbox.runner import SandboxOptions, start_sandbox

    if nodelay:
        # Without TCP_NODELAY every keep-alive response stalls ~40 ms (Nagle + delayed ACK),
        # which no production API server does. The runner sets it now; this is for older ones.
        plain_bind = runner.bind_socket

        def bind_nodelay(host: str, port: int) -> socket.socket:
            sock = plain_bind(host, port)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock

        runner.bind_socket = bind_nodelay

    started = time.perf_counter()
    options = SandboxOptions(latency_ms=latency_ms, max_per_page=cap)
    running = start_sandbox(Path(db_path), seed="demo", enrollments=enrollments, options=options)
    pipe.send((running.url, time.perf_counter() - started))
    pipe.recv()  # any message: stop
    running.stop()


class SandboxProcess:
    def __init__(
        self, db_path: Path, enrollments: int, latency_ms: int, cap: int, *, nodelay: bool
    ) -> None:
        context = mp.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(str(db_path), enrollments, latency_ms, cap, nodelay, child),
            daemon=True,
        )
        self._process.start()
        self.url, self.start_seconds = self._pipe.recv()

    def cpu_seconds(self) -> float:
        """The sandbox process's CPU time so far (user + system), from /proc."""
        assert self._process.pid is not None
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self._pipe.send("stop")
        self._process.join(timeout=60)


# -- measurements, each in a fresh child process ----------------------------------------------


@dataclass
class Measurement:
    seconds: float
    rows: int
    pages: int
    peak_rss_mb: float
    extra: dict[str, Any]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _token(url: str) -> str:
    import httpx

    from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    response = httpx.post(
        f"{url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


# What `enrollment-outcomes sync` reads (dashboard.data.sync.RESOURCES), in its order.
SYNC_RESOURCES = ("enrollments", "courses", "cohorts", "certificates", "students")


def _read_sequentially(client: Any, resource: str) -> tuple[list[dict[str, Any]], int]:
    """Every record of one resource, one page of 100 after the other; (records, pages)."""
    records: list[dict[str, Any]] = []
    pages = 0
    page = 1
    while True:
        response = client.get(f"/{resource}", params={"page": page, "per_page": 100})
        response.raise_for_status()
        body = json.loads(response.content)
        records.extend(body["data"])
        pages += 1
        meta = body["meta"]
        if page >= math.ceil(meta["total"] / meta["per_page"]):
            return records, pages
        page += 1


def _plain_client(url: str) -> Any:
    import httpx

    from dokstamp_sandbox.demo import DEMO_TENANT

    headers = {
        "Authorization": f"Bearer {_token(url)}",
        "X-Tenant": DEMO_TENANT,
        "Accept": "application/json",
    }
    return httpx.Client(base_url=url, headers=headers, timeout=60)


def _baseline(url: str, _cache: str) -> Measurement:
    """The naive client: one page of 100 after the other, json, pl.from_dicts (enrollments)."""
    import polars as pl

    started = time.perf_counter()
    with _plain_client(url) as client:
        records, pages = _read_sequentially(client, "enrollments")
    frame = pl.from_dicts(records)
    seconds = time.perf_counter() - started
    return Measurement(seconds, frame.height, pages, _peak_rss_mb(), {})


def _baseline_all(url: str, _cache: str) -> Measurement:
    """The naive client over everything the sync reads: each resource as ``_baseline`` reads
    enrollments, one frame per resource (the process's wall time from start, as for ``cli``)."""
    import polars as pl

    started = time.perf_counter()
    rows: dict[str, int] = {}
    pages = 0
    with _plain_client(url) as client:
        for resource in SYNC_RESOURCES:
            records, read = _read_sequentially(client, resource)
            # infer_schema_length=None: some columns are null in their first rows.
            frame = pl.from_dicts(records, infer_schema_length=None) if records else None
            rows[resource] = 0 if frame is None else frame.height
            pages += read
            del records
    seconds = time.perf_counter() - started
    return Measurement(seconds, rows["enrollments"], pages, _peak_rss_mb(), {"rows": rows})


def _settings(url: str, cache: str) -> Any:
    from dashboard.settings import Settings
    from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT

    return Settings.from_mapping(
        {
            "DOKSTAMP_API_URL": url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": cache,
            "ENROLLMENT_OUTCOMES_CACHE_TTL": "86400",
        }
    )


def _ours_cold(url: str, cache: str) -> Measurement:
    from dashboard.data import load_enrollments

    settings = _settings(url, cache)
    started = time.perf_counter()
    extract = load_enrollments(settings, refresh=True)
    seconds = time.perf_counter() - started
    assert not extract.from_cache, extract
    assert not extract.stale, extract
    return Measurement(seconds, extract.rows, extract.pages, _peak_rss_mb(), {})


def _ours_warm(url: str, cache: str) -> Measurement:
    from dashboard.data import load_enrollments

    settings = _settings(url, cache)
    timings = []
    rows = pages = 0
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        extract = load_enrollments(settings)
        timings.append(time.perf_counter() - started)
        assert extract.from_cache, extract
        assert not extract.stale, extract
        rows, pages = extract.rows, extract.pages
    return Measurement(
        statistics.median(timings),
        rows,
        pages,
        _peak_rss_mb(),
        {"first": timings[0], "min": min(timings)},
    )


def _ours_cli(url: str, cache: str) -> Measurement:
    """The whole `enrollment-outcomes sync --refresh` process, timed outside."""
    from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT

    # Bytecode is written and reused, as a deployment would (PYTHONDONTWRITEBYTECODE dropped):
    # else every run compiles the project's own modules again.
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DOKSTAMP_", "ENROLLMENT_")) and k != "PYTHONDONTWRITEBYTECODE"
        },
        "DOKSTAMP_API_URL": url,
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
        "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "DOKSTAMP_CONCURRENCY": os.environ.get("SYNC_BENCH_CONCURRENCY", "32"),
        "ENROLLMENT_OUTCOMES_CACHE_DIR": cache,
    }
    command = [str(Path(sys.executable).with_name("enrollment-outcomes")), "sync", "--refresh"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cache, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"sync exited {done.returncode}: {done.stderr[-2000:]}")
    # "snapshot <id>: 100,000 enrollments, 40 courses, ...; 1,871 requests in 4.1 s (...)"
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("snapshot "))
    counts, _, rest = line.partition(": ")[2].partition(";")
    rows = {
        name: int(number.replace(",", ""))
        for number, name in re.findall(r"(\d[\d,]*) ([a-z]+)", counts)
    }
    requests = int(re.findall(r"(\d[\d,]*) requests", rest)[0].replace(",", ""))
    cap = int(os.environ.get("SYNC_BENCH_PER_PAGE_CAP", "100"))
    pages = sum(max(1, math.ceil(count / cap)) for count in rows.values())
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return Measurement(
        seconds,
        rows.get("enrollments", 0),
        pages,
        peak,
        {
            "line": line.strip(),
            "rows": rows,
            "requests": requests,
            "cpu_seconds": used.ru_utime + used.ru_stime,
        },
    )


_KINDS = {
    "baseline": _baseline,
    "baseline_all": _baseline_all,
    "cold": _ours_cold,
    "warm": _ours_warm,
    "cli": _ours_cli,
}


def _measure_child(kind: str, url: str, cache: str, pipe: Connection) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        pipe.send(asdict(_KINDS[kind](url, cache)))
    except BaseException as error:
        pipe.send({"error": f"{type(error).__name__}: {error}"})
        raise


def measure(kind: str, url: str, cache: Path) -> Measurement:
    context = mp.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_measure_child, args=(kind, url, str(cache), child))
    process.start()
    result = parent.recv()
    process.join(timeout=600)
    if "error" in result:
        raise RuntimeError(f"{kind} failed: {result['error']}")
    return Measurement(**result)


# -- the run and the report -------------------------------------------------------------------


def run_size(
    size: int,
    *,
    caps: tuple[int, ...],
    latency_ms: int,
    workdir: Path,
    baseline: bool,
    nodelay: bool,
    kinds: tuple[str, ...] = ("baseline", "cold", "warm"),
    concurrency: int = 32,
    cli_runs: int = 3,
) -> dict[str, Any]:
    db_path = workdir / f"sandbox-{size}.db"
    row: dict[str, Any] = {
        "size": size,
        "latency_ms": latency_ms,
        "tcp_nodelay": nodelay,
        "load_average_at_start": os.getloadavg()[0],
    }
    for index, cap in enumerate(caps):
        server = SandboxProcess(db_path, size, latency_ms, cap, nodelay=nodelay)
        try:
            if index == 0:
                row["sandbox_start_seconds"] = server.start_seconds
                # The enrollments-only baseline is what cold and warm are compared with.
                if baseline and "baseline" in kinds and {"cold", "warm"} & set(kinds):
                    base = measure("baseline", server.url, workdir / "unused")
                    row["baseline"] = asdict(base)
                    print(f"  baseline: {base.seconds:.2f} s", flush=True)
            cache = workdir / f"cache-{size}-{cap}"
            if "cold" in kinds:
                cold = measure("cold", server.url, cache)
                print(f"  ours cold (cap {cap}): {cold.seconds:.2f} s, {cold.pages} pages")
                row[f"cold_{cap}"] = asdict(cold)
            if "warm" in kinds:
                warm = measure("warm", server.url, cache)
                print(f"  ours warm (cap {cap}): {warm.seconds:.3f} s", flush=True)
                row[f"warm_{cap}"] = asdict(warm)
            if "cli" in kinds:
                if baseline and "baseline" in kinds and index == 0:
                    base_all = measure("baseline_all", server.url, workdir / "unused")
                    base_all.extra.update(_when())
                    row["baseline_all"] = asdict(base_all)
                    print(
                        f"  baseline, all five resources: {base_all.seconds:.2f} s, "
                        f"{base_all.pages:,} pages",
                        flush=True,
                    )
                cache.mkdir(parents=True, exist_ok=True)
                os.environ["SYNC_BENCH_CONCURRENCY"] = str(concurrency)
                os.environ["SYNC_BENCH_PER_PAGE_CAP"] = str(cap)
                cli = _median_cli(server, cache, runs=cli_runs)
                floor = cli.pages * latency_ms / 1000 / concurrency
                cli.extra.update({"concurrency": concurrency, "floor_seconds": floor, **_when()})
                print(
                    f"  sync CLI (cap {cap}, concurrency {concurrency}): median {cli.seconds:.2f} s"
                    f" of {cli_runs}, floor {floor:.2f} s, {cli.pages} pages",
                    flush=True,
                )
                row[f"cli_{cap}"] = asdict(cli)
        finally:
            server.stop()
    return row


def _median_cli(server: SandboxProcess, cache: Path, *, runs: int) -> Measurement:
    """``runs`` whole sync processes, one after another; the median run, with every run's wall
    and CPU seconds (the sync's and the sandbox's: both share this machine's cores)."""
    measured: list[Measurement] = []
    for _ in range(runs):
        before = server.cpu_seconds()
        run = measure("cli", server.url, cache)
        run.extra["sandbox_cpu_seconds"] = server.cpu_seconds() - before
        measured.append(run)
    measured.sort(key=lambda run: run.seconds)
    median = measured[len(measured) // 2]
    median.extra["runs"] = [
        {
            "seconds": round(run.seconds, 2),
            "cpu_seconds": round(run.extra["cpu_seconds"], 2),
            "sandbox_cpu_seconds": round(run.extra["sandbox_cpu_seconds"], 2),
        }
        for run in measured
    ]
    return median


def _when() -> dict[str, Any]:
    """When a measurement was taken, kept with it: rows merge measurements of several runs."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average": round(os.getloadavg()[0], 1),
    }


def _caps_in(rows: list[dict[str, Any]], prefix: str) -> list[int]:
    found = {int(key[len(prefix) :]) for row in rows for key in row if key.startswith(prefix)}
    return sorted(found)


def _cpu(cli: dict[str, Any], key: str) -> str:
    """The median run's CPU seconds (runs measured before CPU was recorded: n/a)."""
    value = cli["extra"].get(key)
    return "n/a" if value is None else f"{value:.1f}"


def _cpu_floor(cli: dict[str, Any]) -> str:
    """The sync's and the sandbox's CPU seconds spread over every core: no schedule of the
    requests finishes sooner on this machine, whatever the latency floor."""
    extra = cli["extra"]
    if "cpu_seconds" not in extra or "sandbox_cpu_seconds" not in extra:
        return "n/a"
    return f"{(extra['cpu_seconds'] + extra['sandbox_cpu_seconds']) / (os.cpu_count() or 1):.1f}"


def _ratio(baseline: dict[str, Any] | None, ours: dict[str, Any]) -> str:
    if baseline is None:
        return "n/a"
    return f"{baseline['seconds'] / ours['seconds']:.1f}x"


NOTES = (
    "Notes:",
    "",
    "- The machine is shared with other work: *load avg* is the 1-minute load average (2 cores) "
    "when that size started. A loaded machine slows both columns, the sandbox most.",
    "- The sandbox is one Python process. With 8 requests in flight our sync is bound by the "
    "sandbox's CPU per request and per record, not by the 20 ms latency; at its default cap of "
    "100 rows per page it serves 10x more requests than at 1000, hence the two rows per size.",
    "- TCP_NODELAY: without it every keep-alive response waits ~40 ms for a delayed ACK (Nagle). "
    "The sandbox's runner now sets it; the benchmark also sets it on the listening socket (a "
    "no-op then, kept for older sandboxes); `--sandbox-as-is` leaves the socket as the runner "
    "made it.",
    "- A cold sync's peak memory is dominated by the decoded JSON records that "
    "`DokStampClient.list_all` returns (about 2 KB per enrollment), as in the baseline; the "
    "typed frame is a few hundred MB per million rows and its cached Parquet about 63 MB.",
    "- 10,000 rows: fixed costs (client set-up, token request, first page, cache write) dominate.",
)


# Text between these markers in the results file is written by hand (analysis, history) and kept
# as it is when the benchmark writes the file again.
KEPT_START = "<!-- notes written by hand: kept when the benchmark rewrites this file -->"
KEPT_END = "<!-- end of the notes written by hand -->"


def _kept_notes(path: Path) -> str:
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(KEPT_START), text.find(KEPT_END)
    if start < 0 or end < start:
        return ""
    return text[start : end + len(KEPT_END)]


def render(
    rows: list[dict[str, Any]], *, caps: tuple[int, ...], header: str, kept: str = ""
) -> str:
    lines = [
        "# Sync benchmark (`bench/sync_bench.py`)",
        "",
        header,
        "",
        "Sandbox in its own process (demo seed, 20 ms added to every response, TCP_NODELAY set "
        "on its socket unless the JSON says otherwise: see the notes); every "
        "measurement in a fresh process. *Baseline*: sequential pages of 100 with httpx, "
        "`json.loads`, `pl.from_dicts` (no flattening, no datetime parsing). *Ours cold*: "
        "`load_enrollments(settings, refresh=True)` asking per_page=1000, 8 pages in flight, "
        "building the typed frame and writing the cache. *Ours warm*: `load_enrollments(settings)` "
        f"from the cache folder (median of {WARM_RUNS} in one process). Speed-up = baseline "
        "seconds / ours. Peak memory = the measuring process's max RSS (Python + polars + data).",
        "",
        "| enrollments | sandbox per_page cap | baseline s | ours cold s | speed-up | pages "
        "| ours warm s | baseline peak MB | ours cold peak MB | ours warm peak MB | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda r: r["size"]):
        base = row.get("baseline")
        for cap in _caps_in(rows, "cold_"):
            cold, warm = row.get(f"cold_{cap}"), row.get(f"warm_{cap}")
            if cold is None or warm is None:
                continue
            base_seconds = "n/a" if base is None else f"{base['seconds']:.2f}"
            base_peak = "n/a" if base is None else f"{base['peak_rss_mb']:.0f}"
            lines.append(
                f"| {row['size']:,} | {cap} | {base_seconds} | {cold['seconds']:.2f} | "
                f"{_ratio(base, cold)} | {cold['pages']:,} | {warm['seconds']:.3f} | "
                f"{base_peak} | {cold['peak_rss_mb']:.0f} | {warm['peak_rss_mb']:.0f} | "
                f"{row.get('load_average_at_start', float('nan')):.1f} |"
            )
    cli_rows = [
        (row, cap)
        for row in sorted(rows, key=lambda r: r["size"])
        for cap in _caps_in(rows, "cli_")
        if row.get(f"cli_{cap}") is not None
    ]
    if cli_rows:
        lines += [
            "",
            "The whole `enrollment-outcomes sync --refresh` process (start-up, imports, token, "
            "the pages of all five resources, frames, snapshot), timed from outside, against the "
            "sequential baseline over the same five resources in the same run. Floor = total "
            "pages x latency / concurrency (`DOKSTAMP_CONCURRENCY`, the cap of the adaptive "
            "in-flight limit): the pages alone, that many always in flight. The sync runs "
            "several times (`--cli-runs`, one after another); the table shows the median run, "
            "with its CPU seconds and the sandbox's (the JSON has every run). Both share this "
            "machine's cores: *CPU floor* = their CPU seconds / cores, a bound no schedule of "
            "the requests beats, beside the latency floor.",
            "",
            "| enrollments | per_page cap | concurrency cap | baseline s | sync CLI s | speed-up "
            "| floor s | CLI / floor | sync CPU s | sandbox CPU s | CPU floor s | pages "
            "| CLI peak MB | date | load avg |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
        ]
        for row, cap in cli_rows:
            cli, base = row[f"cli_{cap}"], row.get("baseline_all")
            floor = cli["extra"]["floor_seconds"]
            base_seconds = "n/a" if base is None else f"{base['seconds']:.2f}"
            lines.append(
                f"| {row['size']:,} | {cap} | {cli['extra']['concurrency']} | {base_seconds} | "
                f"{cli['seconds']:.2f} | {_ratio(base, cli)} | {floor:.2f} | "
                f"{cli['seconds'] / floor:.1f}x | {_cpu(cli, 'cpu_seconds')} | "
                f"{_cpu(cli, 'sandbox_cpu_seconds')} | {_cpu_floor(cli)} | {cli['pages']:,} | "
                f"{cli['peak_rss_mb']:.0f} | "
                f"{cli['extra'].get('date', row.get('date', '?'))} | "
                f"{cli['extra'].get('load_average', row.get('load_average_at_start', 0.0)):.1f} |"
            )
    lines += ["", *NOTES]
    if kept:
        lines += ["", kept]
    lines += ["", "Raw numbers (JSON, one object per size):", "", "```json"]
    lines += [json.dumps(row, sort_keys=True) for row in sorted(rows, key=lambda r: r["size"])]
    lines += ["```", ""]
    return "\n".join(lines)


def _previous_rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", text, re.DOTALL)
    if block is None:
        return []
    return [json.loads(line) for line in block.group(1).splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated"
    )
    parser.add_argument("--caps", default=",".join(map(str, DEFAULT_CAPS)), help="per_page caps")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=None, help="keep sandbox dbs here")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--sandbox-as-is",
        action="store_true",
        help="do not set TCP_NODELAY on the sandbox's socket (every response then stalls ~40 ms)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--kinds", default="baseline,cold,warm", help="of baseline,cold,warm,cli")
    parser.add_argument("--concurrency", type=int, default=32, help="DOKSTAMP_CONCURRENCY (cli)")
    parser.add_argument("--cli-runs", type=int, default=3, help="sync processes; the median counts")
    args = parser.parse_args(argv)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    caps = tuple(int(c) for c in args.caps.split(",") if c)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sync-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    header = (
        f"Machine: {machine()}. Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} "
        "(sizes run on other dates keep their own numbers below; see the JSON)."
    )
    rows = {row["size"]: row for row in _previous_rows(args.output)}
    kept = _kept_notes(args.output)
    for size in sizes:
        print(f"{size:,} enrollments", flush=True)
        row = run_size(
            size,
            caps=caps,
            latency_ms=args.latency_ms,
            workdir=workdir,
            baseline=not args.no_baseline,
            nodelay=not args.sandbox_as_is,
            kinds=kinds,
            concurrency=args.concurrency,
            cli_runs=args.cli_runs,
        )
        row["date"] = datetime.now(UTC).strftime("%Y-%m-%d")
        row["machine"] = machine()
        if {"cold", "warm"} & set(kinds) or size not in rows:
            rows[size] = {**rows.get(size, {}), **row}  # kinds not run keep their earlier numbers
        else:  # only the whole-process kinds: the row's cold/warm figures and their date stay
            rows[size].update({k: v for k, v in row.items() if k.startswith(("cli_", "baseline_"))})
        text = render(list(rows.values()), caps=caps, header=header, kept=kept)
        args.output.write_text(text, "utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
