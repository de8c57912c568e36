"""D12/D15: letters and calls end on a staff work list, once per idempotency key."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from notify_helpers import MessageFactory

from lemnicore.errors import ValidationError
from lemnicore.scheduling.clients import Channel
from lemnicore.testing import FakeClock
from lemnicore_notify import WorkListTransport, read_work_list


def test_d12_a_letter_becomes_a_line_in_the_work_list_file(
    tmp_path: Path, reminder: MessageFactory
) -> None:
    path = tmp_path / "worklist.jsonl"
    clock = FakeClock(datetime(2026, 5, 4, 7, 0, tzinfo=UTC))
    letters = WorkListTransport(f"worklist://{path}", clock=clock)
    delivery = letters.send(reminder(Channel.LETTER, "Marktstr. 1, 20095 Hamburg"))
    letters.send(reminder(Channel.PHONE, "040 123456", idempotency_key="call-1"))

    (entry, call) = read_work_list(path)
    assert entry.channel == "letter"
    assert entry.address == "Marktstr. 1, 20095 Hamburg"
    assert entry.subject == "Erinnerung an Ihren Termin"
    assert entry.appointment_ids == ("appt-1",)
    assert entry.queued_at == "2026-05-04T07:00:00+00:00"
    assert call.channel == "phone"
    assert delivery.provider_message_id == entry.idempotency_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "the list holds contact data"
    assert json.loads(path.read_text().splitlines()[0])["kind"] == "reminder"


def test_d15_the_same_key_is_listed_once_even_after_a_restart(
    tmp_path: Path, reminder: MessageFactory
) -> None:
    url = f"worklist://{tmp_path / 'worklist.jsonl'}"
    WorkListTransport(url).send(reminder(Channel.LETTER, "Marktstr. 1"))
    again = WorkListTransport(url).send(reminder(Channel.LETTER, "Marktstr. 1"))
    assert again.detail == "already on the work list"
    assert len(read_work_list(tmp_path / "worklist.jsonl")) == 1


def test_d12_an_in_memory_work_list(reminder: MessageFactory) -> None:
    memory = WorkListTransport("worklist://memory")
    memory.send(reminder(Channel.PHONE, "040 123456"))
    assert [e.address for e in memory.entries] == ["040 123456"]
    assert memory.channels == frozenset({Channel.LETTER, Channel.PHONE})


def test_d12_a_broken_work_list_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "worklist.jsonl"
    path.write_text('{"idempotency_key": "a", "channel": "letter"}\nnot json\n')
    with pytest.raises(ValidationError, match="line 2"):
        WorkListTransport(f"worklist://{path}")


def test_d12_a_work_list_url_needs_a_path_or_memory() -> None:
    with pytest.raises(ValidationError, match="worklist://memory"):
        WorkListTransport("worklist://somewhere")
