"""Analysing articles: language, entities, quotes, times and events, one spaCy pass each.

``analyze_article`` reads one article; ``analyze_articles`` streams many through ``nlp.pipe``. Each article
is read by the spaCy pipeline of its language (Article.language, else detected): English by the English
pipeline, French and every other language by the French one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
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
from veille.understand.nlp import DEFAULT_MODEL, ENGLISH_MODEL, MODELS, load_pipeline, prepare_text
from veille.understand.qualifiers import find_qualifiers
from veille.understand.quantities import article_quantities
from veille.understand.quotes import find_quotes

logger = logging.getLogger(__name__)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


ANALYZER_VERSION = (
    f"veille-understand 0.7 (spacy {_version('spacy')}, {DEFAULT_MODEL} {_version(DEFAULT_MODEL.replace('_', '-'))}"
    f", {ENGLISH_MODEL} {_version(ENGLISH_MODEL.replace('_', '-'))})"
)


def analyze_article(
    article: Article, *, nlp: Language | None = None, models: Mapping[str, str] | None = None
) -> Analysis:
    """Return the Analysis of one article, read by the pipeline of its language; EmptyInputError when empty.

    ``nlp`` is used for the articles of its own language (``nlp.lang``); others get the pipeline ``models``
    names for their language (default ``nlp.MODELS``), loaded once per process.
    """
    _check(article)
    language = _language(article)
    pipe = _pipeline_for(language, nlp, models)
    return _analyze(article, pipe(prepare_text(article.text, pipe.lang)), language)


def analyze_articles(
    articles: Sequence[Article],
    *,
    nlp: Language | None = None,
    models: Mapping[str, str] | None = None,
    batch_size: int = 16,
) -> Iterator[Analysis | VeilleError]:
    """Yield one Analysis per article, in input order; an article's VeilleError is yielded, not raised.

    Articles are piped in chunks of ``batch_size``, each chunk grouped by pipeline (see analyze_article).
    """
    for offset in range(0, len(articles), batch_size):
        yield from _analyze_chunk(articles[offset : offset + batch_size], nlp, models, batch_size)


def _analyze_chunk(
    articles: Sequence[Article], nlp: Language | None, models: Mapping[str, str] | None, batch_size: int
) -> Iterator[Analysis | VeilleError]:
    planned: list[tuple[Language, str | None] | VeilleError] = []
    for article in articles:
        try:
            _check(article)
            language = _language(article)
            planned.append((_pipeline_for(language, nlp, models), language))
        except VeilleError as exc:
            planned.append(exc)
    docs: dict[int, Doc] = {}
    pipes = {id(p[0]): p[0] for p in planned if isinstance(p, tuple)}
    for key, pipe in pipes.items():
        indexes = [i for i, p in enumerate(planned) if isinstance(p, tuple) and id(p[0]) == key]
        texts = (prepare_text(articles[i].text, pipe.lang) for i in indexes)
        docs.update(zip(indexes, pipe.pipe(texts, batch_size=batch_size), strict=True))
    for i, (article, plan) in enumerate(zip(articles, planned, strict=True)):
        if isinstance(plan, VeilleError):
            yield plan
            continue
        try:
            yield _analyze(article, docs.pop(i), plan[1])
        except VeilleError as exc:
            yield exc
        except (ValueError, IndexError, KeyError) as exc:
            logger.warning("understand failed on %s: %s", article.id, exc)
            yield VeilleError(f"analysis of {article.id} failed: {exc!r}", code="analysis_failed")


def _language(article: Article) -> str | None:
    return article.language or detect_language(article.text)


def _pipeline_for(language: str | None, nlp: Language | None, models: Mapping[str, str] | None) -> Language:
    """Return ``nlp`` when it reads ``language`` (French reads every language without its own pipeline)."""
    names = {**MODELS, **(models or {})}
    wanted = language if language in names else "fr"
    if nlp is not None and nlp.lang == wanted:
        return nlp
    return load_pipeline(names[wanted])


def _check(article: Article) -> None:
    if not article.text or not article.text.strip():
        raise EmptyInputError(f"article {article.id} has no text to analyse")


def _analyze(article: Article, doc: Doc, language: str | None) -> Analysis:
    text = article.text
    entities = resolve_descriptions(doc, text, extract_entities(doc, text))
    times = resolve_times(text, article.published, doc=doc)
    quotes = find_quotes(text, entities, doc)
    events = find_events(doc, text, entities, times, quotes)
    quantities = article_quantities(text, language or "fr", [e.start for e in events])
    return Analysis(
        article_id=article.id,
        language=language,
        entities=tuple(entities),
        quotes=tuple(quotes),
        times=tuple(times),
        events=tuple(events),
        analyzer=ANALYZER_VERSION,
        qualifiers=tuple(find_qualifiers(doc, text)),
        quantities=tuple(quantities),
    )
