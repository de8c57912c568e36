"""B6: the access request — everything stored about one client, as JSON and a summary,
audited; for the client's owner only (B1). And B5 on every store: erasing a person reaches
the online requests that never became a client."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lemnicore import (
    SYSTEM_ACTOR,
    AccessDeniedError,
    AuditTrail,
    Channel,
    ClientErasure,
    ClientExport,
    NotificationService,
    OnlineBooking,
    SqliteStore,
)
from lemnicore.cli import main
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice

NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)


def _practice(store: Store) -> tuple[Practice, str, str, str]:
    from datetime import time

    practice = Practice(store, now=NOW)
    room = practice.add_room("Room 1")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    anna = practice.add_practitioner("Anna")
    client = practice.add_client("Meier", "Petra", email="petra@example.org", consent=False)
    practice.clients.set_consent(practice.owner(anna), [client], True)
    practice.appointment(anna, room, practice.at(2026, 5, 5, 9), client_id=client, comment="Knie")
    NotificationService(store, practice.clock).record_manual_message(
        SYSTEM_ACTOR, client, channel=Channel.SMS, address="+4917012345", text="Bis Dienstag"
    )
    return practice, room, anna, client


def test_b6_the_export_holds_record_appointments_messages_consent_and_audit(
    store: Store,
) -> None:
    practice, _, anna, client = _practice(store)
    report = ClientExport(store, practice.clock).export(practice.owner(anna), client)
    document = json.loads(report.as_json())
    assert document["client"]["last_name"] == "Meier"
    assert document["client"]["email"] == "petra@example.org"
    assert [a["comment"] for a in document["appointments"]] == ["Knie"]
    assert [m["text"] for m in document["messages"]] == ["Bis Dienstag"]
    assert [(c["before"], c["after"]) for c in document["consent_changes"]] == [
        ({"consent": False}, {"consent": True})
    ]
    actions = {e["action"] for e in document["audit"]}
    assert {"client.created", "client.consent_changed", "appointment.created"} <= actions
    summary = report.summary()
    for expected in ("Petra Meier", "Knie", "Bis Dienstag", "Consent changes (1)"):
        assert expected in summary
    # B6: the export is audited.
    trail = AuditTrail(store).entries(SYSTEM_ACTOR, practice.organisation.id, client_id=client)
    assert trail[-1].action == "client.exported"
    assert trail[-1].actor_id == practice.owner(anna).id


def test_b6_b1_only_the_owner_exports(store: Store) -> None:
    practice, _, _, client = _practice(store)
    with pytest.raises(AccessDeniedError, match="client_records"):
        ClientExport(store, practice.clock).export(practice.front_desk(), client)


def test_b5_erasing_a_client_erases_their_online_requests_too(store: Store) -> None:
    practice, room, anna, client = _practice(store)
    online = OnlineBooking(store, practice.clock)
    release = online.release(SYSTEM_ACTOR, room, practice.calendars[anna])
    receipt = online.request(
        release.token,
        practice.at(2026, 5, 6, 10),
        last_name="Meier",
        email="PETRA@example.org",
        message="wieder das Knie",
    )
    other = online.request(
        release.token, practice.at(2026, 5, 6, 11), last_name="Other", email="o@example.org"
    )
    report = ClientErasure(store, practice.clock).erase(practice.owner(anna), client)
    assert report.requests_erased == 1
    with store.unit_of_work(write=False) as uow:
        assert uow.appointments.get(receipt.appointment_id).comment == ""
        assert "Other" in uow.appointments.get(other.appointment_id).comment


def test_b6_cli_client_export_writes_json_and_summary(tmp_path: Path) -> None:
    path = tmp_path / "practice.db"
    store = SqliteStore(path)
    _, _, anna, client = _practice(store)
    store.close()
    out, text = tmp_path / "petra.json", tmp_path / "petra.txt"
    url = f"sqlite:///{path}"
    code = main(
        [
            "client",
            "export",
            "--store",
            url,
            client,
            "--output",
            str(out),
            "--summary",
            str(text),
            "--actor",
            anna,
        ]
    )
    assert code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["client"]["id"] == client
    assert "Petra Meier" in text.read_text(encoding="utf-8")
    store = SqliteStore(path)
    try:
        with store.unit_of_work(write=False) as uow:
            [entry] = [
                e for e in uow.audit.query(client_id=client) if e.action == "client.exported"
            ]
        assert entry.actor_id == f"user-{anna}"
    finally:
        store.close()
