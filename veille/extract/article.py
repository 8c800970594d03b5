"""extract_article: one Document (HTML, plain text or a JSON record) → one Article with its metadata.

HTML goes through ``html`` (trafilatura's runs merged, widgets dropped, title and author cleaned) and
``pubdate`` (htmldate corrected); plain text through the line model of ``scraped``, and the
clutter remover and the signature/date readers of ``metadata``; JSON records through ``records``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import py3langid

from veille.errors import EmptyInputError, EncodingError, ExtractionError, NotTextError, TooLargeError
from veille.extract import EXTRACTOR_VERSION, clutter, guard, html, metadata, pubdate, scraped
from veille.extract.records import parse_record
from veille.ingest.encoding import decode, decode_mixed_utf8
from veille.model import Article, Document, article_id
from veille.settings import Settings

logger = logging.getLogger(__name__)


HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml+html"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})
JSON_TYPES = frozenset({"application/json", "application/ld+json", "text/json"})
MAX_TITLE_CHARS = 200
MAX_LINES_ABOVE_BODY = 3
MIN_LANGUAGE_LETTERS = 20
# A plain text's first line ending like this is a body sentence, not a title.
BODY_END_RE = re.compile(r"[.;,…:]\s*[\"»”’)]*\s*$")


@dataclass(slots=True)
class _Fields:
    """The article being built: text paragraphs and each metadata value with its source."""

    paragraphs: list[str]
    title: str | None = None
    title_source: str | None = None
    outlet: str | None = None
    outlet_source: str | None = None
    author: str | None = None
    author_source: str | None = None
    published: date | None = None
    published_source: str | None = None
    published_evidence: str | None = None
    url: str | None = None

    def set(self, name: str, value: object, source: str) -> None:
        """Set a field and its source when the field is still empty and ``value`` is not."""
        if value and getattr(self, name) is None:
            setattr(self, name, value)
            setattr(self, f"{name}_source", source)


def decode_document(doc: Document) -> str:
    """Return the document's text (hinted encoding, BOM stripped, LF line ends).

    Raises EncodingError for an unknown or clearly wrong encoding, NotTextError for binary bytes and
    EmptyInputError when nothing but whitespace is left.
    """
    encoding = doc.hints.get("encoding")
    if encoding and not guard.is_utf8_label(encoding):
        try:
            text = doc.raw.decode(encoding, errors="replace")
        except LookupError as exc:
            raise EncodingError(f"unknown encoding {encoding!r} in the document's hints") from exc
    else:
        try:
            text = doc.raw.decode("utf-8")
        except UnicodeDecodeError:
            # UTF-8 pages with stray cp1252 bytes (pasted text): keep both halves readable.
            # Read run by run as ingest did (issue 22): declared when a hint names UTF-8 or ingest repaired it.
            declared = bool(encoding) or doc.hints.get("encoding_source") == "mixed"
            repaired = decode_mixed_utf8(doc.raw, declared=declared)
            if repaired is not None:
                text = repaired.text
                logger.info("mixed encodings: %d byte(s) outside UTF-8 read as cp1252", repaired.repaired)
            elif encoding:
                text = doc.raw.decode(encoding, errors="replace")
            else:
                # no hint (a document not made by ingest): the one decoder ingest uses, which refuses a
                # detector's reading that is no plausible text rather than read a whole article in it
                text = decode(doc.raw).text
    nuls = text.count("\x00")
    if nuls > max(2, len(text) // 1000):
        raise NotTextError("the document holds NUL bytes: binary data, not text or HTML")
    # A few stray NULs (seen in real CMS output) are noise, not a sign of binary data.
    text = text.replace("\x00", "")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyInputError("the document holds no text")
    if text.count("\ufffd") > max(20, len(text) // 20):
        raise EncodingError(f"too many undecodable bytes with encoding {encoding!r}; check the encoding hint")
    return text


def _media_kind(media_type: str) -> str:
    base = media_type.split(";", 1)[0].strip().lower()
    if base in HTML_TYPES:
        return "html"
    if base in TEXT_TYPES:
        return "text"
    if base in JSON_TYPES or base.endswith("+json"):
        return "json"
    return "other"


def _apply_hints(doc: Document, fields: _Fields) -> None:
    hints = doc.hints
    fields.set("title", hints.get("title"), "metadata")
    fields.set("author", hints.get("author"), "metadata")
    fields.set("outlet", hints.get("outlet") or hints.get("feed_title"), "metadata")
    fields.set("published", metadata.parse_date_value(hints.get("published")), "metadata")


def _extract_html(doc: Document, text: str, fields: _Fields) -> None:
    text, notes = guard.prepare_html(text)
    if notes:
        logger.info("%s: page trimmed before extraction: %s", doc.source, "; ".join(notes))
    result = html.extract_html(text, doc.url)
    paragraphs = result.paragraphs
    guard.check_article_paragraphs(paragraphs)
    fields.paragraphs = paragraphs
    page_url = doc.url or result.url
    fields.url = page_url
    fields.set("title", result.title, "metadata")
    fields.set("author", result.author, "metadata")
    sitename = result.sitename
    # trafilatura falls back on the URL's host when the page names no site: that is a "url" outlet.
    domain = metadata.site_host(page_url)
    is_host = bool(sitename and domain and metadata.site_host(str(sitename)) == domain)
    fields.set("outlet", sitename, "url" if is_host else "metadata")
    # Our date finder (htmldate corrected, benchmarks/extraction.py) decides alone: falling back on
    # trafilatura's date would bring back the clutter dates it refuses.
    finding = pubdate.find_publication_date(text, page_url)
    if finding is not None:
        fields.set("published", finding.value, finding.source)
        fields.published_evidence = finding.evidence
    _apply_hints(doc, fields)
    fields.set("outlet", metadata.site_host(page_url), "url")
    if fields.outlet is None:
        seg = scraped.segment_scraped_text("\n".join(paragraphs))
        sig = metadata.find_signature(seg.tail) or metadata.find_signature(paragraphs[-1:])
        if sig is not None:
            fields.set("outlet", sig.outlet, "text")
            fields.set("author", sig.author, "text")


def is_title_line(line: str) -> bool:
    """Return True when a line can be a plain text's title: short, a few words, not a body sentence."""
    if len(line) > MAX_TITLE_CHARS or len(line.split()) < 2 or clutter.is_junk_line(line):
        return False
    # A short line ending with a full stop is still a title ("Un rapport accable la direction."): a body
    # sentence is longer, or ends with a comma, colon or semicolon (cut by a line break).
    if re.search(r"(?:\.|…)\s*[\"»”’)]*\s*$", line):
        return len(line.split()) <= 12
    return not BODY_END_RE.search(line)


