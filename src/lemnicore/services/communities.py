"""A7: calendar communities (Kalendergemeinschaft) — create, invite, accept, leave, view.

Several accounts link their calendars so that shared rooms show each other's busy time.
A calendar joins only when its owner accepts the invitation. What a member sees of the
others is :class:`~lemnicore.scheduling.community.BusyTime` — room and time, nothing else.
Rooms are physical: a room's appointments from any calendar block it, so every member's
free slots (and online booking, C) respect the others' bookings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from lemnicore.access.actors import Actor
from lemnicore.access.audit import AuditAction
from lemnicore.access.gateway import AccessGateway
from lemnicore.clock import Clock
from lemnicore.errors import AccessDeniedError, ConflictError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.community import BusyTime, CalendarCommunity, community_view
from lemnicore.scheduling.intervals import Interval
from lemnicore.scheduling.slots import Slot, slot_grid
from lemnicore.services.booking import record
from lemnicore.services.lookup import room_time_zone
from lemnicore.storage.ports import Store, UnitOfWork
from lemnicore.timekeeping import require_aware


@attrs.frozen
class CommunityView:
    """A7: one member's view of the shared rooms: their own appointments in full, the
    others' only as busy time."""

    community_id: str
    calendar_id: str
    own: tuple[Appointment, ...]
    busy: tuple[BusyTime, ...]


