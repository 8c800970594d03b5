"""Analysing articles: language, entities, quotes, times and events, one spaCy pass each.

``analyze_article`` reads one article; ``analyze_articles`` streams many through ``nlp.pipe``. Each article
is read by the spaCy pipeline of its language (Article.language, else detected): English by the English
pipeline, French and every other language by the French one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from importlib.metadata import PackageNotFoundError, version

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from veille.errors import EmptyInputError, VeilleError
from veille.model import Analysis, Article
from veille.text import sentences
from veille.understand.budget import DEFAULT_BUDGET_SECONDS, check_budget, time_budget
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

# Characters parsed at once: a longer text is parsed in pieces (spaCy's own limit is 1,000,000 characters,
# and its parser needs about 1 GB per 100,000 characters at once).
PIECE_CHARS = 100_000
# Characters parsed together by one ``nlp.pipe`` call: a batch of texts ends before passing this budget (a text
# longer than it goes alone, one over PIECE_CHARS in pieces), so the memory a batch takes is bounded whatever the
# corpus, and a long run's peak does not rise with the chance of meeting a batch of long texts (issue 22).
BATCH_CHARS = 40_000
# Entries of a pipeline's lemmatizer cache (one per word form and part of speech met: about 10,000 per 200 news
# articles) past which it is emptied after a batch, so it does not grow with the run; it only spares work.
LEMMA_CACHE = 100_000


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


ANALYZER_VERSION = (
    f"veille-understand 0.9 (spacy {_version('spacy')}, {DEFAULT_MODEL} {_version(DEFAULT_MODEL.replace('_', '-'))}"
    f", {ENGLISH_MODEL} {_version(ENGLISH_MODEL.replace('_', '-'))})"
)


def analyze_article(
    article: Article,
    *,
    nlp: Language | None = None,
    models: Mapping[str, str] | None = None,
    budget_seconds: float | None = DEFAULT_BUDGET_SECONDS,
) -> Analysis:
    """Return the Analysis of one article, read by the pipeline of its language; EmptyInputError when empty.

    ``nlp`` is used for the articles of its own language (``nlp.lang``); others get the pipeline ``models``
    names for their language (default ``nlp.MODELS``), loaded once per process. A text longer than
    ``PIECE_CHARS`` is parsed in pieces (see parse_text). BudgetExceededError when the analysis takes more than
    ``budget_seconds`` (None: no limit).
    """
    _check(article)
    language = _language(article)
    pipe = _pipeline_for(language, nlp, models)
    with _transient_strings([pipe]), time_budget(budget_seconds, article.id):
        return _analyze(article, parse_text(pipe, prepare_text(article.text, pipe.lang)), language)


def parse_text(pipe: Language, text: str, *, piece_chars: int | None = None) -> Doc:
    """Return ``pipe``'s parse of ``text``; a text longer than ``piece_chars`` (default PIECE_CHARS) is parsed
    in pieces cut at paragraph ends (else sentence ends, else spaces) and joined back into one Doc whose
    offsets are the text's, so no text is too long for the model (spaCy's max_length) and the parser's memory
    stays that of one piece. The time budget (budget.py) is checked between pieces."""
    limit = min(piece_chars or PIECE_CHARS, pipe.max_length)
    if len(text) <= limit:
        return pipe(text)
    docs = []
    for piece in pipe.pipe(cut_pieces(text, limit), batch_size=1):
        piece.tensor = numpy.zeros((0,), dtype="float32")  # the joined Doc needs no activations: memory
        docs.append(piece)
        check_budget("parsing a long text")
    joined = Doc.from_docs(docs, ensure_whitespace=False)
    if joined.text != text:  # never expected: the pieces are slices of the text, whitespace included
        raise VeilleError("the pieces of a long text did not join back into it", code="analysis_failed")
    return joined


def cut_pieces(text: str, limit: int) -> list[str]:
    """Return ``text`` cut into consecutive slices of at most ``limit`` characters (joined, they are the text).

    Each cut is made at the last paragraph break (a blank line, else a line break) of the slice's second
    half, else after its last sentence (veille.text.sentences), else at its last space, else at ``limit``
    (a single word that long): a name or a quote is cut only where the text itself has no better place.
    """
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        floor = start + limit // 2
        cut = text.rfind("\n\n", floor, end)
        cut = cut + 2 if cut >= 0 else text.rfind("\n", floor, end) + 1
        if cut <= floor:
            ends = [s.end for s in sentences(text[floor:end])][:-1]  # the last one may run past ``end``
            cut = floor + ends[-1] if ends else -1
            if cut <= floor:
                cut = max(text.rfind(" ", floor, end), text.rfind("\t", floor, end)) + 1
        if cut <= floor:
            cut = end
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def analyze_articles(
    articles: Sequence[Article],
    *,
    nlp: Language | None = None,
    models: Mapping[str, str] | None = None,
    batch_size: int = 16,
    budget_seconds: float | None = DEFAULT_BUDGET_SECONDS,
) -> Iterator[Analysis | VeilleError]:
    """Yield one Analysis per article, in input order; an article's VeilleError is yielded, not raised.

    Articles are taken in chunks of ``batch_size``, each chunk grouped by pipeline (see analyze_article) and
    parsed by ``nlp.pipe`` in batches of at most ``batch_size`` texts and BATCH_CHARS characters (parse_batches;
    a longer text alone, one over PIECE_CHARS in pieces), each batch analysed before the next is parsed: the
    memory held at once is that of one bounded batch, and the strings spaCy meets in a chunk are dropped after
    it (_transient_strings), whatever the length of the run. An article whose analysis raises, or takes more
    than ``budget_seconds`` (BudgetExceededError, code budget_exceeded), gives its error; the others go on.
    """
    for offset in range(0, len(articles), batch_size):
        chunk = articles[offset : offset + batch_size]
        yield from _analyze_chunk(chunk, nlp, models, batch_size, budget_seconds)


def parse_batches(lengths: Sequence[int], batch_size: int, budget: int = BATCH_CHARS) -> list[list[int]]:
    """Return the positions of texts of these ``lengths`` cut into consecutive batches of at most ``batch_size``
    texts whose lengths add up to at most ``budget`` characters; a text longer than ``budget`` is a batch of its
    own."""
    batches: list[list[int]] = []
    total = 0
    for position, length in enumerate(lengths):
        if not batches or len(batches[-1]) >= batch_size or total + length > budget:
            batches.append([])
            total = 0
        batches[-1].append(position)
        total += length
    return batches


# The memory zone open on each pipeline (by id) and how many analyses are in it: threads sharing a pipeline
# share its zone, which ends when the last of them leaves (a Doc of one must not lose its strings to another).
_ZONES: dict[int, tuple[ExitStack, int]] = {}
_ZONES_LOCK = threading.Lock()


@contextmanager
def _transient_strings(pipes: Iterable[Language]) -> Iterator[None]:
    """Within the block, the strings and lexemes ``pipes`` meet (new words, their lemmas) are dropped at its end
    (spaCy's memory zones), so a pipeline's vocabulary does not grow with the texts it reads: nothing made in
    the block may leave it but plain values (an Analysis holds no Doc, Span or Token). Threads analysing with
    one pipeline at once share one zone, ended by the last to leave; a pipeline already in a zone of the
    caller's own is left in it. A lemmatizer cache past LEMMA_CACHE entries is emptied when a zone ends."""
    joined: list[Language] = []
    try:
        for pipe in pipes:
            with _ZONES_LOCK:
                if id(pipe) in _ZONES:
                    stack, users = _ZONES[id(pipe)]
                    _ZONES[id(pipe)] = (stack, users + 1)
                elif not getattr(pipe.vocab, "in_memory_zone", False):
                    stack = ExitStack()
                    stack.enter_context(pipe.memory_zone())
                    _ZONES[id(pipe)] = (stack, 1)
                else:
                    continue
            joined.append(pipe)
        yield
    finally:
        for pipe in joined:
            with _ZONES_LOCK:
                stack, users = _ZONES.pop(id(pipe))
                if users > 1:
                    _ZONES[id(pipe)] = (stack, users - 1)
                    continue
                stack.close()
                lemmatizer = pipe.get_pipe("lemmatizer") if "lemmatizer" in pipe.pipe_names else None
                cache = getattr(lemmatizer, "cache", None)
                if isinstance(cache, dict) and len(cache) > LEMMA_CACHE:
                    cache.clear()


def _analyze_chunk(
    articles: Sequence[Article],
    nlp: Language | None,
    models: Mapping[str, str] | None,
    batch_size: int,
    budget_seconds: float | None,
) -> Iterator[Analysis | VeilleError]:
    planned: list[tuple[Language, str | None] | VeilleError] = []
    for article in articles:
        try:
            _check(article)
            language = _language(article)
            planned.append((_pipeline_for(language, nlp, models), language))
        except VeilleError as exc:
            planned.append(exc)
    pipes = {id(p[0]): p[0] for p in planned if isinstance(p, tuple)}
    results: list[Analysis | VeilleError] = []
    with _transient_strings(pipes.values()):
        texts: dict[int, str] = {}
        batches: list[tuple[Language, list[int]]] = []
        for key, pipe in pipes.items():
            indexes = [
                i
                for i, p in enumerate(planned)
                if isinstance(p, tuple) and id(p[0]) == key and len(articles[i].text) <= PIECE_CHARS
            ]
            texts.update((i, prepare_text(articles[i].text, pipe.lang)) for i in indexes)
            for batch in parse_batches([len(texts[i]) for i in indexes], batch_size):
                batches.append((pipe, [indexes[j] for j in batch]))
        batch_of = {i: number for number, (_, members) in enumerate(batches) for i in members}
        docs: dict[int, Doc] = {}
        parsed: set[int] = set()
        for i, (article, plan) in enumerate(zip(articles, planned, strict=True)):
            if isinstance(plan, VeilleError):
                results.append(plan)
                continue
            number = batch_of.get(i)
            if number is not None and number not in parsed:  # the first article of its batch: parse the batch
                parsed.add(number)
                docs.update(_parse_batch(*batches[number], texts))
            results.append(_analyze_one(article, docs.pop(i, None), plan, budget_seconds))
    yield from results


def _parse_batch(pipe: Language, members: Sequence[int], texts: Mapping[int, str]) -> dict[int, Doc]:
    """Return the Docs of one batch by position; none when a text broke the batch (each is then parsed alone,
    errors its own)."""
    try:
        return dict(
            zip(members, pipe.pipe([texts[i] for i in members], batch_size=len(members)), strict=True)
        )
    except Exception:  # noqa: BLE001 - one text broke the batch: each is parsed alone, errors its own
        logger.warning("a batch of %d texts failed to parse; parsing them one by one", len(members))
        return {}


def _analyze_one(
    article: Article, doc: Doc | None, plan: tuple[Language, str | None], budget_seconds: float | None
) -> Analysis | VeilleError:
    """Return the Analysis of one article (parsing it first when ``doc`` is None), or its error."""
    pipe, language = plan
    try:
        with time_budget(budget_seconds, article.id):
            if doc is None:
                doc = parse_text(pipe, prepare_text(article.text, pipe.lang))
            return _analyze(article, doc, language)
    except VeilleError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - a defect on one text is that article's failure, not the run's
        logger.warning("understand failed on %s: %r", article.id, exc, exc_info=True)
        return VeilleError(
            f"analysis of {article.id} failed: {type(exc).__name__}: {exc}", code="analysis_failed"
        )


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
    entities = resolve_descriptions(doc, text, extract_entities(doc, text), on=article.published)
    check_budget("entities")
    times = resolve_times(text, article.published, doc=doc)
    check_budget("times")
    quotes = find_quotes(text, entities, doc)
    check_budget("quotes")
    events = find_events(doc, text, entities, times, quotes)
    check_budget("events")
    quantities = article_quantities(text, language or "fr", [e.start for e in events])
    check_budget("quantities")
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
