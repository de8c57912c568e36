"""G3/G6/H1: ``lemnicore serve --store URL`` — the booking page on uvicorn.

Secrets never in argv (G6): the signing secret comes from ``LEMNICORE_WEB_SECRET``. Every
option is configured like any command's (:mod:`lemnicore.cli.config`): ``--store`` from
``LEMNICORE_SERVE_STORE`` or ``LEMNICORE_STORE``, the mail transport ``--transport`` from
``LEMNICORE_SERVE_TRANSPORT`` or ``LEMNICORE_TRANSPORT``, or the ``[serve]`` table of
``lemnicore.toml``. This module imports neither Starlette nor uvicorn: ``lemnicore --help``
stays fast (G5).
"""

from __future__ import annotations

import argparse
import logging
import os

from lemnicore.cli.arguments import open_cli_store
from lemnicore.cli.registry import CommandRegistry
from lemnicore.errors import PluginError, ValidationError

log = logging.getLogger(__name__)


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        default=None,
        help="store URL, e.g. sqlite:///practice.db (env LEMNICORE_STORE)",
    )
    parser.add_argument(
        "--transport",
        default=None,
        metavar="URL",
        help=(
            "where confirmations with their cancel link go, e.g. smtp://… (needs the notify "
            "extra; better from env LEMNICORE_TRANSPORT or lemnicore.toml than in argv)"
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--public-url", default=None, help="where clients reach the page (links in e-mails)"
    )
    parser.add_argument(
        "--frame-ancestor",
        action="append",
        default=[],
        help="an origin allowed to embed the page in an iframe (repeatable)",
    )
    parser.add_argument(
        "--secure-cookies", action="store_true", help="behind HTTPS: Secure, SameSite=None"
    )
    parser.add_argument(
        "--proxy-headers", action="store_true", help="trust X-Forwarded-* from --forwarded-allow"
    )
    parser.add_argument("--forwarded-allow", default="127.0.0.1", help="proxy addresses")


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from lemnicore_web.app import create_app
        from lemnicore_web.config import WebConfig
    except ImportError as missing:  # G5: say which extra brings it
        raise PluginError(
            f"lemnicore serve needs the 'web' extra (pip install 'lemnicore[web]'): {missing}"
        ) from None

    if not args.store:
        raise ValidationError("--store", "give a store URL (or set LEMNICORE_STORE)")
    secret = os.environ.get("LEMNICORE_WEB_SECRET", "")
    if len(secret) < 32:
        raise ValidationError(
            "LEMNICORE_WEB_SECRET", "set at least 32 characters (it signs cancel links)"
        )
    transport = None
    if args.transport:
        from lemnicore_notify.cli import transport_for_url

        transport = transport_for_url(args.transport)
    config = WebConfig(
        secret_key=secret.encode(),
        public_url=args.public_url or f"http://{args.host}:{args.port}",
        frame_ancestors=tuple(args.frame_ancestor),
        secure_cookies=args.secure_cookies,
    )
    store = open_cli_store(args.store, must_exist=True)
    app = create_app(store, config=config, transport=transport)
    log.info("serving the booking page on http://%s:%d", args.host, args.port)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow,
        # H4: no personal data in logs — the URLs carry none, but stay quiet by default.
        access_log=False,
    )
    return 0


def add_commands(commands: CommandRegistry) -> None:
    commands.add(
        "serve",
        help="serve the online booking page and its JSON API (H1)",
        configure=_configure,
        run=_serve,
    )
