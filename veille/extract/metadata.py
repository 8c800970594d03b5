"""Metadata read from plain text and URLs: signatures (author, outlet), the lead's date, the URL's domain.

Every function here follows general patterns of news pages; none knows a particular outlet.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

import dateparser

from veille.extract.clutter import SENTENCE_END_RE

logger = logging.getLogger(__name__)

MONTHS = (
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
    r"decembre|janv|févr|fevr|avr|juil|sept|oct|nov|déc|dec|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep"
)
_DAY = r"(?P<day>[0-3]?\d)(?:er|ᵉʳ|st|nd|rd|th)?"
# "les 06 et 07 février 2023", "du 6 au 8 mars 2023", "6-7 février 2023": the first day counts.
DAY_RANGE_RE = re.compile(
    rf"\b{_DAY}\s*(?:et|au|à|-|–|and|to)\s*[0-3]?\d(?:er)?\s+(?P<month>{MONTHS})\.?\s+(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
DAY_MONTH_YEAR_RE = re.compile(
    rf"\b{_DAY}\s+(?P<month>{MONTHS})\.?,?\s+(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
MONTH_DAY_YEAR_RE = re.compile(
    rf"\b(?P<month>{MONTHS})\.?\s+{_DAY},?\s+(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
NUMERIC_DATE_RE = re.compile(r"\b(?P<day>[0-3]?\d)[/.](?P<month>[01]?\d)[/.](?P<year>(?:19|20)\d\d)\b")
ISO_DATE_RE = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")

# "A.Y. Barma (actuniger.com)", "Jean Dupont (AFP)".
AUTHOR_OUTLET_RE = re.compile(
    r"^(?:par|by)?\s*(?P<author>[A-ZÀ-ÖØ-Þ][\w.'’ -]{1,60}?)\s*[(\[](?P<outlet>[\w.-]{2,60})[)\]]\s*\.?$"
)
DOMAIN_RE = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.IGNORECASE)
# A last line that is one lowercase word: an outlet's short signature ("emediasn").
TOKEN_SIGNATURE_RE = re.compile(r"^[a-z][a-z0-9_.-]{3,24}$")
COPYRIGHT_RE = re.compile(
    r"(?:copyright|©|\(c\))\s*(?:©\s*)?(?:(?:19|20)\d\d\s*(?:[-–]\s*(?:19|20)\d\d)?)?\s*[,:-]?\s*"
    r"(?P<name>[^.,|©]{2,60}?)\s*(?:[.,|]|tous droits|all rights|$)",
    re.IGNORECASE,
)
_STOP_NAMES = {"tous droits réservés", "all rights reserved", "copyright", "droits réservés"}


@dataclass(frozen=True, slots=True)
class Signature:
    """What a signature line at the end of a text tells: author and outlet (either may be None)."""

    line: str
    author: str | None = None
    outlet: str | None = None


def parse_signature(line: str) -> Signature | None:
    """Return the signature read from one trailing line, or None when the line is not a signature."""
    stripped = line.strip()
    if not stripped or len(stripped) > 80:
        return None
    if "(" not in stripped and SENTENCE_END_RE.search(stripped):
        return None
    match = AUTHOR_OUTLET_RE.match(stripped)
    if match:
        author = match.group("author").strip(" -")
        outlet = match.group("outlet").strip()
        if len(author.split()) <= 6 and (DOMAIN_RE.match(outlet) or outlet[:1].isupper()):
            return Signature(stripped, author=author, outlet=outlet)
    if TOKEN_SIGNATURE_RE.match(stripped):
        return Signature(stripped, outlet=stripped)
    return None


def find_signature(tail: Sequence[str], max_lines: int = 2) -> Signature | None:
    """Return the first signature among the first ``max_lines`` lines after the body, or None."""
    for line in tail[:max_lines]:
        sig = parse_signature(line)
        if sig is not None:
            return sig
    return None


def find_copyright_holder(lines: Sequence[str]) -> str | None:
    """Return the name in a copyright line ("Copyright © 2022, Name. ...") or None."""
    for line in lines:
        match = COPYRIGHT_RE.search(line)
        if not match:
            continue
        name = match.group("name").strip(" -–:")
        if name and name.lower() not in _STOP_NAMES and not name.isdigit() and len(name.split()) <= 5:
            return name
    return None


def site_host(url: str | None) -> str | None:
    """Return the host of a URL without "www."/"m."/"amp." prefixes, or None when there is no host: the
    outlet name an article gets from its address. (The key that ties an article to its source is
    ``veille.sources.domains.registered_domain``, which reads the Public Suffix List.)"""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return re.sub(r"^(?:www\d?|m|amp|mobile)\.", "", host.lower())


def date_in_url(url: str | None, value: date) -> bool:
    """Return True when ``value`` is written in the URL (2023/02/06, 2023-02-06, 20230206...)."""
    if not url:
        return False
    y, m, d = f"{value.year:04d}", f"{value.month:02d}", f"{value.day:02d}"
    pattern = rf"{y}[/_-]?{m}[/_-]?{d}|{d}[/_-]{m}[/_-]{y}|{y}/{int(value.month)}/{int(value.day)}\b"
    return re.search(pattern, url) is not None


def _parse_span(span: str) -> date | None:
    parsed = dateparser.parse(
        span,
        languages=["fr", "en"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["day", "month", "year"],
        },
    )
    return parsed.date() if parsed else None


def find_lead_date(lead: str) -> date | None:
    """Return the first full date (day, month, year) written in ``lead``, or None (never a guess)."""
    found: list[tuple[int, str]] = []
    for match in DAY_RANGE_RE.finditer(lead):
        found.append((match.start(), f"{match.group('day')} {match.group('month')} {match.group('year')}"))
    for regex in (DAY_MONTH_YEAR_RE, MONTH_DAY_YEAR_RE):
        for match in regex.finditer(lead):
            found.append(
                (match.start(), f"{match.group('day')} {match.group('month')} {match.group('year')}")
            )
    for match in NUMERIC_DATE_RE.finditer(lead):
        found.append((match.start(), f"{match.group('day')}/{match.group('month')}/{match.group('year')}"))
    for match in ISO_DATE_RE.finditer(lead):
        found.append((match.start(), f"{match.group('day')}/{match.group('month')}/{match.group('year')}"))
    for _, span in sorted(found):
        value = _parse_span(span)
        if value is not None and 1990 <= value.year <= date.today().year + 1:
            return value
        logger.debug("unreadable date span %r", span)
    return None


def parse_date_value(value: str | None) -> date | None:
    """Return the date of a metadata value (ISO 8601 or a written date), or None when unreadable."""
    if not value or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    match = ISO_DATE_RE.search(text)
    if match:
        try:
            return date(int(match.group("year")), int(match.group("month")), int(match.group("day")))
        except ValueError:
            return None
    parsed = dateparser.parse(text, languages=["fr", "en"], settings={"DATE_ORDER": "DMY"})
    return parsed.date() if parsed else None
