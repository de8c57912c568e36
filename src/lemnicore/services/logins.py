"""C6: client logins for the booking page — create, log in, change the password."""

from __future__ import annotations

from functools import cache

import attrs

from lemnicore.access.actors import Actor, Role
from lemnicore.access.audit import AuditAction
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.logins import (
    ClientLogin,
    hash_password,
    normalise_login_id,
    verify_password,
)
from lemnicore.clock import Clock
from lemnicore.errors import AccessDeniedError, ConflictError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.services.booking import record
from lemnicore.storage.ports import Store


# Verifying against this when the login id is unknown takes as long as a real check, so
# the answer time does not tell which login ids exist.
@cache
def _dummy_hash() -> str:
    return hash_password("not a real password")


@attrs.frozen
class LoginResult:
    """A successful login: whose it is and whether the password must be changed first."""

    client_id: str
    login_id: str
    must_change_password: bool


class ClientLogins:
    """C6: logins are keyed by an e-mail login id; passwords only as salted scrypt hashes."""

    def __init__(self, store: Store, clock: Clock, *, new_id: IdFactory = new_id) -> None:
        self.store = store
        self.clock = clock
        self._new_id = new_id

    def create(
        self,
        actor: Actor,
        client_id: str,
        login_id: str,
        password: str,
        *,
        must_change_password: bool = True,
    ) -> ClientLogin:
        """C6: a login for ``client_id``; a login id used already is a ValidationError."""
        key = normalise_login_id(login_id)
        login = ClientLogin(key, client_id, hash_password(password), must_change_password)
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            client = uow.clients.get(client_id)
            AccessGateway(uow, actor).client("ClientLogins.create", client)
            if client.erased:
                raise ConflictError(f"client {client_id!r} has been erased")
            if uow.client_logins.find(key) is not None:
                raise ValidationError("login_id", f"{login_id!r} is in use already")
            uow.client_logins.put(login)
            # The login id is an e-mail address: personal, so not in the audit values.
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.LOGIN_CREATED,
                new_id=self._new_id,
                client_id=client_id,
                after={"must_change_password": must_change_password},
            )
            uow.commit()
        return login

    def authenticate(self, login_id: str, password: str) -> LoginResult:
        """C6: check a login; one :class:`AccessDeniedError` for unknown id or wrong password."""
        try:
            key = normalise_login_id(login_id)
        except ValidationError:
            key = ""
        with self.store.unit_of_work(write=False) as uow:
            login = uow.client_logins.find(key) if key else None
        if login is None:
            verify_password(password, _dummy_hash())
        if login is None or not verify_password(password, login.password_hash):
            raise AccessDeniedError("anonymous", "log in", "unknown login id or wrong password")
        return LoginResult(login.client_id, login.login_id, login.must_change_password)

    def change_password(self, login_id: str, old_password: str, new_password: str) -> ClientLogin:
        """C6: set a new password (clears "must change password"); the old one must match."""
        result = self.authenticate(login_id, old_password)
        if new_password == old_password:
            raise ValidationError("new_password", "must differ from the old password")
        new_hash = hash_password(new_password)
        now = self.clock.now()
        client = Actor(id=f"client:{result.client_id}", role=Role.CLIENT)
        with self.store.unit_of_work() as uow:
            login = uow.client_logins.get(result.login_id)
            changed = attrs.evolve(login, password_hash=new_hash, must_change_password=False)
            uow.client_logins.put(changed)
            record(
                uow,
                at=now,
                actor=client,
                action=AuditAction.LOGIN_PASSWORD_CHANGED,
                new_id=self._new_id,
                client_id=result.client_id,
            )
            uow.commit()
        return changed
