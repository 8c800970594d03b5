"""Quantities read from a sentence (counts, money, ages, durations, lengths, masses, speeds) and whether two agree.

A light pass with regular expressions and small word lists, French and English, no spaCy: digits with
either language's separators, number words, scale words, currencies, units and the approximations news
writing uses ("une dizaine", "au moins 12", "près de 600 millions d'euros", "at least 84", "$5bn"), units
made adjectives ("a 400-pound gorilla", "fell 15ft"), ages ("une femme de 34 ans", "Jane Smith, 34,"),
laps and ranks ("on lap 20", "20 of 71 laps", "15th place") and death tolls ("the toll rose to 85").
A figure with a scale word is rounded to its last written digit, within ±ROUNDING_SHARE: "750 millions" is
745..755 millions, "11 million" 10.5..11.5 million, "100 millions" 95..105 millions. "Des dizaines",
"dozens" are orders of magnitude (approx "magnitude").
Years, dates, times, other ordinals, phone numbers and numbers inside names (Su-25, G7) are left out.

The understand stage reads an article's quantities sentence by sentence (``article_quantities``: the one
sentence splitter, ``veille.text.sentences``) and stores them in its Analysis, each tied to the event its
sentence tells; compare reads them from there and only aligns and decides (``compatible``, ``same_measure``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from veille.model import Analysis, Quantity
from veille.text import deaccent, sentences

logger = logging.getLogger(__name__)

INF = math.inf
ABOUT_TOLERANCE = 0.1  # "environ", "about": written figures are rounded, allow ±10 %
NEAR_TOLERANCE = 0.05  # "près de", "nearly": close to the figure, ±5 %
ROUNDING_SHARE = 0.05  # a rounded figure with a scale word is read within ±5 % at most ("100 millions")
VAGUE_LOW, VAGUE_HIGH = 0.8, 1.3  # "une dizaine" -> 8..13


# --- word lists -------------------------------------------------------------------------------------

_FR_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50,
    "soixante": 60, "quatre-vingt": 80, "quatre-vingts": 80, "cent": 100, "cents": 100, "mille": 1000,
}  # fmt: skip
_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}  # fmt: skip
_WORDS = {"fr": _FR_WORDS, "en": _EN_WORDS}

# "une dizaine" and its kin: the round figure they stand for.
_FR_VAGUE = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
    "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000,
}  # fmt: skip
# "des dizaines", "dozens": an order of magnitude, as (low, high).
_PLURAL_VAGUE = {
    "dizaines": (20, 99), "centaines": (200, 999), "milliers": (2000, 9999), "millions": (2e6, 9.99e8),
    "milliards": (2e9, 9.99e11), "dozens": (24, 99), "scores": (40, 99), "hundreds": (200, 999),
    "thousands": (2000, 9999), "tens": (20, 99),
}  # fmt: skip
_SCALES = {
    "fr": {"million": 1e6, "millions": 1e6, "milliard": 1e9, "milliards": 1e9, "md": 1e9, "mds": 1e9,
           "mrd": 1e9, "mrds": 1e9, "billion": 1e12, "billions": 1e12, "mille": 1e3},
    "en": {"million": 1e6, "millions": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "trillion": 1e12,
           "trillions": 1e12, "tn": 1e12, "thousand": 1e3},
}  # fmt: skip

# unit -> (family, low and high factor to the family's base). Money is in euros; a floating currency
# gets the span of its euro rate since 2000, so "$5bn" and "4,5 milliards d'euros" can agree.
_UNITS: dict[str, tuple[str, float, float]] = {
    "EUR": ("money", 1.0, 1.0),
    "XOF": ("money", 1 / 655.957, 1 / 655.957),  # fixed parity with the euro
    "XAF": ("money", 1 / 655.957, 1 / 655.957),
    "USD": ("money", 0.62, 1.18),
    "GBP": ("money", 0.78, 1.65),
    "CHF": ("money", 0.6, 1.1),
    "CNY": ("money", 0.08, 0.16),
    "JPY": ("money", 0.0055, 0.0095),
    "%": ("percent", 1.0, 1.0),
    "km": ("distance", 1.0, 1.0),
    "m": ("distance", 0.001, 0.001),
    "cm": ("distance", 1e-5, 1e-5),
    "mi": ("distance", 1.609344, 1.609344),
    "ft": ("distance", 0.0003048, 0.0003048),
    "t": ("mass", 1.0, 1.0),
    "ton": ("mass", 0.907, 1.016),  # "ton": a US short ton or a British long ton; "tonne" is metric
    "kg": ("mass", 0.001, 0.001),
    "lb": ("mass", 0.00045359237, 0.00045359237),
    "km/h": ("speed", 1.0, 1.0),
    "mph": ("speed", 1.609344, 1.609344),
    "year": ("time", 365.25, 365.25),
    "month": ("time", 365.25 / 12, 365.25 / 12),
    "week": ("time", 7.0, 7.0),
    "day": ("time", 1.0, 1.0),
    "hour": ("time", 1 / 24, 1 / 24),
    "minute": ("time", 1 / 1440, 1 / 1440),
}

_CURRENCY_WORDS = [
    (r"francs?\s+cfa|f\s?cfa|fcfa|xof", "XOF"),
    (r"francs?\s+suisses?|chf", "CHF"),
    (r"euros?|eur|€", "EUR"),
    (r"dollars?(?:\s+(?:am[ée]ricains|us))?|usd|us\$|\$", "USD"),
    (r"livres?\s+sterling|pounds?(?:\s+sterling)?|gbp|£", "GBP"),
    (r"yuans?|renminbis?|cny", "CNY"),
    (r"yens?|jpy", "JPY"),
]
_OTHER_UNIT_WORDS = [
    (r"%|pour\s?cent|per\s?cent", "%"),
    (
        r"km\s?/\s?h|kmh|kph|kilom[èe]tres?(?:[\s-]+(?:par|à\s+l['’]|per|an|a)[\s-]*(?:heure|hour))"
        r"|kilomet(?:re|er)s?[\s-]+(?:per|an|a)[\s-]+hour",
        "km/h",
    ),
    (r"mph|miles?[\s-]+(?:per|an|a)[\s-]+hour", "mph"),
    (r"feet|foot|ft", "ft"),
    (r"lbs?", "lb"),
    (r"cm|centim[èe]tres?|centimet(?:re|er)s?", "cm"),
    (r"km|kilom[èe]tres?|kilometres?|kilometers?", "km"),
    (r"miles?", "mi"),
    (r"m[èe]tres?|metres?|meters?|m", "m"),
    (r"tonnes?", "t"),
    (r"tons?", "ton"),
    (r"kg|kilos?|kilogrammes?|kilograms?", "kg"),
    (r"ans|an|ann[ée]es?|years?", "year"),
    (r"mois|months?", "month"),
    (r"semaines?|weeks?", "week"),
    (r"jours?|journ[ée]es?|days?", "day"),
    (r"heures?|hours?", "hour"),
    (r"minutes?|mins?", "minute"),
]

_MONTHS = (
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|janv|f[ée]v|avr|juil|d[ée]c"
)
_WEEKDAYS = (
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)

# Casualty and people words, folded: a counted noun maps to its class, so "morts" meets "killed".
_SYNONYMS = {
    "dead": "mort morte tue tuee decede decedee peri killed dead death died fatalitie",
    "injured": "blesse blessee injured wounded hurt injurie",
    "people": "personne people person individu gen",
    "child": "enfant child children",
}
_CANONICAL = {w: key for key, words in _SYNONYMS.items() for w in words.split()}
_CASUALTY = {w for w, key in _CANONICAL.items() if key in ("dead", "injured")}
_NO_SINGULAR = {"pays", "fois", "mois", "temps", "corps", "prix", "voix", "choix", "bras", "avis", "fils",
                "poids", "cas", "news", "series", "species", "process", "bus", "virus", "campus"}  # fmt: skip
_STOP_WORDS = (
    "de des du d le la les l et ou a à au aux en dans pour par sur sous avec sans vers chez entre ont sont "
    "est était étaient sera seront été ete fut qui que qu dont où ne n pas plus moins ce cette ces ses son sa "
    "leur leurs nos vos mes tes se s y il ils elle elles on nous vous je tu lui eux mais donc car ni puis "
    "alors après avant depuis selon contre comme tout tous toute toutes très autant "
    "of the and or to in on at by for from with without into over under were was are is be been being "
    "have has had will would could should may might their his her its our your my this that these those "
    "who which what than then as so but not no nor per a an it they we he she you i after before since "
    "among between about around"
)
_STOP = frozenset(_STOP_WORDS.split())
_PRE_ADJECTIVE_WORDS = (
    "autre autres nouveau nouveaux nouvelle nouvelles premier premiers première premières dernier "
    "derniers dernière dernières petit petits petite petites grand grands grande grandes jeune jeunes "
    "principaux principales other others more new additional further young small big major former "
    "last first next few"
)
_PRE_ADJECTIVES = frozenset(_PRE_ADJECTIVE_WORDS.split())

_APOS = "['’]"
_WS = r"[\s\u00a0\u202f]"

# Approximation words just before a figure, longest first: (pattern, kind, tolerance).
_APPROX_BEFORE = {
    "fr": [
        (r"pas\s+moins\s+d" + _APOS + r"|pas\s+moins\s+de", "at_least", 0.0),
        (r"un\s+peu\s+plus\s+d" + _APOS + r"|un\s+peu\s+plus\s+de|plus\s+d" + _APOS + r"|plus\s+de"
         r"|au[-\s]del[àa]\s+de|au[-\s]del[àa]\s+d" + _APOS, "more_than", 0.0),
        (r"pas\s+plus\s+d" + _APOS + r"|pas\s+plus\s+de|au\s+plus|au\s+maximum|jusqu" + _APOS + r"[àa]",
         "at_most", 0.0),
        (r"un\s+peu\s+moins\s+d" + _APOS + r"|un\s+peu\s+moins\s+de|moins\s+d" + _APOS + r"|moins\s+de",
         "less_than", 0.0),
        (r"au\s+moins|au\s+minimum|minimum", "at_least", 0.0),
        (r"pr[èe]s\s+d" + _APOS + r"|pr[èe]s\s+de|presque|quasiment|pratiquement", "about", NEAR_TOLERANCE),
        (r"environ|quelque|approximativement|autour\s+d" + _APOS + r"|autour\s+de|grosso\s+modo"
         r"|aux\s+alentours\s+de|de\s+l" + _APOS + r"ordre\s+d" + _APOS + r"|de\s+l" + _APOS
         + r"ordre\s+de|une\s+bonne|un\s+bon|estim[ée]e?s?\s+[àa]", "about", ABOUT_TOLERANCE),
    ],
    "en": [
        (r"at\s+least|no\s+fewer\s+than|no\s+less\s+than|a\s+minimum\s+of|at\s+a\s+minimum", "at_least", 0.0),
        (r"at\s+most|up\s+to|as\s+many\s+as|as\s+much\s+as|no\s+more\s+than|a\s+maximum\s+of", "at_most", 0.0),
        (r"more\s+than|over|upwards\s+of|in\s+excess\s+of|above", "more_than", 0.0),
        (r"fewer\s+than|less\s+than|under|below", "less_than", 0.0),
        (r"nearly|almost|close\s+to|just\s+under", "about", NEAR_TOLERANCE),
        (r"about|around|some|roughly|approximately|an\s+estimated|estimated|circa|approx\.", "about",
         ABOUT_TOLERANCE),
    ],
}  # fmt: skip
_APPROX_BEFORE_RE = {
    lang: [
        (re.compile(r"(?:(?<=[\s(«\"'’])|^)(?:" + pat + r")" + _WS + r"*\Z", re.IGNORECASE), kind, tol)
        for pat, kind, tol in pats
    ]
    for lang, pats in _APPROX_BEFORE.items()
}
_APPROX_AFTER_RE = re.compile(_WS + r"+(?:environ|approximately|or\s+so|au\s+moins|at\s+least)\b", re.I)

# Words before a figure that make it a name or an identifier, not a quantity.
_ID_BEFORE_RE = re.compile(
    r"(?:\bn°|\bno\.|\bnuméro|\bnumber|\barticle|\bart\.|\bpage|\bp\.|\bchapitre|\bchapter|\btome|\bsaison"
    r"|\bseason|\bépisode|\bepisode|\bsection|\bvol|\bflight|\bligne|\bline|\bétape|\bstage|\balinéa"
    r"|\bparagraphe|\bformule|\bacte?|\bversion|\broute|\bcode|\bRN|\btop|#|§)" + _WS + r"*\Z",
    re.IGNORECASE,
)
_YEAR_CUE_RE = re.compile(
    r"(?:\ben|\bin|\bdepuis|\bsince|\bde|\bd"
    + _APOS
    + r"|\bfrom|\bof|\bannées?|\byears?|\bl"
    + _APOS
    + r"an|\bavant|\baprès|\bbefore|\bafter|\buntil|\bjusqu"
    + _APOS
    + r"en|\bfin|\bdébut|\bmi-|\bby"
    r"|\bd"
    + _APOS
    + r"ici|\bpour|\bthe|\ble|\bet|\band|\bou|\bor|\bà|\bto|\bclass|\bpromo|"
    + _MONTHS
    + r")[\s,.-]*\Z",
    re.IGNORECASE,
)
_DATE_BEFORE_RE = re.compile(r"\b(?:" + _MONTHS + "|" + _WEEKDAYS + r")\.?" + _WS + r"*\Z", re.IGNORECASE)
_DATE_AFTER_RE = re.compile(
    r"(?:er|st|nd|rd|th)?(?:"
    + _WS
    + r"*(?:,|et|au|à|-|–|and|to|&)"
    + _WS
    + r"*\d{1,2}(?:er|st|nd|rd|th)?)*"
    + _WS
    + r"*(?:de\s+)?(?:"
    + _MONTHS
    + r")\b",
    re.IGNORECASE,
)
_TIME_AFTER_RE = re.compile(
    r"(?:" + _WS + r"?h(?:" + _WS + r"?\d{2})?\b|:\d{2}|" + _WS + r"?[ap]\.?m\.?(?![a-z])|"
    + _WS + r"o['’]clock)", re.IGNORECASE,
)  # fmt: skip
_CLOCK_BEFORE_RE = re.compile(r"(?:\bà|\bvers|\bdès|\bat)" + _WS + r"+\Z", re.IGNORECASE)
_EXCLUDED_SPANS_RE = re.compile(
    r"(?:\(?\+\d{1,3}\)?[\s.-]?)?\b\d{2}(?:[\s.-]\d{2}){3,}\b"  # phone numbers
    r"|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,3}/\d{1,3}\b"  # numeric dates, "le 01/09", "19/20"
    r"|\(\d{1,2}\)"  # footnote calls "(1)"
    r"|\b\d+" + _WS + r"?[x×]" + _WS + r"?\d+\b"  # dimensions
    r"|\b\d{1,2}" + _WS + r"?h" + _WS + r"?\d{2}\b",  # 14h30, 10 h 30
    re.IGNORECASE,
)
_ORDINAL_AFTER_RE = re.compile(r"(?:er|ère|re|e|ème|eme|è|nd|nde|st|rd|th|°)\b", re.IGNORECASE)
_ATTACHED_OK_RE = re.compile(
    r"(?:%|€|\$|£|k|m|bn|mds?|md|km|kg|t|tn|ft|mph|kmh|kph|lbs?|cm)(?![a-zà-ÿ])", re.IGNORECASE
)


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _core_re(lang: str) -> re.Pattern[str]:
    words = _alternation(list(_WORDS[lang]))
    joiner = (
        r"(?:[\s\u00a0-]+(?:and[\s-]+)?)" if lang == "en" else r"(?:[\s\u00a0-]+|[\s-]+et[\s-]+(?=un|onze))"
    )
    if lang == "fr":
        digits = (
            r"(?P<grouped>\d{1,3}(?:(?:[ \u00a0\u202f]|\.(?=\d{3}(?!\d)))\d{3})+(?!\d)(?:,\d+)?)"
            r"|(?P<plain>\d+(?:[.,]\d+)?)"
        )
        vague = (
            r"(?P<vague>\b(?:une?|un\s+bon|une\s+bonne)"
            + _WS
            + r"+(?:"
            + _alternation(list(_FR_VAGUE))
            + r")s?\b)|(?P<plural>\b(?:des|plusieurs|quelques|de)"
            + _WS
            + r"+(?:dizaines|centaines|milliers|"
            r"millions|milliards)\b)"
        )
    else:
        digits = (
            r"(?P<grouped>\d{1,3}(?:(?:,|[ \u00a0\u202f])\d{3})+(?!\d)(?:\.\d+)?)|(?P<plain>\d+(?:[.,]\d+)?)"
        )
        vague = (
            r"(?P<vague>\b(?:a|one)" + _WS + r"+dozen\b)|(?P<plural>\b(?:dozens|scores|hundreds|thousands|"
            r"millions|tens)\b)"
        )
    return re.compile(
        vague + r"|(?<![\w+#°/])(?<![^\W\d_]-)(?<![\d][.,:])(?<![\d'’″]['’″])(?:" + digits + r")"
        r"|(?P<words>\b(?:" + words + r")(?:" + joiner + r"(?:" + words + r"))*\b)",
        re.IGNORECASE,
    )


_CORE_RE = {lang: _core_re(lang) for lang in ("fr", "en")}


def _unit_re(pairs: list[tuple[str, str]]) -> tuple[re.Pattern[str], list[str]]:
    pattern = "|".join(f"(?P<u{i}>{pat})" for i, (pat, _) in enumerate(pairs))
    return re.compile(r"(?:" + pattern + r")(?![\w])", re.IGNORECASE), [code for _, code in pairs]


_CURRENCY_RE, _CURRENCY_CODES = _unit_re(_CURRENCY_WORDS)
_OTHER_UNIT_RE, _OTHER_UNIT_CODES = _unit_re(_OTHER_UNIT_WORDS)
_CURRENCY_BEFORE_RE = re.compile(r"(?:US\$|\$|€|£|CHF|USD|EUR|GBP)" + _WS + r"?\Z")
_CURRENCY_BEFORE_CODES = {"US$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "CHF": "CHF", "USD": "USD",
                          "EUR": "EUR", "GBP": "GBP"}  # fmt: skip
_WORD_RE = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?")
_OF_RE = re.compile(_WS + r"*(?:de|d['’]|of)" + _WS + r"*", re.IGNORECASE)
_HALF_RE = re.compile(_WS + r"+(?:et\s+demie?|and\s+a\s+half)\b", re.IGNORECASE)
_RANGE_SEP_RE = {
    "fr": re.compile(_WS + r"*(?:à|a|-|–|ou)" + _WS + r"*", re.IGNORECASE),
    "en": re.compile(_WS + r"*(?:to|-|–|or)" + _WS + r"*", re.IGNORECASE),
}
_BETWEEN_BEFORE_RE = {
    "fr": re.compile(r"(?:\bentre|\bde|\bd" + _APOS + r")" + _WS + r"*\Z", re.IGNORECASE),
    "en": re.compile(r"(?:\bbetween|\bfrom)" + _WS + r"*\Z", re.IGNORECASE),
}
_BETWEEN_SEP_RE = {
    "fr": re.compile(_WS + r"*(?:et|à)" + _WS + r"*", re.IGNORECASE),
    "en": re.compile(_WS + r"*(?:and|to)" + _WS + r"*", re.IGNORECASE),
}
_TIMES_RE = re.compile(_WS + r"+(?:of|de)" + _WS + r"+(thousands|milliers|millions)\b", re.IGNORECASE)
# "a 10-day visit", "a 4-year-old boy", "a 400-pound gorilla", "the 25-ton truck": a figure made an adjective
_HYPHEN_UNITS = [
    ("years?", "year"), ("months?", "month"), ("weeks?", "week"), ("days?", "day"), ("hours?", "hour"),
    ("minutes?", "minute"), ("mph|miles?-(?:per|an|a)-hour", "mph"), ("km/h|kmh|kph", "km/h"),
    ("km|kilomet(?:re|er)s?", "km"), ("miles?", "mi"), ("feet|foot|ft", "ft"), ("metres?|meters?|m", "m"),
    ("cm|centimet(?:re|er)s?", "cm"), ("pounds?|lbs?", "lb"), ("tonnes?", "t"), ("tons?", "ton"),
    ("kg|kilos?|kilogram(?:me)?s?", "kg"),
]  # fmt: skip
_HYPHEN_UNIT_RE = re.compile(
    r"-(?:" + "|".join(f"(?P<h{i}>{pat})" for i, (pat, _) in enumerate(_HYPHEN_UNITS)) + r")(?P<old>-old)?\b",
    re.IGNORECASE,
)
_HYPHEN_UNIT_CODES = [code for _, code in _HYPHEN_UNITS]
_PHYSICAL = frozenset({"distance", "mass", "speed"})  # families where a conversion is rounded by the writer
_AGE_BEFORE_RE = re.compile(
    r"(?:\bâgée?s?|\bagée?s?|\baged|\bage\s+of|\bâge\s+de|\bage\s+de)" + _WS + r"*(?:de\s+)?\Z", re.IGNORECASE
)
_AGE_YEAR_OLD_RE = re.compile(_WS + r"*old\b", re.IGNORECASE)  # "4 years old"
_LIST_SEP_RE = re.compile(_WS + r"*(?:,|et|and|ou|or)" + _WS + r"*", re.IGNORECASE)
_LAP_BEFORE_RE = {
    "en": re.compile(r"\b(?P<noun>laps?)" + _WS + r"+\Z", re.IGNORECASE),
    "fr": re.compile(
        r"\b(?:au|du|le|ce|dès\s+le)" + _WS + r"+(?P<noun>(?-i:tour))" + _WS + r"+\Z", re.IGNORECASE
    ),
}
_OF_LAPS_RE = re.compile(
    r"(?:st|nd|rd|th)?"
    + _WS
    + r"+of"
    + _WS
    + r"+(?:the"
    + _WS
    + r"+)?\d+"
    + _WS
    + r"+(?:[a-z]+"
    + _WS
    + r"+)?laps\b",
    re.IGNORECASE,
)
_RANK_NOUN_AFTER_RE = {
    "en": re.compile(r"(?:st|nd|rd|th)" + _WS + r"+(?:(?P<lap>lap)|place|position|spot)\b", re.IGNORECASE),
    "fr": re.compile(
        r"(?:e|ème|eme|è|re|ère|nde)" + _WS + r"+(?:(?P<lap>(?-i:tour))|place|position|rang)\b", re.IGNORECASE
    ),
}
_RANK_MOVE_BEFORE_RE = re.compile(r"\b(?:from|to)" + _WS + r"+\Z", re.IGNORECASE)
_RANK_MOVE_AFTER_RE = re.compile(
    r"(?:st|nd|rd|th)(?="
    + _WS
    + r"*(?:[,;:!?)]|\.(?!\d)|\Z)|"
    + _WS
    + r"+(?:to|and|in|on|at|after|before|with|by"
    r"|for|but|as|when|while|behind)\b)",
    re.IGNORECASE,
)
_NOT_LAP_AFTER_RE = re.compile(
    _WS + r"+(?:de|du|des|d['’])" + _WS + r"*(?:scrutin|vote|élections?|l['’]élection|la\s+présidentielle"
    r"|présidentielle|législatives|municipales|régionales|primaire)|"
    + _WS
    + r"+(?:de|d['’])"
    + _WS
    + r"*(?-i:[A-Z])",
    re.IGNORECASE,
)  # election rounds, and "le 96e tour de France" (a race, not a lap)
_POUND_WEIGHT_RE = re.compile(r"\b(?:weigh\w*|heavy|heavier)\b[^.;\d]*\d[\d,.]*" + _WS + r"*pounds?\Z", re.I)
_ASIDE_RE = re.compile(_WS + r"*\([^()\n]{1,30}\)")  # "400-pound (181-kg) gorilla"
_NEXT_WORD_RE = re.compile(_WS + r"*(?P<comma>," + _WS + r"*)?(?P<word>[^\W\d_](?:[\w'’-]*[^\W\d_])?)")
_EN_VERBS_WORDS = (
    "said says fell drove ran went came hit took got made left struck killed died hurt saw became began"
    " weigh weighs carry carries crash crashes run runs drive drives come comes go goes kill kills"
    " stood sat lay set put"
)
_EN_VERBS = frozenset(_EN_VERBS_WORDS.split())
_EN_ADJECTIVES_WORDS = (
    "male female adult young old big heavy small large huge giant white black grey gray red blue green"
    " long short tall wide deep high low fast slow light"
)
_EN_ADJECTIVES = frozenset(_EN_ADJECTIVES_WORDS.split())
_ADJECTIVE_END_RE = re.compile(r"(?:ed|al|ic|ous|ive|ful|less|able|ible|ish|ese|ian|ant|ent|ary|ern)\Z")
_PERSON_DE_RE = re.compile(r"([^\W\d_]+)" + _WS + r"+(?:de|d['’])" + _WS + r"*\Z", re.IGNORECASE)
_PERSON_NOUNS_WORDS = (
    "femme homme garcon fille fillette garconnet enfant bebe nourrisson fils mere pere jeune adolescent"
    " adolescente ado lyceen lyceenne collegien collegienne etudiant etudiante victime suspect suspecte"
    " conducteur conductrice automobiliste chauffeur motard cycliste pieton pietonne passager passagere"
    " ressortissant ressortissante retraitee individu personne patient patiente militant militante"
    " policier policiere gendarme soldat militaire ouvrier ouvriere agriculteur agricultrice touriste nounou"
    " mari epouse compagnon compagne frere soeur dame monsieur salarie salariee joueur joueuse pilote detenu"
    " detenue otage prevenu prevenue accuse accusee mineur mineure migrant migrante refugie refugiee"
    " habitant habitante voisin voisine"
)
_PERSON_NOUNS = frozenset(_PERSON_NOUNS_WORDS.split())
_NAME_COMMA_RE = re.compile(r"\b[A-Z][^\W\d_]*(?:[-'’][^\W\d_]+)?," + _WS + r"*\Z")
_TOLL_RE = {
    "en": re.compile(r"\btolls?\b", re.IGNORECASE),
    "fr": re.compile(r"\bbilans?\b", re.IGNORECASE),
}
_TOLL_CUE_RE = {
    "en": re.compile(
        r"\b(?:to|at|of|reached|hit|passed|topped|exceeded|surpassed|is|was|now|stands|stood|rose|climbed)"
        + _WS + r"+\Z", re.IGNORECASE,
    ),
    "fr": re.compile(
        r"(?:\bà|\bde|\bd['’]|\batteint|\bdépassé|\bfranchi|\best|\bétait|\bsera)" + _WS + r"*\Z", re.IGNORECASE
    ),
}  # fmt: skip
_CASUALTY_NEAR_RE = re.compile(
    r"\b(?:morts?|mortes?|tu[ée]e?s?|victimes?|d[ée]c[èe]s|d[ée]c[ée]d[ée]e?s?|humains?|meurtri(?:er|ère)s?"
    r"|macabre|funèbres?)\b",
    re.IGNORECASE,
)
_STRICT_START_RE = re.compile(r"(?:^|[.!?…\n])[\s\u00a0]*\Z")
_DECADE_BEFORE_RE = re.compile(r"\b(?:années|the)" + _WS + r"+\Z", re.IGNORECASE)
_TOUS_BEFORE_RE = re.compile(r"\b(?:tous|toutes)" + _WS + r"+\Z", re.IGNORECASE)
_ARTICLE_BEFORE_RE = re.compile(r"(?:\ble|\bla|\bdu|\bau|\bthe)" + _WS + r"+\Z", re.IGNORECASE)
_FRACTION_RE = re.compile(_WS + r"+(quarts?|tiers|quarters?|thirds?)\b", re.IGNORECASE)
_FRACTION_DENOMINATORS = {
    "quart": 4,
    "quarts": 4,
    "tiers": 3,
    "quarter": 4,
    "quarters": 4,
    "third": 3,
    "thirds": 3,
}
_PROPORTION_RE = {
    "fr": re.compile(_WS + r"+sur" + _WS + r"+(\d+|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)\b", re.I),
    "en": re.compile(
        _WS + r"+(?:in|out\s+of)" + _WS + r"+(\d+|two|three|four|five|six|seven|eight|nine|ten)\b", re.I
    ),
}
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;«\"“(\n]|—|–)[\s\u00a0]*\Z")


# --- reading ---------------------------------------------------------------------------------------


def fold(word: str) -> str:
    """Return a word lowercased, without accents, singular by dropping a final s or x (not 'pays')."""
    folded = deaccent(word)
    if folded in _NO_SINGULAR or len(folded) <= 3 or folded.endswith("ss"):
        return folded
    if folded.endswith(("s", "x")):
        return folded[:-1]
    return folded


def _parse_digits(match: re.Match[str], lang: str) -> float:
    """Read digits with the language's separators: fr "12 000", "12.000", "12,5"; en "1,200", "3.5"."""
    raw = re.sub(r"[\s\u00a0\u202f]", "", match.group(0))
    if match.group("grouped"):
        if lang == "fr":
            whole, _, decimals = raw.partition(",")
            return float(whole.replace(".", "") + "." + (decimals or "0"))
        return float(raw.replace(",", ""))
    return float(raw.replace(",", "."))


