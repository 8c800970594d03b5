"""News sitemaps (``<urlset>`` with ``news:`` tags): one entry per ``<url>``, read with defusedxml.

defusedxml refuses DTDs with entities and external references, so a sitemap cannot expand entities
(billion laughs) or read a local file (XXE); such a sitemap, or one that is not XML, is a ``malformed`` error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from veille.errors import MalformedError

logger = logging.getLogger(__name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One ``<url>`` of a news sitemap: its address and what its ``news:`` tags say (as written)."""

    url: str
    title: str | None = None
    published: str | None = None
    publication: str | None = None
    language: str | None = None
    hints: dict[str, str] = field(default_factory=dict)


def _text(node: Element | None) -> str | None:
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def parse_sitemap(raw: bytes) -> list[SitemapEntry]:
    """Return the entries of a (news) sitemap, in document order.

    Raises MalformedError for bytes that are not XML, XML with entity declarations, a sitemap index (its news
    sitemaps must be registered as feeds themselves) or a document that is not a ``urlset``.
    """
    try:
        root = safe_xml.fromstring(raw)
    except (ParseError, DefusedXmlException) as exc:
        raise MalformedError(f"not a readable sitemap: {type(exc).__name__}: {exc}") from exc
    tag = root.tag.rsplit("}", 1)[-1]
    if tag == "sitemapindex":
        raise MalformedError("a sitemap index, not a sitemap: register its news sitemaps as feeds")
    if tag != "urlset":
        raise MalformedError(f"not a sitemap: the root element is <{tag}>, not <urlset>")
    entries: list[SitemapEntry] = []
    for node in root.iter(f"{{{SITEMAP_NS}}}url"):
        url = _text(node.find(f"{{{SITEMAP_NS}}}loc"))
        if url is None:
            continue
        news = node.find(f"{{{NEWS_NS}}}news")
        title = published = publication = language = None
        if news is not None:
            title = _text(news.find(f"{{{NEWS_NS}}}title"))
            published = _text(news.find(f"{{{NEWS_NS}}}publication_date"))
            pub = news.find(f"{{{NEWS_NS}}}publication")
            if pub is not None:
                publication = _text(pub.find(f"{{{NEWS_NS}}}name"))
                language = _text(pub.find(f"{{{NEWS_NS}}}language"))
        hints = {
            k: v
            for k, v in (("title", title), ("published", published), ("outlet", publication))
            if v is not None
        }
        entries.append(SitemapEntry(url, title, published, publication, language, hints))
    logger.debug("sitemap with %d entries", len(entries))
    return entries
