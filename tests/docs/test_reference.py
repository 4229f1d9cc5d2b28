"""The reference pages under docs/ are what docs/gen_reference.py writes from the code now."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_reference", ROOT / "docs" / "gen_reference.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_reference_pages_match_the_code() -> None:
    # In a fresh interpreter, as `make docs` runs it: tests earlier in the session change
    # process state (the CLI's help was seen to render differently after them).
    checked = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "gen_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert checked.returncode == 0, f"run `make docs` and commit docs/: {checked.stdout}"


def test_the_check_sees_a_changed_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = load_generator()
    pages = generator.render()
    monkeypatch.setattr(generator, "DOCS", tmp_path)
    assert sorted(generator.stale(pages)) == sorted(pages)  # none written yet
    for path, text in pages.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    assert generator.stale(pages) == []
    (tmp_path / "reference" / "settings.md").write_text("edited by hand\n", encoding="utf-8")
    assert generator.stale(pages) == ["reference/settings.md"]


def test_every_key_the_code_reads_is_in_the_settings_reference() -> None:
    """A DOKSTAMP_* or ENROLLMENT_OUTCOMES_* name written anywhere in the package is documented."""
    names = set()
    for source in (ROOT / "dashboard").rglob("*.py"):
        names |= set(
            re.findall(r"\b(?:DOKSTAMP|ENROLLMENT_OUTCOMES)_[A-Z_]+\b", source.read_text("utf-8"))
        )
    page = (ROOT / "docs" / "reference" / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", page, flags=re.MULTILINE))
    assert names, "the scan found no setting name"
    assert names <= documented, sorted(names - documented)


def test_every_report_metric_and_command_has_an_entry() -> None:
    from dashboard.cli import COMMANDS
    from dashboard.metrics import DEFINITIONS
    from dashboard.reports import REPORTS

    reference = ROOT / "docs" / "reference"
    reports = (reference / "reports.md").read_text(encoding="utf-8")
    metrics = (reference / "metrics.md").read_text(encoding="utf-8")
    cli = (reference / "cli.md").read_text(encoding="utf-8")
    assert all(f"### `{name}`" in reports for name in REPORTS)
    assert all(f"{{#{name}}}" in metrics for name in DEFINITIONS)
    assert all(f"## `enrollment-outcomes {name}`" in cli for name in COMMANDS)
