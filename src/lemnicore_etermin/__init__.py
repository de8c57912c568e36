"""lemnicore_etermin — data takeover from the eTermin booking service (SPEC E)."""

__all__: list[str] = []
