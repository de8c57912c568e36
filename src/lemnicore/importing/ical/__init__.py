"""E8: appointments from iCalendar (``.ics``) files — Google, Outlook, Apple, CalDAV
exports — through the shared import pipeline (``lemnicore import ics``)."""
