"""The JSON codec: every model object survives to_json → *_from_json, and bad payloads raise StoreError."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from veille.errors import StoreError
from veille.model import (
    Analysis,
    Article,
    Document,
    Entity,
    Failure,
    Mention,
    Quote,
    RegistryEntity,
    Speaker,
    Story,
)
from veille.store import codec


def test_codec_round_trips_through_json_text():
    text = "Le colonel Goïta a reçu Sergueï Lavrov."
    objects = [
        (
            Article("a" * 16, "c" * 64, text, published=date(2023, 2, 6), extractor="x 1"),
            codec.article_from_json,
        ),
        (
            Analysis(
                "a" * 16,
                "fr",
                (Entity("Q1", "Assimi Goïta", "PER", (Mention("Goïta", 11, 16),)),),
                (Quote("« x »", 0, 5, "direct", speaker=Speaker("Goïta", "Q1")),),
                analyzer="u 1",
            ),
            codec.analysis_from_json,
        ),
        (
            Story("s1", "Visite", ("a1", "a2"), ("A", "B"), date(2023, 2, 6), None, "g 1"),
            codec.story_from_json,
        ),
        (
            RegistryEntity("Q1", "Goïta", "PER", {"Goita": 2}, date(2023, 1, 1), None, 3),
            codec.registry_entity_from_json,
        ),
        (
            Failure("d1", "extract", "no_article", "vide", "x 1", None, datetime(2023, 2, 6, tzinfo=UTC)),
            codec.failure_from_json,
        ),
    ]
    for obj, decode in objects:
        assert decode(json.loads(codec.dumps(obj))) == obj


def test_codec_document_needs_raw_bytes():
    doc = Document.from_bytes(
        b"\xff\x00raw", media_type="text/html", source="s", container="c", hints={"k": "v"}
    )
    data = codec.to_json(doc)
    assert "raw" not in data
    assert codec.document_from_json(json.loads(json.dumps(data)), doc.raw) == doc


def test_codec_malformed_payload_raises_store_error():
    with pytest.raises(StoreError, match="Analysis"):
        codec.analysis_from_json({"language": "fr"})
    with pytest.raises(StoreError, match="Mention"):
        codec.from_json(Entity, {"entity_id": "Q1", "name": "x", "type": "PER", "mentions": [{"text": "x"}]})
    with pytest.raises(StoreError, match="date"):
        codec.article_from_json({"id": "a", "content_id": "c", "text": "t", "published": "06/02/2023"})


def test_an_analysis_read_back_is_stored_again_as_it_was():
    """A whole number in a float field (a figure's bounds read from "quatre-vingt-dix-neuf") comes back an
    int, so the payload written again equals the first: an unchanged analysis never looks changed."""
    from veille.model import Analysis, Quantity
    from veille.store.codec import analysis_from_json, analysis_payload

    figure = Quantity("99 morts", 0, 8, low=99, value=99, unit=None, counted="mort", approx="at_least")
    analysis = Analysis(article_id="a", language="fr", quantities=(figure,))
    payload = json.loads(json.dumps(analysis_payload(analysis)))
    again = analysis_from_json({**payload, "article_id": "a", "language": "fr"})
    assert json.dumps(analysis_payload(again)) == json.dumps(payload)
    assert again.quantities[0].high == float("inf")  # an open bound is null in JSON, infinite again
