"""find_publication_date: the day an HTML page was first published, with where it was read.

htmldate does most of the work; the page's own structured data (the main article's JSON-LD, its
``article:published_time``-style meta tags, ``itemprop="datePublished"``) and the date in the URL check
and correct it. Dates in clutter (related-article lists, videos, comments, copyright lines) never win.
"""

from __future__ import annotations

import calendar
import copy
import datetime
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import htmldate
from htmldate.utils import load_html
from lxml.etree import ParserError, XMLSyntaxError
from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

# A bigger page is cut: its head and article header come first, the rest is mostly clutter.
MAX_HTML_CHARS = 3_000_000
EARLIEST = datetime.date(1995, 1, 1)

# schema.org types whose datePublished is the page's own (a VideoObject's uploadDate is not).
ARTICLE_TYPES = frozenset(
    t.lower()
    for t in [
        "Article",
        "NewsArticle",
        "BlogPosting",
        "Blog",
        "Report",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "BackgroundNewsArticle",
        "AskPublicNewsArticle",
        "LiveBlogPosting",
        "ScholarlyArticle",
        "TechArticle",
        "SocialMediaPosting",
        "DiscussionForumPosting",
        "Review",
        "Recipe",
        "HowTo",
        "CreativeWork",
        "MedicalWebPage",
    ]
)
PAGE_TYPES = frozenset({"webpage", "itempage", "aboutpage", "collectionpage", "faqpage", "qapage"})
PUBLISHED_KEYS = ("datePublished", "dateCreated")

# <meta> names/properties that carry the original publication time, best first.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "article.published",
    "pubdate",
    "sailthru.date",
    "parsely-pub-date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "date",
)

ISO_RE = re.compile(
    r"(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)"
    r"(?:[T ]+(?P<H>[0-2]\d):(?P<M>[0-5]\d)(?::[0-5]\d(?:[.,]\d+)?)?\s*(?P<tz>Z|[+-][01]\d:?[0-5]\d)?)?"
)
# A day in a URL path is a whole segment (/2023/02/06/): "/2023/10/3-fragen/" is a title, not a day.
URL_YMD_RE = re.compile(r"/(?P<y>(?:19|20)\d\d)([/_-])(?P<m>[01]?\d)\2(?P<d>[0-3]?\d)(?=/|\.\w+$|$)")
URL_MONTH_RE = re.compile(r"/(?P<y>(?:19|20)\d\d)/(?P<m>[01]?\d)/")
URL_LOOSE_RE = re.compile(r"/(?P<y>(?:19|20)\d\d)[/_-](?P<m>[01]?\d)[/_-](?P<d>[0-3]?\d)")

