"""Cross-article role links: a description that names no one ("le chef de la diplomatie malienne") joins the person
an article of the same period says holds that office (pure functions over plain data; issue 23).

Within one article, ``coref`` resolves a description to a person the article names in that office, else to the
holder the shipped list gives on the article's day (``office_holders``). A definite description left unresolved
there is stored as an entity of its own, described but never named. The link step
(``veille.understand.crosslink``) then gives it the person the registry knows in that office on its article's
day, through two index keys written with each article's names:

- ``oh:FUNCTION|CC|YEAR``: a person a dated article says holds a single-seat office of country CC (one person at
  a time: a function the list of office holders tracks, or a minister with a portfolio), under the office and
  every known shorter office it answers ("président de la transition" also answers "président");
- ``oa:FUNCTION|CC|YEAR``: a described-only person of a dated article whose every definite singular description
  names that office (paraphrases folded by data/offices.tsv, country from a demonym or a country name, as
  within an article).

The article's year is in the key, so a new attestation only reaches the descriptions of the years around it
(the window is a year): the work per new article does not grow with the archive's span.

The rule (``choose_holder``), on attestations from other articles dated within ``WINDOW_DAYS`` (a year) of the
description's day: the person attested on the last day on or before it and on the first day on or after it
(nobody else in between) holds it; otherwise the person attested nearest in time, within ``NEAR_DAYS`` (a
quarter: ministers of the region often serve a year or less) and at least twice as near as every other
person; otherwise no link (several holders and no clear one, or an attestation too far to say). An undated article, a former
office ("l'ancien ministre"), a plural, or an office of no country is never linked. When the shipped list has a
term covering the day, only the person it names may be chosen.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from veille.model import ArticleName, Link, OfficeKey
from veille.understand.office_holders import is_single_seat, seats_answered

HOLDS = "oh:"  # key prefix: a person the article says holds the office
ASKS = "oa:"  # key prefix: a described-only person whose descriptions name the office
WINDOW_DAYS = 365  # attestations further from the description's day than this say nothing about it
NEAR_DAYS = 90  # how far the nearest attestation may be when the person is not attested on both sides
_PERSON = "PER"
# "Le chef de …", "l'actuel …", "ce ministre …": one person; "les …", "des …", "un …" are not asked for
_ONE = re.compile(r"^(?:le|la|l['’]|ce|cet|cette)(?:\s|(?<=['’]))", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Attestation:
    """An office read in one article: the person's registry id (``target_id``), the article and its day."""

    target_id: str
    article_id: str
    day: date


def office_key(prefix: str, office: OfficeKey, year: int) -> str:
    """Return the index key of an office in one year: ``oh:ministre des affaires étrangères|ML|2017``."""
    return f"{prefix}{office.function}|{office.country or ''}|{year}"


def key_office(key: str) -> tuple[OfficeKey, int]:
    """Return the office and the year an ``oh:``/``oa:`` key names (inverse of ``office_key``)."""
    function, country, year = key[len(HOLDS) :].rsplit("|", 2)
    return OfficeKey(function, country or None), int(year)


def nearby_keys(prefix: str, key: str) -> list[str]:
    """Return the ``prefix`` keys of the same office in the key's year and the years before and after it: where
    the attestations (or descriptions) within ``WINDOW_DAYS`` of that year's days are."""
    office, year = key_office(key)
    return [office_key(prefix, office, y) for y in (year - 1, year, year + 1)]


def is_office_key(key: str) -> bool:
    """True for the keys of offices (``oh:``, ``oa:``), which the name links never read."""
    return key.startswith((HOLDS, ASKS))


def held_keys(name: ArticleName, day: date | None) -> set[str]:
    """Return the ``oh:`` keys of a person an article of ``day`` gives a single-seat office of a country (named, or
    named by the list of office holders); none for anything else, or in an undated article."""
    if name.type != _PERSON or not name.offices or day is None:
        return set()
    return {
        office_key(HOLDS, OfficeKey(function, office.country), day.year)
        for office in name.offices
        if office.country
        for function in seats_answered(office.function)
    }


