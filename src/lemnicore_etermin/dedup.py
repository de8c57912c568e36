"""E4: which source persons are the same client, and by which rule.

The same person appears on many appointments and perhaps as a contact, spelled a little
differently each time. Persons are matched, in this order of trust: the same external id;
else the same normalised e-mail; else the same normalised name and birth date; else the
same normalised name and phone number. Contacts come first, so a contact's data win over
an appointment's. The result says which rule merged which record into which.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import attrs

from lemnicore_etermin.records import Person, phone_key

SAME_EXTERNAL_ID = "same external id"
SAME_EMAIL = "same e-mail"
SAME_NAME_AND_BIRTHDAY = "same name and birth date"
SAME_NAME_AND_PHONE = "same name and phone"

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def name_key(first_name: str, last_name: str) -> str:
    """A name for comparing: case, blanks, hyphens, umlaut spelling and accents ignored."""
    joined = f"{first_name} {last_name}".casefold().translate(_FOLD)
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", joined) if not unicodedata.combining(c)
    )
    return " ".join(re.sub(r"[^a-z0-9]+", " ", stripped).split())


def email_key(email: str) -> str:
    return email.strip().casefold()


@attrs.frozen
class Merge:
    """E4: ``merged`` (a record id) was taken as the same client as ``kept``, by ``rule``."""

    rule: str
    kept: str
    merged: str


@attrs.frozen
class PersonGroup:
    """One future client: its persons, the first is the canonical one."""

    members: tuple[Person, ...]

    @property
    def canonical(self) -> Person:
        return self.members[0]


def group_persons(
    persons: Iterable[Person],
) -> tuple[list[PersonGroup], dict[str, int], list[Merge]]:
    """E4: group ``persons`` into clients.

    Returns the groups, a map from every person key to its group's index, and the merges.
    Deterministic for a given input order.
    """
    members: list[list[Person]] = []
    by_key: dict[str, int] = {}
    by_email: dict[str, int] = {}
    by_name_birthday: dict[tuple[str, str], int] = {}
    by_name_phone: dict[tuple[str, str], int] = {}
    merges: list[Merge] = []
    for person in persons:
        name = name_key(person.first_name, person.last_name)
        phones = [phone_key(p) for p in (person.phone, person.mobile) if p]
        found: int | None = None
        rule = ""
        if person.key in by_key:
            found, rule = by_key[person.key], SAME_EXTERNAL_ID
        elif person.email and email_key(person.email) in by_email:
            found, rule = by_email[email_key(person.email)], SAME_EMAIL
        elif person.birthday and (name, person.birthday.isoformat()) in by_name_birthday:
            found, rule = (
                by_name_birthday[(name, person.birthday.isoformat())],
                (SAME_NAME_AND_BIRTHDAY),
            )
        else:
            for phone in phones:
                if (name, phone) in by_name_phone:
                    found, rule = by_name_phone[(name, phone)], SAME_NAME_AND_PHONE
                    break
        if found is None:
            found = len(members)
            members.append([person])
        else:
            members[found].append(person)
            merges.append(Merge(rule, members[found][0].record_id, person.record_id))
        # Every person's own identifiers point at its group, so later variants match too.
        by_key.setdefault(person.key, found)
        if person.email:
            by_email.setdefault(email_key(person.email), found)
        if person.birthday:
            by_name_birthday.setdefault((name, person.birthday.isoformat()), found)
        for phone in phones:
            by_name_phone.setdefault((name, phone), found)
    groups = [PersonGroup(tuple(m)) for m in members]
    index = dict(by_key)
    return groups, index, merges


def combined(group: PersonGroup) -> Person:
    """The canonical person with blanks filled from the other members (in order)."""
    result = group.canonical
    if len(group.members) == 1:
        return result
    filled: dict[str, Any] = {}
    for other in group.members[1:]:
        for name in _FILLABLE:
            if name not in filled and not getattr(result, name) and getattr(other, name):
                filled[name] = getattr(other, name)
    tags = tuple(dict.fromkeys(t for m in group.members for t in m.tags))
    if tags != result.tags:
        filled["tags"] = tags
    # One copy per group, not one per member: groups of a hundred variants are common.
    return attrs.evolve(result, **filled) if filled else result


_FILLABLE = (
    "first_name",
    "salutation",
    "title",
    "email",
    "phone",
    "mobile",
    "street",
    "postcode",
    "town",
    "birthday",
)
