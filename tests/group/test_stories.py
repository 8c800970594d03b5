from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from veille.group import ArticleFeatures, StoryGrouper, features_of
from veille.group.stories import CLOSE_EVERY, CLOSED_TERMS, LONG_BAR, MAX_CANDIDATES, POSTING_SCAN
from veille.model import Article
from veille.settings import Settings


def _article(path: Path) -> Article:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    return Article(id=path.stem, content_id=path.stem, text=text, title=text.split("\n", 1)[0])


def test_stories_group_topics_of_the_sample_apart(sample_dir):
    """Ten articles each of three RPM2 topics, interleaved: each topic ends up in its own stories.

    (Two close topics, T02 and T03, both on the 2008 bank crisis, still merge from an empty store: with a
    handful of articles the IDF weights are flat; issue 8 brings a background prior.)"""
    paths = sorted((sample_dir / "rpm2").glob("T0[145]_C1_*.txt"))
    paths = sorted(paths, key=lambda p: (p.stem[-2:], p.stem))
    grouper = StoryGrouper()
    story_of = {}
    for path in paths:
        article = _article(path)
        story_of[path.stem], _ = grouper.add(features_of(article, None), article.text)
    for topic in ("T01", "T04", "T05"):
        mine = {s for k, s in story_of.items() if k.startswith(topic)}
        others = {s for k, s in story_of.items() if not k.startswith(topic)}
        assert not mine & others, f"{topic} shares a story with another topic"
    largest = max(sum(1 for s in story_of.values() if s == sid) for sid in set(story_of.values()))
    assert largest >= 6, "no topic was grouped"


def test_stories_are_stable_and_labelled(sample_dir):
    paths = sorted((sample_dir / "rpm2").glob("T04_C1_0[1-4].txt"))
    grouper = StoryGrouper()
    ids = [grouper.add(features_of(_article(p), None), _article(p).text)[0] for p in paths]
    story = grouper.story(ids[0])
    assert ids[0] == story.id
    assert set(story.articles) <= {p.stem for p in paths}
    assert story.label in {_article(p).title for p in paths}
    # adding an article again changes nothing
    again, links = grouper.add(features_of(_article(paths[0]), None), _article(paths[0]).text)
    assert again == ids[0] and links == []


def _dated(path: Path, day: date) -> Article:
    return replace(_article(path), published=day)


def _five_days_of_t04(sample_dir: Path) -> tuple[StoryGrouper, str]:
    """A story of five T04 articles dated 1-5 January 2024."""
    grouper = StoryGrouper()
    sid = ""
    for i, path in enumerate(sorted((sample_dir / "rpm2").glob("T04_C1_0[1-5].txt"))):
        article = _dated(path, date(2024, 1, 1) + timedelta(days=i))
        sid, _ = grouper.add(features_of(article, None), article.text)
    assert len(grouper.story(sid).articles) == 5
    return grouper, sid


def test_stories_ongoing_story_takes_a_close_article_past_the_window(sample_dir):
    """20 days after the story's last article (window 10): a close article (score >= LONG_BAR) still joins."""
    grouper, sid = _five_days_of_t04(sample_dir)
    late = _dated(sample_dir / "rpm2" / "T04_C1_07.txt", date(2024, 1, 25))
    feats = features_of(late, None)
    assert grouper.score(feats, sid) >= LONG_BAR
    assert grouper.add(feats, late.text)[0] == sid
    assert grouper.story(sid).last_seen == date(2024, 1, 25)


def test_stories_past_the_window_needs_the_higher_bar(sample_dir):
    """A same-topic article 20 days later that scores above the threshold but under LONG_BAR opens a story."""
    grouper, sid = _five_days_of_t04(sample_dir)
    late = _dated(sample_dir / "rpm2" / "T04_C1_06.txt", date(2024, 1, 25))
    feats = features_of(late, None)
    assert Settings().story_threshold <= grouper.score(feats, sid) < LONG_BAR
    assert grouper.add(feats, late.text)[0] != sid
    # the same article inside the window joins
    grouper, sid = _five_days_of_t04(sample_dir)
    near = _dated(sample_dir / "rpm2" / "T04_C1_06.txt", date(2024, 1, 8))
    assert grouper.add(features_of(near, None), near.text)[0] == sid


def test_stories_never_join_beyond_the_long_window(sample_dir):
    grouper, sid = _five_days_of_t04(sample_dir)
    far = _dated(sample_dir / "rpm2" / "T04_C1_07.txt", date(2024, 3, 1))
    feats = features_of(far, None)
    assert sid not in grouper.candidates(feats)
    assert grouper.add(feats, far.text)[0] != sid