class CalendarCommunities:
    """A7: application service for calendar communities."""

    def __init__(self, store: Store, clock: Clock, *, new_id: IdFactory = new_id) -> None:
        self.store = store
        self.clock = clock
        self._new_id = new_id

    # -- membership ----------------------------------------------------------------------

    def create(
        self, actor: Actor, name: str, calendar_id: str, room_ids: Iterable[str]
    ) -> CalendarCommunity:
        """Start a community with the actor's own calendar and the rooms it shares."""
        now = self.clock.now()
        rooms = frozenset(room_ids)
        if not rooms:
            raise ValidationError("room_ids", "a community shares at least one room")
        with self.store.unit_of_work() as uow:
            gate = AccessGateway(uow, actor)
            gate.calendar("CalendarCommunities.create", calendar_id)
            for room_id in sorted(rooms):
                gate.require_room_reach("CalendarCommunities.create", room_id)
            community = CalendarCommunity(self._new_id(), name, {calendar_id}, rooms)
            uow.communities.put(community)
            self._audit(uow, now, actor, AuditAction.COMMUNITY_CREATED, community, calendar_id)
            uow.commit()
        return community

    def invite(self, actor: Actor, community_id: str, calendar_id: str) -> CalendarCommunity:
        """A member invites another account's calendar; it joins only when accepted."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            community = uow.communities.get(community_id)
            self._require_member(uow, actor, community, "invite")
            uow.calendars.get(calendar_id)
            if calendar_id in community.calendar_ids:
                raise ConflictError(f"calendar {calendar_id!r} is a member already")
            community = attrs.evolve(
                community, invited_calendar_ids=community.invited_calendar_ids | {calendar_id}
            )
            uow.communities.put(community)
            self._audit(uow, now, actor, AuditAction.COMMUNITY_INVITED, community, calendar_id)
            uow.commit()
        return community

    def accept(self, actor: Actor, community_id: str, calendar_id: str) -> CalendarCommunity:
        """The invited calendar's owner — and only they — accepts (A7)."""
        return self._answer(actor, community_id, calendar_id, accept=True)

    def decline(self, actor: Actor, community_id: str, calendar_id: str) -> CalendarCommunity:
        """The invited calendar's owner declines; the invitation is gone."""
        return self._answer(actor, community_id, calendar_id, accept=False)

    def _answer(
        self, actor: Actor, community_id: str, calendar_id: str, *, accept: bool
    ) -> CalendarCommunity:
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            community = uow.communities.get(community_id)
            verb = "accept" if accept else "decline"
            AccessGateway(uow, actor).calendar(f"CalendarCommunities.{verb}", calendar_id)
            if calendar_id not in community.invited_calendar_ids:
                raise ConflictError(
                    f"calendar {calendar_id!r} has no invitation to {community_id!r}"
                )
            community = attrs.evolve(
                community,
                invited_calendar_ids=community.invited_calendar_ids - {calendar_id},
                calendar_ids=community.calendar_ids | ({calendar_id} if accept else set()),
            )
            uow.communities.put(community)
            action = AuditAction.COMMUNITY_JOINED if accept else AuditAction.COMMUNITY_DECLINED
            self._audit(uow, now, actor, action, community, calendar_id)
            uow.commit()
        return community

    def leave(self, actor: Actor, community_id: str, calendar_id: str) -> CalendarCommunity:
        """A member's owner takes their calendar out; the last one out dissolves it."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            community = uow.communities.get(community_id)
            AccessGateway(uow, actor).calendar("CalendarCommunities.leave", calendar_id)
            if calendar_id not in community.calendar_ids:
                raise ConflictError(f"calendar {calendar_id!r} is not a member of {community_id!r}")
            community = attrs.evolve(community, calendar_ids=community.calendar_ids - {calendar_id})
            if community.calendar_ids:
                uow.communities.put(community)
            else:
                uow.communities.remove(community_id)
            self._audit(uow, now, actor, AuditAction.COMMUNITY_LEFT, community, calendar_id)
            uow.commit()
        return community

    def share_room(self, actor: Actor, community_id: str, room_id: str) -> CalendarCommunity:
        """A member adds a room to the shared rooms."""
        with self.store.unit_of_work() as uow:
            community = uow.communities.get(community_id)
            self._require_member(uow, actor, community, "share_room")
            AccessGateway(uow, actor).require_room_reach("CalendarCommunities.share_room", room_id)
            community = attrs.evolve(community, room_ids=community.room_ids | {room_id})
            uow.communities.put(community)
            uow.commit()
        return community

    def communities_of(self, actor: Actor, calendar_id: str) -> list[CalendarCommunity]:
        """The communities ``calendar_id`` is a member of (its owner asks)."""
        with self.store.unit_of_work(write=False) as uow:
            AccessGateway(uow, actor).calendar("CalendarCommunities.communities_of", calendar_id)
            return [c for c in uow.communities.all() if calendar_id in c.calendar_ids]

    # -- what members see ----------------------------------------------------------------

    def view(
        self, actor: Actor, community_id: str, calendar_id: str, start: datetime, end: datetime
    ) -> CommunityView:
        """A7: the shared rooms in [start, end) as ``calendar_id``'s owner sees them.

        Own appointments in full; everyone else's — members and anyone else using the
        shared rooms — only as :class:`BusyTime` (room, start, end).
        """
        query = Interval(require_aware(start, "start"), require_aware(end, "end"))
        with self.store.unit_of_work(write=False) as uow:
            community, _ = self._member_calendar(uow, actor, community_id, calendar_id, "view")
            appointments = [
                a
                for room_id in sorted(community.room_ids)
                for a in uow.appointments.in_room(room_id, query.start, query.end)
            ]
        own, busy = community_view(community, calendar_id, appointments)
        return CommunityView(community_id, calendar_id, tuple(own), tuple(busy))

    def slot_grid(
        self,
        actor: Actor,
        community_id: str,
        calendar_id: str,
        room_id: str,
        start: datetime,
        end: datetime,
    ) -> list[Slot]:
        """A5/A7: a member's slots in a shared room, taken wherever anyone's appointment
        (or the member's own appointment in another room) lies."""
        query = Interval(require_aware(start, "start"), require_aware(end, "end"))
        with self.store.unit_of_work(write=False) as uow:
            community, _ = self._member_calendar(uow, actor, community_id, calendar_id, "slot_grid")
            if room_id not in community.room_ids:
                raise ValidationError(
                    "room_id", f"room {room_id!r} is not shared in {community_id!r}"
                )
            branch_zone = room_time_zone(uow, room_id)
            availabilities = [
                a.in_branch_zone(branch_zone)
                for a in uow.availabilities.all()
                if a.room_id == room_id and a.calendar_id in (None, calendar_id)
            ]
            margin = timedelta(days=1)
            lo, hi = query.start - margin, query.end + margin
            busy = [a.interval for a in uow.appointments.in_room(room_id, lo, hi)]
            busy += [
                a.interval
                for a in uow.appointments.in_calendar(calendar_id, lo, hi)
                if a.blocks_room
            ]
        slots: set[Slot] = set()
        for availability in availabilities:
            slots.update(slot_grid(availability, busy, query.start, query.end))
        return sorted(slots)

    # -- helpers -------------------------------------------------------------------------

    def _member_calendar(
        self, uow: UnitOfWork, actor: Actor, community_id: str, calendar_id: str, method: str
    ) -> tuple[CalendarCommunity, str]:
        community = uow.communities.get(community_id)
        AccessGateway(uow, actor).calendar(f"CalendarCommunities.{method}", calendar_id)
        if calendar_id not in community.calendar_ids:
            raise AccessDeniedError(
                actor.id, f"see community {community_id!r}", f"{calendar_id!r} is not a member"
            )
        return community, calendar_id

    def _require_member(
        self, uow: UnitOfWork, actor: Actor, community: CalendarCommunity, method: str
    ) -> None:
        AccessGateway(uow, actor).community(
            f"CalendarCommunities.{method}", community.calendar_ids, community.id
        )

    def _audit(
        self,
        uow: UnitOfWork,
        now: datetime,
        actor: Actor,
        action: AuditAction,
        community: CalendarCommunity,
        calendar_id: str,
    ) -> None:
        record(
            uow,
            at=now,
            actor=actor,
            action=action,
            new_id=self._new_id,
            subject_id=community.id,
            after={"calendar_id": calendar_id},
        )