def asked_office(name: ArticleName) -> OfficeKey | None:
    """Return the single-seat office a described-only person's descriptions name, or None: a named person, one
    with offices of its own, a plural or indefinite description, an office of no country, or two offices."""
    if name.type != _PERSON or name.texts or name.offices or not name.descriptions:
        return None
    found: set[OfficeKey] = set()
    for text in name.descriptions:
        if not _ONE.match(text.strip()):
            return None
        office = _seat_named(text)
        if office is not None:
            found.add(office)
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=1 << 14)  # a link step reads the same few descriptions over and over
def _seat_named(text: str) -> OfficeKey | None:
    """Return the single-seat office of a country a description names, read as within an article, or None."""
    from veille.understand.coref import parse_office  # the article's own office reading (loads its lexicons)

    office = parse_office(text)
    if office is None or not office.country or not is_single_seat(office.function):
        return None
    return OfficeKey(office.function, office.country)


def asked_keys(name: ArticleName, day: date | None) -> set[str]:
    """Return the ``oa:`` key of a described-only person (see ``asked_office``) of an article of ``day``, or none
    (an undated article's descriptions are never linked)."""
    office = asked_office(name) if day is not None else None
    return {office_key(ASKS, office, day.year)} if office is not None and day is not None else set()


def choose_holder(
    office: OfficeKey,
    day: date | None,
    seen: Sequence[Attestation],
    *,
    article_id: str = "",
    allowed: Collection[str] | None = None,
) -> Link | None:
    """Return the link of a description of ``office`` in an article of ``day`` to the person who held it then,
    with the reason, or None (undated, no attestation near enough, or no clear holder; see the module's rule).

    ``seen``: the office's attestations sorted by day (only the window around ``day`` is read); those of the
    article itself are left out (within one article, coref decides). ``allowed``: the registry ids the list of
    office holders allows that day (None: no listed term).
    """
    if day is None:
        return None
    reach = timedelta(WINDOW_DAYS)
    window = seen[bisect_left(seen, day - reach, key=_day) : bisect_right(seen, day + reach, key=_day)]
    near = sorted(
        (a for a in window if a.article_id != article_id and (allowed is None or a.target_id in allowed)),
        key=lambda a: (abs((a.day - day).days), a.day, a.article_id, a.target_id),
    )
    if not near:
        return None
    chosen = _bracketed(near, day) or _nearest(near, day)
    if chosen is None:
        return None
    where = f" ({office.country})" if office.country else ""
    listed = ", and by the list of office holders" if allowed is not None else ""
    return Link(
        chosen.target_id,
        f"holds the office {office.function}{where}: read in article {chosen.article_id}"
        f" ({chosen.day.isoformat()}){listed}",
    )


def _day(attestation: Attestation) -> date:
    return attestation.day


def _bracketed(near: Sequence[Attestation], day: date) -> Attestation | None:
    """Return the nearest attestation of the one person attested on the last day on or before ``day`` and on the
    first day on or after it (so nobody else in between), else None."""
    before = [a for a in near if a.day <= day]
    after = [a for a in near if a.day >= day]
    if not before or not after:
        return None
    last = max(a.day for a in before)
    first = min(a.day for a in after)
    targets = {a.target_id for a in near if a.day in (last, first)}
    if len(targets) != 1:
        return None
    return near[0]


def _nearest(near: Sequence[Attestation], day: date) -> Attestation | None:
    """Return the attestation nearest ``day`` when within ``NEAR_DAYS`` and its person is at least twice as near
    as any other person."""
    best = near[0]
    distance = abs((best.day - day).days)
    if distance > NEAR_DAYS:
        return None
    others = [abs((a.day - day).days) for a in near if a.target_id != best.target_id]
    if others and not (distance < min(others) and 2 * distance <= min(others)):
        return None
    return best