def _parse_words(text: str, start: int, lang: str) -> tuple[float, int] | None:
    """Read number words from ``text`` (a regex match): return (value, end offset) of the longest valid prefix."""
    table = _WORDS[lang]
    total = current = 0.0
    last_small = 0.0
    end = None
    for m in re.finditer(_alternation(list(table)), text, re.IGNORECASE):
        word = m.group(0).lower()
        value = table[word]
        if value == 100:
            if current % 100 != 0 and current > 9 or current >= 100:
                break
            current = (current or 1) * 100
        elif value == 1000:
            if total:
                break
            total, current = (current or 1) * 1000, 0.0
        else:
            tail = current % 100
            valid = (
                tail == 0
                or (tail in (20, 30, 40, 50, 60, 70, 80, 90) and value < 10)
                or (lang == "fr" and tail in (60, 80) and 10 <= value < 20)
            )
            if not valid or (last_small and value >= 10 and tail == 0 and current == 0):
                break
            current += value
        last_small = value
        end = start + m.end()
    if end is None:
        return None
    return total + current, end


def _unit_at(text: str, pos: int, currency_only: bool = False) -> tuple[str, int] | None:
    """Return (unit code, end) for a unit word starting right at ``pos`` (after optional spaces)."""
    m = re.compile(_WS + r"*").match(text, pos)
    at = m.end() if m else pos
    for regex, codes in ((_CURRENCY_RE, _CURRENCY_CODES), (_OTHER_UNIT_RE, _OTHER_UNIT_CODES)):
        if currency_only and regex is _OTHER_UNIT_RE:
            break
        um = regex.match(text, at)
        if um:
            index = int(next(k for k, v in um.groupdict().items() if v is not None)[1:])
            return codes[index], um.end()
    return None


