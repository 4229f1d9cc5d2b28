"""The dashboard in a real browser (Debian's Chromium through Playwright): charts render, a
filter goes to the URL and the URL reproduces the view, a correction shows up, a CSV downloads,
and every page is saved as a screenshot."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CHART = '[data-testid="stVegaLiteChart"] svg.marks'
PAGES = {
    "overview": "",
    "completion": "completion",
    "grades": "grades",
    "cohorts": "cohorts",
    "data_quality": "data_quality",
    "corrections": "corrections",
    "definitions": "definitions",
    "traceability": "traceability",
}
TITLES = {
    "overview": "Overview",
    "completion": "Completion",
    "grades": "Grades",
    "cohorts": "Cohorts",
    "data_quality": "Data quality",
    "corrections": "Corrections",
    "definitions": "Definitions",
    "traceability": "Traceability",
}
WITH_CHARTS = {"overview", "completion", "grades", "cohorts", "data_quality", "traceability"}
TIMEOUT_MS = 45_000
TIMELINE_AXIS = "Events in the month"


def _settle(page: Page) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText"
        ".includes('Running')",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(300)


def _plot_height(page: Page, axis_title: str) -> float:
    """Height in px of the plot area of the chart whose y axis is titled ``axis_title``.

    The plot area is the background of the chart's root view (its axes and title are outside
    it); the axis itself is no measure, as its rotated title keeps it tall over a flat plot.
    """
    axis = f"g.role-axis[aria-label^=\"Y-axis titled '{axis_title}'\"]"
    page.locator(f"{CHART} {axis}").first.wait_for(state="attached")
    height = page.evaluate(
        """([charts, axis]) => {
            const chart = [...document.querySelectorAll(charts)]
                .find((svg) => svg.querySelector(axis));
            const plot = chart.querySelector('g.mark-group.role-frame.root > g > path.background');
            return plot.getBoundingClientRect().height;
        }""",
        [CHART, axis],
    )
    return float(height)


def _metric(page: Page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def _open(page: Page, server: Any, name: str) -> None:
    page.goto(f"{server.url}/{PAGES[name]}", timeout=TIMEOUT_MS)
    expect(page.locator("h1").filter(has_text=TITLES[name]).first).to_be_visible(timeout=TIMEOUT_MS)
    if name in WITH_CHARTS:
        page.wait_for_selector(CHART, timeout=TIMEOUT_MS)
    _settle(page)


def _an_enrolled_enrollment(server: Any) -> str:
    token = httpx.post(
        f"{server.sandbox.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
        timeout=10,
    ).json()["access_token"]
    listing = httpx.get(
        f"{server.sandbox.url}/enrollments",
        params={"where[completion_status]": "enrolled", "per_page": "1"},
        headers={"Authorization": f"Bearer {token}", "X-Tenant": DEMO_TENANT},
        timeout=10,
    ).json()
    uuid: str = listing["data"][0]["uuid"]
    return uuid


def test_dashboard_in_a_browser(
    dashboard: Any, context: BrowserContext, page: Page, screenshots: Path
) -> None:
    page.set_default_timeout(TIMEOUT_MS)

    # Every page renders (charts drawn where a page has them); a screenshot of each.
    for name in PAGES:
        _open(page, dashboard, name)
        if name == "cohorts":
            # The timeline's plot keeps its height (it once collapsed to 0 px under its title).
            assert _plot_height(page, TIMELINE_AXIS) > 100
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)

    _open(page, dashboard, "overview")
    everyone = _count(_metric(page, "Enrollments"))
    active_before = _count(_metric(page, "Active (enrolled)"))

    # A filter goes to the URL.
    status = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has_text="Status"
    )
    status.locator("input").click()
    page.keyboard.type("dropped")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"[?&]status=dropped"), timeout=TIMEOUT_MS)
    page.wait_for_selector(CHART)
    _settle(page)
    dropped = _count(_metric(page, "Enrollments"))
    assert 0 < dropped < everyone
    shared_url = page.url
    page.screenshot(path=str(screenshots / "overview_filtered.png"), full_page=True)

    # The URL reproduces the view in a new page.
    other = context.new_page()
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(shared_url)
    other.wait_for_selector(CHART)
    _settle(other)
    assert _count(_metric(other, "Enrollments")) == dropped
    sidebar_status = other.locator(
        '[data-testid="stSidebar"] [data-testid="stMultiSelect"]'
    ).filter(has_text="Status")
    expect(sidebar_status).to_contain_text("dropped")
    other.close()

    # A correction is saved and shows up at once.
    uuid = _an_enrolled_enrollment(dashboard)
    _open(page, dashboard, "corrections")
    search = page.get_by_label("Find an enrollment")
    search.fill(uuid)
    search.press("Enter")
    expect(page.get_by_text("Edit enrollment")).to_be_visible()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Save correction")
    form.locator('[data-testid="stSelectbox"]').filter(has_text="Status").click()
    page.get_by_role("option", name="dropped", exact=True).click()
    form.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text(re.compile(r"Saved: enrollment"))).to_be_visible()
    page.screenshot(path=str(screenshots / "corrections_saved.png"), full_page=True)
    _open(page, dashboard, "overview")
    assert _count(_metric(page, "Active (enrolled)")) == active_before - 1

    # The CSV beside a chart holds exactly its table.
    with page.expect_download(timeout=TIMEOUT_MS) as download_info:
        page.locator('[data-testid="stDownloadButton"] button').first.click()
    download = download_info.value
    assert download.suggested_filename == "completion-rate-by-intake-year.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:6] == [
        "intake_year",
        "n",
        "completed",
        "dropped",
        "enrolled",
        "completion_rate",
    ]
    total = next(row for row in rows if row["is_total"] == "true")
    assert int(total["n"]) == everyone
    years = [row["intake_year"] for row in rows if row["is_total"] == "false"]
    assert years == sorted(years)
    assert all(row["suppressed"] in {"true", "false"} for row in rows)


def test_the_open_tab_is_in_the_url(dashboard: Any, page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)
    incidence = page.get_by_text("DokStamp records no drop date")  # the curve's caption
    windows = page.get_by_text("completed within 100%, 150% and 200%")  # the tab's caption
    # A shared link opens its tab, and only that tab is drawn.
    page.goto(f"{dashboard.url}/completion?completion_tab=Over+time")
    expect(incidence).to_be_visible()
    page.wait_for_selector(CHART)
    _settle(page)
    expect(windows).to_have_count(0)
    # Choosing a tab puts it in the URL and draws it.
    page.get_by_role("tab", name="Within normal time").click()
    page.wait_for_url(re.compile(r"[?&]completion_tab=Within"))
    expect(windows).to_be_visible()
    expect(incidence).to_have_count(0)
    # The first tab is the default: it leaves no parameter.
    page.get_by_role("tab", name="Rates").click()
    page.wait_for_url(lambda url: "completion_tab" not in url)
    page.wait_for_selector(CHART)
    expect(page.locator(CHART)).to_have_count(2)