def _split_title(seg: clutter.Segmented) -> tuple[str | None, list[str]]:
    """Return the title of a plain text and the lines kept above its body (kicker, caption)."""
    lines, classes = seg.lines, seg.classes
    # A text whose first line is its title (a clean article, a kicker or caption between title and body);
    # further down, the first line of a scraped page is a menu, not a title.
    if 0 < seg.start <= MAX_LINES_ABOVE_BODY and is_title_line(lines[0]):
        # The first line is the title; what stands between it and the body (kicker, subtitle) stays.
        kept = [
            line
            for line, cls in zip(lines[1 : seg.start], classes[1 : seg.start], strict=True)
            if cls != clutter.JUNK
        ]
        return lines[0], kept
    if seg.head:
        head = list(seg.head)
        title = next((line for line in head if len(line.split()) >= 3), head[0])
        head.remove(title)
        return title, head
    if seg.start == 0 and len(seg.body) > 1 and is_title_line(seg.body[0]):
        return seg.body.pop(0), []
    return None, list(seg.head)


def _extract_text(doc: Document, text: str, fields: _Fields, counter: scraped.LineCounter | None) -> None:
    text, notes = guard.prepare_text(text)
    if notes:
        logger.info("%s: text trimmed before extraction: %s", doc.source, "; ".join(notes))
    seg = scraped.segment_scraped_text(text, counter=counter)
    if not seg.body:
        raise ExtractionError("no article text found: the text holds no prose paragraph")
    title, head = _split_title(seg)
    _apply_hints(doc, fields)
    if title is not None:
        fields.set("title", title, "text")
    fields.paragraphs = ([title] if title else []) + head + seg.body
    sig = metadata.find_signature(seg.tail)
    if sig is None and len(seg.body) > 1:
        # The signature closing the article may have been kept as its last line: it is metadata.
        sig = metadata.parse_signature(seg.body[-1])
        if sig is not None:
            fields.paragraphs.pop()
    if sig is not None:
        fields.set("author", sig.author, "text")
        fields.set("outlet", sig.outlet, "text")
    fields.url = doc.url
    fields.set("outlet", metadata.site_host(doc.url), "url")
    fields.set("outlet", metadata.find_copyright_holder(seg.tail), "text")


