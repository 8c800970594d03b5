"""The seeds against their gold: the figures issue 3 asks for, from one run of the whole pipeline.

Usage: python benchmarks/seeds.py [--json] [--gold PATH]
Runs ingest → extract → understand → group on the two bundled seeds in a temporary SQLite store and
prints, per seed: must_keep lines kept, must_drop lines remaining (listed), gold persons / places / orgs
found, persons found more than once, not_persons leaked, quotes found with the gold speaker, relative
dates resolved; and whether the two seeds form one story.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from unidecode import unidecode

from veille import pipeline
from veille.cli import sample_sources
from veille.model import article_id, content_id
from veille.settings import Settings
from veille.store import open_store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = ROOT / "tests" / "data" / "seeds-gold.json"


def norm(s: str) -> str:
    """Accent-, case-, apostrophe- and space-insensitive form used for every match."""
    return " ".join(unidecode(s).casefold().replace("’", "'").split())


def score_seed(store, aid: str, gold: dict) -> dict:  # type: ignore[no-untyped-def]
    article = store.get_article(aid)
    analysis = store.get_analysis(aid)
    text = norm(article.text)
    names = {t: [norm(e.name) for e in analysis.entities if e.type == t] for t in ("PER", "LOC", "ORG")}
    persons_found = {p: sum(norm(p).split()[-1] in n.split() for n in names["PER"]) for p in gold["persons"]}
    quotes = []
    for q in gold.get("quotes", []):
        hit = next((x for x in analysis.quotes if norm(q["starts"])[:30] in norm(x.text)), None)
        speaker = hit.speaker.name if hit and hit.speaker else None
        quotes.append(
            {
                "starts": q["starts"][:40],
                "found": hit is not None,
                "speaker": speaker,
                "right": bool(speaker and norm(q["speaker"]).split()[-1] in norm(speaker)),
            }  # fmt: skip
        )
    times = {norm(t.text): t.value for t in analysis.times}
    return {
        "title": article.title,
        "outlet": article.outlet,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "published_source": article.published_source,
        "must_keep_kept": sum(norm(k) in text for k in gold["must_keep"]),
        "must_keep": len(gold["must_keep"]),
        "must_drop_remaining": [d for d in gold["must_drop"] if norm(d) in text],
        "must_drop": len(gold["must_drop"]),
        "persons_found": sum(1 for c in persons_found.values() if c >= 1),
        "persons": len(gold["persons"]),
        "persons_more_than_once": [p for p, c in persons_found.items() if c > 1],
        "places_found": sum(norm(p) in names["LOC"] for p in gold["places"]),
        "places": len(gold["places"]),
        "orgs_found": sum(norm(o) in names["ORG"] for o in gold.get("orgs", [])),
        "orgs": len(gold.get("orgs", [])),
        "not_persons_leaked": [p for p in gold.get("not_persons", []) if norm(p) in names["PER"]],
        "quotes_found": sum(q["found"] for q in quotes),
        "quotes_right_speaker": sum(q["right"] for q in quotes),
        "quotes": len(quotes),
        "relative_dates": [
            {"text": r["text"], "gold": r["resolves_to"], "veille": times.get(norm(r["text"]))}
            for r in gold.get("relative_dates", [])
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--gold", default=str(DEFAULT_GOLD))
    args = parser.parse_args()
    gold = json.loads(Path(args.gold).read_text(encoding="utf-8"))
    seeds = {Path(p).stem: Path(p) for p in sample_sources() if Path(p).stem in gold["documents"]}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "seeds.db"))
        settings = Settings()
        pipeline.ingest(store, [str(p) for p in seeds.values()], settings=settings)
        summary = pipeline.run(store, settings=settings)
        ids = {name: article_id(content_id(path.read_bytes())) for name, path in seeds.items()}
        result = {name: score_seed(store, ids[name], gold["documents"][name]) for name in seeds}
        stories = {store.story_of(ids[n]).id for n in gold["story"]["same_story"]}
        result["one_story"] = len(stories) == 1
        result["failures"] = summary.failed
        store.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"two seeds in one story: {result['one_story']}    failures: {result['failures']}")
    for name in seeds:
        r = result[name]
        print(f"\n{name}  title={r['title']!r} outlet={r['outlet']!r} author={r['author']!r} "
              f"published={r['published']} ({r['published_source']})")  # fmt: skip
        print(f"  must_keep kept        {r['must_keep_kept']}/{r['must_keep']}")
        print(
            f"  must_drop remaining   {len(r['must_drop_remaining'])}/{r['must_drop']}  {r['must_drop_remaining']}"
        )
        print(
            f"  persons found         {r['persons_found']}/{r['persons']}  more than once: {r['persons_more_than_once']}"
        )
        print(f"  places found          {r['places_found']}/{r['places']}")
        print(f"  orgs found            {r['orgs_found']}/{r['orgs']}")
        print(f"  not_persons leaked    {r['not_persons_leaked']}")
        print(
            f"  quotes found          {r['quotes_found']}/{r['quotes']}, right speaker {r['quotes_right_speaker']}"
        )
        for d in r["relative_dates"]:
            print(f"  {d['text']!r:24} gold {d['gold']}  veille {d['veille']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
