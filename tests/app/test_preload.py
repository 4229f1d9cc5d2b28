"""``dashboard.app.preload``: after it, running every page imports nothing new, and no code that
pages reach imports inside a function (a lazy import would run in a session thread, racing other
sessions: see the module's docstring and tests/browser/test_concurrent_sessions.py)."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.app import preload
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT
from dokstamp_sandbox.runner import RunningSandbox

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "dashboard" / "app" / "main.py"
VIEWS = ENTRY.parent / "views"

# Runs in a fresh interpreter: import preload, note sys.modules, then run the entry file and
# every page as a session would (AppTest), and print what was imported since. (A first run of
# an empty script loads what AppTest itself needs, which the real server loads at start-up.)
_RUN_EVERY_PAGE = """
import json, sys
from pathlib import Path
from streamlit.testing.v1 import AppTest
import dashboard.app.preload
AppTest.from_string("pass").run()  # what the test harness loads on its first run
before = set(sys.modules)
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.secrets["dokstamp"] = {}
at.run()
failures = [str(at.exception)] if at.exception else []
for page in sorted(Path(sys.argv[1]).parent.joinpath("views").glob("[!_]*.py")):
    try:
        at.switch_page(f"views/{page.name}")
    except ValueError:  # a page this user's role does not register (Settings: admins only)
        continue
    at.run()
    if at.exception:
        failures.append(f"{page.name}: {at.exception}")
new = sorted(name for name in set(sys.modules) - before if not name.startswith("streamlit.testing"))
print(json.dumps({"new": new, "failures": failures}))
"""


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _page_modules() -> set[str]:
    """The modules the entry file and the pages import (``from package import module`` counts
    as the module)."""
    names: set[str] = set()
    for path in [ENTRY, *VIEWS.glob("[!_]*.py")]:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    inner = f"{node.module}.{alias.name}"
                    names.add(inner if _is_module(inner) else node.module)
    return names - {"__future__"}


@pytest.mark.slow
def test_pages_import_nothing_after_preload(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_"))
    }
    env.update(
        {
            "DOKSTAMP_API_URL": sandbox.url,
            "DOKSTAMP_TENANT": DEMO_TENANT,
            "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
            "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "ENROLLMENT_OUTCOMES_CACHE_DIR": str(tmp_path / "cache"),
            "ENROLLMENT_OUTCOMES_EDITING": "true",
        }
    )
    completed = subprocess.run(
        [sys.executable, "-c", _RUN_EVERY_PAGE, str(ENTRY)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["failures"] == []
    # Each of these would have been imported from a session thread, racing other sessions.
    assert result["new"] == [], "add these to dashboard.app.preload: " + ", ".join(result["new"])


def test_preload_lists_every_module_of_ours_the_pages_import() -> None:
    ours = {name for name in _page_modules() if name.startswith("dashboard.")}
    assert "dashboard.app.preload" in ours  # the entry file imports it
    assert sorted(ours - {"dashboard.app.preload"} - set(preload.OURS)) == []


def test_preload_lists_modules_once_and_warms_up() -> None:
    assert len(set(preload.MODULES)) == len(preload.MODULES)
    assert preload.WARMED_UP


def _imports_inside_functions(path: Path) -> list[tuple[str, str]]:
    """Each import inside a function: its place and the module it imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    modules = [inner.module or ""]
                elif isinstance(inner, ast.Import):
                    modules = [alias.name for alias in inner.names]
                else:
                    continue
                for module in modules:
                    found.append((f"{path.relative_to(ROOT)}:{inner.lineno}", module))
    return found


# Imports kept lazy on purpose, each of a module preload loads before any session runs: the demo
# sandbox (FastAPI, uvicorn) only without an API, the shared store (redis) only when configured,
# the disk store (polars) after a sync's first request, numpy for large listings only.
DELIBERATELY_LAZY = {
    "dokstamp_sandbox.runner",
    "dashboard.data.shared_store",
    "dashboard.data.snapshots",
    "numpy",
}


def test_no_import_inside_a_function_outside_the_cli() -> None:
    # The CLI imports heavy modules inside its commands on purpose (a quick --help), and so does
    # the server's launcher (the snapshot is read while the rest imports), which runs before
    # Streamlit starts; everything else can run in a Streamlit session thread, where a first
    # import races other sessions.
    launcher = ROOT / "dashboard" / "app" / "server.py"
    files = [
        path
        for path in (ROOT / "dashboard").rglob("*.py")
        if (ROOT / "dashboard" / "cli") not in path.parents and path != launcher
    ]
    found = [
        place
        for path in sorted(files)
        for place, module in _imports_inside_functions(path)
        if module not in DELIBERATELY_LAZY
    ]
    assert found == []
    assert set(preload.MODULES) >= DELIBERATELY_LAZY
