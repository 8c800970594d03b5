"""extract_html: the main text of one HTML page as paragraphs, with title, author, site name and URL.

Two trafilatura runs (its default and its precision mode) are combined: the precision run is kept unless
it lost most of the text, lines of the default run standing inside the precision run's region are put
back when they read as prose, the lead paragraph the page announces in its description meta is restored
when both runs dropped it, and leftover widget lines ("Read more", "Lire aussi", share and newsletter
calls, copyright lines) are removed with a small multilingual lexicon.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml import html as lxml_html
from trafilatura.utils import load_html

from veille.errors import ExtractionError
from veille.text import deaccent

logger = logging.getLogger(__name__)

# Below this share of the default run's length, the precision run has dropped real text: use the default.
MIN_PRECISION_SHARE = 0.5
# Below this many characters, the precision run may have cut the article: the default run is asked too.
# 1500 measured best among 0 / 700 / 1000 / 1500 / 3000 / always (trafilatura-dev F1 0.9447, scrapinghub
# 0.9674, and 1.7x faster than always running both).
SECOND_RUN_BELOW_CHARS = 1500
# A default-run line put back inside the precision region must be this long and end like a sentence.
MIN_PROSE_CHARS = 60
SENTENCE_END_RE = re.compile(r"[.!?…:;][\"»”’)\]]*\s*$")
# A description shorter than this is a tagline, not a lead paragraph.
MIN_LEAD_CHARS = 40
MAX_LEAD_CHARS = 1500
MIN_TITLE_CHARS = 3
MAX_TITLE_CHARS = 300
SPACE_RE = re.compile(r"\s+")
TAG_RE = re.compile(r"<[^>]*>")
TITLE_SEPARATORS_RE = re.compile(r"\s+[|–—•·»:-]\s+|\s+-\s+|\s*\|\s*")
BY_RE = re.compile(
    r"^\s*(?:(?:zeige\s+)?alle\s+beiträge\s+von|beitrag\s+von|written\s+by|posted\s+by|publié\s+par|écrit\s+par|"
    r"by|par|von|vom|por|di|door|av|przez|author|auteur|autor|autorin|texte?\s*:|责任编辑\s*[:：])\s*",
    re.IGNORECASE,
)

# Labels of "read also", share, subscribe and credit widgets (fr, en, de, es, it, pt, pl, nl); a line that
# is only one of them, or one followed by a colon and a headline, is clutter.
WIDGET_LABELS = (
    # French
    "à lire aussi",
    "a lire aussi",
    "lire aussi",
    "lire la suite",
    "à voir aussi",
    "voir aussi",
    "sur le même sujet",
    "dans la même rubrique",
    "articles similaires",
    "articles liés",
    "abonnez-vous",
    "inscrivez-vous",
    "partager",
    "partager cet article",
    "newsletter",
    "publicité",
    "suivez-nous",
    "image illustrative",
    "crédit photo",
    "crédits photo",
    "tous droits réservés",
    # English
    "read more",
    "read also",
    "also read",
    "see also",
    "related",
    "related articles",
    "related posts",
    "related stories",
    "more stories",
    "recommended",
    "advertisement",
    "sign up",
    "subscribe",
    "share this",
    "share this article",
    "credit",
    "image credit",
    "photo credit",
    "never miss",
    "all rights reserved",
    # German
    "lesen sie auch",
    "lesen sie mehr",
    "auch interessant",
    "das könnte sie auch interessieren",
    "mehr zum thema",
    "mehr themen",
    "weitere artikel",
    "weiterlesen",
    "zum weiterlesen",
    "anzeige",
    "titelbild",
    "teilen",
    "alle rechte vorbehalten",
    # Spanish
    "lea también",
    "lee también",
    "le puede interesar",
    "te puede interesar",
    "vea también",
    "ver también",
    "notas relacionadas",
    "noticias relacionadas",
    "suscríbete",
    "publicidad",
    # Italian
    "leggi anche",
    "potrebbe interessarti",
    # Portuguese
    "leia também",
    "leia mais",
    "veja também",
    # Polish
    "czytaj też",
    "czytaj także",
    "czytaj więcej",
    "zobacz też",
    "zobacz także",
    "dowiedz się więcej",
    # Dutch
    "lees ook",
    "lees meer",
)
_LABELS_RE = "|".join(re.escape(label) for label in sorted(WIDGET_LABELS, key=len, reverse=True))
# The whole line is a label (with punctuation or an arrow around it).
LABEL_LINE_RE = re.compile(rf"^\W*(?:{_LABELS_RE})\W*$", re.IGNORECASE)
# A label then a colon (or arrow, dash) then a headline: "Lire aussi : Le gouvernement…".
LABEL_LEAD_RE = re.compile(rf"^\W*(?:{_LABELS_RE})\s*(?::|>|»|→|-|–|\|)\s*\S", re.IGNORECASE)
COPYRIGHT_RE = re.compile(r"^\s*(?:©|\(c\)\s|copyright\b)", re.IGNORECASE)
MAX_WIDGET_CHARS = 200
# "Related" headings after which short headline lines (no sentence end) are link lists.
RELATED_HEADING_RE = re.compile(
    r"^\W*(?:à lire aussi|a lire aussi|lire aussi|sur le même sujet|articles similaires|articles liés|"
    r"read more|read also|related(?: articles| posts| stories)?|more stories|see also|lesen sie auch|"
    r"mehr zum thema|mehr themen|weitere artikel|zum weiterlesen|notas relacionadas|noticias relacionadas|"
    r"le puede interesar|te puede interesar|leggi anche|leia também|veja também|czytaj też|czytaj także|"
    r"zobacz też|zobacz także|lees ook)\W*$",
    re.IGNORECASE,
)
MAX_LINK_LINES = 8

SKIP_TAGS = frozenset(
    {"head", "script", "style", "noscript", "title", "template", "textarea", "option", "meta"}
)


@dataclass(frozen=True, slots=True)
class HtmlExtraction:
    """The main text of one page (headings as their own paragraphs) and its metadata, with what was done."""

    paragraphs: list[str]
    title: str | None
    author: str | None
    sitename: str | None
    url: str | None
    notes: tuple[str, ...]


def _ws(text: str) -> str:
    return SPACE_RE.sub(" ", text).strip()


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _run(html: str, url: str | None, *, precision: bool, metadata: bool) -> Any:
    """Return trafilatura's bare extraction (None when it finds nothing); comments are never kept.

    Some broken markup (``<svg onload=x><html>``) trips an assertion in lxml while the metadata are read
    (htmldate): the text is then extracted without them (logged).
    """
    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            favor_precision=precision,
            include_comments=False,
            include_tables=True,
            with_metadata=metadata,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except AssertionError:
        if not metadata:
            raise
        logger.info("trafilatura failed reading the page's metadata; extracting its text without them")
        return _run(html, url, precision=precision, metadata=False)


def is_prose_line(line: str) -> bool:
    """Return True when a line reads as a sentence of running text (long enough, sentence end)."""
    return len(line) >= MIN_PROSE_CHARS and bool(SENTENCE_END_RE.search(line))


def merge_runs(default: list[str], precise: list[str]) -> tuple[list[str], str]:
    """Return the paragraphs kept from a default and a precision run, and a note saying which rule won.

    The precision run wins unless it kept under half of the default run's text; default-run lines between
    its first and last line that read as prose are put back.
    """
    default_len = sum(len(line) for line in default)
    precise_len = sum(len(line) for line in precise)
    if not precise or precise_len < MIN_PRECISION_SHARE * default_len:
        return list(default), "default run"
    kept = set(precise)
    positions = [i for i, line in enumerate(default) if line in kept]
    if len(positions) < 2:
        return list(precise), "precision run"
    first, last = positions[0], positions[-1]
    merged: list[str] = []
    added = 0
    for i, line in enumerate(default):
        if line in kept:
            merged.append(line)
        elif first < i < last and is_prose_line(line):
            merged.append(line)
            added += 1
    in_default = set(default)
    merged.extend(line for line in precise if line not in in_default)
    return merged, f"precision run (+{added} default lines)" if added else "precision run"


def is_widget_line(line: str) -> bool:
    """Return True for a "read also", share, subscribe, credit or copyright line (any of eight languages)."""
    if len(line) > MAX_WIDGET_CHARS:
        return False
    if LABEL_LINE_RE.match(line) or LABEL_LEAD_RE.match(line):
        return True
    return bool(COPYRIGHT_RE.match(line))


def drop_widget_lines(paragraphs: list[str]) -> tuple[list[str], int]:
    """Return the paragraphs without widget lines (and headline lists under a "related" heading)."""
    kept: list[str] = []
    dropped = 0
    skipping = 0
    for line in paragraphs:
        if skipping and len(line) <= MAX_WIDGET_CHARS and not SENTENCE_END_RE.search(line):
            skipping -= 1
            dropped += 1
            continue
        skipping = 0
        if is_widget_line(line):
            dropped += 1
            if RELATED_HEADING_RE.match(line):
                skipping = MAX_LINK_LINES
            continue
        kept.append(line)
    return kept, dropped


def _descriptions(tree: lxml_html.HtmlElement) -> list[str]:
    """Return the page's description texts (meta, Open Graph, Twitter, JSON-LD), longest first."""
    found = tree.xpath(
        "//meta[@name='description' or @property='og:description' or @name='twitter:description'"
        " or @property='twitter:description' or @name='og:description']/@content"
    )
    for data in _json_ld(tree):
        value = data.get("description")
        if isinstance(value, str):
            found.append(value)
    # Some sites put markup in the attribute: keep only its text.
    texts = {_ws(TAG_RE.sub(" ", t)) for t in found}
    return sorted((t for t in texts if len(t) >= MIN_LEAD_CHARS), key=len, reverse=True)


