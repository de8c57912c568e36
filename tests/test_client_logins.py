"""C6: client logins — salted slow hashes only, "must change password at first login"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from lemnicore import (
    AccessDeniedError,
    AuditAction,
    ClientLogin,
    ClientLogins,
    SqliteStore,
    ValidationError,
    hash_password,
    verify_password,
)
from lemnicore.testing import Practice


def test_c6_password_hash_is_salted_scrypt_and_verifies_in_constant_time() -> None:
    first, second = hash_password("geheim-123"), hash_password("geheim-123")
    assert first != second  # a fresh salt each time
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert salt
    assert key
    assert "geheim" not in first
    assert verify_password("geheim-123", first)
    assert not verify_password("geheim-124", first)
    assert not verify_password("geheim-123", "plain$text")
    with pytest.raises(ValidationError, match="password"):
        hash_password("kurz")


def test_c6_login_value_refuses_anything_but_a_hash() -> None:
    with pytest.raises(ValidationError, match="password_hash"):
        ClientLogin("a@example.org", "client-1", "geheim-123")
    login = ClientLogin("a@example.org", "client-1", hash_password("geheim-123"), True)
    assert login.id == login.login_id
    assert "scrypt" not in repr(login)


def test_c6_create_log_in_and_change_password_at_first_login(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.db")
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    client = practice.add_client("Meier", email="petra@example.org")
    logins = ClientLogins(store, practice.clock)
    anna = practice.owner(practice.add_practitioner("Anna"))
    logins.create(anna, client, " Petra@Example.org ", "start-123", must_change_password=True)
    result = logins.authenticate("petra@example.org", "start-123")
    assert (result.client_id, result.must_change_password) == (client, True)
    with pytest.raises(ValidationError, match="new_password"):
        logins.change_password("petra@example.org", "start-123", "start-123")
    logins.change_password("PETRA@example.org", "start-123", "mein-neues-pw")
    assert not logins.authenticate("petra@example.org", "mein-neues-pw").must_change_password
    with pytest.raises(AccessDeniedError, match="unknown login id or wrong password"):
        logins.authenticate("petra@example.org", "start-123")
    with pytest.raises(AccessDeniedError, match="unknown login id or wrong password"):
        logins.authenticate("nobody@example.org", "start-123")
    # The plain password is nowhere in the file.
    store.checkpoint()
    assert b"mein-neues-pw" not in (tmp_path / "p.db").read_bytes()
    with store.unit_of_work(write=False) as uow:
        actions = [e.action for e in uow.audit.query(client_id=client)]
    assert AuditAction.LOGIN_CREATED in actions
    assert AuditAction.LOGIN_PASSWORD_CHANGED in actions
    store.close()


def test_c6_a_login_id_is_unique_and_an_email(practice: Practice) -> None:
    a, b = practice.add_client("A"), practice.add_client("B")
    logins = ClientLogins(practice.store, practice.clock)
    boss = practice.owner(practice.add_practitioner("Anna"))
    logins.create(boss, a, "shared@example.org", "start-123")
    with pytest.raises(ValidationError, match="in use already"):
        logins.create(boss, b, "SHARED@example.org", "start-456")
    with pytest.raises(ValidationError, match="login_id"):
        logins.create(boss, b, "not-an-email", "start-456")
    with pytest.raises(AccessDeniedError, match="client_records"):
        logins.create(practice.front_desk(), b, "b@example.org", "start-456")