def _word_at(text: str, pos: int) -> re.Match[str] | None:
    m = re.compile(_WS + r"+").match(text, pos)
    if not m:
        return None
    return _WORD_RE.match(text, m.end())


def _counted_at(text: str, pos: int, lang: str, need_of: bool | None) -> tuple[str, int] | None:
    """Return (folded noun, end) for the counted noun after ``pos``, skipping 'de'/'of' and a few adjectives.

    ``need_of``: True when 'de'/'of' must come first ("600 millions de personnes"), None when it may.
    """
    of = _OF_RE.match(text, pos)
    if need_of is None:
        need_of = bool(of and of.end() > pos)
    if need_of:
        if not of or of.end() == pos:
            return None
        pos = of.end() - 1 if text[of.end() - 1] in " \u00a0\u202f" else of.end()
        wm = _WORD_RE.match(text, pos) if text[pos - 1] in "'’" else _word_at(text, pos)
    else:
        wm = _word_at(text, pos)
    for _ in range(2):
        if not wm:
            return None
        word = re.sub(r"^[ldLD]['’]", "", wm.group(0))  # "de l'audience": the noun, not its article
        lower = word.lower()
        if lower in _PRE_ADJECTIVES:
            wm = _word_at(text, wm.end())
            continue
        if lower in _STOP or (word[0].isupper() and not word.isupper()) or lower in _WORDS[lang]:
            return None
        return fold(word), wm.end()
    return None


