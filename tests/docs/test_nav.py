"""Every page of the site is in the navigation (bench results are reached from their index)."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def nav_pages(entries: list[Any]) -> list[str]:
    """The page files a MkDocs nav names, sections included."""
    found: list[str] = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        found.extend(nav_pages(value) if isinstance(value, list) else [value])
    return found


def test_every_page_is_in_the_nav_once() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = nav_pages(config["nav"])
    assert len(listed) == len(set(listed))
    assert all((DOCS / page).is_file() for page in listed)
    unlisted = [line.strip() for line in config.get("not_in_nav", "").splitlines() if line.strip()]
    pages = sorted(page.relative_to(DOCS).as_posix() for page in DOCS.glob("**/*.md"))
    left_out = [p for p in pages if p not in listed and not any(fnmatch(p, u) for u in unlisted)]
    assert left_out == []


def test_nav_pages_reads_sections() -> None:
    nav = [{"Home": "index.md"}, {"A": [{"B": "b.md"}, {"C": [{"D": "d/e.md"}]}]}, "f.md"]
    assert nav_pages(nav) == ["index.md", "b.md", "d/e.md", "f.md"]
