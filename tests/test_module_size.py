"""No module of either package is over 500 lines: a longer one is split into modules with one
job each (data, such as the seed catalog, goes in a data file)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 500


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_500_lines() -> None:
    modules = [
        path
        for package in ("dashboard", "dokstamp_sandbox")
        for path in (ROOT / package).rglob("*.py")
    ]
    assert len(modules) > 100  # the walk found both packages
    over = {path.relative_to(ROOT).as_posix() for path in modules if _lines(path) > LIMIT}
    assert not over
