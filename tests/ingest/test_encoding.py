"""decode_text: BOM, declared, strict UTF-8, detection, and refusal of undecodable bytes."""

from __future__ import annotations

import codecs
import random

import pytest

from veille.errors import EncodingError
from veille.ingest import decode_text

FRENCH = "Le ministre a été reçu à Bamako, où il a rencontré son homologue malien. Déjà la deuxième visite."


def test_encoding_bom_wins_and_is_stripped():
    text, encoding, source = decode_text(codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "iso-8859-1")
    assert (text, source) == (FRENCH, "bom")
    assert b"\xef\xbb\xbf".decode(encoding) == ""


def test_encoding_utf16_bom():
    text, _, source = decode_text(FRENCH.encode("utf-16"))
    assert (text, source) == (FRENCH, "bom")


def test_encoding_declared_latin1_reads_as_cp1252():
    raw = ("<p>« " + FRENCH + " » – l’été</p>").encode("cp1252")
    text, encoding, source = decode_text(raw, "ISO-8859-1")
    assert source == "declared" and encoding == "cp1252"
    assert "l’été" in text and "« Le ministre" in text


def test_encoding_meta_charset_in_bytes():
    raw = f'<html><head><meta charset="windows-1252"></head><body>{FRENCH}</body></html>'.encode("cp1252")
    text, encoding, source = decode_text(raw)
    assert (encoding, source) == ("cp1252", "declared")
    assert FRENCH in text


def test_encoding_wrong_declaration_falls_back_to_detection():
    raw = FRENCH.encode("latin-1")
    text, encoding, source = decode_text(raw, "utf-8")
    assert source == "detected" and encoding == "cp1252"
    assert text == FRENCH


def test_encoding_plain_utf8_and_undeclared_latin1():
    assert decode_text(FRENCH.encode("utf-8")) == (FRENCH, "utf-8", "utf-8")
    text, encoding, source = decode_text(FRENCH.encode("latin-1"))
    assert (text, encoding, source) == (FRENCH, "cp1252", "detected")


def test_encoding_cyrillic_not_forced_into_cp1252():
    phrase = "Министр иностранных дел России Сергей Лавров прибыл в Мали для двухдневного визита."
    text, encoding, source = decode_text(phrase.encode("cp1251"))
    assert source == "detected" and encoding == "cp1251" and text == phrase


def test_encoding_random_bytes_raise():
    raw = bytes(b if b else 1 for b in random.Random(7).randbytes(400))
    with pytest.raises(EncodingError) as info:
        decode_text(raw)
    assert info.value.code == "bad_encoding"
