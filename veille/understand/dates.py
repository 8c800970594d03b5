"""Time expressions in French (and English) text, found by rules and resolved to TIMEX3-style values.

Relative expressions ("en janvier dernier", "hier", "lundi") are resolved against an anchor date: the
article's publication date, else the first full date in the text. dateparser is never run on free text.
"""

from __future__ import annotations

import logging
import re
from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from veille.model import TimeExpression

logger = logging.getLogger(__name__)

MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
WEEKDAYS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
NUMBERS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30,
    "quelques": None, "plusieurs": None, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10,
}  # fmt: skip
UNITS = {
    "jour": "D", "jours": "D", "semaine": "W", "semaines": "W", "mois": "M", "an": "Y", "ans": "Y",
    "année": "Y", "années": "Y", "heure": "H", "heures": "H", "day": "D", "days": "D", "week": "W",
    "weeks": "W", "month": "M", "months": "M", "year": "Y", "years": "Y", "hours": "H",
}  # fmt: skip

_M = "|".join(sorted(MONTHS, key=len, reverse=True))
_W = "|".join(WEEKDAYS)
_N = "|".join(sorted(NUMBERS, key=len, reverse=True))
_U = "|".join(sorted(UNITS, key=len, reverse=True))
_DAY = r"(?:1er|premier|\d{1,2})"
_Y = r"(?:1[89]|20)\d\d"

# Ordered: the first rule to claim a span wins, so longer forms come first.
RULES: list[tuple[str, re.Pattern[str]]] = [
    ("day_pair", re.compile(rf"\b(?:les\s+)?(?:(?:{_W})\s+)?(?P<d1>{_DAY})\s+(?P<sep>et|au|-)\s+(?:(?:{_W})\s+)?(?P<d2>{_DAY})\s+(?P<m>{_M})(?:\s+(?P<y>{_Y}))?\b", re.I)),
    ("day", re.compile(rf"\b(?:(?:le|ce)\s+)?(?:(?:{_W})\s+)?(?P<d>{_DAY})\s+(?P<m>{_M})(?:\s+(?P<y>{_Y}))?\b", re.I)),
    ("day_en", re.compile(rf"\b(?P<m>{_M})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{_Y})\b", re.I)),
    ("numeric", re.compile(rf"\b(?P<d>\d{{1,2}})[/.-](?P<mo>\d{{1,2}})[/.-](?P<y>{_Y})\b")),
    ("iso", re.compile(rf"\b(?P<y>{_Y})-(?P<mo>\d\d)-(?P<d>\d\d)\b")),
    ("month_list", re.compile(rf"\b(?:en\s+)?(?P<ms>(?:{_M})(?:\s*,\s*(?:{_M}))*\s+et\s+(?:{_M}))\s+(?P<y>{_Y})\b", re.I)),
    ("month_rel", re.compile(rf"\b(?:(?:en|au mois de|de|depuis|fin|début|mi-)\s*)?(?P<m>{_M})\s+(?P<rel>dernier|prochain|passé)\b", re.I)),
    ("month_year", re.compile(rf"\b(?:(?:en|de|depuis|fin|début|mi-)\s*)?(?P<m>{_M})\s+(?P<y>{_Y})\b", re.I)),
    ("month", re.compile(rf"\b(?:en|depuis|fin|début|mi-|au mois de)\s*(?P<m>{_M})\b", re.I)),
    ("year", re.compile(rf"\b(?:en|depuis|dès|avant|après|jusqu'en|jusqu’en|fin|début|in|since)\s+(?P<y>{_Y})\b", re.I)),
    ("ago", re.compile(rf"\b(?P<dir>il y a|dans|voici)\s+(?P<n>\d+|{_N})\s+(?P<u>{_U})\b", re.I)),
    ("duration", re.compile(rf"\b(?P<n>\d+|{_N})\s+(?P<u>{_U})\b", re.I)),
    ("weekday", re.compile(rf"\b(?:ce\s+)?(?P<w>{_W})(?:\s+(?P<rel>dernier|prochain|passé|last|next))?\b", re.I)),
    ("relative", re.compile(r"\b(?P<r>avant-hier|après-demain|hier|aujourd['’]hui|demain|yesterday|today|tomorrow|actuellement|à l['’]heure actuelle|(?:la|cette) semaine(?: (?:dernière|passée|prochaine))?|le mois (?:dernier|prochain|passé)|ce mois-ci|l['’]an (?:dernier|passé|prochain)|l['’]année (?:dernière|passée|prochaine)|cette année|ce week-end|le week-end dernier)\b", re.I)),
]  # fmt: skip


