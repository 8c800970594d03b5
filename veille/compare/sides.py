"""A story's sources side by side: what each says, the entities and quotes each has, what only one names.

Built from the stored outputs of the earlier stages (articles, analyses, duplicate links), never from
a new pass over the text. Copies (exact, near or syndicated duplicates) count as one source.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from veille.group.copies import copy_groups
from veille.model import Analysis, Article, ComparisonSide, DuplicateLink

LEAD_CHARS = 400
ENTITY_TYPES = ("PER", "ORG", "LOC")


def lead_of(article: Article) -> str:
    """Return the article's lead: its first body paragraph (after the title), cut near LEAD_CHARS."""
    paragraphs = [p.strip() for p in article.text.split("\n\n") if p.strip()]
    if paragraphs and article.title and paragraphs[0] == article.title.strip():
        paragraphs = paragraphs[1:]
    lead = " ".join(paragraphs[:2])
    if len(lead) <= LEAD_CHARS:
        return lead
    cut = lead.rfind(" ", 0, LEAD_CHARS)
    return lead[: cut if cut > 0 else LEAD_CHARS] + " …"


def _entity_names(analysis: Analysis | None) -> dict[str, str]:
    if analysis is None:
        return {}
    return {e.entity_id: e.name for e in analysis.entities if e.type in ENTITY_TYPES}


def copies_in(articles: Sequence[Article], duplicates: Sequence[DuplicateLink]) -> dict[str, str]:
    """Return each copy among the articles -> the earliest article of its copy group (``copy_groups``)."""
    order = {a.id: i for i, a in enumerate(articles)}
    copy_of: dict[str, str] = {}
    for members in copy_groups(((d.article_id, d.other_id) for d in duplicates), within=order).values():
        first, *later = sorted(members, key=order.__getitem__)
        copy_of.update(dict.fromkeys(later, first))
    return copy_of


def build_sides(
    articles: Sequence[Article], analyses: Mapping[str, Analysis | None], copy_of: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[ComparisonSide, ...]]:
    """Return the names every source gives and one side per article (a copy shows what it copies)."""
    names = {a.id: _entity_names(analyses.get(a.id)) for a in articles}
    sources = [a for a in articles if a.id not in copy_of]
    presence = Counter(eid for a in sources for eid in names[a.id])
    all_names = {eid: name for a in articles for eid, name in names[a.id].items()}
    shared = tuple(
        sorted(all_names[e] for e, n in presence.items() if n == len(sources) and len(sources) > 1)
    )
    sides = []
    for article in articles:
        analysis = analyses.get(article.id)
        own = names[article.id]
        only = () if article.id in copy_of else tuple(sorted(own[e] for e in own if presence[e] == 1))
        sides.append(
            ComparisonSide(
                article_id=article.id,
                outlet=article.outlet,
                title=article.title,
                published=article.published,
                lead=lead_of(article),
                entities=tuple(sorted(own.values())),
                only_entities=only if len(sources) > 1 else (),
                quotes=analysis.quotes if analysis else (),
                times=analysis.times if analysis else (),
                duplicate_of=copy_of.get(article.id),
            )
        )
    return shared, tuple(sides)
