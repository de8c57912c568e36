"""H1: the booking page speaks German and English — picked from a switch on the page, else
from the browser's ``Accept-Language``, else the practice's default."""

from __future__ import annotations

from datetime import date, datetime

LANGUAGES = ("de", "en")

WEEKDAYS = {
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "book_title": "Termin buchen",
        "week_of": "Woche ab {day}",
        "previous_week": "Vorherige Woche",
        "next_week": "Nächste Woche",
        "times_in": "Alle Zeiten in {zone}.",
        "taken": "belegt",
        "no_slots": "keine freien Termine",
        "pick_slot": "Termin {when} wählen",
        "your_details": "Ihre Angaben",
        "slot": "Termin",
        "last_name": "Nachname",
        "first_name": "Vorname (optional)",
        "email": "E-Mail",
        "phone": "Telefon (optional)",
        "message": "Nachricht (optional)",
        "website": "Bitte leer lassen",
        "send_request": "Anfrage senden",
        "back_to_week": "Zurück zur Wochenansicht",
        "held_until": "Wir halten diesen Termin bis {time} Uhr für Sie frei.",
        "received_title": "Anfrage eingegangen",
        "received_text": "Ihre Anfrage für {when} ist eingegangen. Sie ist noch nicht bestätigt: Sie erhalten eine Bestätigung per E-Mail.",
        "cancel_hint": "Wenn Sie den Termin nicht wahrnehmen können, sagen Sie ihn bitte hier ab:",
        "cancel_link": "Anfrage absagen",
        "cancel_title": "Termin absagen",
        "cancel_question": "Möchten Sie den Termin am {when} absagen?",
        "cancel_button": "Ja, Termin absagen",
        "cancel_until": "Eine Absage ist online bis {when} möglich.",
        "cancel_too_late": "Dieser Termin kann online nicht mehr abgesagt werden. Bitte rufen Sie uns an.",
        "cancelled": "Der Termin ist abgesagt. Der Zeitraum ist wieder frei.",
        "slot_taken": "Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen.",
        "outside_hours": "Zu dieser Zeit ist keine Sprechstunde (außerhalb der Arbeitszeit). Bitte wählen Sie eine andere Zeit.",
        "errors_heading": "Bitte prüfen Sie Ihre Angaben:",
        "err_last_name": "Bitte geben Sie Ihren Nachnamen an.",
        "err_email": "Bitte geben Sie eine gültige E-Mail-Adresse an.",
        "err_email_limit": "Für diese E-Mail-Adresse sind schon zu viele Anfragen offen.",
        "err_phone": "Bitte geben Sie eine gültige Telefonnummer an.",
        "err_first_name": "Der Vorname ist zu lang.",
        "err_message": "Die Nachricht ist zu lang.",
        "err_start": "Dieser Termin kann nicht gebucht werden.",
        "err_request": "Zu viele offene Anfragen. Bitte versuchen Sie es später noch einmal.",
        "err_form": "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.",
        "not_found": "Diese Seite gibt es nicht (mehr).",
        "login_title": "Anmelden",
        "login_id": "E-Mail (Login)",
        "password": "Passwort",
        "login_button": "Anmelden",
        "login_failed": "Login oder Passwort ist falsch.",
        "change_title": "Neues Passwort festlegen",
        "change_text": "Bitte legen Sie bei der ersten Anmeldung ein neues Passwort fest.",
        "old_password": "Bisheriges Passwort",
        "new_password": "Neues Passwort (mindestens 8 Zeichen)",
        "change_button": "Passwort ändern",
        "logged_in": "Angemeldet als {who}.",
        "logout": "Abmelden",
        "staff_title": "Offene Anfragen",
        "staff_login_title": "Anmeldung für das Praxisteam",
        "no_requests": "Keine offenen Anfragen.",
        "requested_by": "Angefragt von",
        "new_client": "Neuen Kunden aus der Anfrage anlegen",
        "existing_client": "Vorhandenen Kunden zuordnen (Kunden-ID)",
        "confirm": "Bestätigen",
        "decline": "Ablehnen",
        "confirmed": "Termin bestätigt; die Bestätigung wird versandt.",
        "declined": "Anfrage abgelehnt; der Termin ist wieder frei.",
        "language": "Sprache",
        "skip": "Zum Inhalt springen",
    },
    "en": {
        "book_title": "Book an appointment",
        "week_of": "Week of {day}",
        "previous_week": "Previous week",
        "next_week": "Next week",
        "times_in": "All times in {zone}.",
        "taken": "taken",
        "no_slots": "no free times",
        "pick_slot": "Choose {when}",
        "your_details": "Your details",
        "slot": "Appointment",
        "last_name": "Last name",
        "first_name": "First name (optional)",
        "email": "E-mail",
        "phone": "Phone (optional)",
        "message": "Message (optional)",
        "website": "Leave this empty",
        "send_request": "Send request",
        "back_to_week": "Back to the week",
        "held_until": "We keep this time for you until {time}.",
        "received_title": "Request received",
        "received_text": "Your request for {when} has been received. It is not confirmed yet: you will get a confirmation by e-mail.",
        "cancel_hint": "If you cannot come, please cancel here:",
        "cancel_link": "Cancel the request",
        "cancel_title": "Cancel an appointment",
        "cancel_question": "Do you want to cancel the appointment on {when}?",
        "cancel_button": "Yes, cancel it",
        "cancel_until": "You can cancel online until {when}.",
        "cancel_too_late": "This appointment can no longer be cancelled online. Please call us.",
        "cancelled": "The appointment is cancelled. The time is free again.",
        "slot_taken": "Somebody has just taken this time. Please choose another one.",
        "outside_hours": "This time is outside the working hours. Please choose another one.",
        "errors_heading": "Please check your details:",
        "err_last_name": "Please give your last name.",
        "err_email": "Please give a valid e-mail address.",
        "err_email_limit": "This e-mail address has too many open requests already.",
        "err_phone": "Please give a valid phone number.",
        "err_first_name": "The first name is too long.",
        "err_message": "The message is too long.",
        "err_start": "This time cannot be booked.",
        "err_request": "Too many open requests. Please try again later.",
        "err_form": "The form has expired. Please reload the page.",
        "not_found": "This page does not exist (any more).",
        "login_title": "Log in",
        "login_id": "E-mail (login)",
        "password": "Password",
        "login_button": "Log in",
        "login_failed": "Wrong login or password.",
        "change_title": "Set a new password",
        "change_text": "Please set a new password at your first login.",
        "old_password": "Current password",
        "new_password": "New password (at least 8 characters)",
        "change_button": "Change password",
        "logged_in": "Logged in as {who}.",
        "logout": "Log out",
        "staff_title": "Open requests",
        "staff_login_title": "Staff login",
        "no_requests": "No open requests.",
        "requested_by": "Requested by",
        "new_client": "Create a new client from the request",
        "existing_client": "Attach an existing client (client id)",
        "confirm": "Confirm",
        "decline": "Decline",
        "confirmed": "Appointment confirmed; the confirmation is on its way.",
        "declined": "Request declined; the time is free again.",
        "language": "Language",
        "skip": "Skip to content",
    },
}


