"""Serve a generated fake eTermin account on loopback until interrupted (demos, benchmarks).

Prints one line ``base_url public_key private_key`` on stdout, then serves.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from datetime import date

from lemnicore_etermin.testing.account import generate_account
from lemnicore_etermin.testing.server import FakeEterminServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lemnicore_etermin.testing")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--appointments", type=int, default=1000)
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--calendars", type=int, default=3)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())  # noqa: DTZ011
    args = parser.parse_args(argv)
    account = generate_account(
        seed=args.seed,
        today=args.today,
        appointments=args.appointments,
        contacts=args.contacts,
        calendars=args.calendars,
    )
    with FakeEterminServer(account) as fake:
        print(fake.base_url, account.public_key, account.private_key, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