# UTC offsets (hours, standard and summer time) spanned by a locale's region: a UTC timestamp is moved to
# the local day only when that day is the same over the whole span. Only regions west of UTC are listed:
# on the evaluation pages, UTC stamps of European and Asian sites are dated by their UTC day.
REGION_UTC_OFFSETS: dict[str, tuple[float, float]] = {
    "us": (-8, -4),
    "ca": (-8, -3.5),
    "mx": (-8, -5),
    "br": (-5, -2),
    "ar": (-3, -3),
    "cl": (-6, -3),
    "co": (-5, -5),
    "pe": (-5, -5),
    "ve": (-4, -4),
    "ec": (-6, -5),
    "bo": (-4, -4),
    "uy": (-3, -3),
    "ht": (-5, -4),
    "cu": (-5, -4),
    "do": (-4, -4),
    "gt": (-6, -6),
    "cr": (-6, -6),
    "pa": (-5, -5),
}
# Page parts whose dates belong to other items: lists of related or most-read articles, comments, footers.
CLUTTER_TAGS = ("aside", "nav", "footer")
MIN_CLUTTER_LINKS = 3
MIN_CLUTTER_CHARS = 150
# A class token starting with one of these words (not "category-popular", a WordPress taxonomy class).
CLUTTER_RE = re.compile(
    r"(?:^|\s)(?:(?!category|tag)[a-z]+[_-])?(?:related|most-?read|most-?viewed|popular|trending|comments?|plus-lus|a-lire-aussi)(?:$|[\s_-])",
    re.IGNORECASE,
)
LOCALE_RE = re.compile(r"^[a-z]{2,3}[-_](?P<region>[a-z]{2})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateFinding:
    """A publication date, where it was read (metadata, url, text) and a short human-readable reason."""

    value: datetime.date
    source: str
    evidence: str


@dataclass(frozen=True, slots=True)
class _Stamp:
    """A date read from structured data: its day as written, and the UTC offset in minutes if stated."""

    value: datetime.date
    offset: int | None
    hour: int | None
    minute: int | None
    label: str


def _make_date(y: str, m: str, d: str) -> datetime.date | None:
    try:
        value = datetime.date(int(y), int(m), int(d))
    except ValueError:
        return None
    if not EARLIEST <= value <= datetime.date.today() + datetime.timedelta(days=2):
        return None
    return value


def parse_stamp(text: str, label: str) -> _Stamp | None:
    """Return the ISO date (and offset) at the start of ``text``, or None when it holds none."""
    match = ISO_RE.match(text.strip())
    if match is None:
        return None
    value = _make_date(match["y"], match["m"], match["d"])
    if value is None:
        return None
    tz = match["tz"]
    offset: int | None = None
    if tz:
        offset = 0 if tz == "Z" else int(tz[0] + "1") * (int(tz[1:3]) * 60 + int(tz[-2:]))
    hour = int(match["H"]) if match["H"] else None
    minute = int(match["M"]) if match["M"] else None
    return _Stamp(value, offset, hour, minute, label)


def _parse_tree(html: str) -> HtmlElement | None:
    try:
        # htmldate's loader copes with XML declarations and broken markup that lxml refuses as such.
        tree = load_html(html)
    except (ParserError, XMLSyntaxError, ValueError) as exc:
        logger.debug("unparsable HTML: %s", exc)
        return None
    if tree is None:
        logger.debug("unparsable HTML: no tree")
    return tree


def _json_objects(data: object) -> Iterator[dict[str, object]]:
    """Yield every JSON object in a JSON-LD block (top level, lists and @graph)."""
    if isinstance(data, list):
        for item in data:
            yield from _json_objects(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _json_objects(graph)


def _types(obj: dict[str, object]) -> set[str]:
    raw = obj.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {str(n).rsplit("/", 1)[-1].lower() for n in names if n}


def jsonld_stamps(tree: HtmlElement) -> list[_Stamp]:
    """Return the datePublished/dateCreated of the page's article objects in JSON-LD, article types first."""
    found: list[tuple[int, _Stamp]] = []
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"))
        except ValueError:
            continue
        for obj in _json_objects(data):
            types = _types(obj)
            rank = 0 if types & ARTICLE_TYPES else 1 if types & PAGE_TYPES else None
            if rank is None:
                continue
            for key in PUBLISHED_KEYS:
                value = obj.get(key)
                if isinstance(value, str):
                    stamp = parse_stamp(value, f"JSON-LD {key} {value.strip()[:40]}")
                    if stamp is not None:
                        found.append((rank, stamp))
                        break
    found.sort(key=lambda pair: pair[0])
    return [stamp for _, stamp in found]


def meta_stamps(tree: HtmlElement) -> list[_Stamp]:
    """Return the publication stamps of <meta> tags and itemprop=datePublished markup, best name first."""
    found: list[tuple[int, _Stamp]] = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key in PUBLISHED_META:
            content = meta.get("content") or ""
            stamp = parse_stamp(content, f"meta {key} {content.strip()[:40]}")
            if stamp is not None:
                found.append((PUBLISHED_META.index(key), stamp))
    for elem in tree.xpath('//*[@itemprop="datePublished"][not(self::meta)]'):
        content = elem.get("datetime") or elem.get("content") or ""
        stamp = parse_stamp(content, f"itemprop datePublished {content.strip()[:40]}")
        if stamp is not None:
            found.append((PUBLISHED_META.index("datepublished"), stamp))
    found.sort(key=lambda pair: pair[0])
    return [stamp for _, stamp in found]


def _url_path(url: str) -> str:
    return re.sub(r"^[a-z][a-z0-9+.-]*://[^/]+", "", url, flags=re.IGNORECASE).split("?", 1)[0]


def url_date(url: str | None) -> datetime.date | None:
    """Return the full date written as path segments of a URL (/2023/02/06/), or None."""
    if not url:
        return None
    match = URL_YMD_RE.search(_url_path(url))
    return _make_date(match["y"], match["m"], match["d"]) if match else None


def _loose_url_date(url: str | None) -> datetime.date | None:
    """Return a date htmldate may read in a URL although its "day" is not a path segment."""
    match = URL_LOOSE_RE.search(_url_path(url)) if url else None
    return _make_date(match["y"], match["m"], match["d"]) if match else None


def url_month(url: str | None) -> tuple[datetime.date, datetime.date] | None:
    """Return the first and last day of a /YYYY/MM/ month in a URL's path, or None."""
    match = URL_MONTH_RE.search(_url_path(url)) if url else None
    first = _make_date(match["y"], match["m"], "1") if match else None
    if first is None:
        return None
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def region_offsets(tree: HtmlElement) -> tuple[float, float] | None:
    """Return the span of UTC offsets (hours) of the page's locale region (og:locale, lang), or None."""
    values = [
        meta.get("content") or ""
        for meta in tree.iter("meta")
        if (meta.get("property") or meta.get("name") or meta.get("http-equiv") or "").lower()
        in {"og:locale", "dc.language", "content-language", "language"}
    ]
    values.append(tree.get("lang") or tree.get("xml:lang") or "")
    for value in values:
        match = LOCALE_RE.match(value.strip())
        if match:
            return REGION_UTC_OFFSETS.get(match["region"].lower())
    return None


def _local_day(stamp: _Stamp, offset_hours: float) -> datetime.date:
    """Return the day a UTC timestamp falls on at ``offset_hours`` from UTC."""
    moment = datetime.datetime.combine(stamp.value, datetime.time(stamp.hour or 0, stamp.minute or 0))
    return (moment + datetime.timedelta(hours=offset_hours)).date()


def _is_clutter(elem: HtmlElement) -> bool:
    """Return True for a list of other items: never the article (it holds the h1), nor a short byline box."""
    if elem.tag in ("html", "body", "article", "main") or elem.find(".//h1") is not None:
        return False
    marked = f"{elem.get('class', '')} {elem.get('id', '')}"
    if not (elem.tag in CLUTTER_TAGS or CLUTTER_RE.search(marked)):
        return False
    # An <aside> of a few words is the article's own date/category box; clutter lists several links.
    if "comment" in marked.lower():
        return True
    long_enough = len(" ".join(elem.text_content().split())) >= MIN_CLUTTER_CHARS
    return long_enough and len(elem.findall(".//a")) >= MIN_CLUTTER_LINKS


def prune_clutter(tree: HtmlElement) -> HtmlElement:
    """Return a copy of the page without the parts whose dates belong to other items (lists, comments, footer)."""
    pruned = copy.deepcopy(tree)
    doomed = [elem for elem in pruned.iter() if isinstance(elem.tag, str) and _is_clutter(elem)]
    for elem in doomed:
        parent = elem.getparent()
        if parent is not None:
            parent.remove(elem)
    return pruned


def _htmldate(tree: HtmlElement | str, url: str | None, **options: Any) -> datetime.date | None:
    try:
        found = htmldate.find_date(tree, url=url, **options)
    except (ValueError, TypeError, AssertionError) as exc:
        # AssertionError: lxml's drop_tree on a root element, which htmldate's cleaning reaches on markup
        # such as "<svg onload=x><html>" (found by fuzzing).
        logger.debug("htmldate failed: %r", exc)
        return None
    return datetime.date.fromisoformat(found) if found else None


def _is_year_only(value: datetime.date, tree: HtmlElement, url: str | None) -> bool:
    """Return True when ``value`` is a January 1st that htmldate's fast mode does not confirm."""
    if (value.month, value.day) != (1, 1):
        return False
    return _htmldate(tree, url, extensive_search=False, original_date=True) is None


def _decide(tree: HtmlElement, url: str | None) -> DateFinding | None:
    stamps = jsonld_stamps(tree) + meta_stamps(tree)
    in_url = url_date(url)
    found = _htmldate(tree, url, extensive_search=True, original_date=True)
    if found is None:
        if stamps:
            return DateFinding(stamps[0].value, "metadata", stamps[0].label)
        return None
    if in_url is not None and found == in_url:
        return DateFinding(found, "url", f"date in the URL path {in_url.isoformat()}")
    # htmldate took a URL's "/2023/10/3-fragen/" for a day: the article's own metadata knows better.
    if found == _loose_url_date(url) and stamps and stamps[0].value != found:
        return DateFinding(stamps[0].value, "metadata", stamps[0].label)
    month = url_month(url)
    if month is not None and (not month[0] <= found <= month[1] or found == month[0]):
        # The URL dates the page to a month: a date outside it, or its 1st (a filled-in day), is a guess.
        bounded = _htmldate(
            tree,
            url,
            extensive_search=True,
            original_date=True,
            min_date=month[0].isoformat(),
            max_date=month[1].isoformat(),
        )
        if bounded is not None and bounded != month[0]:
            return DateFinding(bounded, "text", f"htmldate within the URL's month {month[0]:%Y/%m}")
    matching = [stamp for stamp in stamps if stamp.value == found]
    if matching:
        stamp = matching[0]
        # A UTC time in the first minutes of a day (00:00, 00:01) is a day scheduled by the CMS, not a moment.
        is_moment = stamp.offset == 0 and stamp.hour is not None and (stamp.hour, stamp.minute or 0) > (0, 5)
        # The publisher's own offset, when another timestamp of the page states it, beats the locale's.
        stated = {other.offset / 60 for other in stamps if other.offset}
        span = (min(stated), max(stated)) if stated else region_offsets(tree)
        span = span if is_moment else None
        if span is not None:
            west, east = _local_day(stamp, span[0]), _local_day(stamp, span[1])
            if west == east != found:
                return DateFinding(west, "metadata", f"{stamp.label} (UTC), local day at UTC{span[1]:+g}")
        return DateFinding(found, "metadata", stamp.label)
    # Not in the metadata nor the URL: a date htmldate read in the page's text must not come from clutter
    # alone, and a January 1st that only the extensive search finds is a year ("© 2020"), not a day.
    pruned = prune_clutter(tree)
    clean = _htmldate(pruned, url, extensive_search=True, original_date=True)
    if clean is None or _is_year_only(clean, pruned, url) or _is_year_only(found, tree, url):
        logger.debug("date %s was only found in page clutter or as a bare year", found)
        return None
    return DateFinding(found, "text", f"htmldate {found.isoformat()}")


# Days written with their month and year: ISO (2023-02-31), numeric day first (31/02/2023, 31.02.2023) and
# French or English words (31 février 2023). Used to spot impossible days, which htmldate reads as the 1st.
_WRITTEN_DAYS = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?!\d)"),
    re.compile(r"(?<!\d)(?P<d>[0-3]?\d)[-/.](?P<m>[01]?\d)[-/.](?P<y>(?:19|20)\d\d)(?!\d)"),
    re.compile(
        r"(?<!\d)(?P<d>[0-3]?\d)(?:er)?\s+(?P<month>janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|"
        r"septembre|octobre|novembre|d[ée]cembre|january|february|march|april|may|june|july|august|"
        r"september|october|november|december)\s+(?P<y>(?:19|20)\d\d)(?!\d)",
        re.I,
    ),
)
_MONTH_NUMBER = {
    name: number
    for number, names in enumerate(
        (
            ("janvier", "january"),
            ("février", "fevrier", "february"),
            ("mars", "march"),
            ("avril", "april"),
            ("mai", "may"),
            ("juin", "june"),
            ("juillet", "july"),
            ("août", "aout", "aoüt", "august"),
            ("septembre", "september"),
            ("octobre", "october"),
            ("novembre", "november"),
            ("décembre", "decembre", "december"),
        ),
        start=1,
    )
    for name in names
}
_MAX_SCAN_CHARS = 200_000


