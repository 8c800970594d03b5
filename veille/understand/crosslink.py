"""The link step: cross-article entity links, decided by ``linking`` over what the store holds (docs/architecture.md).

For the articles pending ``link`` (analysed since, or linked by another ``LINKER_VERSION``), the step writes
each name's index keys and the seed keys that reach it, then decides again every full name the seeds reach (and
those of the link queue: names that were linked because of an analysis since replaced or dropped), a few rounds
of key look-ups deep, and stores the links. Every name reached is decided on the stored set of names, so the
registry does not depend on the order articles arrive in; the store only persists (``Store`` primitives).

A one-word person name ("Goïta") is decided per article, on the full names its word can reach. The step decides
its uses in the new articles, and decides all its stored uses again only when those full names changed in a way
its decision reads (``surname_state``): a name used in 10,000 articles costs its new uses, not 10,000 decisions,
and the links stay those a decision of every use would make.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from veille.model import ArticleName, EntityKey, Link
from veille.understand import linking

if TYPE_CHECKING:
    from veille.store.base import Store

logger = logging.getLogger(__name__)

LINKER_VERSION = "veille-linker 1 (surnames, spelling variants, acronyms; 4 rounds of keys)"
LINK_ROUNDS = 4  # rounds of key look-ups when gathering the names the seeds may relink
_BATCH = 500  # articles whose names are read at once


@dataclass(frozen=True, slots=True)
class LinkReport:
    """What one link step did: the articles it linked, the names it decided, the links it holds."""

    articles: tuple[str, ...] = ()
    names: int = 0
    links: int = 0


def link_entities(
    store: Store,
    *,
    retry_failed: bool = False,
    pending: Sequence[str] | None = None,
    version: str = LINKER_VERSION,
) -> LinkReport:
    """Link the names of the articles pending ``link`` at ``version`` (``pending``: these, as ``Store.pending``
    gave them) and re-decide every name their keys (or the link queue) reach; stamp the articles ``version``.

    One transaction: the keys, the links and the version stamps are written together or not at all.
    """
    if pending is None:
        pending = store.pending("link", version, retry_failed=retry_failed)
    with store.transaction():
        queued = store.link_queue()
        if not pending and not queued:
            return LinkReport()
        seeds = set(queued)
        new_uses: set[tuple[str, str]] = set()
        for start in range(0, len(pending), _BATCH):
            batch = pending[start : start + _BATCH]
            names: dict[str, list[ArticleName]] = {article: [] for article in batch}
            for name in store.article_names(batch):
                names[name.article_id].append(name)
            written: dict[str, tuple[list[EntityKey], set[str]]] = {}
            for article in batch:
                keys, reach, held = article_keys(names[article])
                written[article] = (keys, held)
                seeds |= reach
                new_uses |= {(article, k.entity_id) for k in keys if k.key.startswith("p1:")}
            store.put_entity_keys(written)
        decided, links = relink(store, seeds, new_uses, version)
        store.mark_linked(pending, version)
        store.clear_link_queue(queued)
    logger.info("linked %d article(s): %d name(s) decided, %d linked", len(pending), decided, links)
    return LinkReport(tuple(pending), decided, links)


def article_keys(names: Iterable[ArticleName]) -> tuple[list[EntityKey], set[str], set[str]]:
    """Return an article's index keys, the seed keys of its named names (decided now) and the seed keys of all
    its names (stored, to be decided again when the analysis goes).

    A name described but never named ("le chef de la diplomatie malienne") has no index key: nothing to link.
    """
    keys: list[EntityKey] = []
    reach: set[str] = set()
    held: set[str] = set()
    for name in names:
        seeds = linking.seed_keys(name.type, name.name, name.texts)
        held |= seeds
        if name.has_mentions and not name.texts:
            continue
        keys.extend(
            EntityKey(key, name.entity_id, name.article_id, name.type)
            for key in linking.index_keys(name.type, name.name, name.texts)
        )
        reach |= seeds
    return keys, reach, held


def relink(
    store: Store,
    seeds: Iterable[str],
    new_uses: Iterable[tuple[str, str]] = (),
    version: str = LINKER_VERSION,
) -> tuple[int, int]:
    """Decide again the links of every full name reachable from these index keys, and of the one-word names'
    uses in ``new_uses`` (article id, entity id); all the uses of a one-word name whose state changed; store them.

    Returns how many names were decided and how many of them are linked.
    """
    full, singles = gather_names(store, set(seeds))
    if not full and not singles:
        return 0, 0
    nodes = store.name_nodes(sorted(full))
    links = linking.cluster_names(nodes)
    candidates = SurnameCandidates(linking.build_clusters(nodes, links))
    states = {ident: surname_state(words, candidates, version) for ident, words in singles.items()}
    stored = store.surname_states(sorted(states))
    changed = sorted(ident for ident, state in states.items() if stored.get(ident) != state)
    uses = {use for use in new_uses if use[1] in singles}
    if changed:
        keys = sorted({f"p1:{word}" for ident in changed for word in singles[ident]})
        redo = set(changed)
        uses |= {
            (row.article_id, row.entity_id) for row in store.find_entity_keys(keys) if row.entity_id in redo
        }
    desired: dict[tuple[str, str], Link | None] = {("", ident): links.get(ident) for ident in full}
    for use in store.surname_uses(sorted(uses)):
        tokens = linking.name_tokens(use.name)
        found = candidates.of(tokens[0]) if len(tokens) == 1 else []
        desired[(use.article_id, use.entity_id)] = linking.link_surname(use, found)
    store.put_links(desired)
    store.put_surname_states({ident: states[ident] for ident in changed})
    logger.debug("one-word names: %d reached, %d decided again in every article", len(states), len(changed))
    return len(desired), sum(link is not None for link in desired.values())


class SurnameCandidates:
    """The person clusters a one-word name may join, by word: those with a member (of two words or more) holding
    the word, or whose surname is a close spelling variant of it (a superset of ``linking.candidate_clusters``
    for any use of the word, whatever its article's evidence)."""

    def __init__(self, clusters: Sequence[linking.Cluster]) -> None:
        self._by_token: dict[str, dict[int, linking.Cluster]] = {}
        self._by_skeleton: dict[str, dict[int, linking.Cluster]] = {}
        self._found: dict[str, list[linking.Cluster]] = {}
        for n, cluster in enumerate(clusters):
            if cluster.canonical.type != linking.PERSON:
                continue
            for member in cluster.members:
                tokens = linking.name_tokens(member.name)
                if len(tokens) < 2:
                    continue
                for token in tokens:
                    self._by_token.setdefault(token, {})[n] = cluster
                self._by_skeleton.setdefault(linking.skeleton(tokens[-1]), {})[n] = cluster

    def of(self, word: str) -> list[linking.Cluster]:
        """Return the clusters a use of ``word`` may join, in a fixed order."""
        if word not in self._found:
            found = dict(self._by_token.get(word, {}))
            for n, cluster in self._by_skeleton.get(linking.skeleton(word), {}).items():
                if n not in found and any(_surname_variant(word, m.name) for m in cluster.members):
                    found[n] = cluster
            self._found[word] = [found[n] for n in sorted(found)]
        return self._found[word]


def _surname_variant(word: str, name: str) -> bool:
    tokens = linking.name_tokens(name)
    return (
        len(tokens) >= 2
        and linking.is_spelling_variant(word, tokens[-1])
        and linking.similarity(word, tokens[-1]) >= linking.MIN_SURNAME_SIMILARITY
    )


def surname_state(words: Iterable[str], candidates: SurnameCandidates, version: str) -> str:
    """Return a digest of what ``linking.link_surname`` reads of the clusters for the uses of these words.

    One candidate cluster: its canonical id and name, and whether every use may join it (a member's surname is
    the word or a close variant) or only those naming a member holding the word (their ids). Several: also every
    member, their offices and co-occurring entities. Equal states give every use the same decision.
    """
    parts: list[object] = [version]
    for word in sorted(words):
        found = candidates.of(word)
        parts.append(word)
        if len(found) == 1:
            cluster = found[0]
            always = any(_surname_variant(word, m.name) for m in cluster.members)
            here = sorted(
                m.entity_id
                for m in cluster.members
                if len(tokens := linking.name_tokens(m.name)) >= 2 and word in tokens
            )
            parts.append((cluster.canonical.entity_id, cluster.canonical.name, always or here))
            continue
        for cluster in found:
            parts.append(
                (
                    cluster.canonical.entity_id,
                    cluster.canonical.name,
                    sorted((m.entity_id, m.name) for m in cluster.members),
                    sorted((o.function, o.country or "") for o in cluster.offices),
                    sorted(cluster.context),
                )
            )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def gather_names(store: Store, seeds: set[str]) -> tuple[set[str], dict[str, set[str]]]:
    """Return the full names (analyser ids) and the one-word person names (analyser id: their words) the keys
    reach, ``LINK_ROUNDS`` rounds deep; each key is looked up once per step, in batches, through per-entity
    counts (a name of many articles costs one row)."""
    full: set[str] = set()
    singles: dict[str, set[str]] = {}
    asked: set[str] = set()
    todo = set(seeds)
    for _ in range(LINK_ROUNDS):
        todo -= asked
        if not todo:
            break
        asked |= todo
        # one-word person names ("p1" keys) are decided per article; every other key is a full name's
        single_keys = sorted(k for k in todo if k.startswith("p1"))
        other_keys = sorted(k for k in todo if not k.startswith("p1"))
        new_full = {row.entity_id for row in store.keyed_entities(other_keys)} if other_keys else set()
        found = (
            sorted({row.entity_id for row in store.keyed_entities(single_keys)} - singles.keys())
            if single_keys
            else []
        )
        todo = set()
        if found:
            for ident in found:
                singles.setdefault(ident, set())
            for row in store.entity_keys_of(found):
                if row.key.startswith("p1:"):
                    singles.setdefault(row.entity_id, set()).add(row.key[3:])
            for ident in found:
                for word in singles.get(ident, ()):
                    todo |= linking.query_keys(linking.PERSON, word)
            # the full names that hold the word in an article using it (a first name alone: "Alberto")
            new_full |= {ident for _, ident in store.full_names_near(found)}
        new_full -= full
        full |= new_full
        if new_full:
            own = {row.key for row in store.entity_keys_of(sorted(new_full))}
            # a full name's own keys reach its variants and its one-word uses ("p:" keys reach only full names
            # sharing a first name, which never link on that alone)
            todo |= {k for k in own if not k.startswith("p:")}
            todo |= {"p1:" + k[2:] for k in own if k.startswith("p:")}
            todo |= {"p1s:" + k[3:] for k in own if k.startswith("ps:")}
    if todo - asked:
        logger.debug("entity links: %d key(s) left after %d rounds", len(todo - asked), LINK_ROUNDS)
    return full, singles
