"""Regrouping: re-cluster the stories of a time range at once, keeping story ids for articles that stay.

The online grouper (``stories.py``) decides each article as it arrives and never revisits it; with the whole
range in hand, average-linkage clustering over article pairs does better on long-running stories (it joins
two halves that the first articles kept apart). The pairs come from a sparse TF-IDF product (each article's
REGROUP_NEIGHBOURS most similar, never all pairs kept); two clusters merge while their average pair similarity
(pairs not kept count as 0) is at least the threshold and their date ranges lie within ``reach_days``. Copies
(duplicate links) start in one cluster when their dates are within ``copy_days``.

Stable ids: each new cluster takes the id of the old story it shares the most articles with (the biggest
overlaps served first, each old id once); the others take the founding id of their earliest member.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, count

import numpy as np
from scipy import sparse

from veille.group.stories import ArticleFeatures, story_id_for

REGROUP_NEIGHBOURS = 30  # most similar articles kept per article
PAIR_FLOOR = 0.02  # pairs less similar than this are not kept (they count as 0 in the averages)
CHUNK = 512  # articles per block of the sparse product


@dataclass(slots=True)
class _Cluster:
    members: list[int]
    first: date | None
    last: date | None
    sums: dict[int, float] = field(default_factory=dict)  # other cluster -> sum of its pair similarities
    version: int = 0


def _gap(a: _Cluster, b: _Cluster) -> int:
    if not (a.first and a.last and b.first and b.last):
        return 0
    return max(0, (b.first - a.last).days, (a.first - b.last).days)


def similarity_pairs(features: Sequence[ArticleFeatures]) -> dict[tuple[int, int], float]:
    """Return the kept article pairs (i < j) with their TF-IDF cosine (sublinear tf, idf over ``features``)."""
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
    matrix = sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)
    transposed = matrix.T.tocsr()
    pairs: dict[tuple[int, int], float] = {}
    for start in range(0, n, CHUNK):
        block = (matrix[start : start + CHUNK] @ transposed).tocsr()
        for r in range(block.shape[0]):
            i = start + r
            lo, hi = block.indptr[r], block.indptr[r + 1]
            idx, sims = block.indices[lo:hi], block.data[lo:hi]
            keep = (idx != i) & (sims >= PAIR_FLOOR)
            idx, sims = idx[keep], sims[keep]
            if len(idx) > REGROUP_NEIGHBOURS:
                top = np.argpartition(-sims, REGROUP_NEIGHBOURS)[:REGROUP_NEIGHBOURS]
                idx, sims = idx[top], sims[top]
            for j, s in zip(idx.tolist(), sims.tolist(), strict=True):
                pairs[(min(i, j), max(i, j))] = s
    return pairs


def recluster(
    features: Sequence[ArticleFeatures],
    *,
    threshold: float,
    reach_days: int,
    copies: Iterable[tuple[str, str]] = (),
    copy_days: int = 0,
) -> list[list[str]]:
    """Return clusters of article ids: constrained average linkage over the kept pairs (see the module doc).

    Clusters come largest first, each in the order of ``features``.
    """
    clusters = _seed_clusters(features, copies, copy_days)
    owner = {i: key for key, c in clusters.items() for i in c.members}
    for (i, j), s in similarity_pairs(features).items():
        a, b = owner[i], owner[j]
        if a != b:
            clusters[a].sums[b] = clusters[a].sums.get(b, 0.0) + s
            clusters[b].sums[a] = clusters[b].sums.get(a, 0.0) + s
    _merge(clusters, threshold, reach_days)
    out = sorted((sorted(c.members) for c in clusters.values()), key=lambda m: (-len(m), m[0]))
    return [[features[i].article_id for i in m] for m in out]


def _seed_clusters(
    features: Sequence[ArticleFeatures], copies: Iterable[tuple[str, str]], copy_days: int
) -> dict[int, _Cluster]:
    """Return the starting clusters: one per article, copies dated within ``copy_days`` together."""
    position = {f.article_id: i for i, f in enumerate(features)}
    parent = list(range(len(features)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for one, two in copies:
        if one not in position or two not in position:
            continue
        i, j = position[one], position[two]
        di, dj = features[i].published, features[j].published
        if di and dj and abs((di - dj).days) > copy_days:
            continue
        ri, rj = root(i), root(j)
        parent[max(ri, rj)] = min(ri, rj)
    clusters: dict[int, _Cluster] = {}
    for i, f in enumerate(features):
        c = clusters.setdefault(root(i), _Cluster([], None, None))
        c.members.append(i)
        if f.published:
            c.first = min(c.first or f.published, f.published)
            c.last = max(c.last or f.published, f.published)
    return clusters


def _merge(clusters: dict[int, _Cluster], threshold: float, reach_days: int) -> None:
    """Merge clusters in place, the highest average similarity first, while it is at least ``threshold``
    and their date ranges lie within ``reach_days`` (a heap of candidate pairs, stale entries skipped)."""
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        ca, cb = clusters[a], clusters[b]
        avg = ca.sums[b] / (len(ca.members) * len(cb.members))
        if avg >= threshold:
            heapq.heappush(heap, (-avg, a, b, ca.version, cb.version))

    for a, c in clusters.items():
        for b in c.sums:
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
        cbig.first = min((d for d in (cbig.first, csmall.first) if d), default=None)
        cbig.last = max((d for d in (cbig.last, csmall.last) if d), default=None)
        cbig.sums.pop(small, None)
        for other, s in csmall.sums.items():
            if other != big:
                cbig.sums[other] = cbig.sums.get(other, 0.0) + s
                co = clusters[other]
                co.sums[big] = co.sums.get(big, 0.0) + co.sums.pop(small)
        cbig.version += 1
        for other in cbig.sums:
            push(big, other)


def stable_ids(clusters: Sequence[Sequence[str]], old_story_of: Mapping[str, str]) -> dict[str, list[str]]:
    """Name each cluster: the old story id it shares the most articles with, each old id used once (biggest
    overlaps first); else the founding id of one of its members, or a spare one, not already taken. Returns
    id -> members."""
    overlaps = sorted(
        (
            (-n, old, k)
            for k, members in enumerate(clusters)
            for old, n in Counter(old_story_of[a] for a in members if a in old_story_of).items()
        ),
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
            spare = (story_id_for(f"{members[0]}#{n}") for n in count(1))  # its founder's id is taken
            sid = next(s for s in chain(fresh, spare) if s not in taken)
            taken.add(sid)
        out[sid] = list(members)
    return out
