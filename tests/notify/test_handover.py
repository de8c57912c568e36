"""D15: after a crash between hand-over and record, each transport asks what its
provider really offers — seven's outbound journal, Twilio's message list, the work-list
file — and says "unknown" where the provider offers nothing (Threema, SMTP)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from notify_helpers import MessageFactory

from lemnicore.notifications.transport import HandOver, TransientTransportError
from lemnicore.scheduling.clients import Channel
from lemnicore_notify import (
    SevenSmsTransport,
    SmtpTransport,
    ThreemaTransport,
    TwilioSmsTransport,
    WorkListTransport,
)
from lemnicore_notify.testing import FakeSevenGateway, FakeThreemaGateway, FakeTwilioApi, SmtpSink

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def seven_at(clock: Clock) -> Iterator[FakeSevenGateway]:
    with FakeSevenGateway(clock=clock) as seven:
        yield seven


@pytest.fixture
def twilio_at(clock: Clock) -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(clock=clock) as twilio:
        yield twilio


def test_d15_seven_finds_a_handed_over_sms_by_its_foreign_id_in_the_journal(
    seven_at: FakeSevenGateway, reminder: MessageFactory
) -> None:
    with closing(SevenSmsTransport(seven_at.transport_url())) as sms:
        sent = sms.send(reminder())
        found = sms.check_handover(reminder(), NOW)
        missing = sms.check_handover(reminder(idempotency_key="never-sent"), NOW)
    assert found.status is HandOver.DONE
    assert found.delivery is not None
    assert found.delivery.provider_message_id == sent.provider_message_id
    assert missing.status is HandOver.NOT_DONE
    journal = [r for r in seven_at.requests if r.path == "/api/journal/outbound"]
    assert journal[0].params["to"] == "+491701234567"
    assert journal[0].params["date_from"] == "2026-05-03"
    assert "x-api-key" in journal[0].headers


def test_d15_seven_reads_further_journal_pages_for_a_busy_number(
    seven_at: FakeSevenGateway, clock: Clock, reminder: MessageFactory
) -> None:
    with closing(SevenSmsTransport(seven_at.transport_url())) as sms:
        sms.send(reminder())  # the one we look for: oldest, so on the second page
        for n in range(120):
            clock.now += timedelta(seconds=1)
            sms.send(reminder(idempotency_key=f"other-{n}", text=f"Nachricht {n}"))
        found = sms.check_handover(reminder(), NOW)
    assert found.status is HandOver.DONE
    pages = [r.params["offset"] for r in seven_at.requests if r.method == "GET"]
    assert pages == ["0", "100"]


def test_d15_twilio_finds_the_sms_in_its_message_list_and_ignores_older_ones(
    twilio_at: FakeTwilioApi, clock: Clock, reminder: MessageFactory
) -> None:
    with closing(TwilioSmsTransport(twilio_at.transport_url())) as sms:
        sms.send(reminder())  # the same text a day earlier: not this attempt
        clock.now += timedelta(days=1)
        attempt = clock.now
        assert sms.check_handover(reminder(), attempt).status is HandOver.NOT_DONE
        sent = sms.send(reminder())
        found = sms.check_handover(reminder(), attempt)
    assert found.status is HandOver.DONE
    assert found.delivery is not None
    assert found.delivery.provider_message_id == sent.provider_message_id
    listing = next(r for r in twilio_at.requests if r.method == "GET")
    assert listing.params["To"] == "+491701234567"
    assert listing.params["From"] == "+4930123456"


def test_d15_twilio_follows_next_page_uri(
    twilio_at: FakeTwilioApi, clock: Clock, reminder: MessageFactory
) -> None:
    with closing(TwilioSmsTransport(twilio_at.transport_url())) as sms:
        sms.send(reminder())
        for n in range(60):
            clock.now += timedelta(seconds=1)
            sms.send(reminder(idempotency_key=f"k{n}", text=f"Nachricht {n}"))
        assert sms.check_handover(reminder(), NOW).status is HandOver.DONE
    assert len([r for r in twilio_at.requests if r.method == "GET"]) == 2


def test_d15_a_lookup_that_cannot_reach_the_provider_means_ask_again_later(
    reminder: MessageFactory,
) -> None:
    with FakeSevenGateway() as gone:
        url = gone.transport_url()
    with closing(SevenSmsTransport(url)) as sms, pytest.raises(TransientTransportError):
        sms.check_handover(reminder(), NOW)


def test_d15_threema_and_smtp_cannot_be_asked(
    threema: FakeThreemaGateway, smtp_sink: SmtpSink, reminder: MessageFactory
) -> None:
    with closing(ThreemaTransport(threema.transport_url())) as channel:
        answer = channel.check_handover(reminder(Channel.THREEMA, "ECHOECHO"), NOW)
    assert answer.status is HandOver.UNKNOWN
    assert "no way to ask" in answer.detail
    assert threema.requests == []
    with closing(SmtpTransport(smtp_sink.transport_url())) as smtp:
        answer = smtp.check_handover(reminder(Channel.EMAIL, "anna@example.org"), NOW)
    assert answer.status is HandOver.UNKNOWN


def test_d15_the_work_list_file_is_its_own_record(tmp_path: Path, reminder: MessageFactory) -> None:
    url = f"worklist://{tmp_path}/worklist.jsonl"
    letter = reminder(Channel.LETTER, "Hauptstraße 1, 20095 Hamburg")
    with closing(WorkListTransport(url)) as work_list:
        assert work_list.check_handover(letter, NOW).status is HandOver.NOT_DONE
        work_list.send(letter)
    with closing(WorkListTransport(url)) as reopened:  # after a restart
        assert reopened.check_handover(letter, NOW).status is HandOver.DONE


@pytest.mark.parametrize("provider", ["seven", "twilio"])
def test_d15_a_lost_answer_is_checked_with_the_provider_before_sending_again(
    provider: str, reminder: MessageFactory
) -> None:
    """The request arrived, the answer did not (a read timeout): the retry asks the
    journal / message list first and does not send a second SMS — also after seven's
    180 s reload lock has passed."""
    clock = Clock()
    clock.now = datetime.now(UTC)
    fake: FakeSevenGateway | FakeTwilioApi = (
        FakeSevenGateway(clock=clock) if provider == "seven" else FakeTwilioApi(clock=clock)
    )
    with (
        fake,
        closing(
            SevenSmsTransport(fake.transport_url())
            if isinstance(fake, FakeSevenGateway)
            else TwilioSmsTransport(fake.transport_url())
        ) as sms,
    ):
        fake.lose_next_answer()
        with pytest.raises(TransientTransportError) as caught:
            sms.send(reminder())
        assert caught.value.code == "answer-lost"
        (arrived,) = fake.received
        clock.now += timedelta(minutes=5)
        again = sms.send(reminder())
        assert fake.received == [arrived]
        assert again.provider_message_id == arrived.message_id
        third = sms.send(reminder(idempotency_key="next", text="Ein neuer Termin"))
    assert len(fake.received) == 2
    assert third.provider_message_id == fake.received[1].message_id
    assert [r.method for r in fake.requests] == ["POST", "GET", "POST"]
