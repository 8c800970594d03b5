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
from datetime import date
from typing import TYPE_CHECKING

from veille.model import ArticleName, EntityKey, Link, Office, OfficeKey
from veille.understand import linking, role_links
from veille.understand.office_holders import holders_of, is_named

if TYPE_CHECKING:
    from veille.store.base import Store

logger = logging.getLogger(__name__)

LINKER_VERSION = (
    "veille-linker 2 (surnames, spelling variants, acronyms; 4 rounds of keys; roles across articles)"
)
LINK_ROUNDS = 4  # rounds of key look-ups when gathering the names the seeds may relink
_BATCH = 500  # articles whose names are read at once


@dataclass(frozen=True, slots=True)
class LinkReport:
    """What one link step did: the articles it linked, the names it decided, the links it holds."""

    articles: tuple[str, ...] = ()
    names: int = 0
    links: int = 0
    roles: int = 0  # descriptions linked to the holder of their office read in another article


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
        seeds = {k for k in queued if not role_links.is_office_key(k)}
        offices = {k for k in queued if role_links.is_office_key(k)}
        new_uses: set[tuple[str, str]] = set()
        for start in range(0, len(pending), _BATCH):
            batch = pending[start : start + _BATCH]
            names: dict[str, list[ArticleName]] = {article: [] for article in batch}
            for name in store.article_names(batch):
                names[name.article_id].append(name)
            days = store.article_days(batch)
            written: dict[str, tuple[list[EntityKey], set[str]]] = {}
            for article in batch:
                keys, reach, held = article_keys(names[article], days.get(article))
                written[article] = (keys, held)
                seeds |= reach
                new_uses |= {(article, k.entity_id) for k in keys if k.key.startswith("p1:")}
                offices |= {k.key for k in keys if role_links.is_office_key(k.key)}
            store.put_entity_keys(written)
        decided, links, moved = relink(store, seeds, new_uses, version)
        # a person whose registry id the names' links moved: the descriptions linked to them follow
        offices |= {k.key for k in store.entity_keys_of(sorted(moved)) if k.key.startswith(role_links.HOLDS)}
        roles = link_roles(store, offices)
        store.mark_linked(pending, version)
        store.clear_link_queue(queued)
    logger.info(
        "linked %d article(s): %d name(s) decided, %d linked, %d description(s) by an office read elsewhere",
        len(pending),
        decided,
        links,
        roles,
    )
    return LinkReport(tuple(pending), decided, links, roles)


def article_keys(
    names: Iterable[ArticleName], day: date | None = None
) -> tuple[list[EntityKey], set[str], set[str]]:
    """Return an article's index keys, the seed keys of its named names (decided now) and the seed keys of all
    its names (stored, to be decided again when the analysis goes).

    A name described but never named ("le chef de la diplomatie malienne") has no name key: its office key
    (``role_links``; the article's ``day`` is in it, none without one) finds the person holding that office in
    other articles. Office keys are seeds of no name.
    """
    keys: list[EntityKey] = []
    reach: set[str] = set()
    held: set[str] = set()
    for name in names:
        offices = role_links.held_keys(name, day) | role_links.asked_keys(name, day)
        keys.extend(EntityKey(key, name.entity_id, name.article_id, name.type) for key in sorted(offices))
        held |= offices  # a dropped analysis queues them: the descriptions they decided are decided again
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
) -> tuple[int, int, set[str]]:
    """Decide again the links of every full name reachable from these index keys, and of the one-word names'
    uses in ``new_uses`` (article id, entity id); all the uses of a one-word name whose state changed; store them.

    Returns how many names were decided, how many of them are linked, and the names whose link changed.
    """
    full, singles = gather_names(store, set(seeds))
    if not full and not singles:
        return 0, 0, set()
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
    before = store.stored_links(list(desired))
    moved = {
        ident
        for (article, ident), link in desired.items()
        if before.get((article, ident)) != (link.target_id if link is not None else None)
    }
    store.put_links(desired)
    store.put_surname_states({ident: states[ident] for ident in changed})
    logger.debug("one-word names: %d reached, %d decided again in every article", len(states), len(changed))
    return len(desired), sum(link is not None for link in desired.values()), moved


