"""The scheduling core (SPEC A): rooms, calendars, appointments, availabilities, slots."""
