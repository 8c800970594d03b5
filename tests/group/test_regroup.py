"""Regrouping a range at once (average linkage with a date reach), with story ids kept for articles that stay."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from veille import pipeline
from veille.cli import main
from veille.group import features_of
from veille.group.regroup import recluster, stable_ids
from veille.group.stories import story_id_for
from veille.model import Article, Story
from veille.settings import Settings


def _article(path: Path, day: date | None = None) -> Article:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    return Article(id=path.stem, content_id=path.stem, text=text, title=text.split("\n", 1)[0], published=day)


def _topic(of: str) -> str:
    return of[:3]


def test_regroup_clusters_topics_apart(sample_dir):
    """30 undated RPM2 articles of three topics: no cluster mixes two topics, each topic mostly in one."""
    paths = sorted((sample_dir / "rpm2").glob("T0[145]_C1_*.txt"))
    clusters = recluster([features_of(_article(p), None) for p in paths], threshold=0.12, reach_days=30)
    assert sorted(a for c in clusters for a in c) == sorted(p.stem for p in paths)
    for cluster in clusters:
        assert len({_topic(a) for a in cluster}) == 1, cluster
    for topic in ("T01", "T04", "T05"):
        assert max(sum(_topic(a) == topic for a in c) for c in clusters) >= 6, topic


def test_regroup_never_joins_beyond_the_reach(sample_dir):
    """T04's articles in two halves: 60 days apart they stay apart, 5 days apart they join."""
    paths = sorted((sample_dir / "rpm2").glob("T04_C1_*.txt"))

    def halves(gap: int) -> list[list[str]]:
        days = [date(2024, 1, 1) + timedelta(days=i % 5 + (gap if i >= 5 else 0)) for i in range(len(paths))]
        feats = [features_of(_article(p, d), None) for p, d in zip(paths, days, strict=True)]
        return recluster(feats, threshold=0.12, reach_days=30)

    first, second = {p.stem for p in paths[:5]}, {p.stem for p in paths[5:]}
    assert all(not (set(c) & first and set(c) & second) for c in halves(60))
    assert any(set(c) & first and set(c) & second for c in halves(5))


def _edited(text: str, k: int) -> str:
    """Copy k of a text: every 7th word from offset k dropped (a light edit, real words only)."""
    words = text.split(" ")
    return " ".join(w for i, w in enumerate(words) if i % 7 != k % 7)


def test_regroup_keeps_a_big_story_whole(sample_dir):
    """80 lightly edited tellings of T04's ten articles over a week stay one story: averages use every pair,
    not only each article's proposed neighbours (REGROUP_NEIGHBOURS is 30)."""
    paths = sorted((sample_dir / "rpm2").glob("T04_C1_*.txt"))
    feats = []
    for k in range(8):
        for i, path in enumerate(paths):
            article = _article(path, date(2024, 1, 1) + timedelta(days=(i + k) % 7))
            feats.append(
                features_of(replace(article, id=f"{path.stem}-{k}", text=_edited(article.text, k)), None)
            )
    other = [
        features_of(_article(p, date(2024, 1, 3)), None)
        for p in sorted((sample_dir / "rpm2").glob("T01_C1_*.txt"))
    ]
    clusters = recluster(feats + other, threshold=0.12, reach_days=30)
    cluster_of = {a: k for k, c in enumerate(clusters) for a in c}
    for path in paths:  # a text's eight tellings are never split
        assert len({cluster_of[f"{path.stem}-{k}"] for k in range(8)}) == 1
    assert max(len(c) for c in clusters) >= 64  # one story (T04_C1_06, the topic's outlier, may stand apart)
    assert all(len({_topic(a) for a in c}) == 1 for c in clusters)
    assert recluster([], threshold=0.12, reach_days=30) == []


def test_regroup_keeps_copies_together_within_their_days(sample_dir):
    """A copy starts in its original's cluster when dated within copy_days, even when nothing merges."""
    original = _article(sample_dir / "rpm2" / "T04_C1_01.txt", date(2024, 1, 1))
    other = _article(sample_dir / "rpm2" / "T01_C1_01.txt", date(2024, 1, 1))
    for days, together in ((3, True), (40, False)):
        copy = replace(original, id="copy", published=date(2024, 1, 1) + timedelta(days=days))
        feats = [features_of(a, None) for a in (original, copy, other)]
        clusters = recluster(
            feats, threshold=2.0, reach_days=30, copies=[("copy", original.id)], copy_days=10
        )
        assert ([original.id, "copy"] in clusters) is together
        assert [other.id] in clusters
    # two copies linked only through a first article outside the range are still one group
    one, two = (replace(original, id=i) for i in ("one", "two"))
    clusters = recluster(
        [features_of(a, None) for a in (one, two, other)],
        threshold=2.0,
        reach_days=30,
        copies=[("one", "first"), ("two", "first")],
        copy_days=10,
    )
    assert ["one", "two"] in clusters


