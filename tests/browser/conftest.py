"""Browser tests: headless Chromium for dash[testing], and a clean-page check.

dash's pytest plugin builds its webdriver from the ChromeOptions returned by the
``pytest_setup_options`` hook below (it then adds its own download and logging
settings). ``make test`` also passes ``--headless --webdriver Chrome``; set
``CSD_BROWSER_HEADED=1`` to watch the browser on a machine with a display.

Fixtures:

- ``dash_thread_server`` (overrides dash's): starts each app on a free port, so
  concurrent test runs on one machine never answer for each other.
- ``assert_clean_page``: call it with ``dash_duo`` once the page has settled; it
  fails on console errors, failed or external requests, stylesheets without
  rules and fonts that did not load.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from dash.testing.application_runners import ThreadedRunner
from selenium.webdriver.chrome.options import Options as ChromeOptions

CHROMIUM = Path("/usr/bin/chromium")
WINDOW_SIZE = "1280,720"  # the shared-screen size every page must read well at
CHROME_ARGUMENTS = (
    "--no-sandbox",  # Chromium's sandbox refuses to start as root (CI containers)
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    f"--window-size={WINDOW_SIZE}",
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def pytest_setup_options() -> ChromeOptions:
    """ChromeOptions for dash[testing]'s webdriver (a hook of its pytest plugin)."""
    options = ChromeOptions()
    if os.environ.get("CSD_BROWSER_HEADED") != "1":
        options.add_argument("--headless=new")
    for argument in CHROME_ARGUMENTS:
        options.add_argument(argument)
    if "DASH_TEST_CHROMEPATH" not in os.environ and CHROMIUM.exists():
        options.binary_location = str(CHROMIUM)
    return options


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FreePortThreadedRunner(ThreadedRunner):
    """dash's threaded runner, on a port the system says is free."""

    def start(self, app: Any, start_timeout: float = 3, **kwargs: Any) -> None:
        kwargs.setdefault("port", _free_port())
        super().start(app, start_timeout=start_timeout, **kwargs)


@pytest.fixture
def dash_thread_server() -> Iterator[ThreadedRunner]:
    """Start a Dash app in a thread on a free port (used by ``dash_duo``)."""
    with FreePortThreadedRunner() as starter:
        yield starter


# Collects what the page loaded once web fonts have settled. Resource timing
# gives the HTTP status of every same-origin request (responseStatus, 0 when the
# request failed or the origin hides it).
_PAGE_REPORT_JS = """
const done = arguments[arguments.length - 1];
document.fonts.ready.then(() => {
  const resources = performance.getEntriesByType('resource').map((entry) => ({
    url: entry.name,
    type: entry.initiatorType,
    status: entry.responseStatus,
  }));
  const stylesheets = [...document.querySelectorAll('link[rel~="stylesheet"]')].map((link) => {
    let rules = -1;
    try { rules = link.sheet ? link.sheet.cssRules.length : -1; } catch (error) { rules = -2; }
    return {url: link.href, rules: rules};
  });
  const referenced = [...document.querySelectorAll('[src], link[href]')]
    .map((node) => node.src || node.href)
    .filter((url) => url);
  const fonts = [...document.fonts].map((face) => ({family: face.family, status: face.status}));
  done({resources, stylesheets, referenced, fonts, page: location.href});
});
"""


def page_report(dash_duo: Any) -> dict[str, Any]:
    """What the current page requested and loaded (see ``_PAGE_REPORT_JS``)."""
    dash_duo.driver.set_script_timeout(15)
    return dash_duo.driver.execute_async_script(_PAGE_REPORT_JS)


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOOPBACK_HOSTS


def check_clean_page(dash_duo: Any) -> dict[str, Any]:
    """Assert the page is healthy; return the ``page_report`` for further checks."""
    report = page_report(dash_duo)
    problems: list[str] = []

    problems += [f"console: {entry['level']} {entry['message']}" for entry in dash_duo.get_logs()]
    problems += [
        f"request failed ({resource['status'] or 'network error'}): {resource['url']}"
        for resource in report["resources"]
        if _is_loopback(resource["url"]) and not 200 <= resource["status"] < 400
    ]
    external = {r["url"] for r in report["resources"]} | set(report["referenced"])
    problems += [
        f"request outside 127.0.0.1: {url}" for url in sorted(external) if not _is_loopback(url)
    ]
    problems += [
        f"stylesheet without rules (not loaded?): {sheet['url']}"
        for sheet in report["stylesheets"]
        if sheet["rules"] <= 0
    ]
    problems += [
        f"font {face['family']} did not load: {face['status']}"
        for face in report["fonts"]
        if face["status"] == "error"
    ]

    assert not problems, "the page is not clean:\n  " + "\n  ".join(problems)
    return report


@pytest.fixture
def assert_clean_page() -> Callable[[Any], dict[str, Any]]:
    """``assert_clean_page(dash_duo)``: no console errors, no failed or external requests."""
    return check_clean_page
