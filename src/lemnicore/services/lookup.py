"""Small look-ups across master data that several services need (which organisation owns
this calendar or room, which calendars and rooms an organisation has)."""

from __future__ import annotations

from lemnicore.errors import ValidationError
from lemnicore.scheduling.practice import AppointmentType, Calendar, Organisation, Room
from lemnicore.storage.ports import UnitOfWork
from lemnicore.timekeeping import DEFAULT_TIME_ZONE


def organisation_id_of_calendar(uow: UnitOfWork, calendar_id: str) -> str:
    """The id of the organisation whose practitioner account owns ``calendar_id``."""
    calendar = uow.calendars.get(calendar_id)
    return uow.practitioners.get(calendar.owner_id).organisation_id


def organisation_of_calendar(uow: UnitOfWork, calendar_id: str) -> Organisation:
    """The organisation of the practitioner account that owns ``calendar_id``."""
    return uow.organisations.get(organisation_id_of_calendar(uow, calendar_id))


def types_of(uow: UnitOfWork, organisation_id: str) -> list[AppointmentType]:
    """B1: the appointment types ``organisation_id`` sees — its own and the shared ones,
    by id; never another practice's."""
    return [t for t in uow.appointment_types.all() if t.usable_by(organisation_id)]


def type_for(uow: UnitOfWork, type_id: str, organisation_id: str | None) -> AppointmentType:
    """B1: the type ``type_id`` for an appointment of ``organisation_id``.

    Unknown: :class:`NotFoundError`. Another practice's type is a :class:`ValidationError`
    naming ``type_id`` that tells nothing about that practice.
    """
    kind = uow.appointment_types.get(type_id)
    if not kind.usable_by(organisation_id):
        raise ValidationError("type_id", f"{type_id!r} is no appointment type of this practice")
    return kind


def type_for_calendar(uow: UnitOfWork, type_id: str, calendar_id: str) -> AppointmentType:
    """B1: :func:`type_for` the organisation whose calendar the appointment is in."""
    return type_for(uow, type_id, organisation_id_of_calendar(uow, calendar_id))


def organisation_id_of_room(uow: UnitOfWork, room: Room) -> str:
    """The id of the organisation whose branch holds ``room``."""
    return uow.branches.get(room.branch_id).organisation_id


def room_for_calendar(uow: UnitOfWork, room_id: str, calendar_id: str) -> Room:
    """B1/A7: ``room_id`` if an appointment of ``calendar_id`` may take it: a room of the
    calendar's own practice, or one a calendar community the calendar belongs to shares.

    Anything else is a :class:`ValidationError` naming ``room_id`` that says nothing about
    whose room it is (another practice's rooms are none of the caller's business).
    """
    room = uow.rooms.get(room_id)
    if organisation_id_of_room(uow, room) == organisation_id_of_calendar(uow, calendar_id):
        return room
    for community in uow.communities.all():
        if room_id in community.room_ids and calendar_id in community.calendar_ids:
            return room
    raise ValidationError("room_id", f"room {room_id!r} is not a room of this calendar's practice")


def room_for_organisation(uow: UnitOfWork, room_id: str, organisation_id: str) -> Room:
    """B1/A7: ``room_id`` if ``organisation_id`` may plan in it (its own room, or one a
    community of one of its calendars shares); else a :class:`ValidationError` naming
    ``room_id``."""
    room = uow.rooms.get(room_id)
    if organisation_id_of_room(uow, room) == organisation_id:
        return room
    own = {c.id for c in calendars_of(uow, organisation_id)}
    for community in uow.communities.all():
        if room_id in community.room_ids and own & community.calendar_ids:
            return room
    raise ValidationError("room_id", f"room {room_id!r} is not a room of this practice")


def calendars_of(uow: UnitOfWork, organisation_id: str) -> list[Calendar]:
    """Every calendar owned by a practitioner account of ``organisation_id``."""
    members = {p.id for p in uow.practitioners.all() if p.organisation_id == organisation_id}
    return [c for c in uow.calendars.all() if c.owner_id in members]


def rooms_of(uow: UnitOfWork, organisation_id: str) -> list[Room]:
    """Every room in a branch of ``organisation_id``."""
    branches = {b.id for b in uow.branches.all() if b.organisation_id == organisation_id}
    return [r for r in uow.rooms.all() if r.branch_id in branches]


def room_time_zone(uow: UnitOfWork, room_id: str) -> str:
    """A5 × §0: the zone of the branch that holds ``room_id`` — the zone its working times
    are read in unless an availability names another (a missing branch: the default)."""
    room = uow.rooms.get(room_id)
    branch = uow.branches.find(room.branch_id)
    return branch.time_zone if branch is not None else DEFAULT_TIME_ZONE