def _casualty_after(text: str, pos: int) -> tuple[str, int] | None:
    """'84 people were killed': return the casualty word within four words of ``pos`` (folded), if any."""
    end = pos
    for _ in range(4):
        wm = _word_at(text, end)
        if not wm:
            return None
        folded = fold(wm.group(0))
        if folded in _CASUALTY:
            return folded, wm.end()
        if folded not in _STOP and folded not in ("ete", "etai", "etaient", "been", "reported", "confirmed"):
            return None
        end = wm.end()
    return None


@dataclass(slots=True)
class _Figure:
    start: int
    end: int
    value: float
    low: float
    high: float
    approx: str
    is_word: bool
    is_vague: bool
    digits: str


def _read_core(m: re.Match[str], text: str, lang: str) -> _Figure | None:
    """Turn a core match into a figure (value and bounds before scales and approximations)."""
    if m.group("vague"):
        name = m.group("vague").split()[-1].lower().rstrip("s")
        base = 12.0 if name == "dozen" else float(_FR_VAGUE.get(name, 0))
        if not base:
            return None
        return _Figure(m.start(), m.end(), base, base * VAGUE_LOW, base * VAGUE_HIGH, "about", True, True, "")
    if m.group("plural"):
        name = m.group("plural").split()[-1].lower()
        low, high = _PLURAL_VAGUE[name]
        if name in ("millions", "milliards") and not _OF_RE.match(text, m.end()):
            return None
        if name == "tens" and not re.match(_WS + r"+of" + _WS + r"+thousands", text[m.end() :], re.I):
            return None
        end = m.end()
        times = _TIMES_RE.match(text, end)
        if times:
            factor = 1e3 if times.group(1).lower() in ("thousands", "milliers") else 1e6
            low, high, end = low * factor, high * factor, times.end()
        return _Figure(m.start(), end, round(math.sqrt(low * high)), low, high, "magnitude", True, True, "")
    if m.group("words"):
        parsed = _parse_words(m.group("words"), m.start(), lang)
        if parsed is None:
            return None
        value, end = parsed
        return _Figure(m.start(), end, value, value, value, "exact", True, False, "")
    value = _parse_digits(m, lang)
    return _Figure(m.start(), m.end(), value, value, value, "exact", False, False, m.group(0))


