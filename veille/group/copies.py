"""Groups of copies from duplicate links: what "copies count as one source" means everywhere.

Pure (no models, no index): the comparison, the regrouping, a story's merged events and its count of
sources use it on stored links.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence


def copy_groups(
    links: Iterable[tuple[str, str]], within: Container[str] | None = None
) -> dict[str, list[str]]:
    """Return the groups of copies the links make (connected through any article, kept or not), each as
    its smallest id -> its members, restricted to ``within`` (when given) and to groups of two or more.

    Copies of one text are linked through the first article with that text, so two copies whose first is
    not in ``within`` are still one group.
    """
    parent: dict[str, str] = {}

    def root(a: str) -> str:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for a in sorted(parent):
        if within is None or a in within:
            groups.setdefault(root(a), []).append(a)
    return {members[0]: members for members in groups.values() if len(members) > 1}


def source_keys(article_ids: Sequence[str], links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return, per article, the article standing for its source: copies the links join count as one
    (``copy_groups``: also two copies linked only through a third article)."""
    key = {
        a: first for first, members in copy_groups(links, within=set(article_ids)).items() for a in members
    }
    return {a: key.get(a, a) for a in article_ids}


def count_sources(article_ids: Sequence[str], links: Iterable[tuple[str, str]]) -> int:
    """Return how many sources these articles are, copies counted once."""
    return len(set(source_keys(article_ids, links).values()))
