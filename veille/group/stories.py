"""Stories: articles from different outlets grouped online, as they arrive.

Each new article is compared with the stories that share its rarest words or its entities (an inverted
index: never all pairs), scored by TF-IDF cosine to the story's centroid plus entity overlap, and
joins the best story above ``story_threshold`` whose dates lie within ``story_window_days``; else
it opens a new story. Duplicates (``dedup.py``) always join the story of the article they copy.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP
from unidecode import unidecode

from veille.group.dedup import DuplicateIndex, normalized_words
from veille.model import Analysis, Article, DuplicateLink, Story
from veille.settings import Settings

logger = logging.getLogger(__name__)

GROUPER_VERSION = "veille-group 0.1 (tfidf+entities online, minhash 5-shingles)"

_STOP = {unidecode(w).lower() for w in FR_STOP | EN_STOP}
TEXT_WEIGHT = 0.75  # the rest of the score is entity overlap
QUERY_TERMS = 12  # rarest terms of a new article used to retrieve candidate stories
ENTITY_TYPES = {"PER", "ORG", "LOC"}


@dataclass(slots=True)
class ArticleFeatures:
    """What grouping needs of one article: its words, its entities, its date, its outlet."""

    article_id: str
    title: str
    outlet: str | None
    published: date | None
    terms: Counter[str]
    entities: frozenset[str]


def features_of(article: Article, analysis: Analysis | None) -> ArticleFeatures:
    """Return the grouping features of an article (its analysis may be None: then words only)."""
    terms = Counter(
        w for w in normalized_words(article.text) if len(w) > 2 and w not in _STOP and not w.isdigit()
    )
    entities = frozenset(
        e.entity_id for e in (analysis.entities if analysis else ()) if e.type in ENTITY_TYPES
    )
    return ArticleFeatures(
        article_id=article.id,
        title=(article.title or article.text[:80]).strip(),
        outlet=article.outlet,
        published=article.published,
        terms=terms,
        entities=entities,
    )


def story_id_for(founding_article_id: str) -> str:
    """Return the stable id of the story an article founds."""
    return "s" + hashlib.sha1(founding_article_id.encode()).hexdigest()[:15]


@dataclass(slots=True)
class _StoryState:
    id: str
    members: list[ArticleFeatures] = field(default_factory=list)
    terms: Counter[str] = field(default_factory=Counter)
    entities: Counter[str] = field(default_factory=Counter)

    def add(self, feats: ArticleFeatures) -> None:
        self.members.append(feats)
        self.terms.update({t: 1 + math.log(c) for t, c in feats.terms.items()})
        self.entities.update(feats.entities)

    def dates(self) -> list[date]:
        return [m.published for m in self.members if m.published]


class StoryGrouper:
    """Online story grouping over an in-memory index of the stories seen so far."""

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings or Settings()
        self.threshold = settings.story_threshold
        self.window = settings.story_window_days
        self.duplicates = DuplicateIndex(settings.near_duplicate_threshold)
        self._df: Counter[str] = Counter()
        self._n = 0
        self._stories: dict[str, _StoryState] = {}
        self._story_of: dict[str, str] = {}
        self._term_index: dict[str, set[str]] = {}
        self._entity_index: dict[str, set[str]] = {}

    # -- state ---------------------------------------------------------------------------------
    def _index(self, state: _StoryState, feats: ArticleFeatures, text: str) -> None:
        state.add(feats)
        self._story_of[feats.article_id] = state.id
        self._n += 1
        self._df.update(feats.terms.keys())
        for term in feats.terms:
            self._term_index.setdefault(term, set()).add(state.id)
        for ent in feats.entities:
            self._entity_index.setdefault(ent, set()).add(state.id)
        self.duplicates.add(feats.article_id, text)

    def load(self, story_id: str, members: Iterable[tuple[ArticleFeatures, str]]) -> None:
        """Add an existing story and its members (features, text) to the index without re-deciding it."""
        state = self._stories.setdefault(story_id, _StoryState(story_id))
        for feats, text in members:
            if feats.article_id not in self._story_of:
                self._index(state, feats, text)

    # -- scoring -------------------------------------------------------------------------------
    def _idf(self, term: str) -> float:
        return math.log((self._n + 1) / (self._df.get(term, 0) + 1)) + 1.0

    def _vector(self, terms: Counter[str] | dict[str, float], sublinear: bool) -> dict[str, float]:
        vec = {t: (1 + math.log(c) if sublinear else c) * self._idf(t) for t, c in terms.items() if c > 0}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def _in_window(self, feats: ArticleFeatures, state: _StoryState) -> bool:
        dates = state.dates()
        if not feats.published or not dates:
            return True
        lo, hi = min(dates), max(dates)
        return (lo - feats.published).days <= self.window and (feats.published - hi).days <= self.window

    def score(self, feats: ArticleFeatures, story_id: str) -> float:
        """Return the similarity of an article to a story: TF-IDF cosine to the centroid + entity overlap."""
        state = self._stories[story_id]
        article_vec = self._vector(feats.terms, sublinear=True)
        story_vec = self._vector(state.terms, sublinear=False)
        cosine = sum(w * story_vec.get(t, 0.0) for t, w in article_vec.items())
        if not feats.entities or not state.entities:
            return cosine  # nothing to compare on the entity side: the text decides alone
        shared = sum(1 for e in feats.entities if state.entities.get(e))
        overlap = shared / min(len(feats.entities), len(state.entities))
        return TEXT_WEIGHT * cosine + (1 - TEXT_WEIGHT) * overlap

    def candidates(self, feats: ArticleFeatures) -> set[str]:
        """Return the ids of stories that share a rare term or an entity with the article."""
        rare = sorted(feats.terms, key=lambda t: (self._df.get(t, 0) or self._n + 1, t))
        found: set[str] = set()
        for term in [t for t in rare if self._df.get(t, 0) > 0][:QUERY_TERMS]:
            found |= self._term_index.get(term, set())
        for ent in feats.entities:
            found |= self._entity_index.get(ent, set())
        return found

    # -- decisions -----------------------------------------------------------------------------
    def add(self, feats: ArticleFeatures, text: str) -> tuple[str, list[DuplicateLink]]:
        """Place a new article: return the id of the story it joins or founds, and its duplicate links."""
        if feats.article_id in self._story_of:
            return self._story_of[feats.article_id], []
        links = self.duplicates.add(feats.article_id, text)
        target = None
        copied = [link.other_id for link in links if link.other_id in self._story_of]
        if copied:
            target = self._story_of[copied[0]]
        else:
            best, best_score = None, self.threshold
            for sid in sorted(self.candidates(feats)):
                if not self._in_window(feats, self._stories[sid]):
                    continue
                s = self.score(feats, sid)
                if s >= best_score:
                    best, best_score = sid, s
            target = best
        if target is None:
            target = story_id_for(feats.article_id)
            self._stories[target] = _StoryState(target)
        logger.debug("article %s -> story %s", feats.article_id, target)
        self._index(self._stories[target], feats, text)  # the duplicate index already has it: no-op there
        return target, links

    def story(self, story_id: str) -> Story:
        """Return the Story object for a story id, labelled by its most central article's title."""
        state = self._stories[story_id]
        centroid = self._vector(state.terms, sublinear=False)

        def centrality(m: ArticleFeatures) -> float:
            vec = self._vector(m.terms, sublinear=True)
            return sum(w * centroid.get(t, 0.0) for t, w in vec.items())

        central = max(state.members, key=centrality)
        dates = state.dates()
        return Story(
            id=story_id,
            label=central.title[:120],
            articles=tuple(m.article_id for m in state.members),
            outlets=tuple(sorted({m.outlet for m in state.members if m.outlet})),
            first_seen=min(dates) if dates else None,
            last_seen=max(dates) if dates else None,
            grouper=GROUPER_VERSION,
        )
