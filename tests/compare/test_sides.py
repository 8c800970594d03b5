from datetime import date

from veille.compare import build_comparison
from veille.model import Analysis, Article, DuplicateLink, Entity, Mention, Quote, Speaker, Story


def _article(aid: str, outlet: str, text: str) -> Article:
    return Article(id=aid, content_id=aid * 4, text=text, title=text.split("\n\n")[0], outlet=outlet,
                   published=date(2023, 2, 6))  # fmt: skip


def _entity(eid: str, name: str, text: str) -> Entity:
    start = text.index(name)
    return Entity(eid, name, "PER", (Mention(name, start, start + len(name)),))


def test_sides_shared_only_and_duplicates_counted_once():
    t1 = "Lavrov à Bamako\n\nSergueï Lavrov a rencontré Abdoulaye Diop à Bamako."
    t2 = "Visite russe\n\nSergueï Lavrov a été reçu par Assimi Goïta."
    t3 = t2 + " (copie)"
    a1, a2, a3 = _article("a1", "one.ml", t1), _article("a2", "two.ne", t2), _article("a3", "three.sn", t3)
    quote = Quote("Nous continuerons", 0, 5, "direct", "a dit", Speaker("Sergueï Lavrov", "per:lavrov"))
    analyses = {
        "a1": Analysis("a1", "fr", (_entity("per:lavrov", "Sergueï Lavrov", t1), _entity("per:diop", "Abdoulaye Diop", t1)),
                       quotes=(quote,)),
        "a2": Analysis("a2", "fr", (_entity("per:lavrov", "Sergueï Lavrov", t2), _entity("per:goita", "Assimi Goïta", t2))),
        "a3": Analysis("a3", "fr", (_entity("per:lavrov", "Sergueï Lavrov", t3), _entity("per:goita", "Assimi Goïta", t3))),
    }  # fmt: skip
    story = Story("s1", "Lavrov à Bamako", ("a1", "a2", "a3"))
    comparison = build_comparison(story, [a1, a2, a3], analyses, [DuplicateLink("a3", "a2", "near", 0.9)])
    assert comparison.shared_entities == ("Sergueï Lavrov",)
    sides = {s.article_id: s for s in comparison.sides}
    assert sides["a1"].only_entities == ("Abdoulaye Diop",)
    assert sides["a2"].only_entities == ("Assimi Goïta",)  # the copy a3 does not count as a second source
    assert sides["a3"].duplicate_of == "a2" and sides["a3"].only_entities == ()
    assert sides["a1"].quotes == (quote,)
    assert sides["a1"].lead.startswith("Sergueï Lavrov a rencontré")


def test_sides_without_analysis_still_show_the_article():
    a = _article("a1", "one.ml", "Titre\n\nUn texte sans analyse.")
    comparison = build_comparison(Story("s", "Titre", ("a1",)), [a], {"a1": None})
    assert comparison.sides[0].entities == () and comparison.sides[0].lead == "Un texte sans analyse."
