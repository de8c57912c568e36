"""C6: client logins for the booking page — the password only as a salted slow hash.

The hash is stdlib :func:`hashlib.scrypt` with a random 16-byte salt, stored as
``scrypt$n$r$p$salt_b64$hash_b64`` so the cost can be raised later without breaking old
hashes. Verification compares in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

import attrs

from lemnicore._validators import non_empty
from lemnicore.errors import ValidationError
from lemnicore.scheduling.clients import is_valid_email

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_KEY_BYTES = 32
_SALT_BYTES = 16
MIN_PASSWORD_LENGTH = 8


def normalise_login_id(login_id: str) -> str:
    """A login id is an e-mail address, compared without case and surrounding spaces.

    Only normalises; :class:`ClientLogin` checks that the result is an e-mail address.
    """
    return login_id.strip().casefold()


def _login_id(instance: ClientLogin, attribute: attrs.Attribute[Any], value: str) -> None:
    if not is_valid_email(value):
        raise ValidationError("login_id", f"a login id is an e-mail address, got {value!r}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """C6: a salted scrypt hash of ``password`` in the ``scrypt$n$r$p$salt$hash`` format."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", f"must have at least {MIN_PASSWORD_LENGTH} characters")
    salt = secrets.token_bytes(_SALT_BYTES)
    key = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_KEY_BYTES, maxmem=2**26
    )
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, password_hash: str) -> bool:
    """C6: does ``password`` match the stored hash? Constant-time; False for a bad format."""
    try:
        scheme, n, r, p, salt_b64, key_b64 = password_hash.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(key_b64, validate=True)
        key = hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=2**26,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(key, expected)


def _hash_format(instance: ClientLogin, attribute: attrs.Attribute[Any], value: str) -> None:
    parts = value.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        # Never echo the value: it is a password hash.
        raise ValidationError(
            "password_hash",
            "must be 'scrypt$n$r$p$salt_b64$hash_b64' (a plain password is never stored)",
            record=f"ClientLogin {instance.login_id!r}",
        )


@attrs.frozen
class ClientLogin:
    """C6: a client's login for the booking page, keyed by its login id (an e-mail)."""

    login_id: str = attrs.field(converter=normalise_login_id, validator=_login_id)
    client_id: str = attrs.field(validator=non_empty)
    password_hash: str = attrs.field(validator=_hash_format, repr=False)
    must_change_password: bool = False

    @property
    def id(self) -> str:
        return self.login_id