def _extract_json(doc: Document, text: str, fields: _Fields) -> None:
    record = parse_record(text)
    paragraphs = list(record.paragraphs)
    if not paragraphs and record.description:
        paragraphs = [record.description]
    if not paragraphs:
        raise ExtractionError("the record has neither text nor description")
    fields.paragraphs = paragraphs
    fields.url = record.url or doc.url
    fields.set("title", record.title, "metadata")
    fields.set("author", record.author, "metadata")
    fields.set("outlet", record.outlet, "metadata")
    fields.set("published", metadata.parse_date_value(record.published), "metadata")
    _apply_hints(doc, fields)
    fields.set("outlet", metadata.site_host(fields.url), "url")


def _title_first(fields: _Fields) -> list[str]:
    """Return the paragraphs with the title as the first one (not repeated when already there)."""
    paragraphs = fields.paragraphs
    title = fields.title
    if not title:
        return paragraphs
    first = paragraphs[0] if paragraphs else ""
    if re.sub(r"\W+", " ", first).strip().lower() == re.sub(r"\W+", " ", title).strip().lower():
        return paragraphs
    return [title, *paragraphs]


def outlet_key(doc: Document) -> str | None:
    """Return the key of a document's outlet in the line statistics: its URL's domain, or its outlet hint."""
    domain = metadata.site_host(doc.url)
    if domain:
        return domain
    hint = doc.hints.get("outlet") or doc.hints.get("feed_title")
    return str(hint).strip().lower() if hint else None


def outlet_lines(doc: Document, article: Article) -> list[str]:
    """Return the lines a page adds to its outlet's statistics: every line of a text, an HTML page's paragraphs."""
    if _media_kind(doc.media_type) == "text":
        return clutter.split_lines(decode_document(doc))
    return [p for p in article.text.split("\n\n") if p.strip()]


def detect_language(text: str) -> str | None:
    """Return the ISO code of a text's language (py3langid), None when it has too few letters to tell."""
    sample = text[:5000]
    if sum(ch.isalpha() for ch in sample[:2000]) < MIN_LANGUAGE_LETTERS:
        return None
    language, _ = py3langid.classify(sample)
    return str(language)


def extract_article(
    doc: Document, *, settings: Settings | None = None, line_counts: scraped.LineCounter | None = None
) -> Article:
    """Return the Article of one Document: text (title first, blank line between paragraphs) and metadata.

    Raises TooLargeError above ``max_document_bytes``, other InputError subclasses for undecodable input,
    ExtractionError ``not_article`` for media that are not articles and ``no_article`` when no text is found.
    ``line_counts`` gives, for lines of this page, on how many other pages of its outlet each was seen
    (``outlet_key``, ``outlet_lines``: the pipeline reads and feeds these statistics from the store); lines
    seen on many are dropped as boilerplate.
    """
    settings = settings or Settings()
    if len(doc.raw) > settings.max_document_bytes:
        raise TooLargeError(
            f"{len(doc.raw)} bytes is over max_document_bytes={settings.max_document_bytes}; raise it to extract"
        )
    kind = _media_kind(doc.media_type)
    if kind == "other":
        raise ExtractionError(f"media type {doc.media_type!r} is not an article", code="not_article")
    if not doc.raw.strip():
        raise EmptyInputError("the document has no bytes")
    text = decode_document(doc)
    fields = _Fields(paragraphs=[])
    if kind == "html":
        _extract_html(doc, text, fields)
        if line_counts is not None:
            paragraphs = fields.paragraphs
            flags = scraped.boilerplate_flags(paragraphs, [True] * len(paragraphs), line_counts)
            fields.paragraphs = [p for p, boiler in zip(paragraphs, flags, strict=True) if not boiler]
    elif kind == "json":
        _extract_json(doc, text, fields)
    else:
        _extract_text(doc, text, fields, line_counts)
    if fields.published is not None and fields.published_evidence is None:
        fields.published_evidence = "the date the input gives (feed, record or hint)"
    paragraphs = _title_first(fields)
    lead = "\n\n".join(paragraphs[:3])[: guard.MAX_LEAD_CHARS]
    if fields.published is None:
        fields.set("published", metadata.find_lead_date(lead), "inferred")
        if fields.published is not None:
            fields.published_evidence = "a full date in the article's first paragraphs"
    article_text = "\n\n".join(re.sub(r"[ \t\xa0]+", " ", p).strip() for p in paragraphs)
    if not article_text.strip():
        raise ExtractionError("no article text found")
    return Article(
        id=article_id(doc.id),
        content_id=doc.id,
        text=article_text,
        url=fields.url or doc.url,
        title=fields.title,
        title_source=fields.title_source,
        outlet=fields.outlet,
        outlet_source=fields.outlet_source,
        author=fields.author,
        author_source=fields.author_source,
        published=fields.published,
        published_source=fields.published_source,
        published_evidence=fields.published_evidence,
        language=detect_language(article_text),
        extractor=EXTRACTOR_VERSION,
    )