def _json_ld(tree: lxml_html.HtmlElement) -> Iterable[dict[str, Any]]:
    """Yield the JSON-LD objects of a page (graphs flattened); broken blocks are skipped."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content())
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
            elif isinstance(item, list):
                stack.extend(item)


def _is_hidden(element: Any) -> bool:
    return any(
        isinstance(node.tag, str) and node.tag.lower() in SKIP_TAGS for node in element.iterancestors()
    ) or (isinstance(element.tag, str) and element.tag.lower() in SKIP_TAGS)


def find_lead(tree: lxml_html.HtmlElement, text: str) -> str | None:
    """Return the visible block repeating the page's description when the extracted text lacks it."""
    flat = _ws(text)
    for description in _descriptions(tree):
        core = description.rstrip(".… ").strip()
        key = core[:80]
        if key[:50] in flat:
            return None
        prefix = _ws(key[:30])
        for node in tree.xpath("//body//text()[contains(., $p)]", p=prefix):
            element = node.getparent()
            if element is None or _is_hidden(element):
                continue
            if node.is_tail:
                element = element.getparent()
            for _ in range(4):
                if element is None:
                    break
                block = _ws(element.text_content())
                if key in block:
                    if len(block) <= max(MAX_LEAD_CHARS, len(description) + 300) and len(block) <= 3 * len(
                        description
                    ):
                        return block
                    break
                element = element.getparent()
    return None