def test_regroup_stable_ids():
    """Each cluster keeps the old id it overlaps most (biggest overlap first); a cluster whose founder's id
    went elsewhere takes a fresh one, never a taken id."""
    s1, s2 = story_id_for("a"), story_id_for("d")
    old = {"a": s1, "b": s1, "c": s1, "d": s2, "e": s2}
    named = stable_ids([["b", "c", "d"], ["a"], ["e", "f"]], old)
    assert named[s1] == ["b", "c", "d"] and named[s2] == ["e", "f"]
    [fresh] = set(named) - {s1, s2}
    assert named[fresh] == ["a"] and fresh != story_id_for("a")
    assert stable_ids([["f", "g"]], {}) == {story_id_for("f"): ["f", "g"]}
    # an id a story outside the range has is never reused
    outside = {story_id_for("f")}
    assert stable_ids([["f", "g"]], {}, is_free=lambda sid: sid not in outside) == {
        story_id_for("g"): ["f", "g"]
    }


def test_regroup_pipeline_mends_a_split_story(store, put_text, sample_dir):
    """T04's ten articles split by hand across two stories, T01's in a third: regrouping puts T04 back in
    one story under the id of the bigger part, leaves T01's story as it was, and says who moved."""
    ids: dict[str, str] = {}
    for i, path in enumerate(sorted((sample_dir / "rpm2").glob("T0[14]_C1_*.txt"))):
        article = _article(path)
        ids[path.stem] = put_text(store, article.text, f"outlet{i}", date(2024, 1, 1 + i % 10), article.title)
    t04 = [ids[k] for k in sorted(ids) if k.startswith("T04")]
    t01 = [ids[k] for k in sorted(ids) if k.startswith("T01")]
    store.put_story(Story(id="big", label="T04 a", articles=tuple(t04[:7])))
    store.put_story(Story(id="small", label="T04 b", articles=tuple(t04[7:])))
    store.put_story(Story(id="t01", label="T01", articles=tuple(t01)))
    settings = Settings()

    dry = pipeline.regroup(store, settings=settings, dry_run=True)
    assert {m.article_id for m in dry.moves if m.to_story == "big"} == set(t04[7:])
    assert all(m.article_id in t01 for m in dry.moves if m.to_story != "big")  # T01 may shed an outlier
    assert dry.closed == ["small"] and "t01" in dry.kept
    assert store.get_story("small") is not None  # nothing written

    report = pipeline.regroup(store, settings=settings)
    assert report.moves == dry.moves
    changed = {m.to_story for m in report.moves} | {m.from_story for m in report.moves} - set(report.closed)
    assert report.compared.ok == report.compared.processed == len(changed)
    big = store.get_story("big")
    assert big is not None and set(big.articles) == set(t04)
    assert big.label in {store.get_article(a).title for a in t04}  # relabelled from its articles
    assert store.get_story("small") is None
    t01_story = store.get_story("t01")
    assert t01_story is not None and set(t01_story.articles) <= set(t01) and len(t01_story.articles) >= 8
    assert store.get_comparison("big") is not None
    # a second regrouping finds nothing to move
    assert pipeline.regroup(store, settings=settings).moves == []


def test_cli_regroup_leaves_the_seeds_story(seeds_db, tmp_path):
    db = tmp_path / "seeds.db"
    shutil.copy(seeds_db, db)
    runner = CliRunner()
    before = json.loads(runner.invoke(main, ["--db", str(db), "stories", "--json"]).output)
    result = runner.invoke(main, ["--db", str(db), "regroup", "--since", "2023-02-01", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["moves"] == [] and report["articles"] == 2 and report["kept"] == [before[0]["id"]]
    assert json.loads(runner.invoke(main, ["--db", str(db), "stories", "--json"]).output) == before
    result = runner.invoke(main, ["--db", str(db), "regroup", "--dry-run"])
    assert result.exit_code == 0 and "dry run" in result.output and "stories kept" in result.output
