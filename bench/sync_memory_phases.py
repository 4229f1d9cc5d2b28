"""Where a sync's memory goes: resident memory through each phase, per allocator setting.

A sandbox (its own process, pages of up to 1,000, no added latency) is seeded with
``--enrollments`` demo enrollments, or ``--url`` names a running one. After one untimed warm-up
sync, each allocator setting runs one ``sync_snapshot`` of every resource in a fresh Python
process (the settings are environment variables read when the process or polars starts). That
process samples its own resident set size every 10 ms from ``/proc/self/status`` and charges it
to the phases open at the time (each resource's paging, checkpoint writes, the publish of each
frame...); phases are marked by wrapping the data layer's functions from the outside, the code
under test is unchanged. Reported: per setting the wall time, CPU time and peak; per phase of the
first setting the RSS at its start, its peak and at its end.

Usage::

    python bench/sync_memory_phases.py [--enrollments 1000000] [--settings default,jemalloc]
    python bench/sync_memory_phases.py --url http://127.0.0.1:8765   # a sandbox already running

Writes ``bench/results_sync_memory.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loopback import free_port, wait_for_port  # noqa: E402
from bench.machine_info import machine  # noqa: E402

RESULTS = ROOT / "bench" / "results_sync_memory.md"
BIN = Path(sys.executable).parent
MB = 1024 * 1024
# Allocator settings to compare, by name: environment variables for the measured process.
SETTINGS: dict[str, dict[str, str]] = {
    "default": {},
    # polars' jemalloc hands freed pages back at once instead of after 10 s (read when polars
    # loads, so only from the environment).
    "jemalloc": {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"},
    # glibc: two malloc arenas instead of up to 8 per core for the page worker threads.
    "arenas": {"MALLOC_ARENA_MAX": "2"},
    "both": {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0", "MALLOC_ARENA_MAX": "2"},
}


def _status(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass
class Phase:
    name: str
    start: int
    peak: int
    end: int = 0
    seconds: float = 0.0
    count: int = 1


@dataclass
class Sampler:
    """RSS every ``interval`` seconds, charged to every phase open at the time."""

    interval: float = 0.01
    stack: list[Phase] = field(default_factory=list)
    done: dict[str, Phase] = field(default_factory=dict)
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        rss = _status("VmRSS")
        with self._lock:
            self.peak = max(self.peak, rss)
            for phase in self.stack:
                phase.peak = max(phase.peak, rss)

    def stop(self) -> None:
        self._stop.set()

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        rss = _status("VmRSS")
        phase = Phase(name, start=rss, peak=rss)
        started = time.perf_counter()
        with self._lock:
            self.stack.append(phase)
        try:
            yield
        finally:
            self.sample()
            phase.end = _status("VmRSS")
            phase.seconds = time.perf_counter() - started
            with self._lock:
                self.stack.remove(phase)
                seen = self.done.get(name)
                if seen is None:
                    self.done[name] = phase
                else:  # a repeated phase (a chunk write): the worst peak, the total time
                    seen.peak = max(seen.peak, phase.peak)
                    seen.end = phase.end
                    seen.seconds += phase.seconds
                    seen.count += 1


def wrap(sampler: Sampler, owner: Any, attribute: str, label: Callable[..., str]) -> None:
    """Replace ``owner.attribute`` by a version that runs inside ``sampler.phase(label(...))``."""
    original = getattr(owner, attribute, None)
    if original is None:
        return  # the code has no such step (any more)

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with sampler.phase(label(*args, **kwargs)):
            return original(*args, **kwargs)

    setattr(owner, attribute, wrapped)


def measure_here(url: str) -> dict[str, Any]:
    """One sync in this process, with its phases (the child side)."""
    sampler = Sampler()
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    with sampler.phase("imports"):
        import polars as pl

        from dashboard.data import snapshots, sync
        from dashboard.data.source import DataSource
        from dashboard.settings import Settings
        from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT

    # The data layer's steps, by the names they have now (a missing one is skipped).
    wrap(sampler, sync, "_read", lambda client, line, name, *a, **k: f"read {name} (paging)")
    wrap(sampler, pl, "concat", lambda *a, **k: "concat")
    wrap(sampler, snapshots, "frame_buffer", lambda frame, **_: f"IPC write of {frame.height:,}")
    wrap(sampler, snapshots.DiskSnapshotStore, "publish", lambda *a, **k: "publish")
    wrap(
        sampler,
        snapshots.DiskSnapshotStore,
        "save_checkpoint",
        lambda store, line, name, *a: f"store write: {name.partition(':')[0]} checkpoint",
    )
    checkpoints = sys.modules.get("dashboard.data.checkpoints")  # loaded by sync, if it has one
    if checkpoints is not None:
        wrap(sampler, checkpoints, "_load_chunk", lambda store, line, name, *a: "load a chunk")
        wrap(
            sampler,
            checkpoints.ResourceCheckpoint,
            "_write_chunk",
            lambda self, *a: f"write a chunk of {self.resource}",
        )
        wrap(sampler, checkpoints.StoredFrame, "collect", lambda self: f"collect {self.resource}")

    with tempfile.TemporaryDirectory(prefix="sync-phases-") as cache:
        config = {
            "DOKSTAMP_API_URL": url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": cache,
            "DOKSTAMP_TIMEOUT": "300",
            "DOKSTAMP_RETRY_SECONDS": "900",
        }
        started = time.perf_counter()
        with DataSource(Settings.from_mapping(config)) as source, sampler.phase("whole sync"):
            info = sync.sync_snapshot(
                source.client, source.store, source.line(), log_dir=source.cache_dir
            )
        seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    sampler.stop()
    thread.join()
    return {
        "rows": dict(info.rows),
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak": max(sampler.peak, _status("VmHWM")),
        "phases": [asdict(phase) for phase in sampler.done.values()],
    }


def measure(url: str, setting: str) -> dict[str, Any]:
    """One sync in a new process with the allocator ``setting``."""
    env = {**os.environ, **SETTINGS[setting]}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--url", url]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the sync with {setting} failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


@contextlib.contextmanager
def sandbox(enrollments: int, work: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "enrollment-outcomes"), "sandbox", "--db", str(work / "sandbox.db"),
            "--enrollments", str(enrollments), "--port", str(port), "--max-per-page", "1000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, 1800)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(60)


def report(results: dict[str, dict[str, Any]], *, machine: str) -> str:
    first_name, first = next(iter(results.items()))
    rows = ", ".join(f"{count:,} {name}" for name, count in first["rows"].items())
    lines = [
        "# Sync memory by phase",
        "",
        f"One `sync_snapshot` of every resource ({rows}) from a local sandbox (its own process, "
        "pages of up to 1,000, no added latency), each in a new Python process; resident memory "
        "sampled every 10 ms (`bench/sync_memory_phases.py`).",
        "",
        "## Per allocator setting",
        "",
        "| setting | environment | sync s | CPU s | peak MB |",
        "|---|---|---:|---:|---:|",
        *(
            f"| {name} | {' '.join(f'`{k}={v}`' for k, v in SETTINGS[name].items()) or '(none)'} "
            f"| {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['peak'] / MB:.0f} |"
            for name, r in results.items()
        ),
        "",
        f"## Phases ({first_name})",
        "",
        "A phase that ran several times (a chunk written per 50,000 rows) shows its worst peak "
        "and its total time; phases nest (paging holds its chunk writes).",
        "",
        "| phase | times | seconds | RSS at start MB | peak MB | at end MB |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {p['name']} | {p['count']} | {p['seconds']:.2f} | {p['start'] / MB:.0f} | "
            f"{p['peak'] / MB:.0f} | {p['end'] / MB:.0f} |"
            for p in first["phases"]
        ),
        "",
        f"Machine: {machine} (before the first measured sync). "
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--url", help="a sandbox already running (seeded as you like)")
    parser.add_argument("--settings", default=",".join(SETTINGS), help="of: " + ", ".join(SETTINGS))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_here(args.url)))
        return
    names = [name.strip() for name in args.settings.split(",")]
    unknown = set(names) - set(SETTINGS)
    if unknown:
        parser.error(f"unknown settings: {', '.join(sorted(unknown))}")
    with (
        tempfile.TemporaryDirectory(prefix="sync-memory-") as scratch,
        contextlib.ExitStack() as stack,
    ):
        url = args.url or stack.enter_context(sandbox(args.enrollments, Path(scratch)))
        measure(url, "default")  # warm-up: the sandbox's first-query costs, untimed
        here = machine()
        results = {name: measure(url, name) for name in names}
    text = report(results, machine=here)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
