"""Online self-booking (SPEC C): released rooms, the public week view, holds, requests."""
