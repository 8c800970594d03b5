"""Stories: articles from different outlets grouped online, as they arrive.

Each new article is compared with the stories that share its rarest words or its entities (an inverted
index, bounded per key: never all pairs), scored by TF-IDF cosine to the story's centroid plus the cosine
of its entities to the story's entity counts, and joins the best story above ``story_threshold`` whose
date range lies within ``story_window_days`` of its date (up to LONG_WINDOW days more for an ongoing story
when the article scores LONG_BAR); else it opens a new story. Duplicates (``dedup.py``) always join the
story of the article they copy.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import islice

from unidecode import unidecode

from veille.group import GROUPER_VERSION
from veille.group.dedup import DuplicateIndex, TextSource
from veille.model import Analysis, Article, DuplicateLink, Story
from veille.settings import Settings
from veille.text import normalized_words, stop_words

logger = logging.getLogger(__name__)


_STOP = {unidecode(w).lower() for w in stop_words()}
TEXT_WEIGHT = 0.75  # the rest of the score is entity overlap
QUERY_TERMS = 12  # rarest terms of a new article used to retrieve candidate stories
ENTITY_TYPES = {"PER", "ORG", "LOC"}
# an ongoing story: an article up to LONG_WINDOW days past the window still joins when it scores LONG_BAR
LONG_WINDOW = 20
LONG_BAR = 0.30
MAX_CANDIDATES = 64  # stories scored per article: those sharing the most query terms and entities
POSTING_SCAN = 256  # stories read per term or entity of the index, the most recently fed first
STALE_GROWTH = 1.1  # a story's cached TF-IDF vector is rebuilt once the corpus grew by this factor
CLOSE_EVERY = 1000  # articles between two sweeps for stories out of reach
CLOSED_TERMS = 64  # terms a story out of reach keeps (enough to label it)
MEMBER_TERMS = 24  # most frequent terms a story keeps of each member (to pick its label): bounded memory


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


@dataclass(frozen=True, slots=True)
class Member:
    """What a story keeps of each member: its id, title, outlet, date, registry ids and MEMBER_TERMS most frequent
    terms with their counts, as two tuples (a third of the memory of a Counter of them)."""

    article_id: str
    title: str
    outlet: str | None
    published: date | None
    entities: frozenset[str]
    keys: tuple[str, ...]
    counts: tuple[int, ...]

    @classmethod
    def of(cls, feats: ArticleFeatures) -> Member:
        top = feats.terms.most_common(MEMBER_TERMS)
        return cls(
            feats.article_id,
            feats.title,
            feats.outlet,
            feats.published,
            feats.entities,
            tuple(t for t, _ in top),
            tuple(c for _, c in top),
        )

    @property
    def terms(self) -> dict[str, int]:
        """Return its kept terms and their counts, most frequent first."""
        return dict(zip(self.keys, self.counts, strict=True))


def story_id_for(founding_article_id: str) -> str:
    """Return the stable id of the story an article founds."""
    return "s" + hashlib.sha1(founding_article_id.encode()).hexdigest()[:15]


@dataclass(slots=True)
class _StoryState:
    id: str
    members: list[Member] = field(default_factory=list)
    terms: Counter[str] = field(default_factory=Counter)
    entities: Counter[str] = field(default_factory=Counter)
    first: date | None = None
    last: date | None = None
    entity_square: int = 0  # sum of the squared entity counts
    vector: dict[str, float] | None = None  # TF-IDF centroid (not normalised), cached
    vector_square: float = 0.0  # its squared norm
    vector_n: int = 0  # corpus size when the vector was built

    def add(self, feats: ArticleFeatures) -> None:
        self.members.append(Member.of(feats))
        self.terms.update({t: 1 + math.log(c) for t, c in feats.terms.items()})
        for e in feats.entities:
            self.entity_square += 2 * self.entities[e] + 1
            self.entities[e] += 1
        if feats.published:
            self.first = min(self.first or feats.published, feats.published)
            self.last = max(self.last or feats.published, feats.published)

    def set_entities(self, article_id: str, entities: frozenset[str]) -> bool:
        """Give a member other registry ids (a link or a hand edit moved its names); True when they changed."""
        for i, member in enumerate(self.members):
            if member.article_id != article_id:
                continue
            if member.entities == entities:
                return False
            for e in member.entities - entities:
                self.entity_square -= 2 * self.entities[e] - 1
                self.entities[e] -= 1
                if self.entities[e] <= 0:
                    del self.entities[e]
            for e in entities - member.entities:
                self.entity_square += 2 * self.entities[e] + 1
                self.entities[e] += 1
            self.members[i] = replace(member, entities=entities)
            return True
        return False

    def entity_norm(self) -> float:
        return math.sqrt(self.entity_square) or 1.0


class StoryGrouper:
    """Online story grouping over an in-memory index of the stories seen so far.

    ``texts`` gives indexed articles' texts by id (the store's, in the pipeline): the duplicate index then keeps
    a bounded cache of shingles and reads a candidate's text again when it is not at hand (``DuplicateIndex``).
    """

    def __init__(self, settings: Settings | None = None, *, texts: TextSource | None = None) -> None:
        settings = settings or Settings()
        self.threshold = settings.story_threshold
        self.window = settings.story_window_days
        self.duplicates = DuplicateIndex(settings.near_duplicate_threshold, texts=texts)
        self._df: Counter[str] = Counter()
        self._n = 0
        self._stories: dict[str, _StoryState] = {}
        self._story_of: dict[str, str] = {}
        # term or entity -> story ids, in the order they last received an article with it
        self._term_index: dict[str, dict[str, None]] = {}
        self._entity_index: dict[str, dict[str, None]] = {}
        self._open: dict[
            str, None
        ] = {}  # stories a new article may still reach, the least recently fed first
        self._newest: date | None = None

    # -- state ---------------------------------------------------------------------------------
    def _index(self, state: _StoryState, feats: ArticleFeatures, text: str | None) -> None:
        state.add(feats)
        self._story_of[feats.article_id] = state.id
        self._n += 1
        self._df.update(feats.terms.keys())
        if state.vector is not None:  # update the new article's terms (the others keep their older idf)
            vec, log, df, top = state.vector, math.log, self._df.get, math.log(self._n + 1) + 1.0
            for t in feats.terms:
                weight = state.terms[t] * (top - log(df(t, 0) + 1))
                state.vector_square += weight * weight - vec.get(t, 0.0) ** 2
                vec[t] = weight
        for index, keys in ((self._term_index, feats.terms), (self._entity_index, feats.entities)):
            for key in keys:
                posting = index.setdefault(key, {})
                posting.pop(state.id, None)
                posting[state.id] = None
                if len(posting) > POSTING_SCAN:  # only the most recent are ever read: memory stays bounded
                    del posting[next(iter(posting))]
        if text is not None:  # a new article is in the index already (``add``): a stored one is put there
            self.duplicates.index(feats.article_id, text)
        self._open.pop(state.id, None)
        self._open[state.id] = None
        if feats.published and (self._newest is None or feats.published > self._newest):
            self._newest = feats.published
        if self._n % CLOSE_EVERY == 0:
            self._close_old_stories()

    def _close_old_stories(self) -> None:
        """Shrink the stories no dated article can reach any more (their last date is more than the window
        and its long extension before the newest date seen): their cached vector is dropped and their terms
        cut to CLOSED_TERMS, so memory follows the open stories, not the corpus. A late article that still
        reaches one is scored against what is left."""
        if self._newest is None:
            return
        horizon = self._newest - timedelta(days=self.window + LONG_WINDOW + 1)
        for sid in list(self._open):
            state = self._stories[sid]
            if state.last is None or state.last >= horizon:
                continue  # undated stories stay open; so do recent ones
            del self._open[sid]
            state.vector = None
            if len(state.terms) > CLOSED_TERMS:
                state.terms = Counter(dict(state.terms.most_common(CLOSED_TERMS)))

    def load(self, story_id: str, members: Iterable[tuple[ArticleFeatures, str | None]]) -> None:
        """Add an existing story and its members (features, text) to the index without re-deciding it; a
        member whose text is None stays out of the duplicate index (enough to label stories)."""
        state = self._stories.setdefault(story_id, _StoryState(story_id))
        for feats, text in members:
            if feats.article_id not in self._story_of:
                self._index(state, feats, text)

    def member_entities(self) -> dict[str, frozenset[str]]:
        """Return each indexed article's registry ids, as its features gave them."""
        return {m.article_id: m.entities for state in self._stories.values() for m in state.members}

    def set_entities(self, article_id: str, entities: frozenset[str]) -> None:
        """Give an indexed article the registry ids its names have now (after a link or a hand edit), as if it had
        been indexed with them: its story's entity profile follows, and the story is found by the new ids."""
        sid = self._story_of.get(article_id)
        if sid is None or not self._stories[sid].set_entities(article_id, entities):
            return
        for key in entities:
            posting = self._entity_index.setdefault(key, {})
            if sid not in posting:
                posting[sid] = None
                if len(posting) > POSTING_SCAN:
                    del posting[next(iter(posting))]

    # -- persistence (veille.group.state) --------------------------------------------------------
    @property
    def signature(self) -> dict[str, str | float | int]:
        """Return the version, settings and layout the grouper was built with; ``restore`` refuses a state made
        under another signature."""
        from veille.group.state import signature_of

        return signature_of(self)

    def dump(self) -> bytes:
        """Return the grouper's whole state as compact bytes (no pickle); ``restore`` reads them back."""
        from veille.group.state import dump_grouper

        return dump_grouper(self)

    @classmethod
    def restore(cls, data: bytes, settings: Settings, *, texts: TextSource | None = None) -> StoryGrouper:
        """Return the grouper ``dump`` saved, deciding exactly as it would have (``texts``: the indexed articles'
        texts, which the duplicate index reads its candidates' shingles from); raise VeilleError ``bad_state``
        when the bytes are not a state, are damaged, or were made with other settings or another version."""
        from veille.group.state import restore_grouper

        return restore_grouper(data, settings, texts=texts)

    # -- scoring -------------------------------------------------------------------------------
    def _vector(self, terms: Mapping[str, float], sublinear: bool) -> dict[str, float]:
        """Return the normalised TF-IDF vector of term counts (idf = ln((n + 1) / (df + 1)) + 1)."""
        log, df, top = math.log, self._df.get, math.log(self._n + 1) + 1.0  # locals: the hot loop of grouping
        if sublinear:
            vec = {t: (1 + log(c)) * (top - log(df(t, 0) + 1)) for t, c in terms.items() if c > 0}
        else:
            vec = {t: c * (top - log(df(t, 0) + 1)) for t, c in terms.items() if c > 0}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def _gap(self, feats: ArticleFeatures, state: _StoryState) -> int:
        """Return the days between an article's date and its story's date range (0 within it or undated)."""
        if not feats.published or not state.first or not state.last:
            return 0
        return max(0, (state.first - feats.published).days, (feats.published - state.last).days)

    def _story_vector(self, state: _StoryState) -> tuple[dict[str, float], float]:
        """Return a story's TF-IDF centroid (not normalised) and its norm, rebuilt once the corpus grew by
        STALE_GROWTH (in between, each new member updates its own terms: ``_index``)."""
        if state.vector is None or self._n > state.vector_n * STALE_GROWTH:
            log, df, top = math.log, self._df.get, math.log(self._n + 1) + 1.0
            state.vector = {t: c * (top - log(df(t, 0) + 1)) for t, c in state.terms.items()}
            state.vector_square = sum(v * v for v in state.vector.values())
            state.vector_n = self._n
        return state.vector, math.sqrt(max(state.vector_square, 0.0)) or 1.0

    def score(
        self, feats: ArticleFeatures, story_id: str, article_vec: dict[str, float] | None = None
    ) -> float:
        """Return the similarity of an article to a story: TF-IDF cosine to the centroid, weighed with the
        cosine of its entities to the story's entity counts (``article_vec``: the article's vector, if built)."""
        state = self._stories[story_id]
        if article_vec is None:
            article_vec = self._vector(feats.terms, sublinear=True)
        story_vec, norm = self._story_vector(state)
        cosine = sum(w * story_vec.get(t, 0.0) for t, w in article_vec.items()) / norm
        if not feats.entities or not state.entities:
            return cosine  # nothing to compare on the entity side: the text decides alone
        # cosine of the article's entity set to the story's entity counts: a big story is not favoured
        dot = sum(state.entities.get(e, 0) for e in feats.entities)
        overlap = dot / (math.sqrt(len(feats.entities)) * state.entity_norm())
        return TEXT_WEIGHT * cosine + (1 - TEXT_WEIGHT) * overlap

    def candidates(self, feats: ArticleFeatures) -> list[str]:
        """Return the ids of stories sharing the article's rarest terms or entities, most shared first.

        Bounded: each term or entity reads its POSTING_SCAN most recently fed stories; those out of reach
        of the time window are dropped; MAX_CANDIDATES kept.
        """
        rare = sorted((t for t in feats.terms if self._df.get(t, 0) > 0), key=lambda t: (self._df[t], t))
        hits: Counter[str] = Counter()
        for key, index in [(t, self._term_index) for t in rare[:QUERY_TERMS]] + [
            (e, self._entity_index) for e in sorted(feats.entities)
        ]:
            hits.update(islice(reversed(index.get(key, {})), POSTING_SCAN))
        reachable = [
            (sid, n)
            for sid, n in hits.items()
            if self._gap(feats, self._stories[sid]) <= self.window + LONG_WINDOW
        ]
        return [sid for sid, _ in sorted(reachable, key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]]

    # -- decisions -----------------------------------------------------------------------------
    def add(self, feats: ArticleFeatures, text: str) -> tuple[str, list[DuplicateLink]]:
        """Place a new article: return the id of the story it joins or founds, and its duplicate links."""
        if feats.article_id in self._story_of:
            return self._story_of[feats.article_id], []
        links = self.duplicates.add(feats.article_id, text)
        target = None
        # a copy joins the story of the article it copies most closely, when that story is within reach in time
        # (a copy republished months later is a new telling, grouped on its merits)
        copied = sorted(
            (link for link in links if link.other_id in self._story_of),
            key=lambda link: (-link.similarity, link.other_id),
        )
        for link in copied:
            if self._gap(feats, self._stories[self._story_of[link.other_id]]) <= self.window:
                target = self._story_of[link.other_id]
                break
        if target is None:
            best, best_score = None, self.threshold
            article_vec = self._vector(feats.terms, sublinear=True)
            for sid in self.candidates(feats):
                state = self._stories[sid]
                gap = self._gap(feats, state)
                s = self.score(feats, sid, article_vec)
                if gap > self.window and s < LONG_BAR:
                    continue
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
        """Return the Story object for a story id, labelled by its most central article's title.

        Central: the member whose most frequent terms weigh most in the story's TF-IDF centroid."""
        state = self._stories[story_id]
        centroid = self._vector(state.terms, sublinear=False)

        def centrality(m: Member) -> float:
            vec = self._vector(m.terms, sublinear=True)
            return sum(w * centroid.get(t, 0.0) for t, w in vec.items())

        central = max(state.members, key=centrality)
        return Story(
            id=story_id,
            label=central.title[:120],
            articles=tuple(m.article_id for m in state.members),
            outlets=tuple(sorted({m.outlet for m in state.members if m.outlet})),
            first_seen=state.first,
            last_seen=state.last,
            grouper=GROUPER_VERSION,
        )
