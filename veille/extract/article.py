"""extract_article: one Document (HTML, plain text or a JSON record) → one Article with its metadata.

HTML goes through trafilatura (text, title, author, sitename, date) and htmldate; plain text through the
clutter remover and the signature/date readers of ``metadata``; JSON records through ``records``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import charset_normalizer
import htmldate
import trafilatura

from veille.errors import EmptyInputError, EncodingError, ExtractionError, NotTextError, TooLargeError
from veille.extract import clutter, metadata
from veille.extract.records import parse_record
from veille.model import Article, Document, article_id
from veille.settings import Settings

logger = logging.getLogger(__name__)

EXTRACTOR_VERSION = (
    f"veille-extract 0.1 (trafilatura {trafilatura.__version__}, htmldate {htmldate.__version__})"
)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml+html"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})
JSON_TYPES = frozenset({"application/json", "application/ld+json", "text/json"})
MAX_TITLE_CHARS = 200
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
    if encoding:
        try:
            text = doc.raw.decode(encoding, errors="replace")
        except LookupError as exc:
            raise EncodingError(f"unknown encoding {encoding!r} in the document's hints") from exc
    else:
        try:
            text = doc.raw.decode("utf-8")
        except UnicodeDecodeError:
            best = charset_normalizer.from_bytes(doc.raw).best()
            if best is None:
                raise EncodingError(
                    "no plausible text encoding; pass the right one as the encoding hint"
                ) from None
            text = str(best)
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
    result = trafilatura.bare_extraction(
        text,
        url=doc.url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    body = (getattr(result, "text", None) or "") if result is not None else ""
    paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
    if not paragraphs:
        raise ExtractionError("no article text found in the HTML page (empty body or only boilerplate)")
    fields.paragraphs = paragraphs
    page_url = doc.url or getattr(result, "url", None)
    fields.url = page_url
    fields.set("title", getattr(result, "title", None), "metadata")
    fields.set("author", getattr(result, "author", None), "metadata")
    sitename = getattr(result, "sitename", None)
    # trafilatura falls back on the URL's host when the page names no site: that is a "url" outlet.
    domain = metadata.registered_domain(page_url)
    is_host = bool(sitename and domain and metadata.registered_domain(str(sitename)) == domain)
    fields.set("outlet", sitename, "url" if is_host else "metadata")
    published = metadata.parse_date_value(getattr(result, "date", None))
    if published is not None:
        fields.set("published", published, "url" if metadata.date_in_url(page_url, published) else "metadata")
    else:
        found = htmldate.find_date(text, extensive_search=True, original_date=True, url=page_url)
        value = metadata.parse_date_value(found)
        if value is not None:
            fields.set("published", value, "url" if metadata.date_in_url(page_url, value) else "text")
    _apply_hints(doc, fields)
    fields.set("outlet", metadata.registered_domain(page_url), "url")
    if fields.outlet is None:
        seg = clutter.segment_scraped_text(body)
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
    if seg.start > 0 and is_title_line(lines[0]):
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


def _extract_text(doc: Document, text: str, fields: _Fields) -> None:
    seg = clutter.segment_scraped_text(text)
    if not seg.body:
        raise ExtractionError("no article text found: the text holds no prose paragraph")
    title, head = _split_title(seg)
    _apply_hints(doc, fields)
    if title is not None:
        fields.set("title", title, "text")
    fields.paragraphs = ([title] if title else []) + head + seg.body
    sig = metadata.find_signature(seg.tail)
    if sig is not None:
        fields.set("author", sig.author, "text")
        fields.set("outlet", sig.outlet, "text")
    fields.url = doc.url
    fields.set("outlet", metadata.registered_domain(doc.url), "url")
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
    fields.set("outlet", metadata.registered_domain(fields.url), "url")


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


def extract_article(doc: Document, *, settings: Settings | None = None) -> Article:
    """Return the Article of one Document: text (title first, blank line between paragraphs) and metadata.

    Raises TooLargeError above ``max_document_bytes``, other InputError subclasses for undecodable input,
    ExtractionError ``not_article`` for media that are not articles and ``no_article`` when no text is found.
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
    elif kind == "json":
        _extract_json(doc, text, fields)
    else:
        _extract_text(doc, text, fields)
    paragraphs = _title_first(fields)
    lead = "\n\n".join(paragraphs[:3])
    fields.set("published", metadata.find_lead_date(lead), "inferred")
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
        extractor=EXTRACTOR_VERSION,
    )
