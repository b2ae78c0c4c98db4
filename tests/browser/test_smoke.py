"""Smoke test: the application starts and its page loads cleanly, offline."""

from __future__ import annotations

import pytest
import requests

from app import TITLE, create_app

pytestmark = pytest.mark.browser


def _computed(dash_duo, selector: str, prop: str, pseudo: str | None = None) -> str:
    """The computed value of a CSS property (or custom property) on the first match."""
    script = (
        "const [selector, prop, pseudo] = arguments;"
        "const style = getComputedStyle(document.querySelector(selector), pseudo);"
        "return style.getPropertyValue(prop);"
    )
    return dash_duo.driver.execute_script(script, selector, prop, pseudo).strip()


def _file_name(url: str) -> str:
    return url.split("?")[0].rsplit("/", 1)[-1]


def test_sm001_app_starts_with_clean_console(dash_duo, assert_clean_page):
    dash_duo.start_server(create_app({"TESTING": True, "LOGIN_DISABLED": True}))

    dash_duo.wait_for_text_to_equal("h1", TITLE)
    assert dash_duo.driver.title == TITLE
    assert dash_duo.find_element(".navbar-brand").text == TITLE

    report = assert_clean_page(dash_duo)

    # Bootstrap, bootstrap-icons and the app's stylesheet load, in that order.
    sheets = [_file_name(sheet["url"]) for sheet in report["stylesheets"]]
    assert sheets == ["bootstrap.min.css", "bootstrap-icons.min.css", "app.css"]

    # Bootstrap's rules apply: its variables are defined and the navbar is a flexbox.
    assert _computed(dash_duo, ":root", "--bs-blue") == "#0d6efd"
    assert _computed(dash_duo, ".navbar", "display") == "flex"
    # The app's rules come after them, so its palette wins over Bootstrap's.
    assert _computed(dash_duo, ":root", "--risk-critical") == "#c62828"
    assert _computed(dash_duo, ":root", "--bs-primary") == "#2f5d8a"
    assert _computed(dash_duo, "body", "background-color") == "rgb(244, 246, 249)"

    # The icon font is served from assets/ and draws the brand icon.
    icon_font = _computed(dash_duo, ".navbar-brand .bi", "font-family", "::before")
    assert "bootstrap-icons" in icon_font
    assert dash_duo.driver.execute_script("return document.fonts.check('1em bootstrap-icons')")
    loaded = {_file_name(resource["url"]) for resource in report["resources"]}
    assert "bootstrap-icons.woff2" in loaded

    # The favicon is the app's own and is served.
    favicon = dash_duo.find_element("link[rel='icon']").get_attribute("href")
    assert _file_name(favicon) == "favicon.ico"
    assert requests.get(favicon, timeout=10).status_code == 200

    assert dash_duo.get_logs() == []