def _site_words(sitename: str | None, url: str | None) -> list[str]:
    """Return the lowercase names a site goes by: its name and its host's main label."""
    names = [_ws(sitename).lower()] if sitename else []
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url or "").split("/", 1)[0].lower()
    if host:
        names.append(host)
        names.append(host.rsplit(".", 2)[-2] if host.count(".") >= 1 else host)
    return [name for name in names if len(name) >= 3]


def _is_site_part(part: str, sites: list[str]) -> bool:
    """Return True when a title part names the site (its name or host) rather than the article."""
    part = deaccent(part.strip())
    squashed = re.sub(r"\W+", "", part)
    return bool(squashed) and any(
        site in part or part in site or squashed in re.sub(r"\W+", "", site)
        for site in (deaccent(s.strip()) for s in sites)
    )


def clean_title(title: str | None, sitename: str | None, url: str | None = None) -> str | None:
    """Return a page title without a leading or trailing " | Site name" part; None stays None."""
    if not title:
        return None
    title = _ws(title)
    sites = _site_words(sitename, url)
    cuts = list(TITLE_SEPARATORS_RE.finditer(title))
    if not sites or not cuts:
        return title
    last = cuts[-1]
    if last.start() > 0 and _is_site_part(title[last.end() :], sites):
        title = title[: last.start()].strip()
    cuts = list(TITLE_SEPARATORS_RE.finditer(title))
    if cuts and cuts[0].end() < len(title) and _is_site_part(title[: cuts[0].start()], sites):
        title = title[cuts[0].end() :].strip()
    return title