def pick_language(choice: str | None, accept_language: str, default: str = "de") -> str:
    """H1: the page's language: an explicit ``choice`` (the switch), else the first
    supported language of ``Accept-Language`` by quality, else ``default``."""
    if choice in LANGUAGES:
        return choice
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, n, tag.strip().lower().split("-")[0]))
    for quality, _, tag in sorted(ranked):
        if quality < 0 and tag in LANGUAGES:
            return tag
    return default if default in LANGUAGES else "de"


def error_text(language: str, field: str, reason: str) -> str:
    """C3: the message shown next to ``field``: the domain's own reason in English, a
    German sentence for the field in German."""
    texts = TEXTS[language]
    if field == "email" and "open requests" in reason:
        return texts["err_email_limit"]
    if language == "en" and field != "request":
        return reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
    return texts.get(f"err_{field}", reason)


def format_when(value: datetime, language: str) -> str:
    day = WEEKDAYS[language][value.weekday()]
    if language == "de":
        return f"{day} {value:%d.%m.%Y} {value:%H:%M} Uhr"
    return f"{day} {value:%Y-%m-%d} {value:%H:%M}"


def format_day(value: date, language: str) -> str:
    day = WEEKDAYS[language][value.weekday()]
    return f"{day} {value:%d.%m.}" if language == "de" else f"{day} {value:%m/%d}"
