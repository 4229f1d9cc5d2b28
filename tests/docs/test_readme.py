"""The README stays a first-minute page: small, and every link into the repository resolves."""

from __future__ import annotations

import re
from pathlib import Path

from markdown.extensions.toc import slugify

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_BYTES = 10 * 1024
LINK = re.compile(r"\]\(([^)\s]+)\)")


def local_links(text: str) -> list[str]:
    """Targets of markdown links and images that are not web addresses."""
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def anchors(page: Path) -> set[str]:
    """The heading anchors MkDocs gives a page (its toc slugs)."""
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    headings = re.findall(r"^#{1,6} (.+?)(?: \{#([\w-]+)\})?$", text, flags=re.MULTILINE)
    return {explicit or slugify(title, "-") for title, explicit in headings}


def test_readme_is_at_most_10_kb() -> None:
    assert README.stat().st_size <= MAX_BYTES


def test_readme_links_resolve() -> None:
    links = local_links(README.read_text(encoding="utf-8"))
    assert any(link.startswith("docs/") for link in links), "the README links into the site"
    for link in links:
        path, _, anchor = link.partition("#")
        target = ROOT / path
        assert target.is_file(), f"README links to {link}, which is not a file"
        if anchor:
            assert anchor in anchors(target), f"README links to {link}: no such heading"


def test_the_checks_see_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Corrections (`dashboard.data.corrections`)\n", encoding="utf-8")
    assert anchors(page) == {"title", "corrections-dashboarddatacorrections"}
    assert local_links("[a](docs/x.md#y) [b](https://e.org) ![c](img.png)") == [
        "docs/x.md#y",
        "img.png",
    ]


def test_readme_shows_the_screenshot_and_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "![" in text
    assert "docs/img/dashboard.png" in local_links(text)
    commands = re.search(r"^```sh\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    assert commands is not None
    assert [line.split("#")[0].strip() for line in commands.group(1).splitlines()] == [
        "make run",
        "make test",
    ]


def test_the_screenshot_is_a_png() -> None:
    assert (ROOT / "docs" / "img" / "dashboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