def test_stories_entity_overlap_does_not_favour_big_stories(sample_dir):
    """Two shared entities weigh more in a story about just them than in a big story with many others."""
    paths = sorted((sample_dir / "rpm2").glob("*.txt"))

    def member(path: Path, entities: set[str]) -> tuple[ArticleFeatures, str]:
        feats = ArticleFeatures(path.stem, path.stem, None, None, Counter(), frozenset(entities))
        return feats, _article(path).text

    grouper = StoryGrouper()
    grouper.load("small", [member(paths[0], {"e:a", "e:b"})])
    grouper.load(
        "big",
        [
            member(p, {"e:a", "e:b", *(f"e:other{i}_{k}" for k in range(10))})
            for i, p in enumerate(paths[40:46])
        ],
    )
    new = ArticleFeatures("new", "new", None, None, Counter(), frozenset({"e:a", "e:b"}))
    assert grouper.score(new, "small") > grouper.score(new, "big") > 0
    # an article sharing a story's two main entities among ten of its own does not join on entities alone
    many = ArticleFeatures(
        "many", "many", None, None, Counter(), frozenset({"e:a", "e:b", *(f"e:n{k}" for k in range(8))})
    )
    assert grouper.score(many, "big") < Settings().story_threshold


def test_stories_candidates_are_bounded(sample_dir):
    """However many stories share an entity, at most MAX_CANDIDATES are scored."""
    paths = sorted((sample_dir / "rpm2").glob("*.txt"))[: MAX_CANDIDATES + 40]
    grouper = StoryGrouper()
    for k, path in enumerate(paths):
        feats = ArticleFeatures(
            path.stem, "t", None, None, Counter({f"word{k}": 1}), frozenset({"e:shared", f"e:{k}"})
        )
        grouper.add(feats, _article(path).text)
    assert (
        len(
            {
                grouper.story(s).id
                for s in grouper.candidates(
                    ArticleFeatures("p", "t", None, None, Counter(), frozenset({"e:shared"}))
                )
            }
        )
        == MAX_CANDIDATES
    )


def test_stories_a_copy_months_later_is_linked_but_not_joined(sample_dir):
    path = sorted((sample_dir / "rpm2").glob("*.txt"))[0]
    original = replace(_article(path), id="orig", published=date(2024, 1, 1))
    words = original.text.split()
    copy = replace(
        original, id="copy", text=" ".join(words[: len(words) * 3 // 5]), published=date(2024, 6, 1)
    )
    grouper = StoryGrouper(Settings())
    first, _ = grouper.add(features_of(original, None), original.text)
    second, links = grouper.add(features_of(copy, None), copy.text)
    assert [(link.article_id, link.other_id) for link in links] == [("copy", "orig")]
    assert second != first  # five months later: a new telling, not the January story stretched to June
    assert grouper.story(first).last_seen == date(2024, 1, 1)


def test_stories_memory_follows_the_open_stories(sample_dir):
    """1,200 articles a month apart on one shared word: each opens its own story; the index keeps at most
    POSTING_SCAN stories per word, and stories out of reach drop their cached vector and most of their terms,
    while a late article still finds the story it is close to."""
    text = _article(sorted((sample_dir / "rpm2").glob("T04_C1_01.txt"))[0]).text
    words = [w for w in text.split() if w.isalpha() and len(w) > 3]
    grouper = StoryGrouper()
    for k in range(1200):
        terms = Counter({"partage": 1, **{f"{w}{k}": 1 for w in words[:80]}})
        feats = ArticleFeatures(
            f"a{k}", "t", None, date(2000, 1, 1) + timedelta(days=31 * k), terms, frozenset()
        )
        grouper.add(feats, "")  # no text: no duplicate index, words only
    assert len(grouper._term_index["partage"]) == POSTING_SCAN
    closed = [s for s in grouper._stories.values() if s.id not in grouper._open]
    assert len(closed) >= 990 and all(s.vector is None and len(s.terms) <= CLOSED_TERMS for s in closed)
    assert len(grouper._open) <= 1200 - CLOSE_EVERY + 2  # those fed since the last sweep, and the last closed
    late = ArticleFeatures(
        "late", "t", None, date(2000, 1, 2), Counter({f"{w}0": 1 for w in words[:80]}), frozenset()
    )
    assert grouper.add(late, "")[0] == grouper._story_of["a0"]
