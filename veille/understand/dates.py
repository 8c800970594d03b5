"""Time expressions in French (and English) text, found by rules and resolved to TIMEX3-style values.

Spans follow the French TimeML convention (French TimeBank): determiners are kept ("le 12 mars",
"l'an dernier"), prepositions are not ("en 1998" → "1998", "depuis deux ans" → "deux ans", "à 14 h" →
"14 h"). Relative expressions are resolved against an anchor: the article's publication date, else the
first full date of the text (the anchor then says so). Times of day and "le lendemain" take the last day
named before them in the paragraph. The tense of the governing verb (spaCy morph) decides the direction
of "lundi" or "le 21 juin"; without a parse, the nearest such day wins. dateparser is not used: on
French TimeBank it finds a third of the expressions our rules find (benchmarks/time_events.py).
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
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
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10,
}  # fmt: skip
VAGUE = ("quelques", "plusieurs", "several", "few")
UNITS = {
    "seconde": "S", "minute": "MI", "heure": "H", "jour": "D", "journée": "D", "semaine": "W",
    "mois": "M", "trimestre": "Q", "semestre": "SE", "an": "Y", "année": "Y", "décennie": "DE",
    "siècle": "C", "second": "S", "hour": "H", "day": "D", "week": "W", "month": "M", "year": "Y",
    "decade": "DE", "century": "C", "centurie": "C", "centuries": "C",
}  # fmt: skip
SEASONS = {"printemps": "SP", "été": "SU", "automne": "FA", "hiver": "WI", "spring": "SP", "summer": "SU",
           "autumn": "FA", "fall": "FA", "winter": "WI"}  # fmt: skip
SEASON_MONTH = {"SP": 4, "SU": 7, "FA": 10, "WI": 1}
PARTS = {"matin": "MO", "matinée": "MO", "midi": "T12:00", "après-midi": "AF", "soir": "EV",
         "soirée": "EV", "nuit": "NI", "morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}  # fmt: skip
DAY_SHIFT = {"avant-hier": -2, "hier": -1, "yesterday": -1, "aujourd'hui": 0, "today": 0, "demain": 1,
             "tomorrow": 1, "après-demain": 2, "ce": 0, "cet": 0, "cette": 0, "this": 0, "tonight": 0}  # fmt: skip
PRESENT = {"maintenant", "actuellement", "désormais", "pour l'instant", "à présent", "now", "currently",
           "nowadays", "de nos jours", "en ce moment", "à l'heure actuelle"}  # fmt: skip
PAST = {"autrefois", "jadis", "naguère", "formerly"}
# Nouns after a bare number that make it a quantity, not a year ("2000 habitants").
QUANTITY_AFTER = r"(?:%|€|\$|F\b|francs?|euros?|dollars?|habitants?|personnes?|hommes?|femmes?|morts?|km|m\b|mètres?|tonnes?|kilos?|kg|élèves?|emplois?|logements?|voix|points?|people|soldiers?)"  # noqa: E501

# Nouns whose "de N ans" is a span of time, not someone's age ("une peine de 2 ans a été prononcée").
_SPAN_NOUNS = r"(?:peine|période|durée|mandat|contrat|plan|programme|délai|prison|réclusion|bail|absence|guerre|exil|travaux|retard|service|détention)"
_M = "|".join(sorted(MONTHS, key=len, reverse=True))
_M_EN = "january|february|march|april|may|june|july|august|september|october|november|december"
_W = "|".join(WEEKDAYS)
_NUMW = (
    r"(?:(?:quatre-vingts?|vingt|trente|quarante|cinquante|soixante)(?:[- ]et[- ](?:un|onze)|-[a-zé]+(?:-[a-zé]+)?)?|"
    r"dix-(?:sept|huit|neuf)|"
    + "|".join(sorted((k.strip() for k in NUMBERS if len(k.strip()) > 1), key=len, reverse=True))
    + ")"
)
_N = rf"(?:\d+(?:[.,]5)?|{_NUMW}|{'|'.join(VAGUE)})"
_UNIT = r"(?:secondes?|minutes?|heures?|jours?|journées?|semaines?|mois|trimestres?|semestres?|ans|an|années?|décennies?|siècles?|seconds?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies))"  # noqa: E501
_DAY = r"(?:1er|premier|3[01]|[12]\d|0?[1-9])"
_Y4 = r"(?:1[89]\d\d|20\d\d)"
_REL = r"(?:derni(?:er|ère)s?|prochaine?s?|passée?s?|précédente?s?|suivante?s?|last|next)"
_PART = r"(?:en\s+(?:début|fin)\s+d['’]après-midi|en\s+(?:début|fin)\s+de\s+(?:matinée|soirée)|après-midi|matinée|matin|soirée|soir|nuit|midi|morning|afternoon|evening|night)"  # noqa: E501

_I = re.I
# Every rule names the span it claims as group "t"; overlapping candidates go to the longest.
RULES: list[tuple[str, re.Pattern[str]]] = [
    # "les 6 et 13 avril", "du 6 au 7 février 2023": the first day is its own expression (TimeML).
    ("day_first", re.compile(rf"\b(?P<t>(?:les\s+)?(?:(?:{_W})\s+)?(?P<d>{_DAY}))(?=\s*(?:,|et|au|à|-|and|to)\s*(?:(?:{_W})\s+)?{_DAY}\s+(?P<m>{_M})(?:\s+(?P<y>{_Y4}))?(?:\s+(?P<rel>{_REL}))?)", _I)),
    ("day", re.compile(rf"\b(?P<t>(?:(?:le|ce)\s+)?(?:(?:même|{_W})\s+)?(?P<d>{_DAY})\s+(?P<m>{_M})(?:\s+(?P<y>{_Y4}|\d\d(?![\d\w%])(?!\s+{QUANTITY_AFTER})))?(?:\s+(?P<rel>{_REL}))?)\b", _I)),
    ("day_en", re.compile(rf"\b(?P<t>(?:(?:{_W}),?\s+)?(?P<m>{_M_EN})\s+(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?:,?\s+(?P<y>{_Y4}))?)\b", _I)),
    ("numeric", re.compile(rf"(?<![\d/.])(?P<t>(?P<d>\d{{1,2}})[/.-](?P<mo>\d{{1,2}})[/.-](?P<y>{_Y4}))(?![\d/])")),
    ("iso", re.compile(rf"(?<![\d-])(?P<t>(?P<y>{_Y4})-(?P<mo>\d\d)-(?P<d>\d\d))(?!\d)")),
    ("month", re.compile(rf"(?P<pre>\b(?:en|de|d['’]|depuis|dès|jusqu['’]en|entre|et|ou|au\s+mois\s+de|in|since|of|until)\s+|-)?\b(?P<t>(?:(?P<edge>fin|début|mi|courant)[\s-]+)?(?P<m>{_M})(?:\s+(?P<y>{_Y4}|\d\d(?![\d\w%])(?!\s+{QUANTITY_AFTER})))?(?:\s+(?P<rel>{_REL}))?)\b(?=(?P<post>-(?:{_M})))?(?=(?:\s*(?:,|et|ou|à|au|-)\s*(?:{_M}))+\s+(?P<ly>{_Y4}))?", _I)),
    ("year", re.compile(rf"(?<![\d.,\w])(?P<t>(?:l['’](?:année|an)\s+|(?:fin|début|mi)[\s-]+)?(?P<y>{_Y4}))(?![\d]|[.,]\d|[-/]\d{{3}}(?!\d))(?!\s*{QUANTITY_AFTER})", _I)),
    ("year2", re.compile(r"\b(?:en|depuis|dès)\s+(?P<t>(?P<y>\d\d))(?=\s*[,.;:()]|\s*$)", _I)),
    ("decade", re.compile(r"\b(?P<t>les\s+années\s+(?P<y>(?:19|20)?\d0|vingt|trente|quarante|cinquante|soixante|soixante-dix|quatre-vingt|quatre-vingt-dix))\b", _I)),
    ("season", re.compile(rf"\b(?P<t>(?:l['’]|le\s+|cet\s+|cette\s+|ce\s+)(?P<s>printemps|été|automne|hiver)(?:\s+(?P<y>{_Y4})|\s+(?P<rel>{_REL}))?)\b(?!\s+d(?:e|u|es)\s+(?!{_Y4}))", _I)),
    ("season_bare", re.compile(rf"(?:(?<=\ben\s)|(?<=\bau\s))(?P<t>(?P<s>printemps|été|automne|hiver)(?:\s+(?P<y>{_Y4}))?)\b(?!\s+d(?:e|u|es)\s+(?!{_Y4}))", _I)),
    ("ago", re.compile(rf"\b(?P<t>(?P<dir>il\s+y\s+a|voici|dans|ago)\s+(?P<n>{_N})\s+(?P<u>{_UNIT}))\b", _I)),
    ("ago_en", re.compile(rf"\b(?P<t>(?P<n>{_N})\s+(?P<u>{_UNIT})\s+ago)\b", _I)),
    ("set", re.compile(rf"\b(?P<t>(?:chaque|tous\s+les|toutes\s+les|every|each)\s+(?P<u>(?:{_W})s?|jours|ans|années?|mois|semaines?|matins?|soirs?|nuits?|jour|an|week-ends?|day|week|month|year|morning|evening)|annuel(?:le)?s?|mensuel(?:le)?s?|hebdomadaires?|annual|monthly|weekly)\b", _I)),
    ("per", re.compile(r"\b(?:par|per|a)\s+(?P<t>(?P<u>an|année|jour|mois|semaine|semestre|trimestre|heure|year|day|month|week))\b", _I)),
    ("approx", re.compile(rf"\b(?P<t>(?:(?:près|moins|plus)\s+d['’])?une\s+(?P<n>dizaine|douzaine|quinzaine|vingtaine|trentaine|quarantaine|cinquantaine|centaine)\s+(?:de\s+|d['’])(?P<u>{_UNIT}))\b", _I)),
    ("vague", re.compile(r"\b(?P<t>ces\s+(?P<dir>dernières|derniers|prochaines|prochains)\s+(?P<u>années|mois|semaines|jours|décennies)|(?P<dir2>les\s+(?:prochaines|prochains))\s+(?P<u2>années|mois|semaines|jours))\b", _I)),
    # "les trois derniers mois", "au cours des deux prochaines semaines": a span that ends (starts) now.
    ("duration_last", re.compile(rf"\b(?P<t>(?:(?:les|ces)\s+)?(?P<n>{_N})\s+(?P<dir>derni(?:er|ère)s|prochaine?s)\s+(?P<u>{_UNIT}))\b", _I)),
    # "deux jours plus tard", "trois semaines auparavant": counted from the last time the text named.
    ("shift", re.compile(rf"\b(?P<t>(?P<n>{_N})\s+(?P<u>{_UNIT})\s+(?P<dir>plus\s+tard|plus\s+tôt|auparavant|après|avant))\b(?!\s+(?:l['’]|la\s|le\s|les\s|de\s|du\s|des\s|d['’]|que\b|qu['’]|son\s|sa\s|ses\s|leurs?\s|cette\s|ce\s|cet\s|\d))", _I)),
    # "le premier semestre 2024", "au deuxième trimestre": a quarter or half of a year.
    ("year_part", re.compile(rf"\b(?P<t>(?:(?:le|ce)\s+)?(?P<o>premier|1er|deuxième|2e|second|troisième|3e|quatrième|4e|dernier)\s+(?P<u>trimestre|semestre)(?:\s+(?:de\s+|d['’])?(?:l['’]année\s+)?(?P<y>{_Y4}))?)\b", _I)),
    ("century", re.compile(r"\b(?P<t>(?:le\s+)?(?:(?P<edge>début|fin|milieu)\s+du\s+)?(?P<c>[IVX]{1,5}|\d{1,2})(?:e|è|ème|eme)\s+siècle)\b")),
    ("duration", re.compile(rf"\b(?P<t>(?:(?:près|moins|plus|au\s+moins|environ)\s+(?:de\s+|d['’])?|ces\s+(?:dernières|derniers)\s+|les\s+(?:dernières|derniers)\s+)?(?P<n>{_N})\s+(?P<u>{_UNIT})(?:\s+et\s+demie?)?)\b", _I)),
    ("duration_word", re.compile(r"\b(?P<t>(?:un|une|le|ce)\s+(?P<w>demi-siècle|quart\s+de\s+siècle|quinquennat|septennat|mandat\s+de\s+cinq\s+ans|décennie|semestre|trimestre|siècle)|(?:une?|le|ce)\s+(?P<w2>quinquennat|septennat)|(?P<w3>quinquennat|septennat))\b", _I)),
    ("clock", re.compile(r"(?<![\d,.])(?P<t>(?P<h>[01]?\d|2[0-3])\s*(?:h|heures?)(?:\s*(?P<mi>[0-5]\d))?(?:\s+(?:(?P<wd2>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)))?)(?![\w])", _I)),
    ("clock_en", re.compile(r"\b(?P<t>(?P<h>1[0-2]|0?[1-9])(?::(?P<mi>[0-5]\d))?\s*(?P<ap>a\.?m\.?|p\.?m\.?))(?!\w)", _I)),
    ("clock_word", re.compile(r"\b(?:à|vers|dès|avant|après|jusqu['’]à|at|around)\s+(?P<t>midi|minuit|noon|midnight)\b", _I)),
    ("part_day", re.compile(rf"\b(?P<t>(?:(?P<det>le|la|ce|cet|cette|this)\s+(?:même\s+)?)?(?P<w>{_W}|avant-hier|après-demain|hier|demain|aujourd['’]hui|yesterday|today|tomorrow|lendemain|veille)\s+(?P<part>{_PART})(?:\s+même)?)\b", _I)),
    ("part_this", re.compile(r"\b(?P<t>(?P<det>ce|cet|cette|this)\s+(?P<part>matin|soir|après-midi|nuit|midi|morning|afternoon|evening)|tonight|(?:le|la)\s+(?P<part2>matin|soir|nuit)\s+même)\b", _I)),
    # "la matinée de dimanche", "dans la nuit de mardi": that day's part.
    ("part_of", re.compile(rf"\b(?P<t>(?:la|le)\s+(?P<part>matinée|soirée|nuit|après-midi|matin|soir)\s+(?:de|du|d['’])\s*(?:(?:ce|le)\s+)?(?P<w>{_W}|hier|avant-hier|lendemain|veille))\b(?!\s+(?:{_DAY})\b)", _I)),
    ("part_alone", re.compile(r"\b(?P<t>la\s+(?P<part>nuit|soirée|matinée)|(?:fin|début)\s+d['’]après-midi|(?:fin|début)\s+de\s+(?:matinée|soirée))\b(?!\s+(?:de|du|des|d['’])\s)", _I)),
    ("night", re.compile(rf"\b(?P<t>la\s+nuit\s+(?:de|du)\s+(?P<w>{_W})\s+(?:à|au)\s+(?:{_W}))\b", _I)),
    ("weekday", re.compile(rf"\b(?P<t>(?:(?:ce|le|this|last|next)\s+)?(?:même\s+)?(?P<w>{_W})(?:\s+(?P<rel>{_REL}))?)\b(?!\s+(?:{_DAY})\b|\s+saint)", _I)),
    ("relday", re.compile(r"\b(?P<t>avant-hier|après-demain|hier|aujourd['’]hui|demain|yesterday|today|tomorrow)\b", _I)),
    ("sameday", re.compile(r"\b(?P<t>(?:le\s+)?même\s+jour|ce\s+jour-là|(?:la\s+)?veille|(?:le\s+)?lendemain|the\s+day\s+(?:before|after))\b", _I)),
    ("period", re.compile(rf"\b(?P<t>(?:(?:l[ae]\s+)?(?P<edge>fin|début|mi)[\s-]+(?:de\s+(?=l['’]|la\s)|d(?=u\s)))?(?:l['’]an|l['’]année|la\s+semaine|(?:le|u)\s+mois|le\s+week-end|le\s+trimestre)\s+(?P<rel>{_REL}|en\s+cours)|(?:(?:l[ae]\s+)?(?P<edge2>fin|début|mi)[\s-]+(?:de\s+l['’]|du\s+|de\s+la\s+|de\s+cette\s+|de\s+ce\s+)|cette\s+|ce\s+|la\s+nouvelle\s+)(?P<u>année|semaine|mois|week-end|an)(?:-ci)?|(?:last|next|this)\s+(?P<u2>year|week|month|weekend)|(?<=\ben\s)(?P<edge3>fin|début|milieu)\s+(?:de\s+|d['’])(?P<u3>année|semaine|mois))\b", _I)),
    ("present", re.compile(r"\b(?P<t>maintenant|actuellement|désormais|pour\s+l['’]instant|à\s+présent|de\s+nos\s+jours|à\s+l['’]heure\s+actuelle|now|currently|nowadays)\b", _I)),
    ("ici", re.compile(r"\bd['’](?P<t>ici)\b", _I)),
    ("past", re.compile(r"\b(?P<t>autrefois|jadis|naguère|formerly)\b", _I)),
    ("future", re.compile(r"\b(?P<t>l['’]avenir\b|prochaine?s?\b(?=\s+[a-zà-ÿ]))|^(?P<t2>Prochaine?s?)\b", _I | re.M)),
]  # fmt: skip

_PRIORITY = {name: i for i, (name, _) in enumerate(RULES)}
_PARTS = ("matin", "midi", "soir", "nuit", "morning", "afternoon", "evening", "night")
# Words (casefolded) of which every match of a rule contains one: a text with none of them is not scanned by it
# (a speed-up only: scanning the whole text with each of the rules was 40% of the analysis after the parse).
_NEEDS: dict[str, tuple[str, ...]] = {
    "day_first": tuple(MONTHS),
    "day": tuple(MONTHS),
    "day_en": tuple(_M_EN.split("|")),
    "month": tuple(MONTHS),
    "decade": ("années",),
    "season": ("printemps", "été", "automne", "hiver"),
    "season_bare": ("printemps", "été", "automne", "hiver"),
    "ago_en": ("ago",),
    "set": ("chaque", "tous", "toutes", "every", "each", "annuel", "mensuel", "hebdomadaire", "annual", "monthly",
            "weekly"),
    "approx": ("dizaine", "douzaine", "quinzaine", "vingtaine", "trentaine", "quarantaine", "cinquantaine",
               "centaine"),
    "vague": ("derni", "prochain"),
    "duration_last": ("derni", "prochain"),
    "shift": ("tard", "tôt", "auparavant", "après", "avant"),
    "year_part": ("trimestre", "semestre"),
    "century": ("siècle",),
    "clock_word": ("midi", "minuit", "noon", "midnight"),
    "part_day": _PARTS,
    "part_this": (*_PARTS, "tonight"),
    "part_of": _PARTS,
    "part_alone": _PARTS,
    "night": ("nuit",),
    "weekday": tuple(WEEKDAYS),
    "relday": ("hier", "demain", "aujourd", "yesterday", "today", "tomorrow"),
    "sameday": ("même", "jour", "veille", "lendemain", "day"),
    "present": ("maintenant", "actuellement", "désormais", "instant", "présent", "jours", "actuelle", "now",
                "currently"),
    "past": ("autrefois", "jadis", "naguère", "formerly"),
    "ici": ("ici",),
    "future": ("avenir", "prochain"),
}  # fmt: skip


@dataclass(slots=True)
class _Found:
    start: int
    end: int
    rule: str
    match: re.Match[str]


def resolve_times(text: str, anchor: date | None, *, doc: Any = None) -> list[TimeExpression]:
    """Return the time expressions of ``text`` in order, relative ones resolved against ``anchor``.

    With no anchor, the first full date of the text anchors them (the anchor says so); with none, their
    value is None. ``doc`` (a spaCy Doc of the same text, or None) lets tense decide direction. Empty or
    dateless text gives []; a phrase that cannot be resolved keeps its span with value None.
    """
    found = _find(text)
    note = ""
    if anchor is None:
        anchor = _first_full_date(found)
        note = " (first date in text)" if anchor else ""
    out: list[TimeExpression] = []
    ref: date | None = None  # the last day named in the text
    named: date | None = None  # the last day named in the paragraph
    ref_year: int | None = None  # the last explicit year named in the paragraph
    last: str | None = None  # the last calendar value ("l'année suivante", "deux jours plus tard")
    last_end = 0
    for f in found:
        if "\n" in text[last_end : f.start]:
            named, ref_year = None, None
        last_end = f.end
        direction = _direction(text, doc, f.start, f.end)
        ctx = _Context(anchor, ref or anchor, ref_year, direction, named, last)
        try:
            value, kind, relative = _value(f.rule, f.match, ctx)
        except (OverflowError, ValueError):  # "il y a 99999999999 jours", a year past 9999: no value
            logger.debug("time expression %r has no calendar value", text[f.start : f.end])
            value, kind, relative = None, "DATE", False
        if (
            value
            and re.match(r"\d{4}-\d\d-\d\d", value)
            and f.rule not in {"clock", "clock_en", "clock_word", *_FROM_THE_TEXT}
        ):
            ref = named = date.fromisoformat(value[:10])
        if value and f.match.groupdict().get("y") and re.match(r"\d{4}", value):
            ref_year = int(value[:4])
        if value and kind == "DATE" and _CALENDAR.fullmatch(value) and f.rule not in _FROM_THE_TEXT:
            last = value
        used = ctx.used
        out.append(
            TimeExpression(
                text=text[f.start : f.end],
                start=f.start,
                end=f.end,
                value=value,
                type=kind,
                anchor=(used.isoformat() + (note if used == anchor else ""))
                if relative and used and value
                else None,
            )
        )
    return _anchored_to_event(text, out)


# Expressions counted from the last time the text named ("la veille", "deux jours plus tard"): they do not
# become the reference of the next ones ("Le 12 mars … La veille … Le lendemain" is the 13th).
_FROM_THE_TEXT = {"sameday", "shift"}
_CALENDAR = re.compile(r"\d{4}(?:-\d\d(?:-\d\d)?)?")
_EVENT_REF = re.compile(r"\s+(?:de|du|des|d['’])\s*(?:cette|cet|ce|ces|la|le|l['’]|les)?\s*\w", re.I)
_DAY_VALUE = re.compile(r"\d{4}-\d\d-\d\d$")


def _anchored_to_event(text: str, out: list[TimeExpression]) -> list[TimeExpression]:
    """Resolve "la veille de cette visite" / "au lendemain du scrutin" that no earlier day anchors: the event
    it names is dated by the first day written after it in the same sentence ("…, publié à la veille de
    cette visite, … séjournera à Bamako les 6 et 7 février 2023"); otherwise it stays None."""
    for i, t in enumerate(out):
        word = t.text.casefold()
        if t.value is not None or not ("veille" in word or "lendemain" in word):
            continue
        if not _EVENT_REF.match(text, t.end):
            continue
        for later in out[i + 1 :]:
            if re.search(r"[.!?\n]", text[t.end : later.start]):
                break  # another sentence: not this event's date
            if later.value and _DAY_VALUE.match(later.value):
                try:
                    day = date.fromisoformat(later.value) + timedelta(days=-1 if "veille" in word else 1)
                except (OverflowError, ValueError):
                    break
                out[i] = TimeExpression(
                    t.text, t.start, t.end, day.isoformat(), t.type, f"{later.value} (the event's date)"
                )
                break
    return out


def _find(text: str) -> list[_Found]:
    """Return the non-overlapping candidates, longest first, then by rule order."""
    cands: list[_Found] = []
    folded = text.casefold().replace("\u0131", "i")  # re.I reads a dotless ı as an i
    for rule, pattern in RULES:
        needs = _NEEDS.get(rule)
        if needs and not any(word in folded for word in needs):
            continue  # none of the words this rule's every match contains: no need to scan the text
        for m in pattern.finditer(text):
            group = "t" if m.group("t") is not None else "t2"
            start, end = m.span(group)
            if start < end and _accept(rule, m, text, start):
                cands.append(_Found(start, end, rule, m))
    cands.sort(key=lambda f: (-(f.end - f.start), _PRIORITY[f.rule], f.start))
    chosen: list[_Found] = []  # non-overlapping, by start: only the neighbours can overlap a candidate
    for f in cands:
        k = bisect_left(chosen, f.start, key=lambda c: c.start)
        if k > 0 and chosen[k - 1].end > f.start or k < len(chosen) and chosen[k].start < f.end:
            continue
        chosen.insert(k, f)
    return chosen


def _accept(rule: str, m: re.Match[str], text: str, start: int) -> bool:
    before = text[max(0, start - 25) : start].lower()
    g = m.groupdict()
    if rule == "month":
        # A bare month name needs a preposition, a year, a relative word or a range ("mars-avril").
        bare = not (g.get("y") or g.get("rel") or g.get("edge"))
        if bare and not (g.get("pre") or g.get("post") or g.get("ly")):
            return False
        if bare and g["m"].lower() == "may":
            return False
    if rule == "duration":
        if re.search(r"\b(?:les|des|aux|ses|leurs|mes|nos|vos|tes)\s*$|\d\s*-\s*$", before) and not re.search(
            r"\b(?:dans|pendant|durant|pour|sur|depuis)\s+les\s*$", before
        ):
            return False
        unit = g["u"].lower()
        if (
            unit in {"ans", "an"}
            and re.match(r"(?:moins|plus)\b", g["t"], re.I)
            and re.search(r"\b(?:les|des|aux)\s*$", before)
        ):
            return False  # "les moins de 17 ans", an age group
        if g["u"][0].isupper():
            return False  # "20 Minutes", a title
        if unit.startswith("heure") and re.search(
            r"(?:\bà|\bvers|\bdès|\bjusqu['’]à|\ble|\bdu|\bau)\s*$", before
        ):
            return False  # a clock time ("à 19 heures") or a newscast ("le 20 heures")
        after = text[m.end("t") : m.end("t") + 12]
        if unit.startswith("seconde") and g["n"].lower() in {"une", "la"}:
            return False  # "une seconde fois"
        if (
            unit == "jour"
            and g["n"].lower() == "un"
            and not re.search(r"(?:pendant|durant|pour|en|de|d['’])\s*$", before)
        ):
            return False  # "un jour" is some day, not a one-day span
        # An age, not a duration: "âgé de 38 ans", "Jean Burget, 87 ans,", "un électricien de 37 ans, s'est".
        if unit in {"ans", "an"} and (
            re.search(r"(?:âgée?s?|l['’]âge)\s+de\s*$", before)
            or (re.search(r"(?:,|\(|\bde|,\s*à)\s*$", before) and re.match(r"\s*[,.;)]", after))
            or (
                re.search(rf"\b(?!{_SPAN_NOUNS}\b)[a-zà-ÿ]+\s+de\s*$", before)
                and re.match(r"\s+(?:a|est|qui|et|avait|était)\b", after)
            )
        ):
            return False
    if rule in {"clock"} and (g["t"].lower().rstrip().endswith(("heure", "heures"))):
        # "15 heures" is a clock time after "à", "vers", "dès"...; a duration otherwise ("deux heures").
        return bool(
            re.search(r"(?:\bà|\bvers|\bdès|\bavant|\baprès|\bjusqu['’]à|\bde|\bentre|\bet)\s*$", before)
        )
    if rule == "clock" and re.search(r"\b(?:pendant|durant|en|moins\s+de|plus\s+de)\s*$", before):
        return False
    if rule == "weekday" and re.search(r"\b(?:premier|dernier|deuxième|troisième|quatrième)\s+$", before):
        return False  # "le premier dimanche du printemps" is not a weekday of the anchor's week
    if (
        rule == "ago"
        and g["dir"].lower() == "dans"
        and g["n"].lower() in {"un", "une"}
        and re.match(r"\s+(?:de|du|des|d['’]|où|qui|que)\b", text[m.end("t") :], re.I)
    ):
        return False  # "dans un jour de grande forme", "dans une semaine où…": not a span from now
    if rule == "future" and (g.get("t") or g.get("t2") or "").isupper():
        return False
    if rule == "future" and g.get("t") and g["t"].lower().startswith("prochain"):
        after = text[m.end("t") : m.end("t") + 20].lower()
        if re.match(rf"\s+(?:{_W}|{_M}|semaine|mois|année|an\b|week-end|fois)", after):
            return False
        if re.search(rf"(?:{_W}|{_M}|semaine|mois|année|an|week-end|fois|\d)\s*$", before):
            return False
    return not (rule == "year" and re.search(r"(?:n°|numéro|no\.|article|page|p\.|tome|\bà)\s*$", before))


@dataclass(slots=True)
class _Context:
    anchor: date | None
    ref: date | None  # last day named in the paragraph, else the anchor
    ref_year: int | None
    direction: int  # -1 past, +1 future, 0 unknown
    named: date | None  # last day named, None when only the anchor is known
    last: str | None = None  # the last calendar value of the text ("2019", "2019-03", "2019-03-12")
    used: date | None = None


def _first_full_date(found: list[_Found]) -> date | None:
    for f in found:
        if (
            f.rule in {"day", "day_en", "numeric", "iso"}
            and f.match.group("y")
            and len(f.match.group("y")) == 4
        ):
            g = f.match.groupdict()
            month = int(g["mo"]) if g.get("mo") else MONTHS[g["m"].lower()]
            value = _ymd(int(g["y"]), month, _day(g["d"]))
            if value:
                return date.fromisoformat(value)
    return None


def _day(token: str) -> int:
    return 1 if token.lower() in {"1er", "premier"} else int(token)


def _ymd(year: int, month: int, day: int) -> str | None:
    if not 1 <= month <= 12 or not 1 <= day <= monthrange(year, month)[1]:
        return None
    return date(year, month, day).isoformat()


def _year2(token: str) -> int:
    n = int(token)
    return n if n > 99 else (1900 + n if n >= 30 else 2000 + n)


def _rel(word: str | None) -> int:
    """-1 for "dernier", +1 for "prochain", 0 otherwise."""
    w = (word or "").lower()
    if w.startswith(("dernier", "dernièr", "pass", "précéd", "last")):
        return -1
    if w.startswith(("prochain", "suivant", "next")):
        return 1
    return 0


def _number(token: str) -> int | float | None:
    t = token.lower().replace(",", ".")
    if t in VAGUE:
        return None
    try:
        return int(t) if t.isdigit() else float(t)
    except ValueError:
        pass
    total = 0
    t = re.sub(r"quatre-vingts?", "quatrevingt", t)  # 80, not 4 + 20
    for part in re.split(r"[- ]", t):
        if part == "quatrevingt":
            total += 80
            continue
        if part == "et":
            continue
        if part not in NUMBERS:
            return None
        total += NUMBERS[part]
    return total


def _pick_day(month: int, day: int, ctx: _Context, rel: int) -> str | None:
    """Return the ISO day of day/month in the year the direction (or nearness to the anchor) picks."""
    if ctx.anchor is None:
        return None
    a = ctx.anchor
    ctx.used = a
    cands = [date(y, month, day) for y in (a.year - 1, a.year, a.year + 1) if _ymd(y, month, day)]
    if not cands:
        return None
    way = rel or ctx.direction
    if way < 0:
        past = [c for c in cands if c < a or (c == a and not rel)]
        if past:
            return max(past).isoformat()
    if way > 0:
        future = [c for c in cands if c > a or (c == a and not rel)]
        if future:
            return min(future).isoformat()
    return min(cands, key=lambda c: abs((c - a).days)).isoformat()


def _pick_month(month: int, ctx: _Context, rel: int) -> int | None:
    """Return the year of a month named without one."""
    if ctx.ref_year is not None and not rel:
        return ctx.ref_year
    if ctx.anchor is None:
        return None
    a = ctx.anchor
    ctx.used = a
    way = rel or ctx.direction
    if way < 0:
        return a.year if month < a.month or (month == a.month and not rel) else a.year - 1
    if way > 0:
        return a.year if month > a.month or (month == a.month and not rel) else a.year + 1
    if month - a.month > 6:
        return a.year - 1
    if a.month - month > 6:
        return a.year + 1
    return a.year


def _pick_weekday(wd: int, ctx: _Context, rel: int) -> date | None:
    if ctx.anchor is None:
        return None
    a = ctx.anchor
    ctx.used = a
    way = rel or ctx.direction
    back = (a.weekday() - wd) % 7 or (7 if rel else 0)
    ahead = (wd - a.weekday()) % 7 or (7 if rel else 0)
    if way < 0:
        return a - timedelta(days=back)
    if way > 0:
        return a + timedelta(days=ahead)
    return a - timedelta(days=back) if back <= ahead else a + timedelta(days=ahead)


def _part(word: str) -> str:
    w = " ".join(word.lower().replace("’", "'").split())
    if "après-midi" in w:
        return "AF"
    if "matin" in w:
        return "MO"
    if "soir" in w:
        return "EV"
    return PARTS.get(w.split()[-1], "DT")


def _with_part(day: date | None, part: str) -> str | None:
    if day is None:
        return None
    return f"{day.isoformat()}{part}" if part.startswith("T") else f"{day.isoformat()}T{part}"


def _day_word(word: str, ctx: _Context) -> date | None:
    """The day named by hier/demain/la veille/le lendemain/this, or None when it cannot be anchored."""
    w = word.lower().replace("’", "'")
    if w in DAY_SHIFT:
        if ctx.anchor is None:
            return None
        ctx.used = ctx.anchor
        return ctx.anchor + timedelta(days=DAY_SHIFT[w])
    if w in {"veille", "lendemain"}:
        # Relative to another event: only a day named earlier in the paragraph anchors it.
        if ctx.named is None:
            return None
        ctx.used = ctx.named
        return ctx.named + timedelta(days=-1 if w == "veille" else 1)
    if w in WEEKDAYS:
        return _pick_weekday(WEEKDAYS[w], ctx, 0)
    return None


def _value(rule: str, m: re.Match[str], ctx: _Context) -> tuple[str | None, str, bool]:
    """Return (value, TIMEX3 type, is_relative) for one match."""
    g = m.groupdict()
    if rule in {"day", "day_en", "day_first"}:
        month = MONTHS[g["m"].lower()]
        d = _day(g["d"])
        if g.get("y"):
            value = _ymd(_year2(g["y"]), month, d)
            relative = False
        else:
            value = _pick_day(month, d, ctx, _rel(g.get("rel")))
            relative = True
        if value and g.get("h"):
            return f"{value}T{int(g['h']):02d}:{int(g.get('mi') or 0):02d}", "TIME", relative
        return value, "DATE", relative
    if rule in {"numeric", "iso"}:
        return _ymd(int(g["y"]), int(g["mo"]), int(g["d"])), "DATE", False
    if rule == "month":
        month = MONTHS[g["m"].lower()]
        if g.get("y") or g.get("ly"):
            return f"{_year2(g.get('y') or g['ly']):04d}-{month:02d}", "DATE", False
        y = _pick_month(month, ctx, _rel(g.get("rel")))
        return (f"{y:04d}-{month:02d}" if y else None), "DATE", True
    if rule == "year":
        return f"{int(g['y']):04d}", "DATE", False
    if rule == "year2":
        return f"{_year2(g['y']):04d}", "DATE", False
    if rule == "decade":
        return _decade(g["y"]), "DATE", False
    if rule in {"season", "season_bare"}:
        season = SEASONS[g["s"].lower()]
        if g.get("y"):
            return f"{g['y']}-{season}", "DATE", False
        rel = _rel(g.get("rel"))
        y = _pick_month(SEASON_MONTH[season], ctx, rel) if rel else (ctx.anchor.year if ctx.anchor else None)
        ctx.used = ctx.anchor
        return (f"{y:04d}-{season}" if y else None), "DATE", True
    if rule == "approx":
        n = {"dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
             "cinquantaine": 50, "centaine": 100}[g["n"].lower()]  # fmt: skip
        unit = _unit(g["u"])
        return (_period_value(n, unit) if unit else None), "DURATION", False
    if rule == "vague":
        way = (g.get("dir") or g.get("dir2") or "").lower()
        return ("PAST_REF" if "dern" in way else "FUTURE_REF"), "DATE", False
    if rule in {"duration", "duration_word"}:
        return _duration(g), "DURATION", False
    if rule == "duration_last":
        unit, count = _unit(g["u"]), _number(g["n"])
        return (_period_value(count, unit) if unit else None), "DURATION", False
    if rule == "shift":
        return _shift(g, ctx), "DATE", True
    if rule == "year_part":
        return _year_part(g, ctx), "DATE", not g.get("y")
    if rule == "century":
        return _century(g["c"]), "DATE", False
    if rule == "part_of":
        return _with_part(_day_word(g["w"], ctx), _part(g["part"])), "TIME", True
    if rule in {"set", "per"}:
        return _set(g["u"] or g["t"]), "SET", False
    if rule == "present":
        return "PRESENT_REF", "TIME", False
    if rule == "past":
        return "PAST_REF", "TIME", False
    if rule == "future":
        return "FUTURE_REF", "TIME", False
    if rule == "ici":
        if ctx.anchor is None:
            return None, "DATE", True
        ctx.used = ctx.anchor
        return ctx.anchor.isoformat(), "DATE", True
    if rule == "relday":
        day = _day_word(g["t"], ctx)
        return (day.isoformat() if day else None), "DATE", True
    if rule == "sameday":
        w = g["t"].lower()
        if "veille" in w or "before" in w:
            day = _day_word("veille", ctx)
        elif "lendemain" in w or "after" in w:
            day = _day_word("lendemain", ctx)
        else:
            day = ctx.ref if ctx.ref != ctx.anchor else None
            ctx.used = day
        return (day.isoformat() if day else None), "DATE", True
    if rule == "weekday":
        rel = _rel(g.get("rel")) or (-1 if g["t"].lower().startswith("last") else 0)
        rel = rel or (1 if g["t"].lower().startswith("next") else 0)
        day = _pick_weekday(WEEKDAYS[g["w"].lower()], ctx, rel)
        return (day.isoformat() if day else None), "DATE", True
    if rule in {"part_day", "night"}:
        day = _day_word(g["w"], ctx)
        return _with_part(day, "NI" if rule == "night" else _part(g.get("part") or "")), "TIME", True
    if rule == "part_this":
        if g["t"].lower() == "tonight":
            day = _day_word("today", ctx)
            return _with_part(day, "NI"), "TIME", True
        if g.get("part2"):
            ctx.used = ctx.ref
            return _with_part(ctx.ref, _part(g["part2"])), "TIME", True
        day = _day_word("ce", ctx)
        return _with_part(day, _part(g["part"])), "TIME", True
    if rule == "part_alone":
        ctx.used = ctx.ref
        return _with_part(ctx.ref, _part(g["t"])), "TIME", True
    if rule in {"clock", "clock_en", "clock_word"}:
        return _clock(g, ctx), "TIME", True
    if rule in {"ago", "ago_en"}:
        return _ago(g, ctx), "DATE", True
    if rule == "period":
        return _period(g, ctx), "DATE", True
    return None, "DATE", False


_ROMAN = {"I": 1, "V": 5, "X": 10}


def _century(token: str) -> str | None:
    """TIMEX3 value of "le XXe siècle" (the hundreds: "19"), from Roman or Arabic numerals."""
    if token.isdigit():
        n = int(token)
    else:
        digits = [_ROMAN[c] for c in token.upper()]
        n = sum(-d if i + 1 < len(digits) and d < digits[i + 1] else d for i, d in enumerate(digits))
    return f"{n - 1:02d}" if 1 <= n <= 30 else None


def _year_part(g: dict[str, Any], ctx: _Context) -> str | None:
    """TIMEX3 value of "le deuxième trimestre 2024" (2024-Q2) or "le premier semestre" (2024-H1): the year
    written, else the last year the paragraph named, else the anchor's."""
    half = g["u"].lower() == "semestre"
    word = g["o"].lower()
    n = {"premier": 1, "1er": 1, "deuxième": 2, "2e": 2, "second": 2, "troisième": 3, "3e": 3}.get(word, 4)
    if word == "dernier":
        n = 2 if half else 4
    if half and n > 2:
        return None
    year = int(g["y"]) if g.get("y") else ctx.ref_year
    if year is None and ctx.anchor is not None:
        year = ctx.anchor.year
        ctx.used = ctx.anchor
    return f"{year:04d}-{'H' if half else 'Q'}{n}" if year is not None else None


def _first_day(value: str) -> date:
    """The first day of a calendar value ("2019" → 2019-01-01, "2019-03" → 2019-03-01)."""
    return date.fromisoformat(value + "-01-01"[len(value) - 4 :] if len(value) < 10 else value)


def _shift(g: dict[str, Any], ctx: _Context) -> str | None:
    """ "deux jours plus tard", "trois ans auparavant": the last calendar value the text named, moved by
    the span, at that value's grain (a year moved by days has no day to give). None without one."""
    unit, n = _unit(g["u"]), _number(g["n"])
    base = ctx.last
    if base is None or unit is None or not isinstance(n, int):
        return None
    sign = -1 if re.search(r"tôt|auparavant|avant", g["dir"], re.I) else 1
    ctx.used = _first_day(base)
    if len(base) == 10 and unit in {"D", "W"}:
        days = n * (7 if unit == "W" else 1)
        return (date.fromisoformat(base) + timedelta(days=sign * days)).isoformat()
    if len(base) >= 7 and unit in {"M", "Q", "SE"}:
        k = {"M": 1, "Q": 3, "SE": 6}[unit] * n * sign
        months = int(base[:4]) * 12 + int(base[5:7]) - 1 + k
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    if unit in {"Y", "DE", "C"}:
        return f"{int(base[:4]) + {'Y': 1, 'DE': 10, 'C': 100}[unit] * n * sign:04d}"
    return None


def _decade(token: str) -> str | None:
    words = {"vingt": 2, "trente": 3, "quarante": 4, "cinquante": 5, "soixante": 6, "soixante-dix": 7,
             "quatre-vingt": 8, "quatre-vingt-dix": 9}  # fmt: skip
    t = token.lower()
    if t in words:
        return f"19{words[t]}X"
    if len(t) == 4:
        return t[:3] + "X"
    return ("20" if t.startswith("0") else "19") + t[0] + "X" if len(t) == 2 else None


def _duration(g: dict[str, Any]) -> str | None:
    word = (g.get("w") or g.get("w2") or g.get("w3") or "").lower()
    if word:
        fixed = {"demi-siècle": "P50Y", "quinquennat": "P5Y", "septennat": "P7Y", "décennie": "P10Y",
                 "semestre": "P6M", "trimestre": "P3M", "siècle": "P100Y"}  # fmt: skip
        if word.startswith("quart"):
            return "P25Y"
        return fixed.get(word.split()[0], "P5Y" if "cinq" in word else None)
    unit = _unit(g["u"])
    n = _number(g["n"])
    if g["t"].lower().rstrip().endswith(("demi", "demie")) and isinstance(n, int):
        n = n + 0.5
    if unit is None:
        return None
    return _period_value(n, unit)


def _unit(word: str) -> str | None:
    """The TIMEX3 unit code of a unit word, singular or plural ("ans" → Y), else None."""
    w = word.lower()
    return UNITS.get(w) or UNITS.get(w[:-1] if w.endswith("s") else w)


def _period_value(n: int | float | None, unit: str) -> str:
    count = "X" if n is None else (f"{n:g}" if isinstance(n, float) else str(n))
    scale = {"Q": ("M", 3), "SE": ("M", 6), "DE": ("Y", 10), "C": ("Y", 100)}
    if unit in scale and n is not None:
        base, k = scale[unit]
        return f"P{n * k:g}{base}"
    if unit in scale:
        return f"PX{scale[unit][0]}"
    if unit in {"H", "MI", "S"}:
        return f"PT{count}{'M' if unit == 'MI' else unit}"
    return f"P{count}{unit}"


def _set(word: str) -> str | None:
    w = word.lower().replace("’", "'")
    for name, wd in WEEKDAYS.items():
        if w.rstrip("s") == name:
            return f"XXXX-WXX-{wd + 1}"
    if w.startswith(("annuel", "annual")):
        return "P1Y"
    if w.startswith(("mensuel", "monthly")):
        return "P1M"
    if w.startswith(("hebdomadaire", "weekly")):
        return "P1W"
    if w.startswith(("matin", "morning")):
        return "XXXX-XX-XXTMO"
    if w.startswith(("soir", "evening")):
        return "XXXX-XX-XXTEV"
    if w.startswith("nuit"):
        return "XXXX-XX-XXTNI"
    if w.startswith("week-end"):
        return "XXXX-WXX-WE"
    unit = _unit(w)
    return _period_value(1, unit) if unit else None


def _clock(g: dict[str, Any], ctx: _Context) -> str | None:
    word = g["t"].lower()
    if word in {"midi", "noon"}:
        h, mi = 12, 0
    elif word in {"minuit", "midnight"}:
        h, mi = 0, 0
    else:
        h, mi = int(g["h"]), int(g.get("mi") or 0)
        ap = (g.get("ap") or "").lower().replace(".", "")
        if ap == "pm" and h < 12:
            h += 12
        elif ap == "am" and h == 12:
            h = 0
    day = ctx.ref
    if g.get("wd2"):
        day = _day_word(g["wd2"], ctx)
    else:
        ctx.used = day
    if day is None:
        return f"XXXX-XX-XXT{h:02d}:{mi:02d}"
    return f"{day.isoformat()}T{h:02d}:{mi:02d}"


def _ago(g: dict[str, Any], ctx: _Context) -> str | None:
    unit = _unit(g["u"])
    n = _number(g["n"])
    if n is None and unit is not None:
        # "il y a quelques mois": some time ago, no more precise than that.
        return "FUTURE_REF" if g.get("dir") and g["dir"].lower() == "dans" else "PAST_REF"
    if ctx.anchor is None or unit is None or n is None or isinstance(n, float):
        return None
    ctx.used = ctx.anchor
    sign = 1 if g.get("dir") and g["dir"].lower() == "dans" else -1
    a = ctx.anchor
    if unit in {"D", "H", "MI", "S"}:
        return (a + timedelta(days=sign * n if unit == "D" else 0)).isoformat()
    if unit == "W":
        return (a + timedelta(weeks=sign * n)).isoformat()
    if unit in {"M", "Q", "SE"}:
        k = {"M": 1, "Q": 3, "SE": 6}[unit] * n * sign
        months = a.year * 12 + a.month - 1 + k
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    k = {"Y": 1, "DE": 10, "C": 100}[unit] * n * sign
    return f"{a.year + k:04d}"


def _week(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def _period(g: dict[str, Any], ctx: _Context) -> str | None:
    if ctx.anchor is None:
        return None
    a = ctx.anchor
    ctx.used = a
    text = g["t"].lower().replace("’", "'")
    unit = (g.get("u") or g.get("u2") or g.get("u3") or "").lower()
    if not unit:
        unit = next(u for u in ("année", "an", "semaine", "mois", "week-end", "trimestre") if u in text)
    rel = _rel(g.get("rel")) or (-1 if text.startswith("last") else 1 if text.startswith("next") else 0)
    if "dernière" in text.split()[-1] or text.endswith(("dernier", "passée", "passé", "précédente")):
        rel = -1
    if re.search(r"(?:suivante?|précédente?)$", text):
        # "l'année suivante", "le mois précédent": next to the last time named, not to the article's day.
        grain = {"année": 4, "an": 4, "year": 4, "mois": 7, "month": 7, "trimestre": 7}.get(unit, 10)
        if ctx.last is None or len(ctx.last) < grain:
            return None
        a = ctx.used = _first_day(ctx.last)
    if unit in {"année", "an", "year"}:
        return f"{a.year + rel:04d}"
    if unit in {"semaine", "week"}:
        return _week(a + timedelta(weeks=rel))
    if unit in {"mois", "month"}:
        months = a.year * 12 + a.month - 1 + rel
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    if unit in {"week-end", "weekend"}:
        way = rel or ctx.direction
        # The weekend of an ISO week is its Saturday and Sunday: a past one is the last that began.
        if way < 0:
            back = (a.weekday() - 5) % 7 or 7
            return _week(a - timedelta(days=back)) + "-WE"
        return _week(a + timedelta(days=(5 - a.weekday()) % 7 if a.weekday() < 5 else 0)) + "-WE"
    if unit == "trimestre":
        q = (a.month - 1) // 3 + 1 + rel
        y = a.year + (q - 1) // 4
        return f"{y:04d}-Q{(q - 1) % 4 + 1}"
    return None


_PAST_TENSES = {"Past", "Imp", "Pqp"}


def _direction(text: str, doc: Any, start: int, end: int) -> int:
    """-1 when the expression's clause is in a past tense, +1 in the future, 0 when unknown.

    "depuis" before the expression means the past whatever the tense; without ``doc`` only that is read.
    """
    before = text[max(0, start - 12) : start]
    if re.search(r"\b(?:depuis|since)\s+(?:le\s+|la\s+|l['’])?$", before, re.I):
        return -1
    if re.search(
        r"(?:\bjusqu['’](?:au|à)|\bd['’]ici(?:\s+(?:au|à))?|\buntil)\s+(?:le\s+|la\s+|l['’])?$", before, re.I
    ):
        return 1
    if doc is None:
        return 0
    try:
        span = doc.char_span(start, end, alignment_mode="expand")
    except (IndexError, ValueError) as exc:
        logger.debug("no span for %s..%s: %s", start, end, exc)
        return 0
    if span is None or len(span) == 0:
        return 0
    verb = _governing_verb(span.root)
    if verb is None:
        return 0
    return _tense(verb)


def _governing_verb(token: Any) -> Any:
    for _ in range(5):
        if token.pos_ in {"VERB", "AUX"}:
            return token
        if token.head is token:
            break
        token = token.head
    root = token.sent.root
    return root if root.pos_ in {"VERB", "AUX"} else None


# Verbs whose present, governing an infinitive, tells of a time to come ("doit se rendre lundi").
_PROSPECTIVE = {"aller", "devoir", "compter", "prévoir", "envisager", "espérer", "entendre", "souhaiter"}


def _tense(verb: Any, depth: int = 0) -> int:
    """-1 past, +1 future, 0 present or unknown, from the verb's morph and its auxiliaries.

    An infinitive takes the tense of the verb it completes, read as French periphrases: "va recevoir",
    "doit se rendre" (present) look ahead, "vient de signer" looks back.
    """
    morph = verb.morph
    head = verb.head
    if "Inf" in morph.get("VerbForm") and head is not verb and head.pos_ in {"VERB", "AUX"} and depth < 3:
        outer = _tense(head, depth + 1)
        lemma = head.lemma_.casefold()
        if lemma == "venir" and any(
            c.dep_ == "mark" and c.lower_ in {"de", "d'", "d’"} for c in verb.children
        ):
            return -1 if outer <= 0 else outer
        if lemma in _PROSPECTIVE and outer == 0:
            return 1
        return outer
    auxes = [c for c in verb.children if c.dep_.startswith("aux")]
    for aux in auxes:
        if "Fut" in aux.morph.get("Tense") or "Cnd" in aux.morph.get("Mood"):
            return 1
        if aux.lemma_ == "aller" and "Pres" in aux.morph.get("Tense"):
            return 1
    if "Part" in morph.get("VerbForm"):
        if not auxes:
            return -1  # a bare participle ("blessé le 21 juin") tells of the past
        # "a été tué", "est arrivé": a tense auxiliary; "est prévu": a present passive.
        if any(a.dep_ != "aux:pass" or set(a.morph.get("Tense")) & _PAST_TENSES for a in auxes):
            return -1
        return 0
    if "Fut" in morph.get("Tense") or "Cnd" in morph.get("Mood"):
        return 1
    if set(morph.get("Tense")) & _PAST_TENSES:
        return -1
    return 0


_RANGE_TO = re.compile(r"\s*(?:au|à|-|–|to)\s*", re.I)  # "du 6 au 10 mars": every day between
_RANGE_AND = re.compile(
    r"\s*(?:et|and|,)\s*", re.I
)  # "les 6 et 7 février": a range only for two days running
_RANGE_GAP = 5  # characters between the two ends ("  au ") when the text is not at hand


def day_ranges(times: Sequence[TimeExpression], text: str | None = None) -> dict[int, str]:
    """Return, for the expressions that are the two ends of a day range ("les 6 et 7 février", "du 6 au 10
    mars": two TimeML expressions), their index in ``times`` → the range as an ISO 8601 interval
    ("2023-02-06/2023-02-07"). "les 6 et 13 avril" is two days, not a range. Without ``text``, only two
    days running written a few characters apart are a range."""
    out: dict[int, str] = {}
    for i in range(len(times) - 1):
        a, b = times[i], times[i + 1]
        if not (a.value and b.value and _DAY_VALUE.match(a.value) and _DAY_VALUE.match(b.value)):
            continue
        if a.value >= b.value:
            continue
        running = date.fromisoformat(b.value) - date.fromisoformat(a.value) == timedelta(days=1)
        if text is None:
            joined = running and 0 <= b.start - a.end <= _RANGE_GAP
        else:
            between = text[a.end : b.start]
            joined = bool(_RANGE_TO.fullmatch(between)) or running and bool(_RANGE_AND.fullmatch(between))
        if joined:
            out[i] = out[i + 1] = f"{a.value}/{b.value}"
    return out