def link_roles(store: Store, keys: Iterable[str]) -> int:
    """Decide again, for each office these ``oh:``/``oa:`` keys name, the link of every described-only person of
    that office to its holder on the article's day (``role_links.choose_holder``); store them per article.

    Returns how many descriptions are linked. Reads the office's attestations through the key index, never the
    whole registry.
    """
    asked: set[str] = set()
    for key in keys:
        # a new or gone attestation decides again the descriptions of the years around it
        if key.startswith(role_links.HOLDS):
            asked.update(role_links.nearby_keys(role_links.ASKS, key))
        elif key.startswith(role_links.ASKS):
            asked.add(key)
    askers = store.find_entity_keys(sorted(asked)) if asked else []
    if not askers:
        return 0
    holders = store.find_entity_keys(
        sorted({k for row in askers for k in role_links.nearby_keys(role_links.HOLDS, row.key)})
    )
    days = store.article_days({row.article_id for row in (*askers, *holders)})
    lids = store.linked_ids({(row.article_id, row.entity_id) for row in holders})
    seen: dict[OfficeKey, list[tuple[role_links.Attestation, str]]] = {}
    for row in holders:
        day, lid = days.get(row.article_id), lids.get((row.article_id, row.entity_id))
        if day is not None and lid is not None:
            seen.setdefault(role_links.key_office(row.key)[0], []).append(
                (role_links.Attestation(lid, row.article_id, day), row.entity_id)
            )
    for found in seen.values():
        found.sort(key=lambda pair: (pair[0].day, pair[0].article_id, pair[0].target_id))
    attested = {office: [a for a, _ in found] for office, found in seen.items()}
    # the list of office holders, where it has a term on an asker's day, says which attested person may be chosen
    listed = {
        (office, day): holders_of(Office(office.function, "", -1, -1, country=office.country), day)
        for office, day in {(role_links.key_office(row.key)[0], days.get(row.article_id)) for row in askers}
        if day is not None and office in seen
    }
    wanted = {ident for (office, _), terms in listed.items() if terms for _, ident in seen[office]}
    names = {node.entity_id: node.name for node in store.name_nodes(sorted(wanted))} if wanted else {}
    desired: dict[tuple[str, str], Link | None] = {}
    for row in askers:
        office = role_links.key_office(row.key)[0]
        day = days.get(row.article_id)
        found = seen.get(office, [])
        terms = listed.get((office, day)) if day is not None else None
        allowed = (
            {
                a.target_id
                for a, ident in found
                if ident in names and any(is_named(h, [names[ident]]) for h in terms)
            }
            if terms
            else None
        )
        desired[(row.article_id, row.entity_id)] = role_links.choose_holder(
            office, day, attested.get(office, []), article_id=row.article_id, allowed=allowed
        )
    store.put_links(desired)
    return sum(link is not None for link in desired.values())


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
            # (office keys are no name's: link_roles reads them)
            own = {
                row.key
                for row in store.entity_keys_of(sorted(new_full))
                if not role_links.is_office_key(row.key)
            }
            # a full name's own keys reach its variants and its one-word uses ("p:" keys reach only full names
            # sharing a first name, which never link on that alone)
            todo |= {k for k in own if not k.startswith("p:")}
            todo |= {"p1:" + k[2:] for k in own if k.startswith("p:")}
            todo |= {"p1s:" + k[3:] for k in own if k.startswith("ps:")}
    if todo - asked:
        logger.debug("entity links: %d key(s) left after %d rounds", len(todo - asked), LINK_ROUNDS)
    return full, singles
