"""The dashboard in headless Chromium on the shared platform: signing in keeps the key out of
URLs and localStorage, a new domain shows its records with copy buttons, every page renders
(desktop and a 375 px phone, no horizontal scroll), passes axe-core with no critical
violation and is screenshotted, the keyboard reaches the main nav and follows a link, and the
pages of features a platform lacks (webhooks, realtime) say so instead of failing."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.dashboard.conftest import (
    PAGES,
    PHONE,
    check_accessibility,
    new_page,
    screenshot,
    sign_in,
    visit,
    wait_for_text,
)

ERROR_NOTICE = "#page .notice.bad"
STEP = {"type": "email", "subject": "Hello", "text": "A short note."}


def _storage(page: Any, which: str) -> dict[str, str]:
    return page.evaluate(f"Object.fromEntries(Object.entries({which}))")


def test_the_key_stays_in_session_storage_and_never_in_a_url(browser, platform):
    # given a browser that records every URL it asks for
    page = new_page(browser, platform)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    # when the demo tenant signs in and opens a few pages
    sign_in(page, platform.demo_key)
    for name in ("campaigns", "domains", "overview"):
        visit(page, name)
    # then the key is in this tab's session storage only
    key = platform.demo_key
    assert key in _storage(page, "sessionStorage").values()
    assert all(key not in value for value in _storage(page, "localStorage").values())
    assert key not in page.url
    assert urls and all(key not in url for url in urls)
    assert page.get_by_role("navigation", name="Main").is_visible()
    # and signing out forgets it
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API key").wait_for()
    assert _storage(page, "sessionStorage") == {}
    assert page.errors == []
    page.context.close()


def test_a_wrong_key_is_refused_with_a_message(browser, platform):
    page = new_page(browser, platform)
    page.goto("/")
    page.get_by_label("API key").fill("pm_live_not_a_key")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("That key is not valid or has been revoked.").wait_for()
    assert _storage(page, "sessionStorage") == {}
    page.context.close()


def test_a_new_domain_shows_its_records_with_copy_buttons(page):
    # given the domains page
    visit(page, "domains")
    name = f"dash{uuid.uuid4().hex[:8]}.test"
    # when a domain is added through the form
    page.get_by_label("Domain name").fill(name)
    page.get_by_role("button", name="Add domain").click()
    page.get_by_role("heading", name=name).wait_for()
    page.wait_for_function("document.querySelector('#page').dataset.page === 'domains'")
    # then its records are listed, each name and value with a copy button
    rows = page.locator("#page table tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 3  # SPF, DKIM, DMARC at least
    copies = page.get_by_role("button", name="Copy")
    assert page.locator("#page table button", has_text="Copy").count() == 2 * rows.count()
    assert copies.count() >= 2 * rows.count()
    wait_for_text(page, "DKIM")
    # and a copy button puts the value on the clipboard and says so
    first_value = page.locator("#page table tbody tr").first.locator("td").nth(3).locator("code")
    page.locator("#page table tbody tr").first.get_by_role("button", name="Copy").nth(1).click()
    assert page.evaluate("navigator.clipboard.readText()") == first_value.inner_text()
    page.wait_for_function("document.getElementById('announcer').textContent.includes('copied')")
    # and its verification state is shown
    wait_for_text(page, "Verification")
    assert page.errors == []


def test_every_page_renders_passes_axe_and_is_screenshotted(browser, platform, page):
    # the sign-in page first, in a context of its own
    fresh = new_page(browser, platform)
    fresh.goto("/")
    fresh.get_by_label("API key").wait_for()
    check_accessibility(fresh, "sign-in")
    screenshot(fresh, "desktop-sign-in")
    fresh.context.close()
    for name in PAGES:
        visit(page, name)
        assert page.locator(ERROR_NOTICE).count() == 0, page.locator(ERROR_NOTICE).all_inner_texts()
        assert page.locator("#page h1").count() == 1
        check_accessibility(page, f"desktop {name}")
        screenshot(page, f"desktop-{name}")
    assert page.errors == []


def test_every_page_fits_a_phone_without_horizontal_scroll(browser, platform):
    phone = new_page(browser, platform, PHONE)
    sign_in(phone, platform.demo_key)
    for name in PAGES:
        visit(phone, name)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 375 px"
        check_accessibility(phone, f"phone {name}")
        screenshot(phone, f"phone-{name}")
    assert phone.errors == []
    phone.context.close()


def _reload(page: Any) -> None:
    """A fresh document: the next Tab starts from its top (a blur would not reset that)."""
    page.reload()
    page.wait_for_function("document.querySelector('#page').dataset.ready")


def test_the_keyboard_reaches_the_main_nav_and_follows_a_link_with_enter(page):
    _reload(page)
    # the first Tab lands on the skip link, which moves focus to the main content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    # then Tab on until a link of the main nav has focus
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('nav')"):
            break
    nav_label = "document.activeElement.closest('nav').getAttribute('aria-label')"
    assert page.evaluate(nav_label) == "Main"
    for _ in range(10):  # Overview, then Campaigns
        if page.evaluate("document.activeElement.textContent") == "Campaigns":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#page').dataset.page === 'campaigns'")
    page.get_by_role("heading", name="Campaigns", exact=True).wait_for()
    assert page.get_by_role("link", name="Campaigns").get_attribute("aria-current") == "page"


def test_the_skip_link_moves_focus_to_the_main_content(page):
    _reload(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_webhooks_and_live_updates_degrade_to_a_message_without_their_routes(page, platform):
    # webhooks: the list, or a clear message when the platform has no such route
    visit(page, "webhooks")
    has_webhooks = platform.get("/v1/webhooks", platform.demo_key).status_code != 404
    if has_webhooks:
        page.get_by_role("button", name="Add endpoint").wait_for()
    else:
        wait_for_text(page, "Webhooks are not available on this platform yet")
    # live updates: a campaign page says how it stays fresh (socket, or polling without it)
    boxes = platform.get("/v1/mailboxes", platform.demo_key).json()["items"]
    settings = {"mailbox_ids": [boxes[0]["id"]]}
    body = {"name": f"dash {uuid.uuid4().hex[:6]}", "steps": [STEP], "settings": settings}
    created = platform.request("POST", "/v1/campaigns", platform.demo_key, json=body)
    assert created.status_code == 201, created.text
    visit(page, "campaigns", created.json()["id"])
    page.wait_for_function(
        "[...document.querySelectorAll('#page [role=status]')]"
        ".some((el) => /Live updates: connected|Live updates unavailable/.test(el.textContent))"
    )
    if platform.get("/v1/openapi.json").json()["paths"].get("/v1/realtime/tickets") is None:
        wait_for_text(page, "refreshing every 3 s")
    assert page.errors == []