def _is_excluded_digits(fig: _Figure, text: str, lang: str) -> bool:
    """True when a digit figure is a year, a date, a time, an ordinal or part of a name."""
    after = text[fig.end : fig.end + 40]
    before = text[max(0, fig.start - 40) : fig.start]
    if (after[:1].isalpha() or after[:1] in "°") and (
        _ORDINAL_AFTER_RE.match(after) or not _ATTACHED_OK_RE.match(after)
    ):
        return True  # "1er", "15th", "14h", "G7x": an ordinal or a code
    if after[:1] == "-" and after[1:2].isdigit() and fig.value > 31:
        return True
    if _TIME_AFTER_RE.match(after):
        return True
    if re.match(_WS + r"*(?:heures?|hours?)\b", after, re.I) and _CLOCK_BEFORE_RE.search(before):
        return True
    if (
        fig.value <= 31
        and float(fig.value).is_integer()
        and (_DATE_AFTER_RE.match(after) or _DATE_BEFORE_RE.search(before))
    ):
        return True
    if _ID_BEFORE_RE.search(before):
        return True
    if _DECADE_BEFORE_RE.search(before) and not (
        _HYPHEN_UNIT_RE.match(text, fig.end) or _unit_at(text, fig.end)
    ):
        return True  # "the 80s", "les années 80"; not "the 21-year-old", "the 25-ton truck"
    if after[:1] in "'’″" and after[1:3].strip("'’″")[:1].isdigit():
        return True  # 9''69: a time in a race
    prev = re.search(r"([^\W\d_][\w'’-]*)[ \t\u00a0\u202f]*\Z", before)  # same line only
    if (
        prev
        and prev.group(1)[0].isupper()
        and not _STRICT_START_RE.search(before[: prev.start()])
        and not (_unit_at(text, fig.end) or _scale_at(text, fig.end, lang))
    ):
        return True  # "France 3", "Europe 1": part of a name
    digits = fig.digits
    if re.fullmatch(r"\d{4}", digits) and 1800 <= fig.value <= 2100:
        return _is_year(fig, text, lang)
    return False


def _is_year(fig: _Figure, text: str, lang: str) -> bool:
    before = text[max(0, fig.start - 40) : fig.start]
    if _YEAR_CUE_RE.search(before):
        return True
    if _unit_at(text, fig.end) or _scale_at(text, fig.end, lang):
        return False
    counted = _counted_at(text, fig.end, lang, need_of=False)
    return not (counted and len(counted[0]) >= 4 and text[fig.end : counted[1]].rstrip()[-1:] in "sx")


