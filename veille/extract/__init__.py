"""The extract stage: one Document → one Article (text with its title first, and metadata with sources)."""

from veille.extract.article import EXTRACTOR_VERSION, extract_article
from veille.extract.scraped import clean_scraped_text

__all__ = ["EXTRACTOR_VERSION", "clean_scraped_text", "extract_article"]
