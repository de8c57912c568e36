"""E4: which source persons are the same client, and by which rule.

The same person appears on many appointments and perhaps as a contact, spelled a little
differently each time. Persons are matched, in this order of trust: the same external id;
else the same normalised e-mail; else the same normalised name and birth date; else the
same normalised name and phone number. Contacts come first, so a contact's data win over
an appointment's. The result says which rule merged which record into which.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import attrs

from lemnicore.importing.issues import Merge
from lemnicore_etermin.records import Person, phone_key

__all__ = ["Merge", "group_persons", "name_key"]

SAME_EXTERNAL_ID = "same external id"
SAME_EMAIL = "same e-mail"
SAME_NAME_AND_BIRTHDAY = "same name and birth date"
SAME_NAME_AND_PHONE = "same name and phone"
POSSIBLE_DUPLICATE = "possible duplicate"
"""E4: same name and birth date (or phone), but different e-mail addresses or phone numbers:
kept apart, for a person to decide."""

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@functools.lru_cache(maxsize=1 << 16)
def name_key(first_name: str, last_name: str) -> str:
    """A name for comparing: case, blanks, hyphens, umlaut spelling and accents ignored."""
    joined = f"{first_name} {last_name}".casefold().translate(_FOLD)
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", joined) if not unicodedata.combining(c)
    )
    return " ".join(_NOT_ALNUM.sub(" ", stripped).split())


def email_key(email: str) -> str:
    return email.strip().casefold()


@attrs.frozen
class PersonGroup:
    """One future client: its persons, the first is the canonical one."""

    members: tuple[Person, ...]

    @property
    def canonical(self) -> Person:
        return self.members[0]


def _conflicts(person: Person, emails: set[str], phones: set[str]) -> str:
    """E4: why ``person`` cannot be the same client as a group with these e-mail addresses
    and phone numbers although the name matches (``""``: nothing contradicts it)."""
    if person.email and emails and email_key(person.email) not in emails:
        return "different e-mail addresses"
    own = {phone_key(p) for p in (person.phone, person.mobile) if p}
    if own and phones and not own & phones:
        return "different phone numbers"
    return ""


def group_persons(
    persons: Iterable[Person],
) -> tuple[list[PersonGroup], dict[str, int], list[Merge], list[Merge]]:
    """E4: group ``persons`` into clients.

    Returns the groups, a map from every person key to its group's index, the merges, and
    the possible duplicates: persons whose name and birth date (or name and phone) match a
    group but whose e-mail address or phone numbers contradict it. Those are never merged
    (two "Ben Becker"s born the same day are two people until someone says otherwise).
    Deterministic for a given input order.
    """
    members: list[list[Person]] = []
    by_key: dict[str, int] = {}
    by_email: dict[str, int] = {}
    by_name_birthday: dict[tuple[str, str], int] = {}
    by_name_phone: dict[tuple[str, str], int] = {}
    merges: list[Merge] = []
    possible: list[Merge] = []
    doubted: set[tuple[int, str]] = set()
    emails_of: list[set[str]] = []
    phones_of: list[set[str]] = []
    for person in persons:
        name = name_key(person.first_name, person.last_name)
        phones = [phone_key(p) for p in (person.phone, person.mobile) if p]
        # Each key once per person (E6: this loop runs for every appointment's person).
        email = email_key(person.email) if person.email else ""
        born = (name, person.birthday.isoformat()) if person.birthday else None
        found: int | None = None
        rule = ""
        if person.key in by_key:
            found, rule = by_key[person.key], SAME_EXTERNAL_ID
        elif email and email in by_email:
            found, rule = by_email[email], SAME_EMAIL
        else:
            candidates: list[tuple[int, str]] = []
            if born is not None and born in by_name_birthday:
                candidates.append((by_name_birthday[born], SAME_NAME_AND_BIRTHDAY))
            candidates += [
                (by_name_phone[(name, p)], SAME_NAME_AND_PHONE)
                for p in phones
                if (name, p) in by_name_phone
            ]
            for candidate, candidate_rule in candidates:
                why = _conflicts(person, emails_of[candidate], phones_of[candidate])
                if not why:
                    found, rule = candidate, candidate_rule
                    break
                doubt = Merge(
                    f"{POSSIBLE_DUPLICATE}: {candidate_rule}, but {why}",
                    members[candidate][0].record_id,
                    person.record_id,
                )
                if (candidate, person.record_id) not in doubted:
                    doubted.add((candidate, person.record_id))
                    possible.append(doubt)
        if found is None:
            found = len(members)
            members.append([person])
            emails_of.append(set())
            phones_of.append(set())
        else:
            members[found].append(person)
            merges.append(Merge(rule, members[found][0].record_id, person.record_id))
        if email:
            emails_of[found].add(email)
        phones_of[found].update(phones)
        # Every person's own identifiers point at its group, so later variants match too.
        by_key.setdefault(person.key, found)
        if email:
            by_email.setdefault(email, found)
        if born is not None:
            by_name_birthday.setdefault(born, found)
        for phone in phones:
            by_name_phone.setdefault((name, phone), found)
    groups = [PersonGroup(tuple(m)) for m in members]
    index = dict(by_key)
    return groups, index, merges, possible


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