def resolve_times(text: str, anchor: date | None, *, doc: Any = None) -> list[TimeExpression]:
    """Return the time expressions of ``text`` in order, relative ones resolved against ``anchor``.

    With no anchor, the first full date of the text anchors them; with none, their value is None.
    ``doc`` (a spaCy Doc of the same text) lets weekdays follow their sentence's tense.
    """
    claimed: list[tuple[int, int, str, re.Match[str]]] = []
    for rule, pattern in RULES:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e, _, _ in claimed):
                continue
            if rule == "duration" and not _is_duration(text, start):
                continue
            claimed.append((start, end, rule, match))
    claimed.sort()
    if anchor is None:
        anchor = _first_full_date(claimed)
    out: list[TimeExpression] = []
    for start, end, rule, match in claimed:
        for value, kind, relative in _values(rule, match, anchor, _is_future(doc, start, end)):
            out.append(
                TimeExpression(
                    text=text[start:end],
                    start=start,
                    end=end,
                    value=value,
                    type=kind,
                    anchor=anchor.isoformat() if relative and anchor and value else None,
                )
            )
    return out


def _is_duration(text: str, start: int) -> bool:
    # "les deux pays" is no duration, but the unit words are narrow enough; skip counted ordinals.
    return not re.search(r"(?:les|des|aux)\s*$", text[max(0, start - 5) : start], re.I)


def _first_full_date(claimed: list[tuple[int, int, str, re.Match[str]]]) -> date | None:
    for _s, _e, rule, match in claimed:
        if rule in {"day", "day_pair", "day_en", "numeric", "iso"} and match.groupdict().get("y"):
            found = _values(rule, match, None, False)
            if found and found[0][0]:
                return date.fromisoformat(found[0][0])
    return None


def _day(token: str) -> int:
    return 1 if token.lower() in {"1er", "premier"} else int(token)


def _ymd(year: int, month: int, day: int) -> str | None:
    if not 1 <= month <= 12 or not 1 <= day <= monthrange(year, month)[1]:
        return None
    return date(year, month, day).isoformat()


def _year_for(month: int, anchor: date | None, rel: str | None = None) -> int | None:
    if anchor is None:
        return None
    if rel in {"dernier", "passé"}:
        return anchor.year if month < anchor.month else anchor.year - 1
    if rel == "prochain":
        return anchor.year if month > anchor.month else anchor.year + 1
    return anchor.year


