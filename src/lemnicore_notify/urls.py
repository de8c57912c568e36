"""Transport URLs (D12): parse them once, and never print a secret from them.

A transport is configured by one URL such as ``smtp://user:pass@host:587?from=a@b.de``.
The URL carries credentials, so everything that shows a URL — ``repr()``, log lines,
error messages, the CLI — goes through :func:`mask_url` first.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import attrs

from lemnicore.errors import ValidationError

MASK = "***"

# Query parameters that carry secrets in some provider URLs; masked wherever they appear.
SECRET_PARAMETERS = frozenset(
    {"password", "pass", "secret", "token", "auth_token", "api_key", "apikey", "key"}
)


def mask_url(url: str) -> str:
    """``url`` with every secret replaced by ``***``.

    The password of the user-info is masked; a user-info *without* a password is masked
    whole, because then the user part is the API key (``sms+seven://API_KEY@host``).
    Query parameters named like secrets (``secret=``, ``token=``, …) are masked too.
    An unparseable URL is masked entirely rather than risk showing a secret.
    """
    hidden = _hidden_userinfo(url)
    if hidden is not None:
        user, host_and_rest = hidden
        shown = mask_url(host_and_rest)
        if shown == MASK:
            return MASK
        scheme, _, after = shown.partition("://")
        who = f"{user}:{MASK}" if user is not None else MASK
        return f"{scheme}://{who}@{after}"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return MASK
    if parts.port is not None:
        host = f"{host}:{port}"
    netloc = host
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        if ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{MASK}@{host}"
        else:
            netloc = f"{MASK}@{host}"
    query = "&".join(
        f"{name}={MASK if name.lower() in SECRET_PARAMETERS else quote(value, safe='+@:/')}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    # Built by hand: urlunsplit drops the "//" of an empty host (worklist:///path).
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


_HOST_AND_PORT = re.compile(r"^[^/?#]*:[0-9]+(?:[/?#]|$)")


def _hidden_userinfo(url: str) -> tuple[str | None, str] | None:
    """A user-info that ``urlsplit`` does not see, because its password holds an unencoded
    ``/``, ``?`` or ``#`` (``smtp://u:123/S3cret@host``): ``(user or None, "scheme://host…")``.

    ``None`` when the URL has no such user-info. An ``@`` in a query value
    (``?from=praxis@example.org``) is not one — unless what follows it reads as the host
    of the URL (a port, or the query starting only after it).
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None
    if "@" in netloc:
        return None
    tail = rest[len(netloc) :] if rest.startswith(netloc) else rest
    at = tail.find("@")
    if at < 0:
        return None
    before, after = tail[:at], tail[at + 1 :]
    in_query_value = (
        before.startswith("?")
        and "=" in before
        and "?" not in after
        and not _HOST_AND_PORT.match(after)
    )
    if in_query_value:
        return None
    userinfo = netloc + before
    user = userinfo.split(":", 1)[0] if ":" in userinfo else None
    return user, f"{scheme}://{after}"


@attrs.frozen(repr=False)
class TransportURL:
    """The parts of a transport URL, decoded. ``repr`` shows the masked URL only."""

    raw: str
    scheme: str
    username: str
    password: str
    host: str
    port: int | None
    path: str
    options: dict[str, str]

    @classmethod
    def parse(cls, url: str, *, schemes: frozenset[str]) -> TransportURL:
        """Split ``url``; ``schemes`` are those the calling transport accepts."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise ValidationError("url", f"not a valid transport URL: {mask_url(url)}") from None
        if parts.scheme not in schemes:
            expected = ", ".join(f"{s}://" for s in sorted(schemes))
            raise ValidationError(
                "url", f"scheme {parts.scheme!r} is not one of {expected}: {mask_url(url)}"
            )
        options: dict[str, str] = {}
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name in options:
                raise ValidationError("url", f"option {name!r} given twice: {mask_url(url)}")
            options[name] = value
        return cls(
            raw=url,
            scheme=parts.scheme,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=parts.hostname or "",
            port=port,
            path=unquote(parts.path),
            options=options,
        )

    @property
    def masked(self) -> str:
        return mask_url(self.raw)

    def flag(self, name: str, default: bool = False) -> bool:
        """A yes/no option (``1/0``, ``true/false``, ``yes/no``, ``on/off``)."""
        value = self.options.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ValidationError("url", f"option {name}={value!r} is not a yes/no value")

    def number(self, name: str, default: float) -> float:
        value = self.options.get(name)
        if value is None:
            return default
        try:
            result = float(value)
        except ValueError:
            raise ValidationError("url", f"option {name}={value!r} is not a number") from None
        if result <= 0:
            raise ValidationError("url", f"option {name}={value!r} must be positive")
        return result

    def __repr__(self) -> str:
        return f"TransportURL({self.masked!r})"

    __str__ = __repr__