def _scale_at(text: str, pos: int, lang: str, money: bool = False) -> tuple[float, int] | None:
    m = re.compile(_WS + r"?([^\W\d_]+)\b", re.IGNORECASE).match(text, pos)
    if m:
        word = m.group(1).lower()
        if word in _SCALES[lang]:
            return _SCALES[lang][word], m.end()
        # "5 M€", "$5m", "12k": a one-letter scale only glued to the figure or to a currency
        if word in ("m", "k") and (money or text[m.end() : m.end() + 1] in "€$£"):
            return (1e6 if word == "m" else 1e3), m.end()
    m = re.compile(r"(M|Md|Mds|k)(?=€)").match(text, pos)
    if m:
        return {"M": 1e6, "Md": 1e9, "Mds": 1e9, "k": 1e3}[m.group(1)], m.end()
    return None


def _approx_before(text: str, start: int, lang: str) -> tuple[str, float, int] | None:
    before = text[max(0, start - 40) : start]
    offset = max(0, start - 40)
    for regex, kind, tol in _APPROX_BEFORE_RE[lang]:
        am = regex.search(before)
        if am:
            return kind, tol, offset + am.start()
    return None


def article_quantities(text: str, lang: str | None, event_starts: Sequence[int] = ()) -> list[Quantity]:
    """Return the quantities of a whole text, read sentence by sentence, with offsets into ``text``; each is
    tied to the first event trigger (``event_starts``: ``Event.start`` values) of its sentence, if any."""
    triggers = sorted(event_starts)
    out = []
    for sent in sentences(text):
        event = next((t for t in triggers if sent.start <= t < sent.end), None)
        for q in find_quantities(sent.text, lang or "fr"):
            out.append(replace(q, start=q.start + sent.start, end=q.end + sent.start, event=event))
    return out


def stored_quantities(text: str, analysis: Analysis | None) -> Sequence[Quantity]:
    """Return the quantities the analysis of ``text`` stored; with no analysis, read them (as French)."""
    return analysis.quantities if analysis is not None else article_quantities(text, "fr")


def in_span(quantities: Sequence[Quantity], start: int, end: int) -> list[Quantity]:
    """Return the quantities inside ``start``..``end`` (a sentence of the text they were read in), with
    offsets made relative to ``start``."""
    return [
        replace(q, start=q.start - start, end=q.end - start)
        for q in quantities
        if q.start >= start and q.end <= end
    ]


def find_quantities(text: str, lang: str = "fr") -> list[Quantity]:
    """Return the quantities written in ``text``, in order; an empty or non-French/English text gives [].

    ``lang`` ("fr" or "en", a region suffix is ignored) chooses separators and word lists. A sentence read
    once is not read again (the claims and the conflicts both ask): the last QUANTITY_CACHE are kept.
    """
    return list(_quantities((lang or "fr").lower()[:2], text))


QUANTITY_CACHE = 4096


@lru_cache(maxsize=QUANTITY_CACHE)
def _quantities(lang: str, text: str) -> tuple[Quantity, ...]:
    return tuple(_read_quantities(text, lang))


def _read_quantities(text: str, lang: str) -> list[Quantity]:
    if lang not in _CORE_RE:
        logger.debug("find_quantities: no word lists for language %r", lang)
        return []
    if not text:
        return []
    excluded = [(m.start(), m.end()) for m in _EXCLUDED_SPANS_RE.finditer(text)]
    found: list[Quantity] = []
    pos = 0
    for m in _CORE_RE[lang].finditer(text):
        if m.start() < pos:
            continue
        if any(s <= m.start() < e for s, e in excluded):
            continue
        fig = _read_core(m, text, lang)
        if fig is None:
            continue
        quantity = _build(fig, text, lang)
        if quantity is not None:
            found.append(quantity)
            pos = quantity.end
        elif fig.end > pos and not fig.is_word:
            pos = _skip_date_tail(text, fig.end)
    return _share_units(found, text)


def _share_units(found: list[Quantity], text: str) -> list[Quantity]:
    """'de 5, 7, 9 et 12 ans', '3 ou 4 %': a bare figure in a list takes the unit and noun of the last one."""
    for i in range(len(found) - 2, -1, -1):
        q, nxt = found[i], found[i + 1]
        bare = q.unit is None and q.counted is None and q.approx == "exact"
        if bare and (nxt.unit or nxt.counted) and _LIST_SEP_RE.fullmatch(text[q.end : nxt.start]):
            found[i] = replace(q, unit=nxt.unit, counted=nxt.counted)
    return found


def _skip_date_tail(text: str, end: int) -> int:
    """After an excluded day number, skip the rest of the date ("06 et 07 février") so '07' is not read."""
    dm = _DATE_AFTER_RE.match(text, end)
    return dm.end() if dm else end


def _rounding_step(digits: str) -> float:
    """Return the step a written mantissa is rounded to: 0.1 for "1,2" or "11.5", 10 for "750", 1 for "11"
    (a separator before three digits groups thousands, before one or two it starts decimals)."""
    compact = re.sub(r"[\s\u00a0\u202f]", "", digits)
    decimals = re.search(r"[.,](\d{1,2})$", compact)
    if decimals:
        return 10.0 ** -len(decimals.group(1))
    whole = re.sub(r"\D", "", compact)
    if not whole.strip("0"):
        return 1.0
    return 10.0 ** (len(whole) - len(whole.rstrip("0")))


