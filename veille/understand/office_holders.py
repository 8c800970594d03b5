"""Who held an office on a given day: the shipped list of office holders (data/office_holders.tsv).

Heads of state and of transitions, prime ministers, foreign and defence ministers, government spokespeople of
the Sahel and West Africa (and France), and a few international posts (UN Secretary-General, AU and ECOWAS
Commission presidents), each with the dates of the term. Descriptions ("le chef de la diplomatie malienne")
are resolved through it only on a day inside the term (veille/understand/coref.py); the list is data, kept by
hand: a new holder is a new row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from veille.model import Office
from veille.understand.nlp import DATA_DIR
from veille.understand.places import fold


@dataclass(frozen=True, slots=True)
class Holder:
    """One term of office: ``function`` as offices.tsv normalises it, of ``country`` (ISO alpha-2) or of an
    organisation (``orgs``: the folded names it goes by), held by ``name`` from ``start`` to ``end``
    (None: in office when the list was written)."""

    function: str
    country: str | None
    orgs: frozenset[str]
    name: str
    start: date
    end: date | None
    source: str = ""

    def serves(self, on: date) -> bool:
        """True when ``on`` falls inside the term (its last day included)."""
        return self.start <= on and (self.end is None or on <= self.end)


@cache
def office_holders() -> tuple[Holder, ...]:
    """Return the rows of data/office_holders.tsv; a malformed row raises ValueError naming its line."""
    out = []
    path = DATA_DIR / "office_holders.tsv"
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 7:
            raise ValueError(f"{path.name} line {n}: 7 tab-separated fields expected, found {len(parts)}")
        function, country, orgs, name, start, end, source = (p.strip() for p in parts)
        out.append(
            Holder(
                function=function,
                country=country or None,
                orgs=frozenset(fold(o) for o in orgs.split("|") if o.strip()),
                name=name,
                start=date.fromisoformat(start),
                end=date.fromisoformat(end) if end else None,
                source=source,
            )
        )
    return tuple(out)


def holders_of(office: Office, on: date | None, *, anywhere: bool = False) -> list[Holder]:
    """Return the holders of the office a description asks for, on day ``on`` (every term when None).

    The office must name its country or its organisation ("le président" alone asks for nobody) unless
    ``anywhere`` (then every country's holders answer); a fuller function answers a shorter one
    ("président de la transition" answers "président").
    """
    if office.country is None and office.org is None and not anywhere:
        return []
    org = fold(office.org) if office.org else None
    out = []
    for h in office_holders():
        if not (h.function == office.function or h.function.startswith(office.function + " ")):
            continue
        if office.country is not None and h.country != office.country:
            continue
        if org is not None and org not in h.orgs:
            continue
        if office.country is None and not h.orgs and not anywhere:
            continue
        if on is None or h.serves(on):
            out.append(h)
    return out


@cache
def _known_offices() -> frozenset[str]:
    """Return the offices data/offices.tsv names (its first column) and those the list of holders tracks."""
    rows = (DATA_DIR / "offices.tsv").read_text(encoding="utf-8").splitlines()
    named = {line.split("\t")[0].strip() for line in rows if line.strip() and not line.startswith("#")}
    return frozenset(named) | _listed_functions()


def is_single_seat(function: str) -> bool:
    """True for an office one person holds at a time in a country: a function the list of office holders tracks
    (head of state, prime minister, government spokesperson…) or a minister with a portfolio ("ministre de la
    justice"); not a generic "ministre", "porte-parole" or "ambassadeur", nor a former office."""
    return function in _listed_functions() or function.startswith("ministre ")


@cache
def _listed_functions() -> frozenset[str]:
    return frozenset(h.function for h in office_holders())


def seats_answered(function: str) -> list[str]:
    """Return the single-seat offices a holder of ``function`` answers, longest first: the office itself and the
    known shorter offices it begins with ("président de la transition" answers "président"); [] when the
    office is not a single seat."""
    if not is_single_seat(function):
        return []
    words = function.split()
    shorter = (" ".join(words[:n]) for n in range(len(words) - 1, 0, -1))
    return [function, *(f for f in shorter if f in _known_offices() and is_single_seat(f))]


def is_named(holder: Holder, names: Iterable[str]) -> bool:
    """True when one of ``names`` is the holder's: the same folded name, or two or more of its words
    ("Mahamat Déby" for Mahamat Idriss Déby Itno)."""
    words = fold(holder.name).split()
    for name in names:
        mine = fold(name).split()
        if mine == words or len(mine) >= 2 and set(mine) <= set(words):
            return True
    return False
