"""A faithful fake eTermin API for tests and demos (product, not test clutter; G2).

- :class:`EterminAccount` — an account's records exactly as eTermin sends them.
- :func:`generate_account` — a large, realistically messy account from a seed.
- :class:`FakeEterminServer` — serves an account over loopback, checks signatures, and can
  be scripted to fail (429/5xx).

Run ``python -m lemnicore_etermin.testing --appointments 1000`` to serve a generated
account until interrupted (it prints the base URL and the keys of the fake account).
"""

from lemnicore_etermin.testing.account import EterminAccount, generate_account
from lemnicore_etermin.testing.server import FakeEterminServer, RequestSeen

__all__ = ["EterminAccount", "FakeEterminServer", "RequestSeen", "generate_account"]
