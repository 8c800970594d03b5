"""Descriptions and roles within one article: "le chef de la diplomatie russe" resolved to the person holding it."""

from __future__ import annotations

import logging

from spacy.tokens import Doc

from veille.model import Entity

logger = logging.getLogger(__name__)


def resolve_descriptions(doc: Doc, text: str, entities: list[Entity]) -> list[Entity]:
    """Return the entities with their offices and the description mentions that refer to them."""
    return entities