def _build(fig: _Figure, text: str, lang: str) -> Quantity | None:
    if not fig.is_vague:
        ranked = _rank_or_lap(fig, text, lang)
        if ranked is not None:
            return ranked
    if not fig.is_word and _is_excluded_digits(fig, text, lang):
        return None
    if fig.is_word and not fig.is_vague:
        word = text[fig.start : fig.end]
        if word[0].isupper() and not _SENTENCE_START_RE.search(text[max(0, fig.start - 3) : fig.start]):
            return None  # "Les Deux Alpes", "Cinq Étoiles": part of a name
        if _DATE_AFTER_RE.match(text, fig.end) and fig.value <= 31:
            return None
        if _TOUS_BEFORE_RE.search(text[max(0, fig.start - 8) : fig.start]):
            return None  # "tous deux": a pronoun
    start, end = fig.start, fig.end
    value, low, high, approx = fig.value, fig.low, fig.high, fig.approx
    tolerance = 0.0

    # a range: "entre 50 et 100", "de 5 à 10", "10-15", "between 3 and 5"
    between = _BETWEEN_BEFORE_RE[lang].search(text[max(0, start - 12) : start])
    sep = (_BETWEEN_SEP_RE if between else _RANGE_SEP_RE)[lang].match(text, end)
    if sep and not fig.is_vague:
        second = _CORE_RE[lang].match(text, sep.end())
        if second and (second.group("plain") or second.group("grouped") or second.group("words")):
            other = _read_core(second, text, lang)
            if (
                other is not None
                and other.value > value
                and not (other.is_word and other.value == 1)
                and not (not other.is_word and _is_excluded_digits(other, text, lang))
            ):
                low, high, approx, end = value, other.value, "range", other.end
                value = (low + high) / 2
                if between:
                    start = max(0, start - 12) + between.start()

    # currency before ("$5bn", "€600m") or after ("600 millions d'euros", "500 euros")
    unit: str | None = None
    cb = _CURRENCY_BEFORE_RE.search(text[max(0, start - 4) : start])
    if cb:
        unit = _CURRENCY_BEFORE_CODES[cb.group(0).strip()]
        start = max(0, start - 4) + cb.start()

    # scale: "600 millions", "5bn", "$5m"
    scale = _scale_at(text, end, lang, money=unit is not None)
    if scale:
        factor, end = scale
        if approx == "exact" and fig.digits and low == high:
            # "750 millions" is rounded to the ten millions, "11 million" to the million: half a step either way
            margin = min(_rounding_step(fig.digits) / 2, ROUNDING_SHARE * value)
            low, high = value - margin, value + margin
        value, low, high = value * factor, low * factor, high * factor

    # fractions and proportions are percentages: "les trois quarts", "un sur deux", "one in three"
    fraction = _FRACTION_RE.match(text, end) if fig.is_word and approx == "exact" and not scale else None
    proportion = _PROPORTION_RE[lang].match(text, end) if approx == "exact" and not scale else None
    if fraction or proportion:
        if fraction:
            denominator = float(_FRACTION_DENOMINATORS[fraction.group(1).lower()])
            end = fraction.end()
        else:
            assert proportion is not None
            word = proportion.group(1).lower()
            denominator = float(word) if word.isdigit() else float(_WORDS[lang][word])
            end = proportion.end()
        if not denominator or value > denominator:
            return None
        value = low = high = 100 * value / denominator
        unit = "%"
    if unit is None:
        at = end
        if scale or fig.is_vague:
            of = _OF_RE.match(text, end)
            at = of.end() if of else end
        found_unit = _unit_at(text, at) if at == end else _unit_at(text, at, currency_only=True)
        if found_unit is None and at != end:
            found_unit = _unit_at(text, at)  # "des milliers de kilomètres"
        if found_unit and not (
            (found_unit[0] in ("m", "t", "ton") and fig.is_word) or (found_unit[0] == "ton" and lang == "fr")
        ):
            unit, end = found_unit
            if unit == "GBP" and _POUND_WEIGHT_RE.search(text[max(0, start - 30) : end]):
                unit = "lb"  # "weighs 450 pounds": a mass, not a sum
    hyphen = _HYPHEN_UNIT_RE.match(text, end) if unit is None else None
    if hyphen:
        index = next(i for i in range(len(_HYPHEN_UNITS)) if hyphen.group(f"h{i}"))
        unit, end = _HYPHEN_UNIT_CODES[index], hyphen.end()

    # "2 ans et demi", "two and a half years"
    half = _HALF_RE.match(text, end)
    if half and fig.approx == "exact" and approx == "exact":
        value, low, high, end = value + 0.5, low + 0.5, high + 0.5, half.end()
        if unit is None:
            found_unit = _unit_at(text, end)
            if found_unit:
                unit, end = found_unit

    # approximation words before (or "environ" after)
    ab = _approx_before(text, start, lang)
    if ab and approx not in ("range", "magnitude"):
        kind, tol, astart = ab
        start = astart
        if kind == "about" and fig.is_vague:
            pass  # "près d'une dizaine": the vague interval already says it
        elif kind == "about":
            approx, tolerance = "about", tol
        else:
            approx = kind

    # age
    counted: str | None = None
    age_before = _AGE_BEFORE_RE.search(text[max(0, start - 20) : start])
    if hyphen and hyphen.group("old"):
        counted = "age"
    elif unit == "year" and (year_old := _AGE_YEAR_OLD_RE.match(text, end)):
        end, counted = year_old.end(), "age"
    if age_before and unit in (None, "year"):
        unit, counted = "year", "age"
        start = max(0, start - 20) + age_before.start()
    elif unit == "year" and counted is None and _is_apposition_age(text, fig.start, end):
        counted = "age"
    elif unit == "year" and counted is None and lang == "fr" and _is_person_age(text, start):
        counted = "age"  # "une femme de 34 ans de nationalité algérienne": an age whatever follows
    elif unit is None and lang == "en" and _is_english_apposition_age(fig, text, start, end):
        unit, counted = "year", "age"  # "Jane Smith, 34, said"

    # the counted noun
    if counted is None:
        need_of: bool | None = bool(unit or scale or fig.is_vague)
        if lang == "en" and not unit and (scale or fig.approx == "about"):
            need_of = None  # "5 million people", "a dozen soldiers"
        if hyphen and unit in _UNITS and _UNITS[unit][0] in _PHYSICAL:
            got = _head_after_adjective(text, end)  # "a 19-ton delivery truck": the truck
        else:
            got = _counted_at(text, end, lang, need_of=need_of)
        if got and not (unit and unit not in _UNITS):
            counted, end = got
            if _CANONICAL.get(counted) == "people":
                casualty = _casualty_after(text, end)
                if casualty:
                    counted = casualty[0]

    if approx == "exact" and not ab:
        after = _APPROX_AFTER_RE.match(text, end)
        if after:  # "500 personnes environ"
            approx = "at_least" if "moins" in after.group(0) or "least" in after.group(0) else "about"
            tolerance = ABOUT_TOLERANCE
            end = after.end()

    if (
        counted is None
        and unit is None
        and not scale
        and not fig.is_vague
        and _is_toll(text, start, end, lang)
    ):
        counted = "dead"  # "the death toll rose to 85", "le bilan humain est passé à 12"

    if approx == "exact" and not (unit or counted or scale) and not fig.is_word:
        line_start = _STRICT_START_RE.search(text[max(0, fig.start - 3) : fig.start])
        if _ARTICLE_BEFORE_RE.search(text[max(0, fig.start - 6) : fig.start]) or (
            line_start and text[fig.start - 1 : fig.start] in ("", "\n") and _word_at(text, end) is not None
        ):
            return None  # "le 8", "sous le signe du 8"; "1 Réformer la loi": a numbered list
    is_one = fig.is_word and not fig.is_vague and fig.value == 1 and approx == "exact" and not scale
    if is_one and not unit and not (counted and counted in _CANONICAL):
        # "un", "one" are also articles: a figure only with an approximation, a scale, a unit or a
        # casualty/people noun ("au moins un mort", "one person died", but not "un pays uni")
        return None
    if fig.is_word and fig.start == start and not (unit or counted or scale or approx != "exact"):
        # a bare number word: only when something is counted
        return None

    # the interval the words allow
    if approx == "about" and tolerance:
        # counts are whole: "environ 10 morts" allows 9..11 even where 10 % is less than one
        spread = max(abs(value) * tolerance, 1.0 if unit is None and not scale and value >= 5 else 0.0)
        low, high = value - spread, value + spread
    elif approx in ("at_least", "more_than"):
        high = INF
    elif approx in ("at_most", "less_than"):
        low = 0.0

    return Quantity(
        text=text[start:end],
        start=start,
        end=end,
        low=low,
        high=high,
        value=value,
        unit=unit,
        counted=counted,
        approx=approx,
    )


