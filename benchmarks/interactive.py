"""Time to interactive of a monthly report's HTML page in Chromium (benchmarks/run.py, report steps).

    .venv/bin/python benchmarks/interactive.py reports/report-2026-08.html [--repeat 3]

Opens the page (file://) in Debian's Chromium (/usr/bin/chromium), headless and driven by
Playwright, each run in a fresh browser context (no cache shared between runs), and waits until
report_templates/interactive.js marks <html data-auditor-ready>: the data is parsed (inflated
when compressed), the findings explorer drawn, the page's tables and sections enhanced. Prints
one JSON object:

  status        ok | skipped (no Chromium or no Playwright: note says which) | failed (error)
  seconds       median wall time from the navigation's start to ready, as a reader waits it
  ready_ms      median of the page's own performance.now() at ready (from navigation start)
  runs          [{"seconds", "ready_ms"}] of each run
  findings      rows the explorer holds; rows_in_dom: explorer rows drawn (one page of them)
  requests      URLs the page asked for other than its own file (must be none)
  browser       Chromium's version
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
READY = "html[data-auditor-ready]"


def measure(html: Path, repeat: int, timeout_s: float) -> dict[str, Any]:
    """Open `html` `repeat` times; the timings and what the page holds."""
    if not Path(CHROMIUM).exists():
        return {"status": "skipped", "note": f"no Chromium at {CHROMIUM} (apt-get install chromium)"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"status": "skipped", "note": "Playwright for Python is not installed (pip install '.[test]')"}
    runs: list[dict[str, float]] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else requests.append(r.url))
                start = time.perf_counter()
                page.goto(html.resolve().as_uri(), timeout=timeout_s * 1000)
                page.wait_for_selector(READY, state="attached", timeout=timeout_s * 1000)
                seconds = time.perf_counter() - start
                runs.append({"seconds": round(seconds, 3), "ready_ms": int(page.get_attribute("html", "data-auditor-ready"))})
                held = page.evaluate("() => { const e = document.getElementById('explorer');"
                                     " return {rows: document.querySelectorAll('#explorer-table tbody tr').length,"
                                     " findings: e && e.dataset.findings ? Number(e.dataset.findings) : null}; }")
                context.close()
            version = browser.version
        finally:
            browser.close()
    return {
        "status": "ok",
        "seconds": statistics.median(r["seconds"] for r in runs),
        "ready_ms": statistics.median(r["ready_ms"] for r in runs),
        "runs": runs,
        "findings": held["findings"],
        "rows_in_dom": held["rows"],
        "requests": sorted(set(requests)),
        "browser": f"chromium {version}",
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Time to interactive of a report page in Chromium.")
    p.add_argument("html", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--timeout", type=float, default=120, help="seconds before a run counts as failed")
    args = p.parse_args(argv)
    try:
        result = measure(args.html, max(1, args.repeat), args.timeout)
    except Exception as exc:  # a browser that failed is a result of the benchmark, not a crash
        result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0 if result["status"] != "failed" else 1


if __name__ == "__main__":
    sys.exit(main())