def pick_title(
    tree: lxml_html.HtmlElement, title: str | None, sitename: str | None, url: str | None
) -> str | None:
    """Return the page's headline: the longest visible <h1> that <title> or og:title repeats, else the
    page title without its site name part; None when the page has no title at all."""
    sites = _site_words(sitename, url)
    metas = [_ws(t) for t in tree.xpath("//meta[@property='og:title' or @name='twitter:title']/@content")]
    metas += [_ws(t.text_content()) for t in tree.xpath("//head/title")]
    folded = [m.casefold() for m in metas if m]
    if title:
        folded.append(_ws(title).casefold())
    best = None
    for h1 in tree.xpath("//body//h1"):
        text = _ws(h1.text_content())
        if not MIN_TITLE_CHARS <= len(text) <= MAX_TITLE_CHARS or _is_site_part(text, sites):
            continue
        if any(text.casefold() in m for m in folded) and (best is None or len(text) > len(best)):
            best = text
    if best is not None:
        return best
    # og:title is written for sharing and rarely carries menus; <title> comes next, trafilatura's last.
    return clean_title(next((m for m in metas if m), title), sitename, url)


def clean_author(author: str | None, html: str = "") -> str | None:
    """Return an author name without "By"/"Par", trailing dates or e-mail, with the dots of initials
    restored from the page; several names joined by "; "; None when nothing is left."""
    if not author:
        return None
    names: list[str] = []
    for part in re.split(r"\s*;\s*", _ws(author)):
        part = BY_RE.sub("", part)
        part = re.sub(r"[\s,|–-]+\d{1,2}[./ ]\w+[./ ]\d{2,4}.*$", "", part)
        part = re.sub(r"\S+@\S+", "", part).strip(" ,;|–-")
        tokens = part.split()
        if html and len(tokens) > 1:
            # trafilatura drops the dots of initials ("Perry Bacon Jr"): take the page's own spelling back.
            pattern = r"\.?\s+".join(re.escape(t) for t in tokens) + r"\.?"
            found = re.search(rf"(?<!\w){pattern}(?!\w)", html)
            if found:
                part = _ws(found.group(0))
        if part and part not in names:
            names.append(part)
    return "; ".join(names) or None


def extract_html(
    html: str, url: str | None = None, *, second_run_below: int = SECOND_RUN_BELOW_CHARS
) -> HtmlExtraction:
    """Return the main text and metadata of one HTML page.

    Raises ExtractionError ("no_article") when the page is empty, not HTML, or holds no main text.
    The default run is asked too when the precision text is shorter than ``second_run_below`` characters
    (the line model's labeller asks it always: its recall matters more than speed).
    """
    if not html or not html.strip():
        raise ExtractionError("the HTML page is empty")
    tree = load_html(html)
    if tree is None:
        raise ExtractionError("the document could not be parsed as HTML")
    precise_result = _run(html, url, precision=True, metadata=True)
    default_result = precise_result
    precise = _lines(getattr(precise_result, "text", None))
    if sum(len(line) for line in precise) < second_run_below:
        # A short precision text may have cut the article: the default run decides (merge_runs).
        default_result = _run(html, url, precision=False, metadata=False)
        default = _lines(getattr(default_result, "text", None))
        if not default and not precise:
            raise ExtractionError("no article text found in the HTML page (empty body or only boilerplate)")
        paragraphs, note = merge_runs(default, precise)
    else:
        paragraphs, note = list(precise), "precision run"
    default_result = precise_result
    notes = [note]
    lead = find_lead(tree, "\n".join(paragraphs))
    if lead:
        paragraphs.insert(0, lead)
        notes.append("lead from description")
    paragraphs, dropped = drop_widget_lines(paragraphs)
    if dropped:
        notes.append(f"{dropped} widget lines dropped")
    if not paragraphs:
        raise ExtractionError("no article text left in the HTML page once widget lines are dropped")
    sitename = getattr(default_result, "sitename", None)
    return HtmlExtraction(
        paragraphs=paragraphs,
        title=pick_title(tree, getattr(default_result, "title", None), sitename, url),
        author=clean_author(getattr(default_result, "author", None), html),
        sitename=sitename,
        url=getattr(default_result, "url", None) or url,
        notes=tuple(notes),
    )
