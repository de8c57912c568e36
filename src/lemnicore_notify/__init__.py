"""lemnicore_notify — message transports: SMTP e-mail with .ics, SMS, Threema, work lists."""

__all__: list[str] = []
