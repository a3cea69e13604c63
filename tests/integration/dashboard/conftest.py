"""The dashboard in a real browser: Debian's Chromium (``/usr/bin/chromium``, never a browser
downloaded by Playwright) driven by Playwright for Python against the shared platform.

One browser per module (``browser``); each test gets a fresh context and a ``page`` already
signed in with the demo tenant's key. Helpers: ``visit`` (go to a hash route and wait until
the page module has rendered), ``wait_for_text``, ``check_accessibility`` (axe-core: no
critical violations, serious ones printed) and ``screenshot`` (written under
``build/screenshots/``, a git-ignored folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
# without the background-networking flags Chromium keeps dialling Google on a closed network
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "build" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
PAGES = (
    "overview",
    "campaigns",
    "contacts",
    "domains",
    "mailboxes",
    "servers",
    "suppressions",
    "webhooks",
    "alerts",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: .ci/run installs it (apt-get install)")
        pytest.skip("no /usr/bin/chromium: apt-get install chromium chromium-driver (as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def new_page(browser: Any, platform: Any, viewport: dict[str, int] = DESKTOP) -> Any:
    context = browser.new_context(
        base_url=platform.url,
        viewport=viewport,
        permissions=["clipboard-read", "clipboard-write"],
        bypass_csp=True,  # wait_for_function evaluates strings; the page's own CSP forbids that
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.errors = []  # uncaught exceptions of the page's scripts
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def sign_in(page: Any, key: str) -> None:
    page.goto("/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function("document.querySelector('#page').dataset.ready")


@pytest.fixture
def page(browser: Any, platform: Any) -> Iterator[Any]:
    """A fresh browser context at desktop size, signed in with the demo tenant's key."""
    signed_in = new_page(browser, platform)
    sign_in(signed_in, platform.demo_key)
    yield signed_in
    signed_in.context.close()


def visit(page: Any, name: str, param: str = "") -> None:
    """Go to ``#/<name>[/<param>]`` and wait until that page has rendered."""
    target = f"#/{name}" + (f"/{param}" if param else "")
    here = page.evaluate("[location.hash, document.querySelector('#page').dataset.ready || '']")
    if here[0] == target and here[1]:
        return  # already rendered: setting the same hash would fire no hashchange
    before = here[1]
    page.evaluate("(hash) => { location.hash = hash; }", target)
    page.wait_for_function(
        "([name, before]) => { const p = document.querySelector('#page');"
        " return p.dataset.page === name && p.dataset.ready && p.dataset.ready !== before; }",
        arg=[name, before],
    )


def wait_for_text(page: Any, text: str, within: str = "#page") -> None:
    page.locator(within).get_by_text(text, exact=False).first.wait_for(state="visible")


def check_accessibility(page: Any, where: str) -> list[dict[str, Any]]:
    """Run axe-core on the page; fail on critical violations, print serious ones."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    for violation in violations:
        if violation["impact"] in ("serious", "critical"):
            nodes = [node["target"] for node in violation["nodes"][:3]]
            print(f"axe {violation['impact']} on {where}: {violation['id']} {nodes}")
    critical = [v for v in violations if v["impact"] == "critical"]
    assert not critical, f"{where}: critical accessibility violations: {critical}"
    return violations


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
