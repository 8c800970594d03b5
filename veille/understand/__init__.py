"""The understand stage: language, entities, quotes, times and events of each article (spaCy French).

``analyze_article`` reads one article; ``analyze_articles`` streams many through ``nlp.pipe``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version

from spacy.language import Language
from spacy.tokens import Doc

from veille.errors import EmptyInputError, VeilleError
from veille.model import Analysis, Article
from veille.understand.coref import resolve_descriptions
from veille.understand.dates import resolve_times
from veille.understand.entities import extract_entities
from veille.understand.events import find_events
from veille.understand.language import detect_language
from veille.understand.nlp import DEFAULT_MODEL, load_pipeline, prepare_text
from veille.understand.quotes import find_quotes

logger = logging.getLogger(__name__)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


ANALYZER_VERSION = f"veille-understand 0.2 (spacy {_version('spacy')}, {DEFAULT_MODEL} {_version(DEFAULT_MODEL.replace('_', '-'))})"


def analyze_article(article: Article, *, nlp: Language | None = None) -> Analysis:
    """Return the Analysis of one article; raises EmptyInputError when its text is empty."""
    _check(article)
    nlp = nlp or load_pipeline()
    return _analyze(article, nlp(prepare_text(article.text)))


def analyze_articles(
    articles: Sequence[Article], *, nlp: Language | None = None, batch_size: int = 16
) -> Iterator[Analysis | VeilleError]:
    """Yield one Analysis per article, in input order; an article's VeilleError is yielded, not raised."""
    nlp = nlp or load_pipeline()
    checked: list[VeilleError | None] = []
    for article in articles:
        try:
            _check(article)
            checked.append(None)
        except VeilleError as exc:
            checked.append(exc)
    texts = (prepare_text(a.text) for a, err in zip(articles, checked, strict=True) if err is None)
    docs = nlp.pipe(texts, batch_size=batch_size)
    for article, err in zip(articles, checked, strict=True):
        if err is not None:
            yield err
            continue
        doc = next(docs)
        try:
            yield _analyze(article, doc)
        except VeilleError as exc:
            yield exc
        except (ValueError, IndexError, KeyError) as exc:
            logger.warning("understand failed on %s: %s", article.id, exc)
            yield VeilleError(f"analysis of {article.id} failed: {exc!r}", code="analysis_failed")


def _check(article: Article) -> None:
    if not article.text or not article.text.strip():
        raise EmptyInputError(f"article {article.id} has no text to analyse")


def _analyze(article: Article, doc: Doc) -> Analysis:
    text = article.text
    entities = resolve_descriptions(doc, text, extract_entities(doc, text))
    times = resolve_times(text, article.published, doc=doc)
    quotes = find_quotes(text, entities)
    events = find_events(doc, text, entities, times)
    return Analysis(
        article_id=article.id,
        language=detect_language(text),
        entities=tuple(entities),
        quotes=tuple(quotes),
        times=tuple(times),
        events=tuple(events),
        analyzer=ANALYZER_VERSION,
    )
