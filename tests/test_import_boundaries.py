"""The two packages stay apart: the sandbox imports nothing of the dashboard, the dashboard reaches
the sandbox only through the demo source and the `sandbox` command, and importing the dashboard
(or its CLI, or the composition root) loads no web server."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVER = ("fastapi", "uvicorn", "starlette", "dokstamp_sandbox")
# Where the dashboard may import the sandbox, and why.
SANDBOX_DOORS = {
    "dashboard/sources.py": "open_source starts the demo sandbox (lazily, inside the function)",
    "dashboard/cli/sandbox.py": "the `sandbox` command serves it",
}


def _imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _top_level(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_the_sandbox_imports_nothing_of_the_dashboard() -> None:
    files = sorted((ROOT / "dokstamp_sandbox").rglob("*.py"))
    assert len(files) > 10  # the walk found the package
    offenders = [f for f in files if "dashboard" in _top_level(_imported_names(f))]
    assert offenders == []


def test_the_dashboard_reaches_the_sandbox_only_through_its_doors() -> None:
    files = sorted((ROOT / "dashboard").rglob("*.py"))
    users = {
        f.relative_to(ROOT).as_posix()
        for f in files
        if "dokstamp_sandbox" in _top_level(_imported_names(f))
    }
    assert users == set(SANDBOX_DOORS)


@pytest.mark.parametrize(
    "statement",
    ["import dashboard", "import dashboard.cli", "import dashboard.sources"],
)
def test_importing_the_dashboard_loads_no_web_server(statement: str) -> None:
    probe = f"{statement}; import sys; print(sorted(sys.modules))"
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    modules = set(completed.stdout.strip().strip("[]").replace("'", "").split(", "))
    assert "dashboard" in modules  # the probe ran the import
    assert sorted(name for name in modules if name.split(".")[0] in SERVER) == []
