"""C6/E7: client logins for the booking page — a login id and a salted slow hash.

Passwords are never stored: only ``scrypt$n$r$p$salt_b64$hash_b64`` (stdlib
:func:`hashlib.scrypt`). A login can be marked "must change password at first login".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import attrs

from lemnicore._validators import non_empty
from lemnicore.errors import ValidationError
from lemnicore.scheduling.clients import is_valid_email

# 2**14 × 8 × 1: the parameters OWASP lists as a minimum for scrypt (16 MiB, ~50 ms).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32


def normalise_login_id(login_id: str) -> str:
    """Login ids are e-mail addresses, compared without case and surrounding blanks."""
    return login_id.strip().casefold()


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """C6: a fresh random salt and scrypt; returns the self-describing hash string."""
    if not password:
        raise ValidationError("password", "must not be empty")
    salt = os.urandom(_SALT_BYTES)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=_HASH_BYTES, maxmem=2 * 128 * r * n
    )
    encode = base64.b64encode
    return f"scrypt${n}${r}${p}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = password_hash.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(hash_b64)
        digest = hashlib.scrypt(
            password.encode(),
            salt=salt,
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=2 * 128 * int(r) * int(n),
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)


def _login_id(instance: ClientLogin, attribute: attrs.Attribute[str], value: str) -> None:
    non_empty(instance, attribute, value)
    if not is_valid_email(value):
        raise ValidationError("login_id", f"a login id is an e-mail address, got {value!r}")


def _scrypt_hash(instance: ClientLogin, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.startswith("scrypt$") or value.count("$") != 5:
        raise ValidationError(
            "password_hash", "must be an scrypt hash string", record=f"ClientLogin {instance.id!r}"
        )


@attrs.frozen
class ClientLogin:
    """C6: one client's login; ``id`` is the (normalised) login id, an e-mail address."""

    id: str = attrs.field(converter=normalise_login_id, validator=_login_id)
    client_id: str = attrs.field(validator=non_empty)
    password_hash: str = attrs.field(validator=_scrypt_hash, repr=False)
    must_change_password: bool = False
