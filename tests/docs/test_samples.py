"""The code samples of the documentation run: each page's marked blocks, in order, on a demo."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
MARKER = "<!-- runnable -->"
# A marked block: the marker line, then a ```python fence, up to the closing fence.
BLOCK = re.compile(rf"^{re.escape(MARKER)}\n```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# Pages whose samples must run; a page losing its marked samples fails here, not silently.
PAGES_WITH_SAMPLES = ("library.md", "reports.md", "metrics.md", "charts.md", "sandbox.md")


def runnable_blocks(text: str) -> list[str]:
    """The marked python blocks of a page, in order."""
    return [match.group(1) for match in BLOCK.finditer(text)]


def test_every_marker_starts_a_python_block() -> None:
    for page in DOCS.glob("**/*.md"):
        text = page.read_text(encoding="utf-8")
        markers = re.findall(rf"^{re.escape(MARKER)}$", text, flags=re.MULTILINE)
        assert len(markers) == len(runnable_blocks(text)), page.name


def test_every_python_sample_is_marked_and_its_page_runs() -> None:
    # An unmarked python block, or a page left out of PAGES_WITH_SAMPLES, would never run.
    pages = [DOCS.parent / "README.md", *DOCS.glob("**/*.md")]
    with_python = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        fences = re.findall(r"^```python$", text, flags=re.MULTILINE)
        assert len(fences) == len(runnable_blocks(text)), f"{page.name}: a python block unmarked"
        if fences:
            with_python.append(
                page.name if page.parent != DOCS else page.relative_to(DOCS).as_posix()
            )
    assert sorted(with_python) == sorted(PAGES_WITH_SAMPLES)


def test_the_block_reader_finds_marked_blocks_only() -> None:
    text = f"```python\nskipped = 1\n```\n\n{MARKER}\n```python\nx = 1\n```\n"
    assert runnable_blocks(text) == ["x = 1\n"]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES_WITH_SAMPLES)
def test_samples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = runnable_blocks((DOCS / page).read_text(encoding="utf-8"))
    assert blocks, f"{page} has no {MARKER} python block"
    # The samples read settings as a reader's would: here none, so they open the demo sandbox,
    # small, with a private cache; the working folder is a temporary one (files they write).
    for key in list(os.environ):
        if key.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ENROLLMENT_OUTCOMES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS", "1500")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.removesuffix('.md')}"}
    for number, block in enumerate(blocks, start=1):
        code = compile(block, f"docs/{page} (sample {number})", "exec")
        exec(code, namespace)  # noqa: S102 - the documentation's own samples
