"""H1: axe-core (from the npm registry, injected into the page) finds no serious or
critical violation on any page of the booking journey, in Debian's Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from .conftest import STAFF_LOGIN, STAFF_PASSWORD, Booking


def _violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_source)
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in found if v.get("impact") in {"serious", "critical"}]


def _describe(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations]


@pytest.mark.parametrize("language", ["de-DE", "en-GB"])
def test_h1_the_booking_pages_have_no_serious_accessibility_violations(
    browser: Browser, booking: Booking, axe_source: str, language: str
) -> None:
    # bypass_csp: the page's CSP (rightly) forbids the injected axe script.
    context = browser.new_context(locale=language, bypass_csp=True)
    page = context.new_page()
    checked: dict[str, list[str]] = {}

    page.goto(f"{booking.page}?week=2026-05-11")
    checked["week"] = _describe(_violations(page, axe_source))
    page.locator("button[name=start]").first.click()
    checked["form"] = _describe(_violations(page, axe_source))
    page.locator("#last_name").fill("Meier")
    page.locator("#email").fill("not an address")
    page.locator("form button[type=submit]").click()
    checked["form with errors"] = _describe(_violations(page, axe_source))
    page.locator("#email").fill("petra@example.org")
    page.locator("form button[type=submit]").click()
    checked["received"] = _describe(_violations(page, axe_source))
    page.locator("a[href*='/cancel/']").click()
    checked["cancel"] = _describe(_violations(page, axe_source))
    page.goto(f"{booking.url}/login")
    checked["login"] = _describe(_violations(page, axe_source))
    page.goto(f"{booking.url}/staff/login")
    page.locator("#login_id").fill(STAFF_LOGIN)
    page.locator("#password").fill(STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    checked["staff inbox"] = _describe(_violations(page, axe_source))
    context.close()
    assert {name: found for name, found in checked.items() if found} == {}


def test_the_accessibility_check_does_find_a_form_field_without_a_label(
    browser: Browser, axe_source: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<html lang='en'><title>x</title><main><input type='text'></main></html>")
    assert "label" in [v["id"] for v in _violations(page, axe_source)]
    context.close()
