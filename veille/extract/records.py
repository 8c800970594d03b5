"""News-please-like JSON records (from feeds, crawls, exports): their fields, and HTML fragments as text."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import lxml.etree
import lxml.html

from veille.errors import MalformedError

logger = logging.getLogger(__name__)

TEXT_FIELDS = ("maintext", "text", "content", "body", "article")
DATE_FIELDS = ("date_publish", "date", "published", "pubdate", "date_published")
OUTLET_FIELDS = ("source_domain", "outlet", "feed_title", "sitename", "site_name")
AUTHOR_FIELDS = ("authors", "author")
TAG_RE = re.compile(
    r"<(?:p|div|br|span|a|b|i|em|strong|h[1-6]|ul|ol|li|img|figure|blockquote|table)\b[^>]*>", re.I
)
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "blockquote",
        "figure",
        "figcaption",
        "table",
        "tr",
        "section",
        "article",
        "header",
        "footer",
        "pre",
    ]
)
DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "button", "svg")


@dataclass(frozen=True, slots=True)
class Record:
    """The fields of one record, with the text already turned into paragraphs (one per list item)."""

    title: str | None
    paragraphs: tuple[str, ...]
    description: str | None
    url: str | None
    published: str | None
    outlet: str | None
    author: str | None
    language: str | None


def _first(data: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = data.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = ", ".join(str(v).strip() for v in value if str(v).strip())
    text = str(value).strip()
    return text or None


def html_fragment_paragraphs(fragment: str) -> list[str]:
    """Return the paragraphs of an HTML fragment (block elements become paragraph breaks); [] when empty."""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        logger.debug("unparsable HTML fragment; tags stripped instead")
        return text_paragraphs(re.sub(r"<[^>]+>", " ", fragment))
    for bad in root.xpath("|".join(f".//{tag}" for tag in DROP_TAGS)):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS:
            element.tail = "\n\n" + (element.tail or "")
            element.text = "\n\n" + (element.text or "")
    return text_paragraphs(root.text_content())


def text_paragraphs(text: str) -> list[str]:
    """Return the non-empty lines of a text as paragraphs, inner whitespace collapsed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return [p for p in (re.sub(r"\s+", " ", line).strip() for line in text.split("\n")) if p]


def parse_record(text: str) -> Record:
    """Return the Record of one JSON object; raises MalformedError when it is not a JSON object."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedError(f"not a JSON record: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedError(f"a JSON record must be an object, not {type(data).__name__}")
    body = _as_text(_first(data, TEXT_FIELDS)) or ""
    paragraphs = html_fragment_paragraphs(body) if TAG_RE.search(body) else text_paragraphs(body)
    description = _as_text(data.get("description"))
    if description and TAG_RE.search(description):
        description = " ".join(html_fragment_paragraphs(description)) or None
    language = _as_text(data.get("language"))
    return Record(
        title=_as_text(data.get("title")),
        paragraphs=tuple(paragraphs),
        description=description,
        url=_as_text(data.get("url")),
        published=_as_text(_first(data, DATE_FIELDS)),
        outlet=_as_text(_first(data, OUTLET_FIELDS)),
        author=_as_text(_first(data, AUTHOR_FIELDS)),
        language=language,
    )