def _values(
    rule: str, m: re.Match[str], anchor: date | None, future: bool
) -> list[tuple[str | None, str, bool]]:
    """Return (value, type, is_relative) for one match; several values for pairs and lists."""
    g = m.groupdict()
    year = int(g["y"]) if g.get("y") else None
    if rule in {"day", "day_en"}:
        month = MONTHS[g["m"].lower()]
        y = year or _year_for(month, anchor)
        return [(_ymd(y, month, _day(g["d"])) if y else None, "DATE", year is None)]
    if rule == "day_pair":
        month = MONTHS[g["m"].lower()]
        y = year or _year_for(month, anchor)
        return [(_ymd(y, month, _day(g[k])) if y else None, "DATE", year is None) for k in ("d1", "d2")]
    if rule in {"numeric", "iso"}:
        return [(_ymd(int(g["y"]), int(g["mo"]), int(g["d"])), "DATE", False)]
    if rule == "month_list":
        months = re.findall(_M, g["ms"], re.I)
        return [(f"{year:04d}-{MONTHS[x.lower()]:02d}", "DATE", False) for x in months]
    if rule == "month_year":
        return [(f"{year:04d}-{MONTHS[g['m'].lower()]:02d}", "DATE", False)]
    if rule in {"month_rel", "month"}:
        month = MONTHS[g["m"].lower()]
        y = _year_for(month, anchor, (g.get("rel") or "").lower() or None)
        return [(f"{y:04d}-{month:02d}" if y else None, "DATE", True)]
    if rule == "year":
        return [(f"{year:04d}", "DATE", False)]
    if rule == "duration":
        n = NUMBERS.get(g["n"].lower()) if not g["n"].isdigit() else int(g["n"])
        unit = UNITS[g["u"].lower()]
        value = None if n is None else (f"PT{n}H" if unit == "H" else f"P{n}{unit}")
        return [(value, "DURATION", False)]
    if anchor is None:
        return [(None, "DATE", True)]
    if rule == "ago":
        n = NUMBERS.get(g["n"].lower()) if not g["n"].isdigit() else int(g["n"])
        if n is None:
            return [(None, "DATE", True)]
        sign = 1 if g["dir"].lower() == "dans" else -1
        return [(_shift(anchor, sign * n, UNITS[g["u"].lower()]), "DATE", True)]
    if rule == "weekday":
        rel = (g.get("rel") or "").lower()
        wd = WEEKDAYS[g["w"].lower()]
        if rel in {"prochain", "next"} or (future and not rel):
            delta = (wd - anchor.weekday()) % 7 or (7 if rel else 0)
        else:
            delta = -((anchor.weekday() - wd) % 7 or (7 if rel else 0))
        return [((anchor + timedelta(days=delta)).isoformat(), "DATE", True)]
    return [(_relative(m.group("r").lower().replace("’", "'"), anchor), "DATE", True)]


def _shift(anchor: date, n: int, unit: str) -> str:
    if unit == "D":
        return (anchor + timedelta(days=n)).isoformat()
    if unit == "W":
        return _week(anchor + timedelta(weeks=n))
    if unit == "M":
        months = anchor.year * 12 + anchor.month - 1 + n
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    if unit == "Y":
        return f"{anchor.year + n:04d}"
    return anchor.isoformat()


def _week(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def _relative(word: str, anchor: date) -> str:
    day = {"avant-hier": -2, "hier": -1, "yesterday": -1, "aujourd'hui": 0, "today": 0, "demain": 1,
           "tomorrow": 1, "après-demain": 2}  # fmt: skip
    if word in day:
        return (anchor + timedelta(days=day[word])).isoformat()
    if word in {"actuellement", "à l'heure actuelle"}:
        return "PRESENT_REF"
    if "semaine" in word:
        shift = -1 if ("dernière" in word or "passée" in word) else 1 if "prochaine" in word else 0
        return _week(anchor + timedelta(weeks=shift))
    if "week-end" in word:
        return _week(anchor - timedelta(weeks=1 if "dernier" in word else 0)) + "-WE"
    if "mois" in word:
        shift = -1 if ("dernier" in word or "passé" in word) else 1 if "prochain" in word else 0
        return _shift(anchor, shift, "M")
    shift = -1 if any(w in word for w in ("dernier", "dernière", "passé")) else 1 if "prochain" in word else 0
    return f"{anchor.year + shift:04d}"


def _is_future(doc: Any, start: int, end: int) -> bool:
    """True when the sentence around start..end is in the future tense (spaCy morph), else False."""
    if doc is None:
        return False
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    sent = span.sent
    for token in sent:
        if "Fut" in token.morph.get("Tense"):
            return True
        if token.lemma_ == "aller" and token.dep_.startswith("aux") and token.head.pos_ == "VERB":
            return True
    return False
