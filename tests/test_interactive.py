"""The interactive HTML report in a real browser: Debian's Chromium driven by Playwright.

One browser and one rendered report per module; each test opens the page in a fresh context,
which records console errors, uncaught exceptions, dialogs and every request: a report must ask
for nothing but its own file (file://, data:). Screenshots at desktop and phone width are kept
in test-artifacts/ (ignored by git; AUDITOR_TEST_ARTIFACTS moves it).

Without Chromium at /usr/bin/chromium or without Playwright the tests skip, saying why; with
AUDITOR_REQUIRE_BROWSER=1 (set by .ci/run, which installs Chromium) they fail instead.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner
from conftest import REPO, SAMPLE, write_input
from test_controls import SETUP, access

from auditor.cli import main
from auditor.interactive import embedded, script_json

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
# No sandbox: CI runs as root in a container; the rest keeps Chromium from calling home.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(os.environ.get("AUDITOR_TEST_ARTIFACTS") or REPO / "test-artifacts")
MONTH = "2026-08"
WAIVED = ("eu-us-transfer-tagged", "p-eu-2")  # waived in the module's report, so a status filter has work
NASTY_USER = '<img src=x onerror="alert(1)">'
ROWS = "#explorer-table tbody tr"


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def unavailable(why: str) -> None:
    if os.environ.get("AUDITOR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{why} (AUDITOR_REQUIRE_BROWSER=1: browser tests must run)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed: pip install '.[test]'")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Report:
    html: Path
    findings: list[dict[str, str]]  # the rows of findings-P.csv, with their status


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Report:
    """The sample's August report (HTML only), one finding waived."""
    root = tmp_path_factory.mktemp("interactive")
    db, out, waivers = root / "audit.duckdb", root / "out", root / "waivers.toml"
    waivers.write_text(f'[[waiver]]\ncontrol = "{WAIVED[0]}"\nevent_id = "{WAIVED[1]}"\n'
                       'reason = "Test <b>waiver</b>"\napproved_by = "Jane Doe, DPO"\nexpires = 2027-12-31\n')
    assert cli("load", str(SAMPLE), "--db", str(db)).exit_code == 0
    result = cli("report", "--period", MONTH, "--db", str(db), "--out", str(out), "--format", "html",
                 "--waivers", str(waivers))
    assert result.exit_code == 0, result.output
    return Report(out / f"report-{MONTH}.html", read_findings(out / f"findings-{MONTH}.csv"))


@pytest.fixture(scope="module")
def busy(tmp_path_factory) -> Report:
    """A month of 240 findings, some about a user whose id is markup: paging and escaping."""
    root = tmp_path_factory.mktemp("busy")
    rows = [access(f"a{i:03d}", f"2026-10-02T{i // 60:02d}:{i % 60:02d}:00Z", user_id=NASTY_USER if i % 7 == 0 else f"u{i % 5}")
            for i in range(240)]
    folder = write_input(root / "in", access_events=rows, consent_events=[], admin_events=SETUP)
    db, out = root / "a.duckdb", root / "out"
    assert cli("load", str(folder), "--db", str(db)).exit_code == 0
    result = cli("report", "--period", "2026-10", "--db", str(db), "--out", str(out), "--format", "html")
    assert result.exit_code == 0, result.output
    return Report(out / "report-2026-10.html", read_findings(out / "findings-2026-10.csv"))


def read_findings(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [{**r, "status": "waived" if r["waived"] == "true" else "open"} for r in csv.DictReader(fh)]


@dataclass
class Watch:
    """What a page did that a self-contained report must not: errors, dialogs, requests."""
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def open_page(browser, watch) -> Iterator[Any]:
    """open_page(path, viewport=DESKTOP): the report in a fresh context, once it is interactive."""
    contexts = []

    def opener(path: Path, viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
        context = browser.new_context(viewport=viewport, **options)
        contexts.append(context)
        # Anything but the file itself is recorded and refused, so nothing leaves the machine.
        context.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())
        page = context.new_page()
        page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else watch.requests.append(r.url))
        page.on("console", lambda m: watch.errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: watch.errors.append(str(e)))
        page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
        page.goto(path.as_uri())
        page.wait_for_selector("html[data-auditor-ready]", state="attached", timeout=20_000)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert watch.errors == [] and watch.dialogs == [], (watch.errors, watch.dialogs)
    assert watch.requests == [], watch.requests


def shown(page: Any) -> list[dict[str, str]]:
    """The explorer's rows on screen, as {column key: cell text}."""
    return page.eval_on_selector_all(
        ROWS, "rows => rows.map(r => Object.fromEntries([...r.cells].map(c => [c.dataset.key, c.textContent])))")


def ids(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(r["control"], r["event_id"]) for r in rows]


