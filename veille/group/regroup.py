"""Regrouping: re-cluster the stories of a time range at once, keeping story ids for articles that stay.

The online grouper (``stories.py``) decides each article as it arrives and never revisits it; with the whole
range in hand, average-linkage clustering does better on long-running stories (it joins two halves that the
first articles kept apart). Each article is a unit TF-IDF vector (sublinear tf, idf over the range); the
average similarity of two clusters is the dot product of their summed vectors over the product of their
sizes, computed exactly. Which clusters are compared comes from a sparse product restricted to articles
within ``reach_days`` of each other (each article's REGROUP_NEIGHBOURS most similar above PAIR_FLOOR,
terms in more than a twentieth of a big range left out of that product): never all pairs. Two clusters
merge, the most similar first, while their average is at least the threshold and their date ranges lie
within ``reach_days``. Copies (duplicate links) start in one cluster when their dates are within
``copy_days``.

Stable ids: each new cluster takes the id of the old story it shares the most articles with (the biggest
overlaps served first, each old id once); the others take the founding id of one of their members, or a
spare one, that no story uses.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain, count

import numpy as np
from scipy import sparse

from veille.group.copies import copy_groups
from veille.group.stories import ArticleFeatures, story_id_for

REGROUP_NEIGHBOURS = 30  # most similar articles proposed per article (the averages use every pair)
PAIR_FLOOR = 0.02  # pairs less similar than this are not proposed
COMMON_SHARE = 20  # terms in more than 1/COMMON_SHARE of the articles are left out of the proposals ...
COMMON_MIN = 200  # ... when that is more than this many articles
CHUNK = 512  # articles per block of the sparse product


@dataclass(slots=True)
class _Cluster:
    members: list[int]
    vector: dict[int, float]  # sum of its members' unit TF-IDF vectors (term id -> weight)
    first: date | None
    last: date | None
    neighbours: set[int] = field(default_factory=set)  # clusters proposed for comparison
    version: int = 0


def _gap(a: _Cluster, b: _Cluster) -> int:
    if not (a.first and a.last and b.first and b.last):
        return 0
    return max(0, (b.first - a.last).days, (a.first - b.last).days)


def _dot(a: dict[int, float], b: dict[int, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum(w * get(t, 0.0) for t, w in a.items())


def tfidf_rows(features: Sequence[ArticleFeatures]) -> sparse.csr_matrix:
    """Return the articles' unit TF-IDF vectors as CSR rows (sublinear tf, idf = ln((n+1)/(df+1)) + 1)."""
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, f in enumerate(features):
        for term, n_term in f.terms.items():
            rows.append(i)
            cols.append(vocab.setdefault(term, len(vocab)))
            vals.append(1.0 + math.log(n_term))
    n = len(features)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float64)
    df = np.bincount(matrix.indices, minlength=len(vocab))
    matrix = matrix @ sparse.diags(np.log((n + 1) / (df + 1)) + 1.0)
    norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def proposed_pairs(
    matrix: sparse.csr_matrix, dates: Sequence[date | None], reach_days: int
) -> dict[tuple[int, int], float]:
    """Return the pairs (i < j) worth comparing, with their cosine: each article's REGROUP_NEIGHBOURS most
    similar above PAIR_FLOOR among the articles dated within ``reach_days`` of it (undated: all)."""
    n = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    common = df > max(COMMON_MIN, n // COMMON_SHARE)
    if common.any():
        matrix = matrix @ sparse.diags((~common).astype(np.float64))
    dated = sorted((d, i) for i, d in enumerate(dates) if d is not None)
    undated = [i for i, d in enumerate(dates) if d is None]
    day_list = [d for d, _ in dated]
    pairs: dict[tuple[int, int], float] = {}

    def propose(rows: list[int], columns: list[int]) -> None:
        if not rows or not columns:
            return
        block = (matrix[rows] @ matrix[columns].T).tocsr()
        cols = np.asarray(columns)
        for r, i in enumerate(rows):
            lo, hi = block.indptr[r], block.indptr[r + 1]
            idx, sims = cols[block.indices[lo:hi]], block.data[lo:hi]
            keep = (idx != i) & (sims >= PAIR_FLOOR)
            idx, sims = idx[keep], sims[keep]
            if len(idx) > REGROUP_NEIGHBOURS:
                top = np.argpartition(-sims, REGROUP_NEIGHBOURS)[:REGROUP_NEIGHBOURS]
                idx, sims = idx[top], sims[top]
            for j, s in zip(idx.tolist(), sims.tolist(), strict=True):
                pairs[(min(i, j), max(i, j))] = s

    reach = timedelta(days=reach_days)
    for start in range(0, len(dated), CHUNK):
        chunk = dated[start : start + CHUNK]
        lo = bisect_left(day_list, chunk[0][0] - reach)
        hi = bisect_right(day_list, chunk[-1][0] + reach)
        propose([i for _, i in chunk], [i for _, i in dated[lo:hi]] + undated)
    everyone = list(range(n))
    for start in range(0, len(undated), CHUNK):
        propose(undated[start : start + CHUNK], everyone)
    return pairs


def recluster(
    features: Sequence[ArticleFeatures],
    *,
    threshold: float,
    reach_days: int,
    copies: Iterable[tuple[str, str]] = (),
    copy_days: int = 0,
) -> list[list[str]]:
    """Return clusters of article ids: average linkage with a date reach (see the module doc).

    Clusters come largest first, each in the order of ``features``.
    """
    if not features:
        return []
    matrix = tfidf_rows(features)
    clusters = _seed_clusters(features, matrix, copies, copy_days)
    owner = {i: key for key, c in clusters.items() for i in c.members}
    for i, j in proposed_pairs(matrix, [f.published for f in features], reach_days):
        a, b = owner[i], owner[j]
        if a != b:
            clusters[a].neighbours.add(b)
            clusters[b].neighbours.add(a)
    _merge(clusters, threshold, reach_days)
    out = sorted((sorted(c.members) for c in clusters.values()), key=lambda m: (-len(m), m[0]))
    return [[features[i].article_id for i in m] for m in out]


def _seed_clusters(
    features: Sequence[ArticleFeatures],
    matrix: sparse.csr_matrix,
    copies: Iterable[tuple[str, str]],
    copy_days: int,
) -> dict[int, _Cluster]:
    """Return the starting clusters: one per article, copies of one text dated within ``copy_days`` of the
    group's first together (copy groups as ``dedup.copy_groups`` makes them)."""
    position = {f.article_id: i for i, f in enumerate(features)}
    root: dict[int, int] = {}
    for members in copy_groups(copies, within=position).values():
        at = sorted(position[a] for a in members)
        first = features[at[0]].published
        for i in at:
            day = features[i].published
            if not (first and day and abs((day - first).days) > copy_days):
                root[i] = at[0]
    clusters: dict[int, _Cluster] = {}
    for i, f in enumerate(features):
        lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
        row = dict(zip(matrix.indices[lo:hi].tolist(), matrix.data[lo:hi].tolist(), strict=True))
        key = root.get(i, i)
        c = clusters.get(key)
        if c is None:
            clusters[key] = _Cluster([i], row, f.published, f.published)
            continue
        c.members.append(i)
        for t, w in row.items():
            c.vector[t] = c.vector.get(t, 0.0) + w
        if f.published:
            c.first = min(c.first or f.published, f.published)
            c.last = max(c.last or f.published, f.published)
    return clusters


def _merge(clusters: dict[int, _Cluster], threshold: float, reach_days: int) -> None:
    """Merge clusters in place, the highest average similarity first, while it is at least ``threshold``
    and their date ranges lie within ``reach_days`` (a heap of proposed pairs, stale entries skipped)."""
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        ca, cb = clusters[a], clusters[b]
        avg = _dot(ca.vector, cb.vector) / (len(ca.members) * len(cb.members))
        if avg >= threshold:
            heapq.heappush(heap, (-avg, a, b, ca.version, cb.version))

    for a, c in clusters.items():
        for b in c.neighbours:
            if a < b:
                push(a, b)
    while heap:
        _, a, b, va, vb = heapq.heappop(heap)
        ca, cb = clusters.get(a), clusters.get(b)
        if ca is None or cb is None or ca.version != va or cb.version != vb:
            continue  # stale: one of them merged since
        if _gap(ca, cb) > reach_days:
            continue  # pushed again if either grows towards the other
        big, small = (a, b) if len(ca.members) >= len(cb.members) else (b, a)
        cbig, csmall = clusters[big], clusters.pop(small)
        cbig.members += csmall.members
        for t, w in csmall.vector.items():
            cbig.vector[t] = cbig.vector.get(t, 0.0) + w
        cbig.first = min((d for d in (cbig.first, csmall.first) if d), default=None)
        cbig.last = max((d for d in (cbig.last, csmall.last) if d), default=None)
        for other in csmall.neighbours:
            if other != big:
                nb = clusters[other].neighbours
                nb.discard(small)
                nb.add(big)
                cbig.neighbours.add(other)
        cbig.neighbours.discard(small)
        cbig.version += 1
        for other in cbig.neighbours:
            push(big, other)


def stable_ids(
    clusters: Sequence[Sequence[str]],
    old_story_of: Mapping[str, str],
    is_free: Callable[[str], bool] = lambda story_id: True,
) -> dict[str, list[str]]:
    """Name each cluster: the old story id it shares the most articles with, each old id used once (biggest
    overlaps first); else the founding id of one of its members, or a spare one, that is neither an old id
    nor taken outside (``is_free``: False for an id a story outside the regrouped range has). Returns
    id -> members."""
    overlaps = sorted(
        (-n, old, k)
        for k, members in enumerate(clusters)
        for old, n in Counter(old_story_of[a] for a in members if a in old_story_of).items()
    )
    named: dict[int, str] = {}
    used: set[str] = set()
    for _, old, k in overlaps:
        if k not in named and old not in used:
            named[k] = old
            used.add(old)
    taken = used | set(old_story_of.values())
    out: dict[str, list[str]] = {}
    for k, members in enumerate(clusters):
        sid = named.get(k)
        if sid is None:
            fresh = (story_id_for(a) for a in members)
            spare = (story_id_for(f"{members[0]}#{n}") for n in count(1))  # its founders' ids are taken
            sid = next(s for s in chain(fresh, spare) if s not in taken and is_free(s))
            taken.add(sid)
        out[sid] = list(members)
    return out
