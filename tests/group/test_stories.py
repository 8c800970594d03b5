from pathlib import Path

from veille.group import StoryGrouper, features_of
from veille.model import Article


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
