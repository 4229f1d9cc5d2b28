"""Benchmark runner: every script in bench/ at one size preset, then where each report went.

Presets (``make bench`` runs the default one):

- default: modest sizes, a few minutes on 2 cores (estimated 3-6 from the scripts' own timings):
  sync 10k + 100k enrollments, metrics 1M synthetic rows, app 100k (this tree and a baseline
  ref), sandbox 200k, CLI start-up 9 rounds;
- ``--full``: the sizes of the issues: sync 10k + 100k + 1M, metrics 1M, app 100k + 1M, sandbox 1M
  (estimated 20-30 minutes, most of it the 1M sync baseline and the app at 1M; peak memory
  about 2.6 GB);
- ``--quick``: the smallest sizes that still run every step (about 30 s), to check the scripts
  work; reports go to a new temporary folder, never over the committed results.

Each script writes its own ``results_*.md`` (into ``--results-dir``, default ``bench/``). Sandbox
databases and caches live in a temporary folder removed at the end. Exits 1 if any script failed
(the others still run).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PRESETS = ("quick", "default", "full")


@dataclass(frozen=True)
class Benchmark:
    """One script: its report file, the option that names it, and its arguments per preset.

    ``{workdir}`` in an argument is replaced by a per-benchmark scratch folder.
    """

    name: str
    script: str
    results: str
    out_option: str
    sizes: Mapping[str, tuple[str, ...]]
    fixed: tuple[str, ...] = ()


BENCHMARKS = (
    Benchmark(
        name="sync",
        script="sync_bench.py",
        results="results_sync.md",
        out_option="--output",
        sizes={
            "quick": ("--sizes", "2000"),
            "default": ("--sizes", "10000,100000"),
            "full": ("--sizes", "10000,100000,1000000"),
        },
        fixed=("--caps", "100,1000", "--workdir", "{workdir}"),
    ),
    Benchmark(
        name="metrics",
        script="metrics_bench.py",
        results="results_metrics.md",
        out_option="--out",
        sizes={
            "quick": ("--rows", "20000", "--repeats", "1"),
            "default": ("--rows", "1000000", "--repeats", "3"),
            "full": ("--rows", "1000000", "--repeats", "3"),
        },
    ),
    Benchmark(
        name="app",
        script="app_bench.py",
        results="results_app.md",
        out_option="--out",
        sizes={
            "quick": ("--enrollments", "2000", "--repeats", "2", "--browser-runs", "0"),
            "default": ("--enrollments", "100000", "--repeats", "6"),
            "full": ("--enrollments", "100000", "1000000", "--repeats", "4", "--browser-runs", "2"),
        },
    ),
    Benchmark(
        name="sandbox",
        script="sandbox_bench.py",
        results="results_sandbox.md",
        out_option="--out",
        # DB and SIZE come first: the options after them that the script does not know
        # (--max-per-page) go to the sandbox.
        sizes={
            "quick": ("{workdir}/sandbox.db", "2000"),
            "default": ("{workdir}/sandbox.db", "200000"),
            "full": ("{workdir}/sandbox.db", "1000000"),
        },
        fixed=("--per-page", "100,1000", "--max-per-page", "1000"),
    ),
    Benchmark(
        name="cli",
        script="cli_bench.py",
        results="results_cli.md",
        out_option="--out",
        sizes={
            "quick": ("--repeats", "2"),
            "default": ("--repeats", "9"),
            "full": ("--repeats", "9"),
        },
    ),
)


@dataclass(frozen=True)
class Outcome:
    benchmark: Benchmark
    returncode: int
    seconds: float
    report: Path


def command(benchmark: Benchmark, *, preset: str, results_dir: Path, workdir: Path) -> list[str]:
    """The command line that runs one benchmark at a preset, its report going to results_dir."""
    arguments = [
        argument.format(workdir=workdir)
        for argument in (*benchmark.sizes[preset], *benchmark.fixed)
    ]
    report = results_dir / benchmark.results
    return [
        sys.executable,
        str(BENCH / benchmark.script),
        *arguments,
        benchmark.out_option,
        str(report),
    ]


def run_one(benchmark: Benchmark, *, preset: str, results_dir: Path, scratch: Path) -> Outcome:
    workdir = scratch / benchmark.name
    workdir.mkdir(parents=True, exist_ok=True)
    argv = command(benchmark, preset=preset, results_dir=results_dir, workdir=workdir)
    print(f"\n=== {benchmark.name}: {' '.join(argv)}", flush=True)
    # Scripts that make their own temporary folders make them in the scratch folder, so they go
    # when it goes.
    env = {**os.environ, "TMPDIR": str(workdir)}
    started = time.perf_counter()
    returncode = subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode
    seconds = time.perf_counter() - started
    return Outcome(benchmark, returncode, seconds, results_dir / benchmark.results)


def summary(outcomes: Sequence[Outcome]) -> str:
    lines = ["", "=== benchmark summary"]
    for outcome in outcomes:
        state = "ok" if outcome.returncode == 0 else f"FAILED (exit {outcome.returncode})"
        where = outcome.report if outcome.returncode == 0 else "no report written"
        lines.append(f"{outcome.benchmark.name:<8} {state:<18} {outcome.seconds:7.1f} s  {where}")
    lines.append(f"total {sum(outcome.seconds for outcome in outcomes):.0f} s")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="the sizes of the issues (up to 1M)")
    size.add_argument(
        "--quick", action="store_true", help="smallest sizes; reports to a temporary folder"
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        help="where the results_*.md go (default: bench/, or a temporary folder with --quick)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated subset of: " + ", ".join(b.name for b in BENCHMARKS),
    )
    args = parser.parse_args(argv)
    known = {b.name for b in BENCHMARKS}
    args.only = [name for name in args.only.split(",") if name]
    unknown = sorted(set(args.only) - known)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    preset = "full" if args.full else "quick" if args.quick else "default"
    if args.results_dir is not None:
        results_dir = args.results_dir.resolve()
    elif args.quick:
        results_dir = Path(tempfile.mkdtemp(prefix="bench-quick-results-"))
    else:
        results_dir = BENCH
    results_dir.mkdir(parents=True, exist_ok=True)
    selected = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    print(f"preset {preset}; reports go to {results_dir}", flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        outcomes = [
            run_one(b, preset=preset, results_dir=results_dir, scratch=Path(scratch))
            for b in selected
        ]
    print(summary(outcomes), flush=True)
    return 0 if all(outcome.returncode == 0 for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
