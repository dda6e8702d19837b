"""Rendering shared by every report: Jinja2 with autoescaping, offline PDF, atomic writes, charts.

Safety: every value from a log reaches HTML through Jinja2's autoescaping; WeasyPrint gets a
URL fetcher that refuses everything but `data:` URLs (the report's own inline resources), so a
report never fetches from the network or reads a local file. Reports are self-contained: CSS and
SVG charts are inline (in the PDF, each chart is a `data:` image of its SVG).
"""

from __future__ import annotations

import base64
import importlib
import io
import os
import re
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from auditor.files import write_all_atomic
from auditor.resources import templates_dir


# Characters HTML has no use for and a log value may still hold (NUL, escape, the C1 controls):
# tab, line feed and carriage return are kept.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_control_characters(value: Any) -> Any:
    """What `{{ value }}` prints, without control characters; markup stays markup (removing a
    character cannot make a tag)."""
    if isinstance(value, Markup):
        return Markup(CONTROL_CHARACTERS.sub("", value))
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    return value


def environment() -> jinja2.Environment:
    """The template environment: autoescaping on for .html templates (and strings); control
    characters removed from every value printed."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(["html", "htm", "j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=without_control_characters,
    )
    env.filters["ts"] = lambda t: "" if t is None else t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    env.filters["day"] = lambda t: "" if t is None else t.astimezone(timezone.utc).strftime("%Y-%m-%d")
    env.filters["num"] = lambda n: "" if n is None else f"{n:,}"
    return env


def generated_at() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so the same inputs can give byte-identical reports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `path` through a temporary file and a rename: never a half-written report."""
    write_all_atomic({path: data})


# What svg_chart and html_to_pdf import: about 0.45 s and 0.6 s of a report's start-up.
CHART_MODULES = ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
                 "matplotlib.ticker")
PDF_MODULES = ("weasyprint",)


class Preload:
    """Groups of modules imported in a background thread, group after group.

    A report imports matplotlib and WeasyPrint while DuckDB (which releases the GIL) answers its
    queries on the main thread. `wait(group)` before using a group's modules: then the two
    threads never import the same module at once. An import that fails here is not reported:
    it fails again, with its own error, where the module is used.
    """

    def __init__(self, *groups: tuple[str, ...]) -> None:
        self._ready = {group: threading.Event() for group in groups}
        if groups:
            # A daemon: a command that fails before it renders exits without waiting for imports.
            threading.Thread(target=self._load, name="auditor-preload", daemon=True).start()

    def _load(self) -> None:
        for group, ready in self._ready.items():
            try:
                for name in group:
                    if name == "weasyprint" and sys.platform.startswith("linux"):
                        _import_weasyprint_by_soname()
                    importlib.import_module(name)
            except Exception:
                pass
            finally:
                ready.set()

    def wait(self, group: tuple[str, ...]) -> None:
        """Return once `group` is imported (or has failed to); at once for a group not preloaded."""
        if group in self._ready:
            self._ready[group].wait()


def _import_weasyprint_by_soname() -> None:
    """Import WeasyPrint without searching for its C libraries under every name it knows.

    WeasyPrint tries a list of names for each library, and for each name that the dynamic
    loader cannot open as it is, cffi asks ctypes.util.find_library, which on Linux runs
    ldconfig, then gcc and ld, in subprocesses: about 20 of them, 0.25 s of a subject report
    (Kozea/WeasyPrint#1125). Each list also holds the library's soname (libpango-1.0.so.0),
    which the loader opens by itself, and a soname is all find_library would have returned. So
    the search answers "not found" during this import (the main thread meanwhile runs queries
    and templates, which load no C library); if WeasyPrint then cannot load (a system whose
    sonames it does not list), the import is done again, normally, by the caller.
    """
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        importlib.import_module("weasyprint")
    except OSError:
        pass
    finally:
        ctypes.util.find_library = search


def _offline_fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):
        """Serves `data:` URLs only; any other URL (http, file, ...) is refused and recorded."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"})
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.lower().startswith("data:"):
                self.refused.append(url)
                raise ValueError(f"auditor reports fetch nothing: refused {url}")
            return super().fetch(url, headers)

    return OfflineFetcher()


def html_to_pdf(html: str) -> tuple[bytes, list[str]]:
    """The PDF of a self-contained HTML page, and the URLs the renderer asked for (all refused)."""
    import weasyprint

    fetcher = _offline_fetcher()
    pdf = weasyprint.HTML(string=charts_as_images(html), base_url=None, url_fetcher=fetcher).write_pdf()
    return pdf, fetcher.refused


def charts_as_images(html: str) -> str:
    """Each inline chart of a page as an image (a `data:` URL) of the same SVG, for the PDF.

    Inline, WeasyPrint parses, styles and draws every element of a chart as part of the page;
    as an image, it draws the chart on its own: half the time (a report with 17 trend charts,
    1.9 s of its PDF to 0.95 s), and the same drawing. Every <svg> of a page is svg_chart's: a
    value from a log is escaped text, never markup.
    """
    return re.sub(r"<svg\b.*?</svg>", lambda m: '<img alt="" src="data:image/svg+xml;base64,'
                  + base64.b64encode(m.group(0).encode("utf-8")).decode("ascii") + '">', html, flags=re.S)


def svg_chart(key: str, draw: Any, width: float = 6.5, height: float = 2.2) -> str:
    """An inline SVG made by matplotlib: `draw(ax)` draws on the axes. Deterministic output.

    `key` names the chart within its page: element ids are prefixed with it, so several
    charts inline in one HTML page never share an id.
    """
    # The Figure API without pyplot (pyplot's figure manager is not needed for a file). Agg
    # measures the text for tight_layout, as it did under pyplot; savefig writes the SVG.
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Every text reaches the chart literally: a value from a log such as `$x^$` would otherwise be
    # parsed as math text and stop the report (parse_math is read when each text is made, and
    # every text of the chart is made inside this context).
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "auditor", "font.size": 8, "font.family": "DejaVu Sans",
         "text.parse_math": False, "text.usetex": False}
    ):
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        draw(ax)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    # Inline in HTML: drop the XML prolog, DOCTYPE and metadata, keep the <svg> element.
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg[svg.index("<svg") :], flags=re.S)
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", key)
    return re.sub(r'(id="|url\(#|href="#)', rf"\g<1>{prefix}-", svg)
