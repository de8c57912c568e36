"""E6: the shortcuts a 100 000-record takeover takes give exactly the answers of the
general rules they stand in for — around both DST Sundays in Europe/Berlin too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lemnicore.scheduling.addresses import _LABEL, _LOCAL, is_valid_email
from lemnicore.timekeeping import zone
from lemnicore_etermin.records import _resolve_times, resolve_times

BERLIN = zone("Europe/Berlin")
SPRING = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # clocks jump 02:00 -> 03:00 local
AUTUMN = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 03:00 -> 02:00 local, 02:xx twice


def _texts(instant: datetime) -> tuple[str, str]:
    """eTermin's pair for one moment: local wall time and UTC, both without offset."""
    local = instant.astimezone(BERLIN).replace(tzinfo=None)
    return local.isoformat(timespec="seconds"), instant.replace(tzinfo=None).isoformat()


moments = st.sampled_from([SPRING, AUTUMN]).flatmap(
    lambda day: st.integers(min_value=0, max_value=6 * 4).map(
        lambda quarter: day + timedelta(minutes=15 * quarter)
    )
)


@settings(max_examples=300, deadline=None)
@given(start=moments, minutes=st.integers(min_value=-30, max_value=120), skew=st.booleans())
def test_e6_the_shortcut_for_agreeing_times_answers_like_the_general_rule(
    start: datetime, minutes: int, skew: bool
) -> None:
    """Given an appointment on a DST Sunday (its local times may not exist or exist twice,
    its UTC twin may even disagree), both readings give the same start, end, reason and
    note."""
    end = start + timedelta(minutes=minutes)
    start_local, start_utc = _texts(start)
    end_local, end_utc = _texts(end)
    if skew:  # a record whose local time says something else than its UTC time
        start_local = (datetime.fromisoformat(start_local) + timedelta(hours=1)).isoformat()
    fast = resolve_times(start_local, end_local, start_utc, end_utc, BERLIN)
    general = _resolve_times(start_local, end_local, start_utc, end_utc, BERLIN)
    assert fast == general


def test_e6_a_plain_appointment_is_read_at_its_utc_instant() -> None:
    start, end, field, reason, note = resolve_times(
        "2026-05-04T09:00:00", "2026-05-04T09:50:00", "2026-05-04T07:00:00", "2026-05-04T07:50:00",
        BERLIN,
    )  # fmt: skip
    assert (start, end) == (
        datetime(2026, 5, 4, 7, 0, tzinfo=UTC),
        datetime(2026, 5, 4, 7, 50, tzinfo=UTC),
    )
    assert (field, reason, note) == ("", "", "")


labels = st.text(
    alphabet=st.sampled_from("abcXYZ019-_."), min_size=0, max_size=70
)  # ASCII domains, valid and not: empty labels, leading hyphens, 64+ characters


def _reference_rule(value: str) -> bool:
    """The e-mail rule as written before the shortcut: every domain through IDNA."""
    text = value.strip()
    if len(text) > 254 or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    if not local or len(local) > 64 or not _LOCAL.match(local):
        return False
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    parts = ascii_domain.split(".")
    if len(parts) < 2 or len(ascii_domain) > 253:
        return False
    return all(_LABEL.match(label) for label in parts) and not parts[-1].isdigit()


@settings(max_examples=500, deadline=None)
@given(local=st.sampled_from(["anna", "a.b", "x+tag", ".bad"]), domain=labels)
def test_e6_ascii_domains_are_judged_as_through_idna(local: str, domain: str) -> None:
    """The e-mail rule skips IDNA encoding for an ASCII domain (IDNA leaves ASCII labels
    as they are, or refuses empty and over-long ones, which the label rule refuses too)."""
    address = f"{local}@{domain}"
    assert is_valid_email(address) == _reference_rule(address)