def act(page: Any, action: str, selector: str, *args: Any, **kwargs: Any) -> None:
    """page.<action>(selector, ...) on the explorer, then wait until it has drawn the result
    (inputs are debounced: the status line alone may read the same before and after)."""
    before = int(page.get_attribute("#explorer", "data-renders"))
    getattr(page, action)(selector, *args, **kwargs)
    page.wait_for_function(f"document.getElementById('explorer').dataset.renders > {before}")


def status(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#explorer-status")).to_have_text(text)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_the_explorer_holds_every_finding_of_the_month(open_page, report):
    page = open_page(report.html)
    n = len(report.findings)
    status(page, f"Showing 1–{n} of {n} finding(s)")
    assert ids(shown(page)) == ids(report.findings)  # the CSV's rows, in its order
    waived = next(r for r in shown(page) if (r["control"], r["event_id"]) == WAIVED)
    assert waived["status"] == "waived"
    cell = page.locator(f'{ROWS} td[data-key="status"]', has_text="waived")
    assert cell.get_attribute("title") == "Waived: Test <b>waiver</b>; approved by Jane Doe, DPO; until 2027-12-31"


def test_sorting_by_a_heading_orders_the_rows_and_a_second_click_reverses(open_page, report):
    page = open_page(report.html)
    when = page.locator('#explorer-table th[data-key="occurred_at"]')
    when.locator("button").click()
    expected = sorted(report.findings, key=lambda r: at(r["occurred_at"]))  # ties: the CSV's order
    assert when.get_attribute("aria-sort") == "ascending"
    assert ids(shown(page)) == ids(expected)
    when.locator("button").click()
    assert when.get_attribute("aria-sort") == "descending"
    assert ids(shown(page)) == ids(sorted(report.findings, key=lambda r: at(r["occurred_at"]), reverse=True))
    page.locator('#explorer-table th[data-key="severity"] button').click()
    rank = {"high": 0, "medium": 1, "low": 2}
    assert ids(shown(page)) == ids(sorted(report.findings, key=lambda r: rank[r["severity"]]))
    assert page.locator('#explorer-table th[data-key="occurred_at"]').get_attribute("aria-sort") == "none"


def test_filtering_by_a_value_keeps_exactly_its_rows(open_page, report):
    page = open_page(report.html)
    for key, value in (("control", "consent-before-access"), ("severity", "low"), ("status", "waived")):
        expected = [r for r in report.findings if r[key] == value]
        act(page, "select_option", f'select[data-filter="{key}"]', label=f"{value} ({len(expected)})")
        status(page, f"Showing 1–{len(expected)} of {len(expected)} matching finding(s) ({len(report.findings)} in all)")
        assert ids(shown(page)) == ids(expected) and expected, key
        act(page, "select_option", f'select[data-filter="{key}"]', "")  # "all" again
        assert len(shown(page)) == len(report.findings)


def test_filters_combine_and_clear(open_page, report):
    page = open_page(report.html)
    act(page, "fill", 'input[data-filter="user_id"]', "-1")  # of several users' ids, names or emails
    expected = [r for r in report.findings if any("-1" in r[k] for k in ("user_id", "user_name", "user_email"))]
    status(page, f"Showing 1–{len(expected)} of {len(expected)} matching finding(s) ({len(report.findings)} in all)")
    assert ids(shown(page)) == ids(expected) and len({r["user_id"] for r in expected}) > 1
    act(page, "select_option", 'select[data-filter="status"]', label="waived (1)")
    assert ids(shown(page)) == [WAIVED]
    act(page, "select_option", 'select[data-filter="severity"]', label=f"low ({sum(r['severity'] == 'low' for r in report.findings)})")
    status(page, f"No finding of {len(report.findings)} matches.")
    act(page, "click", "button.explorer-clear")
    assert ids(shown(page)) == ids(report.findings)


def test_the_search_box_looks_through_every_column(open_page, report):
    page = open_page(report.html)
    for needle in ("PRIVACY_SHIELD", "pu-cs-2", "access_events", "Jane Doe"):  # reason, user, source, waiver
        act(page, "fill", "#explorer-search", needle)
        expected = [r for r in report.findings if any(needle.lower() in v.lower() for v in r.values())]
        assert expected, needle
        status(page, f"Showing 1–{len(expected)} of {len(expected)} matching finding(s) ({len(report.findings)} in all)")
        assert ids(shown(page)) == ids(expected), needle


def test_a_cover_link_opens_and_shows_its_control_section(open_page, report):
    page = open_page(report.html)
    control = "session-retention"
    section = page.locator(f"#control-{control}")
    section.locator(".collapse-toggle").click()  # folded first: following the link must unfold it
    assert section.locator(".control-body").is_hidden()
    page.locator(f'.cover-controls a[href="#control-{control}"]').click()
    assert page.url.endswith(f"#control-{control}")
    assert section.locator(".control-body").is_visible()
    assert section.locator(".collapse-toggle").get_attribute("aria-expanded") == "true"
    box = section.locator("h3").bounding_box()
    assert box is not None and 0 <= box["y"] < DESKTOP["height"]  # scrolled to


def test_control_sections_fold_one_by_one_and_all_at_once(open_page, report):
    page = open_page(report.html)
    sections = page.locator("section.control")
    first = sections.first
    toggle = first.locator(".collapse-toggle")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and first.locator(".control-body").is_hidden()
    toggle.click()
    assert first.locator(".control-body").is_visible()
    page.click('.report-toolbar button[data-expand="false"]')
    assert page.locator("section.control .control-body:visible").count() == 0
    page.emulate_media(media="print")  # printed from the browser: everything the PDF shows
    assert page.locator("section.control .control-body:visible").count() == sections.count()
    assert page.locator("#explorer").is_hidden() and page.locator(".report-toolbar").is_hidden()
    page.emulate_media(media="screen")
    page.click('.report-toolbar button[data-expand="true"]')
    assert page.locator("section.control .control-body:visible").count() == sections.count()


def test_a_sections_button_shows_all_its_findings_in_the_explorer(open_page, report):
    page = open_page(report.html)
    control = "log-integrity"
    expected = [r for r in report.findings if r["control"] == control]
    act(page, "click", f'button.explore-control[data-control="{control}"]')
    assert ids(shown(page)) == ids(expected) and expected
    assert page.locator("#explorer").bounding_box()["y"] < DESKTOP["height"]


def test_the_reports_own_tables_sort_by_a_heading(open_page, report):
    page = open_page(report.html)
    table = page.locator("#controls + table")
    table.locator("th", has_text="Findings").locator("button").click()
    counts = [int(c.replace(",", "")) for c in table.locator("tbody tr td:nth-child(5)").all_text_contents()]
    assert counts == sorted(counts) and len(set(counts)) > 1
    table.locator("th", has_text="Control").locator("button").click()
    names = table.locator("tbody tr td:nth-child(1)").all_text_contents()
    assert names == sorted(names)


def test_long_months_are_paged_and_values_stay_text(open_page, busy):
    page = open_page(busy.html)
    assert len(busy.findings) == 240
    status(page, "Showing 1–100 of 240 finding(s)")
    assert page.locator(ROWS).count() == 100
    act(page, "click", 'button[data-page="next"]')
    status(page, "Showing 101–200 of 240 finding(s)")
    assert ids(shown(page)) == ids(busy.findings[100:200])
    act(page, "click", 'button[data-page="last"]')
    assert ids(shown(page)) == ids(busy.findings[200:]) and page.locator('button[data-page="next"]').is_disabled()
    act(page, "select_option", "select[data-page-size]", "25")
    status(page, "Showing 1–25 of 240 finding(s)")
    # The user id is markup: shown as text, never parsed (no <img>, no dialog: the watch checks).
    act(page, "fill", 'input[data-filter="user_id"]', "<img")
    nasty = [r for r in busy.findings if r["user_id"] == NASTY_USER]
    status(page, f"Showing 1–25 of {len(nasty)} matching finding(s) (240 in all)")
    assert {r["user_id"] for r in shown(page)} == {NASTY_USER}
    assert page.locator("#explorer img").count() == 0
    source = busy.html.read_text()
    assert NASTY_USER not in source and "\\u003cimg src=x onerror=" in source


def test_compressed_data_gives_the_same_explorer(open_page, report, tmp_path):
    # Above interactive.COMPRESS_ABOVE the data is gzipped: the browser inflates it itself.
    html = report.html.read_text()
    plain = re.search(r'id="auditor-findings">(.*?)</script>', html, re.S).group(1)
    packed = script_json(embedded(html), compress=True)
    assert '"encoding":"gzip+base64"' in packed
    path = tmp_path / "compressed.html"
    path.write_text(html.replace(plain, packed))
    page = open_page(path)
    status(page, f"Showing 1–{len(report.findings)} of {len(report.findings)} finding(s)")
    act(page, "fill", "#explorer-search", "privacy_shield")
    assert ids(shown(page)) == ids([r for r in report.findings if "privacy_shield" in r["reason"]])


@pytest.mark.parametrize("name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_at_desktop_and_phone_width(open_page, report, name, viewport):
    options = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if name == "phone" else {}
    page = open_page(report.html, viewport, **options)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"report-{name}-cover.png")
    act(page, "select_option", 'select[data-filter="control"]', label="eu-us-transfer-tagged (4)")
    page.evaluate("document.getElementById('explorer').scrollIntoView()")  # docs/report-interactive.png
    page.screenshot(path=ARTIFACTS / f"report-{name}-explorer.png")
    # Nothing wider than the screen but the tables that scroll sideways in their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    for shot in ("cover", "explorer"):
        assert (ARTIFACTS / f"report-{name}-{shot}.png").stat().st_size > 10_000
