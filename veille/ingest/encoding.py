"""Decoding bytes to text: BOM, then the declared encoding, then strict UTF-8, then detection.

Never guesses silently: the returned ``encoding_source`` says which rule decided.
"""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

from veille.errors import EncodingError

logger = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.I)
# Labels that browsers read as windows-1252 (WHATWG Encoding): its printable range is a superset.
_AS_CP1252 = {"latin_1", "iso8859-1", "ascii", "iso-8859-1", "cp1252"}
_PRESCAN_BYTES = 8192
# Non-ASCII characters of Western European text in windows-1252 (letters, quotes, dashes, signs).
_WESTERN = frozenset(
    "àâäáãåæçéèêëíìîïñóòôöõøœùúûüýÿÀÂÄÁÃÅÆÇÉÈÊËÍÌÎÏÑÓÒÔÖÕØŒÙÚÛÜÝŸß"
    "«»‘’“”„…–—•€°£§©®™·¡¿ªº²³¹µ\xa0×÷¢¥¤¦¨¯±´¶¸¼½¾"
)
_MAX_ACCENTED_RATIO = 0.3
_MAX_CONTROL_RATIO = 0.02


def normalize_encoding(label: str | None) -> str | None:
    """Return the Python codec name for an encoding label, or None when the label is unknown or empty."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        logger.debug("unknown encoding label %r ignored", label)
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """Return the charset parameter of an HTTP Content-Type header value, or None."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def declared_in_content(raw: bytes) -> str | None:
    """Return the encoding declared inside the bytes (XML declaration or HTML meta charset), or None."""
    head = raw[:_PRESCAN_BYTES]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def bom_encoding(raw: bytes) -> str | None:
    """Return the codec named by the byte-order mark that starts ``raw``, or None."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    return None


def _is_plausible(text: str) -> bool:
    if not text:
        return True
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f\v" or "\x7f" <= ch <= "\x9f")
    return controls / len(text) <= _MAX_CONTROL_RATIO


def _decode_declared(raw: bytes, codec: str) -> tuple[str, str] | None:
    candidates = ["cp1252", "latin-1"] if codec in _AS_CP1252 else [codec]
    for name in candidates:
        try:
            text = raw.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if _is_plausible(text):
            return text, codecs.lookup(name).name
    return None


def _western_text(raw: bytes) -> str | None:
    """Return ``raw`` decoded as windows-1252 when that reads as Western European text, else None.

    Detectors often pick a sibling code page (cp1257, cp1250) for short French text. In a Western
    language few letters are accented; a Cyrillic or Greek page read as cp1252 is almost all accents.
    """
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = sum(1 for ch in text if ch.isalpha())
    accented = [ch for ch in text if ord(ch) > 127]
    if not letters or not _is_plausible(text):
        return None
    odd = sum(1 for ch in accented if ch not in _WESTERN)
    accented_letters = sum(1 for ch in accented if ch.isalpha())
    if odd <= 0.05 * len(accented) and accented_letters <= _MAX_ACCENTED_RATIO * letters:
        return text
    return None


def decode_text(raw: bytes, declared: str | None = None) -> tuple[str, str, str]:
    """Return (text, encoding, encoding_source); encoding_source is bom, declared, utf-8 or detected.

    ``declared`` (e.g. from HTTP Content-Type) wins over a meta charset or XML declaration in the bytes;
    a declaration that fails to decode falls back to detection. Raises EncodingError when nothing fits.
    """
    bom = bom_encoding(raw)
    if bom is not None:
        try:
            return raw.decode(bom), bom, "bom"
        except UnicodeDecodeError as exc:
            logger.debug("BOM says %s but decoding failed (%s); trying other rules", bom, exc)
    codec = normalize_encoding(declared) or normalize_encoding(declared_in_content(raw))
    if codec is not None:
        decoded = _decode_declared(raw, codec)
        if decoded is not None:
            return decoded[0], decoded[1], "declared"
        logger.debug("declared encoding %s does not decode these bytes; detecting", codec)
    try:
        return raw.decode("utf-8"), "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    western = _western_text(raw)
    if western is not None:
        return western, "cp1252", "detected"
    best = from_bytes(raw).best()
    if best is None or best.encoding is None:
        raise EncodingError("no plausible text encoding found for these bytes; is this a binary file?")
    name = codecs.lookup(best.encoding).name
    text = str(best)
    if not _is_plausible(text):
        raise EncodingError(f"bytes decode as {name} only into control characters; not text")
    return text, name, "detected"