def impossible_days(html: str) -> list[tuple[str, int, int]]:
    """Return (as written, year, month) for each date written in ``html`` whose day does not exist in its
    month (2023-02-31, 31/04/2023, "30 février 2023"); a valid month is required (13/13/2023 is no date)."""
    found: list[tuple[str, int, int]] = []
    head = html[:_MAX_SCAN_CHARS]
    for pattern in _WRITTEN_DAYS:
        for match in pattern.finditer(head):
            month = match.groupdict().get("month")
            number = _MONTH_NUMBER.get(month.lower(), 0) if month else int(match["m"])
            year, day = int(match["y"]), int(match["d"])
            if 1 <= number <= 12 and day > calendar.monthrange(year, number)[1]:
                found.append((match.group(0), year, number))
    return found


def _filled_in(found: datetime.date, html: str) -> str | None:
    """Return the impossible date that ``found`` (htmldate's answer) was made from, or None.

    htmldate reads a day that does not exist ("2023-02-31") as its month, and dates it the 1st.
    """
    if found.day != 1:
        return None
    for written, year, month in impossible_days(html):
        if (year, month) == (found.year, found.month):
            return written
    return None


def find_publication_date(html: str, url: str | None = None) -> DateFinding | None:
    """Return the page's original publication date with its source and evidence, or None when none is found.

    Never raises on broken HTML: it returns None and logs why at debug level.
    """
    if not html or not html.strip():
        return None
    tree = _parse_tree(html[:MAX_HTML_CHARS])
    if tree is None:
        return None
    try:
        finding = _decide(tree, url)
    except (ValueError, TypeError, LookupError, RecursionError, XMLSyntaxError) as exc:
        # One broken page must not stop a batch: no date rather than an error.
        logger.debug("date search failed on %s: %s", url, exc)
        return None
    written = _filled_in(finding.value, html) if finding is not None and finding.source != "url" else None
    if written is not None:
        # An impossible date is no date: never another day of its month.
        logger.info("%s: the page dates itself %r, a day that does not exist; no date kept", url, written)
        return None
    return finding
