"""The link step: cross-article entity links, decided by ``linking`` over what the store holds (docs/architecture.md).

For the articles pending ``link`` (analysed since, or linked by another ``LINKER_VERSION``), the step writes
each name's index keys and the seed keys that reach it, then decides again every name the seeds reach (and
those of the link queue: names that were linked because of an analysis since replaced or dropped), a few rounds
of key look-ups deep, and stores the links. Every name reached is decided on the stored set of names, so the
registry does not depend on the order articles arrive in; the store only persists (``Store`` primitives).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from veille.model import ArticleName, EntityKey, Link, SurnameUse
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
        for start in range(0, len(pending), _BATCH):
            batch = pending[start : start + _BATCH]
            names: dict[str, list[ArticleName]] = {article: [] for article in batch}
            for name in store.article_names(batch):
                names[name.article_id].append(name)
            for article in batch:
                keys, reach, held = article_keys(names[article])
                store.put_entity_keys(article, keys, held)
                seeds |= reach
        decided, links = relink(store, seeds)
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


def relink(store: Store, seeds: Iterable[str]) -> tuple[int, int]:
    """Decide again the links of every name reachable from these index keys, and store them.

    Returns how many names were decided and how many of them are linked.
    """
    full, singles = gather_names(store, set(seeds))
    if not full and not singles:
        return 0, 0
    nodes = store.name_nodes(sorted(full))
    links = linking.cluster_names(nodes)
    clusters = linking.build_clusters(nodes, links)
    desired: dict[tuple[str, str], Link | None] = {("", ident): links.get(ident) for ident in full}
    for (article_id, ident), use in sorted(singles.items()):
        desired[(article_id, ident)] = linking.link_surname(use, clusters)
    store.put_links(desired)
    return len(desired), sum(link is not None for link in desired.values())


def gather_names(store: Store, seeds: set[str]) -> tuple[set[str], dict[tuple[str, str], SurnameUse]]:
    """Return the full names (analyser ids) and the one-word person names (per article, with their evidence)
    the keys reach, ``LINK_ROUNDS`` rounds deep; each key is looked up once per step, in batches."""
    full: set[str] = set()
    singles: dict[tuple[str, str], SurnameUse] = {}
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
            sorted(
                {(row.article_id, row.entity_id) for row in store.find_entity_keys(single_keys)}
                - singles.keys()
            )
            if single_keys
            else []
        )
        todo = set()
        words: dict[str, set[str]] = {}
        for use in store.surname_uses(found) if found else []:
            singles[(use.article_id, use.entity_id)] = use
            tokens = linking.name_tokens(use.name)
            if not tokens:
                continue
            todo |= linking.query_keys(linking.PERSON, tokens[0])
            words.setdefault(use.article_id, set()).add(f"p:{tokens[0]}")
        if words:
            # the full names of their own articles that hold the word (a first name alone: "Alberto")
            rows = store.find_entity_keys(sorted(set().union(*words.values())), article_ids=sorted(words))
            new_full |= {row.entity_id for row in rows if row.key in words.get(row.article_id, ())}
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
