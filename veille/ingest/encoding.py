"""Decoding bytes to text: BOM, then the declared encoding, then strict UTF-8, then detection.

Never guesses silently: the returned ``encoding_source`` says which rule decided.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

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
# UTF-16 without a BOM: share of two-byte units whose high byte is NUL (Latin text: most), and whose low is.
_UTF16_MIN_HIGH_NULS = 0.4
_UTF16_MAX_LOW_NULS = 0.02
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


def utf16_without_bom(raw: bytes) -> str | None:
    """Return "utf-16-le" or "utf-16-be" when ``raw`` reads as UTF-16 text without a byte-order mark, else None.

    Text in a Latin script written as UTF-16 has a NUL byte in most of its two-byte units, always on the
    same side (the high byte); binary data has NUL bytes on both sides.
    """
    head = raw[:_PRESCAN_BYTES]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0 : pairs * 2 : 2].count(0), head[1 : pairs * 2 : 2].count(0)
    for codec, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high >= _UTF16_MIN_HIGH_NULS * pairs and low <= _UTF16_MAX_LOW_NULS * pairs:
            try:
                text = head[: pairs * 2].decode(codec)
            except UnicodeDecodeError:
                # A surrogate pair cut by the prescan limit is fine; anything else is not UTF-16.
                try:
                    text = head[: pairs * 2 - 2].decode(codec)
                except UnicodeDecodeError:
                    return None
            if _is_plausible(text.replace("\x00", "")):
                return codec
    return None


def _control_share(text: str) -> float:
    """Return the share of the text's characters that are control characters (C0 but whitespace, DEL, C1)."""
    if not text:
        return 0.0
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f\v" or "\x7f" <= ch <= "\x9f")
    return controls / len(text)


def _is_plausible(text: str) -> bool:
    return _control_share(text) <= _MAX_CONTROL_RATIO


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


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text, the codec that read it, the rule that chose it (bom, declared, utf-8, utf-16, mixed,
    detected) and how many bytes outside that codec were repaired (read as windows-1252), 0 if none."""

    text: str
    encoding: str
    source: str
    repaired: int = 0


_SURROGATES = re.compile("[\udc80-\udcff]+")
# Letters written in UTF-8 that a text in a single-byte code page does not hold by chance: "é" is one byte in
# windows-1252, and a pair of its characters that reads as a UTF-8 letter ("Ã©") is itself mojibake. A few
# of them make the rest of the text stray runs, however many (a long cp1252 paragraph in a UTF-8 file).
UTF8_LETTERS = 3


def _cp1252_run(match: re.Match[str]) -> str:
    run = bytes(ord(ch) - 0xDC00 for ch in match.group(0))
    return run.decode("cp1252", errors="replace")


def decode_mixed_utf8(raw: bytes, *, declared: bool) -> Decoded | None:
    """Return UTF-8 bytes holding stray windows-1252 runs decoded run by run (UTF-8 first), or None.

    Each byte sequence that is not UTF-8 is read as windows-1252, never the whole text. Undeclared bytes
    count as UTF-8 when they hold valid multibyte characters, at least a quarter as many as bad bytes, or at
    least UTF8_LETTERS letters written in UTF-8 (any number under a declared UTF-8). None when the bytes are
    valid UTF-8 or hold no UTF-8 character. Raises EncodingError when they are UTF-8 (UTF8_LETTERS) but too
    full of control characters to be text.
    """
    text = raw.decode("utf-8", errors="surrogateescape")
    runs = _SURROGATES.findall(text)
    invalid = sum(len(run) for run in runs)
    if not invalid:
        return None
    multibyte = [ch for ch in text if ord(ch) > 127 and not "\udc80" <= ch <= "\udcff"]
    letters = sum(ch.isalpha() for ch in multibyte)
    if not multibyte or (not declared and len(multibyte) * 4 < invalid and letters < UTF8_LETTERS):
        # No UTF-8 character at all: the whole text is in another encoding (detect it).
        return None
    repaired = _SURROGATES.sub(_cp1252_run, text)
    if not _is_plausible(repaired):
        if letters >= UTF8_LETTERS:
            # UTF-8 for sure, with too many control characters to be text: a single-byte code page would only
            # read it whole in mojibake (and may count one control fewer, "Â\x91" for U+0091)
            raise EncodingError(
                f"UTF-8 bytes with {_control_share(repaired):.1%} control characters (over "
                f"{_MAX_CONTROL_RATIO:.0%}): binary data or broken text, not readable text"
            )
        return None
    return Decoded(repaired, "utf-8", "mixed", invalid)


def decode_text(raw: bytes, declared: str | None = None) -> tuple[str, str, str]:
    """Return (text, encoding, encoding_source); encoding_source is bom, declared, utf-8, utf-16, mixed or
    detected (see ``decode``). Raises EncodingError when nothing fits."""
    decoded = decode(raw, declared)
    return decoded.text, decoded.encoding, decoded.source


def decode(raw: bytes, declared: str | None = None) -> Decoded:
    """Decode ``raw``: BOM, declared charset, UTF-16 without BOM, strict UTF-8, UTF-8 with repaired runs,
    then detection. Raises EncodingError when nothing fits.

    ``declared`` (e.g. from HTTP Content-Type) wins over a meta charset or XML declaration in the bytes.
    A declared UTF-8 that fails is decoded run by run: the runs that are not UTF-8 are read as
    windows-1252 and counted in ``repaired`` (source "mixed"). Another declaration that fails to decode
    falls back to detection.
    """
    bom = bom_encoding(raw)
    if bom is not None:
        try:
            return Decoded(raw.decode(bom), bom, "bom")
        except UnicodeDecodeError as exc:
            logger.debug("BOM says %s but decoding failed (%s); trying other rules", bom, exc)
    codec = normalize_encoding(declared) or normalize_encoding(declared_in_content(raw))
    if codec is not None:
        decoded = _decode_declared(raw, codec)
        if decoded is not None:
            return Decoded(decoded[0], decoded[1], "declared")
        if codec == "utf-8":
            mixed = decode_mixed_utf8(raw, declared=True)
            if mixed is not None:
                return mixed
        logger.debug("declared encoding %s does not decode these bytes; detecting", codec)
    utf16 = utf16_without_bom(raw)
    if utf16 is not None:
        try:
            return Decoded(raw.decode(utf16), utf16, "utf-16")
        except UnicodeDecodeError as exc:
            logger.debug("looks like %s without BOM but does not decode (%s)", utf16, exc)
    try:
        return Decoded(raw.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    mixed = decode_mixed_utf8(raw, declared=False)
    if mixed is not None:
        return mixed
    western = _western_text(raw)
    if western is not None:
        return Decoded(western, "cp1252", "detected")
    best = from_bytes(raw).best()
    if best is None or best.encoding is None:
        raise EncodingError("no plausible text encoding found for these bytes; is this a binary file?")
    name = codecs.lookup(best.encoding).name
    text = str(best)
    if not _is_plausible(text):
        raise EncodingError(
            f"bytes read as {name} are {_control_share(text):.1%} control characters (over "
            f"{_MAX_CONTROL_RATIO:.0%}): binary data or broken text, not readable text"
        )
    return Decoded(text, name, "detected")
