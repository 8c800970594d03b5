"""The comparison of a story: sides, facts (shared by all, some, one), conflicts, framing, voices, timeline.

Everything comes from what the earlier stages stored: articles, analyses (entities, quotes, times, events),
duplicate links (copies count as one source) and the story's merged events (``group.events.story_events``); the
framing prior is word counts of the corpus (``framing.background_counts`` over stored articles).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from veille.compare import COMPARER_VERSION
from veille.compare.claims import align_claims, article_claims
from veille.compare.conflicts import (
    date_conflicts,
    event_conflicts,
    figure_conflicts,
    mark_corrections,
    role_conflicts,
)
from veille.compare.framing import aligned_mentions, framing_terms
from veille.compare.sides import build_sides, copies_in
from veille.model import (
    Analysis,
    Article,
    Claim,
    Comparison,
    DuplicateLink,
    Story,
    StoryEvent,
    TimelineEntry,
    Voice,
    VoiceCount,
)
from veille.understand.quantities import stored_quantities


def build_comparison(
    story: Story,
    articles: Sequence[Article],
    analyses: Mapping[str, Analysis | None],
    duplicates: Sequence[DuplicateLink] = (),
    events: Sequence[StoryEvent] = (),
    background: Counter[str] | None = None,
) -> Comparison:
    """Return the comparison of a story's articles (in date order); an article with no analysis gives no
    entities, quotes or events. ``background``: corpus n-gram counts for the framing prior (None: the story's
    own words stand in for the corpus)."""
    copy_of = copies_in(articles, duplicates)
    source_of = {a.id: copy_of.get(a.id, a.id) for a in articles}
    outlets = {a.id: a.outlet for a in articles}
    shared, sides = build_sides(articles, analyses, copy_of)
    story_event_of = {
        (event_id.rsplit(":", 1)[0], int(event_id.rsplit(":", 1)[1])): e.event_id
        for e in events
        for event_id in e.events
    }
    # a copy says what its original says: only the articles standing for a source give claims
    claims = [
        c
        for a in articles
        if source_of[a.id] == a.id
        for c in article_claims(a, analyses.get(a.id), story_event_of)
    ]
    facts = align_claims(claims, source_of)
    quantities = {a.id: stored_quantities(a.text, analyses.get(a.id)) for a in articles}
    conflicts = mark_corrections(
        [
            *event_conflicts(events, claims, outlets, source_of),
            *figure_conflicts(
                facts, claims, source_of, outlets, quantities, {a.id: a.published for a in articles}
            ),
            *date_conflicts(facts, outlets, analyses),
            *role_conflicts(articles, analyses, source_of),
        ]
    )
    if background is None:
        from veille.compare.framing import background_counts

        background = background_counts(a.text for a in articles)
    return Comparison(
        story_id=story.id,
        label=story.label,
        shared_entities=shared,
        sides=sides,
        comparer=COMPARER_VERSION,
        sources=len(set(source_of.values())),
        facts=tuple(facts),
        conflicts=tuple(conflicts),
        framing=tuple(framing_terms(articles, analyses, source_of, background)),
        mentions=tuple(aligned_mentions(articles, analyses, source_of)),
        voices=tuple(voices(articles, analyses, source_of)),
        timeline=tuple(timeline(events, claims)),
    )


def voices(
    articles: Sequence[Article], analyses: Mapping[str, Analysis | None], source_of: Mapping[str, str]
) -> list[Voice]:
    """Return who is quoted by which source, directly or not, and which sources never quote them; speakers
    by registry id (else their words), the most quoted first."""
    counts: dict[str, dict[str, list[tuple[str, int, int]]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, tuple[str, str | None]] = {}
    for article in articles:
        if source_of[article.id] != article.id:
            continue  # a copy quotes what its original quotes
        analysis = analyses.get(article.id)
        for q in analysis.quotes if analysis else ():
            if q.speaker is None and not q.speaker_text:
                continue
            key = (q.speaker.entity_id if q.speaker else None) or (
                q.speaker.name if q.speaker else q.speaker_text or ""
            ).lower()
            names.setdefault(
                key,
                (
                    q.speaker.name if q.speaker else q.speaker_text or key,
                    q.speaker.entity_id if q.speaker else None,
                ),
            )
            counts[key][article.id].append((q.kind, q.start, q.end))
    sources = sorted(set(source_of.values()))
    out = []
    for key, by_article in counts.items():
        name, entity_id = names[key]
        out.append(
            Voice(
                speaker=name,
                entity_id=entity_id,
                by_source=tuple(
                    VoiceCount(
                        article_id=aid,
                        outlet=next((a.outlet for a in articles if a.id == aid), None),
                        direct=sum(kind == "direct" for kind, _, _ in quotes),
                        indirect=sum(kind != "direct" for kind, _, _ in quotes),
                        spans=tuple((s, e) for _, s, e in quotes),
                    )
                    for aid, quotes in sorted(by_article.items())
                ),
                absent_from=tuple(s for s in sources if s not in by_article),
            )
        )
    out.sort(key=lambda v: (-sum(c.direct + c.indirect for c in v.by_source), v.speaker))
    return out


def timeline(events: Sequence[StoryEvent], claims: Sequence[Claim]) -> list[TimelineEntry]:
    """Return the story's events in time order (undated last), each with its sources and their sentences."""
    by_event: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        if c.event_id:
            by_event[c.event_id].append(c)
    out = []
    for e in events:
        when = next((v.value for s in e.slots if s.role == "time" for v in s.values), None)
        evidence = tuple(by_event.get(e.event_id, ()))
        detailed = e.event_id.rsplit(":", 1)[0]  # the article of its most detailed report
        label = next(
            (c.text for c in evidence if c.article_id == detailed),
            evidence[0].text if evidence else e.trigger,
        )
        out.append(
            TimelineEntry(
                when=when,
                type=e.type,
                label=label,
                event_id=e.event_id,
                sources=tuple(s.article_id for s in e.sources),
                evidence=evidence,
            )
        )
    out.sort(key=lambda t: (t.when is None, t.when or "", t.event_id))
    return out
