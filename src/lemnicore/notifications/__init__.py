"""Notifications (SPEC D): confirmations and reminders, and the transport port."""
