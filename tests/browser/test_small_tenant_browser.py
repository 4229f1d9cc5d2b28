"""The issue's small tenant in a real browser: the Completion page shows each course's rate
(internal policy: Nursing 15.0% of 40, Law 64.0% of 25), and says why the others are withheld
(Midwifery, 7: n<10; Pharmacy, 12: hidden so that Midwifery cannot be worked out)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from dashboard.cli import main

from ..publication.small_tenant import small_tenant_sandbox
from .conftest import ENTRY, ROOT, _free_port, _wait_until_healthy

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TIMEOUT_MS = 45_000
CHART = '[data-testid="stVegaLiteChart"] svg.marks'


@pytest.fixture
def small_dashboard(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`streamlit run` of the dashboard on the small tenant (internal policy, the default), and
    the settings it reads (for the CLI to read the same cached extract)."""
    with small_tenant_sandbox(tmp_path / "sandbox.db") as tenant:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_"))
        }
        env.update(tenant.env(tmp_path / "cache"))
        port = _free_port()
        log = tmp_path / "streamlit.log"
        command = [
            sys.executable, "-m", "streamlit", "run", str(ENTRY),
            "--server.address", "127.0.0.1", "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(url, process, log)
            yield url, tenant.env(tmp_path / "cache")
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def test_completion_page_shows_each_course_rate(
    page: Page,
    small_dashboard: tuple[str, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, env = small_dashboard
    page.goto(f"{url}/completion", timeout=TIMEOUT_MS)
    page.locator(CHART).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Disclosure policy: internal").first.wait_for(timeout=TIMEOUT_MS)
    # Each rate mark of the chart carries its values in its aria-label (Vega-Lite descriptions
    # from the tooltip): course, rate and n, as a screen reader reads them.
    labels = page.locator(f"{CHART} [aria-label]").evaluate_all(
        "(nodes) => nodes.map((node) => node.getAttribute('aria-label'))"
    )

    def mark_of(course: str, needle: str) -> str:
        found = [label for label in labels if f"Course: {course};" in label and needle in label]
        assert found, (course, needle, labels)
        return str(found[0])

    nursing = mark_of("Nursing", "Completion rate: ")
    assert "Completion rate: 15.0%" in nursing
    assert "95% interval, low: 7.1%; 95% interval, high: 29.1%" in nursing
    assert "n (enrollments): 40" in nursing
    law = mark_of("Law", "Completion rate: ")
    assert "Completion rate: 64.0%" in law
    assert "95% interval, low: 44.5%; 95% interval, high: 79.8%" in law
    assert "n (enrollments): 25" in law
    # The two other courses say why they have no rate: never a blank, never a 0.
    assert "n<10" in mark_of("Midwifery", "note: ")
    assert "hidden" in mark_of("Pharmacy", "note: ")
    body = page.locator("body").inner_text()
    for label in ("n=40", "n=25", "n=84"):
        assert label in body

    # The table's download is the export's bytes (same cached extract, no filter, internal).
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        # The completion-rates table's own button (the page has one per table).
        page.locator(".st-key-csv_completion_rates").get_by_role("button").click()
    downloaded = Path(download.value.path()).read_bytes()
    for name in list(os.environ):
        if name.startswith(("DOKSTAMP_", "ENROLLMENT_OUTCOMES_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["export", "completion-by-course", "-o", "export.csv"], env=env
    )
    assert result.exit_code == 0, result.output
    assert downloaded == (tmp_path / "export.csv").read_bytes()
