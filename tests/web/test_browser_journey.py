"""H1–H5 in a real browser: Debian's Chromium, driven by Playwright, against the app on
uvicorn on loopback. The screenshots in docs/img/ come from these runs."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from .conftest import STAFF_LOGIN, STAFF_PASSWORD, Booking

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
SLOT_NAME = "Termin Mo 11.05.2026 09:00 Uhr wählen"


def _shot(page: Page, name: str) -> None:
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_IMG / name), full_page=True)


def _next_week(page: Page, b: Booking) -> None:
    page.goto(b.page)
    page.get_by_role("link", name="Nächste Woche").click()
    expect(page.get_by_role("heading", name="Woche ab 11.05.2026")).to_be_visible()


def _cancel_link(text: str) -> str:
    found = re.search(r"(http://127\.0\.0\.1:\d+/cancel/\S+)", text)
    assert found is not None, text
    return found.group(1)


def test_h1_to_h5_the_whole_journey_request_confirm_cancel(
    browser: Browser, booking: Booking
) -> None:
    requester = browser.new_context(locale="de-DE", viewport={"width": 1000, "height": 700})
    other = browser.new_context(locale="de-DE")
    staff = browser.new_context(locale="de-DE", viewport={"width": 1000, "height": 700})
    page = requester.new_page()

    # C2: open the link, go to next week, pick a free slot.
    _next_week(page, booking)
    _shot(page, "week.png")
    page.get_by_role("button", name=SLOT_NAME).click()
    expect(page.get_by_role("heading", name="Ihre Angaben")).to_be_visible()

    # C3: a bad e-mail address gets its error right at the field.
    page.get_by_label("Nachname").fill("Meier")
    page.get_by_label("Vorname (optional)").fill("Petra")
    page.get_by_label("E-Mail").fill("petra(at)example")
    page.get_by_role("button", name="Anfrage senden").click()
    email = page.get_by_label("E-Mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_have_text(
        "Bitte geben Sie eine gültige E-Mail-Adresse an."
    )
    expect(page.locator("#last_name-error")).to_have_count(0)
    _shot(page, "request-error.png")

    # ... fixed, the request is received (C4/C5).
    email.fill("petra@example.org")
    page.get_by_role("button", name="Anfrage senden").click()
    expect(page.get_by_role("heading", name="Anfrage eingegangen")).to_be_visible()
    assert "petra" not in page.url
    _shot(page, "received.png")

    # C4: a second visitor sees the slot taken, with no detail.
    second = other.new_page()
    _next_week(second, booking)
    expect(second.get_by_role("button", name=SLOT_NAME)).to_have_count(0)
    taken = second.locator(".taken", has_text="09:00")
    expect(taken.first).to_contain_text("belegt")
    expect(second.locator("main")).not_to_contain_text("Meier")
    _shot(second, "week-taken.png")

    # C5/H5: the "request received" e-mail carries the self-cancel link.
    [receipt] = [m for m in booking.sink.messages if "Terminanfrage" in m.email["Subject"]]
    assert receipt.rcpt_tos == ("petra@example.org",)
    assert "/cancel/" in receipt.email.get_content()

    # H3: staff log in, attach the existing client and confirm; the confirmation (D)
    # arrives at the loopback SMTP server, with the cancel link.
    desk = staff.new_page()
    desk.goto(f"{booking.url}/staff/login")
    desk.get_by_label("E-Mail (Login)").fill(STAFF_LOGIN)
    desk.get_by_label("Passwort").fill(STAFF_PASSWORD)
    desk.get_by_role("button", name="Anmelden").click()
    expect(desk.get_by_role("heading", name="Offene Anfragen")).to_be_visible()
    expect(desk.locator("main")).to_contain_text("Petra Meier <petra@example.org>")
    _shot(desk, "staff-inbox.png")
    desk.get_by_label("Vorhandenen Kunden zuordnen (Kunden-ID)").first.check()
    desk.locator("input[name=client_id]").first.fill(booking.client_id)
    desk.get_by_role("button", name="Bestätigen").click()
    expect(desk.locator(".notice")).to_contain_text("Termin bestätigt")
    confirmations = [m for m in booking.sink.messages if m is not receipt]
    assert len(confirmations) == 1, [m.email["Subject"] for m in booking.sink.messages]
    [confirmation] = confirmations
    assert confirmation.rcpt_tos == ("petra@example.org",)
    text = confirmation.email.get_body(preferencelist=("plain",)).get_content()
    assert "11.05.2026" in text

    # H5: the client cancels through the link; the slot is free again for others.
    page.goto(_cancel_link(text))
    expect(page.get_by_role("heading", name="Termin absagen")).to_be_visible()
    _shot(page, "cancel.png")
    page.get_by_role("button", name="Ja, Termin absagen").click()
    expect(page.get_by_role("status")).to_contain_text("Der Termin ist abgesagt")
    _next_week(second, booking)
    expect(second.get_by_role("button", name=SLOT_NAME)).to_have_count(1)
    for context in (requester, other, staff):
        context.close()


def test_c4_two_browsers_racing_for_one_slot_exactly_one_wins(
    browser: Browser, booking: Booking
) -> None:
    contexts = [browser.new_context(locale="de-DE") for _ in range(2)]
    pages = [c.new_page() for c in contexts]
    for page in pages:
        _next_week(page, booking)
    # Both clicks are in flight before either answer is read.
    for page in pages:
        page.get_by_role("button", name=SLOT_NAME).click(no_wait_after=True)
    outcomes = []
    for page in pages:
        # Either the form (the slot is held for this one) or the week with "taken".
        expect(page.locator("main h1:has-text('Ihre Angaben'), main .notice").first).to_be_visible()
        outcomes.append(page.locator("h1").inner_text())
    assert sorted(outcomes) == ["Ihre Angaben", "Termin buchen: Kabine 1"], outcomes
    loser = pages[outcomes.index("Termin buchen: Kabine 1")]
    expect(loser.get_by_role("status")).to_contain_text("gerade vergeben")
    winner = pages[outcomes.index("Ihre Angaben")]
    winner.get_by_label("Nachname").fill("Schulz")
    winner.get_by_label("E-Mail").fill("schulz@example.org")
    winner.get_by_role("button", name="Anfrage senden").click()
    expect(winner.get_by_role("heading", name="Anfrage eingegangen")).to_be_visible()
    requests = booking.site.online.requests(booking.practice.owner(booking.anna))
    assert [r.requester.last_name for r in requests if r.requester] == ["Schulz"]
    for context in contexts:
        context.close()


def test_h1_booking_with_the_keyboard_alone_in_english(browser: Browser, booking: Booking) -> None:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{booking.page}?week=2026-05-11")
    expect(page.get_by_role("link", name="Next week →")).to_be_visible()
    target = "Choose Mon 2026-05-11 09:00"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == target:
            break
    else:
        raise AssertionError("the slot button is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    order = []
    for _ in range(12):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    # Focus runs through the form in reading order; the honeypot is skipped.
    assert order[order.index("last_name") :][:6] == [
        "last_name", "first_name", "email", "phone", "message", "BUTTON",
    ]  # fmt: skip
    page.focus("#last_name")
    page.keyboard.type("Keyes")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("keyes@example.org")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Request received")).to_be_visible()
    requests = booking.site.online.requests(booking.practice.owner(booking.anna))
    assert [(r.requester.last_name, r.start.isoformat()) for r in requests if r.requester] == [
        ("Keyes", "2026-05-11T07:00:00+00:00")
    ]
    context.close()


def test_h1_must_change_password_at_first_login(browser: Browser, booking: Booking) -> None:
    booking.site.logins.create(
        booking.practice.owner(booking.anna), booking.client_id, "petra@example.org", "first-pass-1"
    )
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(f"{booking.url}/login")
    page.get_by_label("E-Mail (Login)").fill("petra@example.org")
    page.get_by_label("Passwort").fill("first-pass-1")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Neues Passwort festlegen")).to_be_visible()
    _shot(page, "change-password.png")
    page.get_by_label("Bisheriges Passwort").fill("first-pass-1")
    page.get_by_label("Neues Passwort (mindestens 8 Zeichen)").fill("second-pass-2")
    page.get_by_role("button", name="Passwort ändern").click()
    expect(page.locator("main")).to_contain_text("Angemeldet als petra@example.org")
    result = booking.site.logins.authenticate("petra@example.org", "second-pass-2")
    assert result.must_change_password is False
    context.close()
