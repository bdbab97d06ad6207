"""The HTML report in a real headless Chromium (Debian's ``chromium``, driven by Playwright with
``executable_path``: Playwright's own browsers are never downloaded)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.report.build import build_report
from conformance.report.html_format import to_html
from conftest import need
from org_report_samples import IMG, SCRIPT, TODAY, finding, outcomes, repository, run, two_runs


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    need(executable is not None, "Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        need(False, "playwright is not installed (pip install -e '.[dev]')")
        raise
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


class Page:
    """A page opened on ``file://`` that records console errors, page errors, dialogs and every request."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.url = path.as_uri()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(self.url)
        self.page.wait_for_load_state("load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def visible_rows(self, table: str) -> list[str]:
        return self.page.eval_on_selector_all(
            f"#{table} tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.cells[0].textContent.trim())"
        )


@pytest.fixture(scope="module")
def opened(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(to_html(build_report(two_runs(), TODAY)), encoding="utf-8")
    page = Page(browser, path)
    yield page
    page.context.close()


def test_renders_without_console_errors_or_network(opened: Page) -> None:
    opened.page.click("#summary a.drill.active")  # runs the script: its errors would show now
    assert opened.errors == []
    assert opened.requests == [opened.url]
    assert opened.dialogs == []


def test_charts_and_tables_are_present(opened: Page) -> None:
    page = opened.page
    assert page.locator("#trend-chart circle.dot").count() == 2
    assert page.locator("#trend-chart polyline.trend").count() == 1
    # payments: gold + none; platform: silver + not scanned; the formula-named team: bronze
    assert page.locator("#levels-chart rect").count() == 5
    assert page.locator("#levels-chart rect.not-scanned").count() == 1
    names = ["alpha", "beta", "delta", "epsilon", "gamma"]
    # the first cell holds the name, then the URL
    assert opened.visible_rows("repositories-table") == [f"{n}https://git.example.com/org/{n}.git" for n in names]
    assert page.locator("#findings-table tbody tr").count() == 9
    assert page.locator("#exemptions-table tr.exemption-expiring").inner_text().startswith("expires in 10 days")
    assert page.locator("#exemptions-table tr.exemption-expired").count() == 1
    assert "clone failed" in page.locator("#unscannable-table tbody").inner_text()


def test_a_filter_narrows_the_table(opened: Page) -> None:
    page = opened.page
    page.fill('input[data-target="findings-table"]', "codeowners")
    assert opened.visible_rows("findings-table") == ["F4", "F9"]
    assert page.locator('output[data-for="findings-table"]').inner_text() == "2 of 9 shown"
    page.fill('input[data-target="findings-table"]', "")
    assert len(opened.visible_rows("findings-table")) == 9
    page.fill('input[data-target="repositories-table"]', "payments")
    assert [row[:4] for row in opened.visible_rows("repositories-table")] == ["alph", "beta"]
    page.fill('input[data-target="repositories-table"]', "")


def test_a_number_drills_down_to_its_findings(opened: Page) -> None:
    page = opened.page
    page.click("#summary .overall a.drill.active")
    assert page.locator("#drill").is_visible()
    assert page.locator("#drill-label").inner_text() == "All repositories: active findings"
    assert opened.visible_rows("drill-table") == ["F3", "F4", "F6", "F8", "F9"]
    page.click('#repositories-table a.drill[data-label="beta: new findings"]')
    assert opened.visible_rows("drill-table") == ["F4", "F5"]
    assert page.locator("#drill-count").inner_text() == "2 findings"
    exemption = page.locator("#drill-table tbody tr").nth(1).locator("td").nth(9).inner_text()
    assert exemption == f"inline · test data {SCRIPT}"
    page.click("#drill-close")
    assert not page.locator("#drill").is_visible()


def test_long_lists_show_the_first_thousand(browser: Any, tmp_path: Path) -> None:
    many = tuple(finding(f"m{n}", "k8s/no-host-network", message=f"finding {n}") for n in range(1200))
    big = run("big", "2026-12-01", (repository("many", "t", None, outcomes(p1="fail"), many),))
    path = tmp_path / "big.html"
    path.write_text(to_html(build_report([big], TODAY)), encoding="utf-8")
    opened = Page(browser, path)
    try:
        page = opened.page
        assert page.locator("#findings-table tbody tr").count() == 1000
        assert page.locator('output[data-for="findings-table"]').inner_text() == "the first 1000 of 1200 shown"
        page.fill('input[data-target="findings-table"]', "finding 1199")
        assert opened.visible_rows("findings-table") == ["F1200"]
        page.click("#summary .overall a.drill.active")
        assert page.locator("#drill-table tbody tr").count() == 1000
        assert page.locator("#drill-count").inner_text() == "1200 findings, the first 1000 of 1200 shown"
        assert opened.errors == []
    finally:
        opened.context.close()


def test_hostile_names_show_as_text(opened: Page) -> None:
    page = opened.page
    page.click('#repositories-table a.drill[data-label="beta: new findings"]')
    first = page.locator("#drill-table tbody tr").first.locator("td")
    assert first.nth(7).inner_text() == f"Deployment/default/{SCRIPT}"
    assert first.nth(8).inner_text() == f"image tag {IMG} is mutable"
    assert page.locator("#finding-F4 td.location").inner_text() == f"deploy/{SCRIPT}.yaml:7"
    assert IMG in page.locator("#unscannable-table td.reason").inner_text()
    assert page.locator("#exemptions-table").inner_text().count(f"test data {SCRIPT}") == 1
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 2  # the JSON data and the page's own script
    assert opened.dialogs == []
    assert opened.errors == []