def _rank_or_lap(fig: _Figure, text: str, lang: str) -> Quantity | None:
    """A lap or a rank: "on lap 20", "in the 28th lap", "20 of 71 laps", "to 15th place", "from 16th to third".

    Ordinals are read only next to a lap or rank noun (or moving "from"/"to" a rank); French "tour" 1 and 2
    and "tour de scrutin" are election rounds, not laps.
    """
    if not float(fig.value).is_integer() or fig.value < 1:
        return None
    before = text[max(0, fig.start - 20) : fig.start]
    offset = max(0, fig.start - 20)
    counted, start, end = None, fig.start, fig.end
    lap = _LAP_BEFORE_RE[lang].search(before)
    after = text[fig.end : fig.end + 3]
    if lap and not (after[:1].isalnum() or after[:1] in ("%", "°") or _unit_at(text, fig.end)):
        counted, start = "lap", offset + lap.start("noun")
    elif fig.is_word:
        return None
    elif lang == "en" and (of_laps := _OF_LAPS_RE.match(text, fig.end)):
        counted, end = "lap", of_laps.end()  # "20 of 71 laps": lap 20 of 71
    elif noun := _RANK_NOUN_AFTER_RE[lang].match(text, fig.end):
        counted, end = ("lap" if noun.group("lap") else "place"), noun.end()
    elif (
        lang == "en"
        and _RANK_MOVE_BEFORE_RE.search(before)
        and (move := _RANK_MOVE_AFTER_RE.match(text, fig.end))
        and not _DATE_AFTER_RE.match(text, fig.end)
    ):
        counted, end = "place", move.end()  # "dropped to 15th", "from 16th to third"
    if counted is None:
        return None
    if counted == "lap" and fig.value >= 1000:
        return None  # "Tour 1999": a year
    if lang == "fr" and counted == "lap" and (fig.value <= 2 or _NOT_LAP_AFTER_RE.match(text, end)):
        return None
    return Quantity(
        text[start:end],
        start,
        end,
        low=fig.value,
        high=fig.value,
        value=fig.value,
        unit=None,
        counted=counted,
        approx="exact",
    )


def _head_after_adjective(text: str, pos: int) -> tuple[str, int] | None:
    """'a 400-pound (181-kg) gorilla', 'the 25-ton, unmarked truck', 'a 19-ton delivery truck': the head noun.

    English puts the head last: the run of lowercase words after the figure, up to a stop word, a verb-like
    word or punctuation; a comma is crossed only after the figure or an adjective. None when there is no word.
    """
    aside = _ASIDE_RE.match(text, pos)
    at = aside.end() if aside else pos
    head: tuple[str, int] | None = None
    comma_ok = True
    for _ in range(4):
        step = _NEXT_WORD_RE.match(text, at)
        if not step or (step.group("comma") and not comma_ok):
            break
        word = step.group("word")
        lower = word.lower()
        if lower in _STOP or lower in _EN_WORDS or word[0].isupper() or lower in _EN_VERBS:
            break
        if head is not None and not step.group("comma") and re.search(r"(?:ed|[^s]s)\Z", lower):
            break  # "a 25-ton truck plowed", "the truck rams": a verb after the noun
        head, at = (fold(word), step.end()), step.end()
        comma_ok = (
            lower in _PRE_ADJECTIVES or lower in _EN_ADJECTIVES or bool(_ADJECTIVE_END_RE.search(lower))
        )
    return head


def _is_person_age(text: str, start: int) -> bool:
    """'une femme de 34 ans', "l'homme d'environ 40 ans": years after a person noun and 'de' are an age."""
    pm = _PERSON_DE_RE.search(text[max(0, start - 40) : start])
    return pm is not None and fold(pm.group(1)) in _PERSON_NOUNS


def _is_english_apposition_age(fig: _Figure, text: str, start: int, end: int) -> bool:
    """'Jane Smith, 34, said': a bare whole number under 120 set off by commas after a capitalised name."""
    if fig.is_word or fig.approx != "exact" or start != fig.start or end != fig.end:
        return False
    if not (float(fig.value).is_integer() and 1 <= fig.value < 120):
        return False
    after = text[end : end + 3]
    return bool(_NAME_COMMA_RE.search(text[max(0, start - 40) : start])) and (
        after[:1] in ",;)" and not after[1:].strip()[:1].isdigit() or after[:1] == "." or not after
    )


def _is_toll(text: str, start: int, end: int, lang: str) -> bool:
    """'the death toll rose to 85', 'le bilan humain est passé à 12': a bare figure the clause's toll governs."""
    clause_start = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    clause = text[max(clause_start, start - 200) : start]
    toll = _TOLL_RE[lang].search(clause)
    if not toll or not _TOLL_CUE_RE[lang].search(clause[toll.end() :]):
        return False
    if lang == "en":
        return True
    ends = [i for i in (text.find(c, end) for c in ".!?\n") if i >= 0]
    sentence = clause + text[start : min(ends) if ends else len(text)]
    return bool(_CASUALTY_NEAR_RE.search(sentence))  # "bilan" alone may be a balance sheet


def _is_apposition_age(text: str, start: int, end: int) -> bool:
    """'Mohamed, 2 ans et demi,' or 'Marie, 72 ans': a figure in years set off by commas after a name."""
    before = text[max(0, start - 30) : start]
    after = text[end : end + 2]
    return bool(re.search(r"[^\W\d_]," + _WS + r"*\Z", before)) and (after[:1] in ",)." or not after)


# --- comparing -------------------------------------------------------------------------------------


def unit_family(unit: str | None) -> str:
    """Return the family a unit code converts within ("mass" for 'lb', 't', 'ton', 'kg'); 'count' for None.

    An unknown code is its own family.
    """
    if unit is None:
        return "count"
    return _UNITS.get(unit, (unit, 1.0, 1.0))[0]


def _family(q: Quantity) -> tuple[str, float, float]:
    if q.unit is None:
        return "count", 1.0, 1.0
    return _UNITS.get(q.unit, (q.unit, 1.0, 1.0))


def compatible(a: Quantity, b: Quantity) -> bool:
    """True when the two intervals can describe the same value: same unit family, overlapping once scaled.

    Currencies with a floating rate overlap when they fit within the rate's range since 2000.
    """
    fam_a, low_a, high_a = _family(a)
    fam_b, low_b, high_b = _family(b)
    if fam_a != fam_b:
        return False
    # "12 feet (3.7 metres)", "400-pound (181-kg)": a converted figure is rounded to the digits it shows
    round_a = _rounding(a) if fam_a in _PHYSICAL and a.unit != b.unit else 0.0
    round_b = _rounding(b) if fam_a in _PHYSICAL and a.unit != b.unit else 0.0
    a_low, a_high = (a.low - round_a) * low_a, (a.high + round_a) * high_a
    b_low, b_high = (b.low - round_b) * low_b, (b.high + round_b) * high_b
    eps = 1e-9 * max(1.0, abs(a.value), abs(b.value))
    return a_low <= b_high + eps and b_low <= a_high + eps


def _rounding(q: Quantity) -> float:
    """Half a unit of the last digit written: 0.05 for '3.7', 0.5 for '181' (an exact figure only)."""
    if q.approx != "exact" or not math.isfinite(q.value):
        return 0.0
    written = f"{q.value:.6g}"
    decimals = len(written.partition(".")[2]) if "e" not in written else 0
    return 0.5 * 10.0**-decimals


def canonical_counted(counted: str | None) -> str | None:
    """Return the class of a counted noun ('mort' and 'killed' -> 'dead'), or the noun itself."""
    if counted is None:
        return None
    return _CANONICAL.get(counted, counted)


def same_measure(a: Quantity, b: Quantity) -> bool:
    """True when a and b measure the same thing: both money, or same unit family and matching counted nouns.

    Two bare counts with no counted noun are never the same measure (nothing says what they count). A length,
    a mass or a speed without a counted noun ("fell 15ft") matches any of its family: the unit says what it is.
    """
    fam_a, fam_b = _family(a)[0], _family(b)[0]
    if fam_a != fam_b:
        return False
    if fam_a == "money":
        return True
    if fam_a == "count" and (a.counted is None or b.counted is None):
        return False
    if fam_a in _PHYSICAL and (a.counted is None or b.counted is None):
        return True
    return canonical_counted(a.counted) == canonical_counted(b.counted)
