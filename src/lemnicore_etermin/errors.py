"""Errors of the eTermin importer. Messages name the endpoint, never a key or signature."""

from __future__ import annotations

from lemnicore.errors import LemnicoreError, ValidationError


class EterminError(LemnicoreError):
    """Talking to the eTermin API failed."""


class EterminAuthError(EterminError):
    """eTermin refused the public/private key pair (HTTP 401/403)."""


class EterminUnavailableError(EterminError):
    """eTermin kept failing (429/5xx/timeouts) after every retry."""


class CsvImportError(ValidationError):
    """E7: the CSV file has faulty lines; nothing was imported. ``problems`` lists them all."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems
        first_line, first_field, first_reason = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first_field, f"{first_reason}{more}", record=f"line {first_line}")
