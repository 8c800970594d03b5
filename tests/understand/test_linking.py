"""Cross-article link decisions (veille.understand.linking) on names built by hand: pure functions, no store."""

from __future__ import annotations

import pytest

from veille.understand.linking import (
    Cluster,
    NameNode,
    OfficeKey,
    SurnameUse,
    abbreviates,
    build_clusters,
    cluster_names,
    index_keys,
    is_spelling_variant,
    link_surname,
    query_keys,
    seed_keys,
    skeleton,
)

FOREIGN = OfficeKey("ministre des affaires étrangères", "RU")
PRESIDENT_ML = OfficeKey("président de la transition", "ML")


def _per(entity_id: str, name: str, **kw) -> NameNode:
    return NameNode(entity_id=entity_id, name=name, type="PER", **kw)


def _clusters(*nodes: NameNode) -> list[Cluster]:
    return build_clusters(nodes, cluster_names(nodes))


@pytest.mark.parametrize(
    ("a", "b"),
    [("tiani", "tchiani"), ("serguei", "sergey"), ("abdourahamane", "abdourahmane"), ("goita", "goita")],
)
def test_linking_spelling_variants_share_a_skeleton(a, b):
    assert skeleton(a) == skeleton(b)
    assert is_spelling_variant(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("jean", "jeanne"),
        ("louis", "louise"),
        ("jean", "joan"),
        ("assimi", "moussa"),
        ("mali", "bali"),
        ("lehman", "alemanno"),
    ],
)
def test_linking_different_names_are_not_variants(a, b):
    assert not is_spelling_variant(a, b)


def test_linking_keys_reach_each_other():
    # a one-word name looks up the full names that hold it, and a full name the one-word names it holds
    assert "p1:poutine" in index_keys("PER", "Poutine")
    assert "p:poutine" in index_keys("PER", "Vladimir Poutine")
    assert query_keys("PER", "Poutine") & index_keys("PER", "Vladimir Poutine")
    assert "p1:poutine" in query_keys("PER", "Vladimir Poutine")
    # a full name reaches its variants through its surname's skeleton, never through a shared first name
    assert index_keys("PER", "Abdourahamane Tiani") & query_keys("PER", "Abdourahmane Tchiani")
    assert not {k for k in seed_keys("PER", "Jean Dupont") if k.startswith("p:")}
    assert "org:minusma" in index_keys("ORG", "Mission de l'ONU au Mali", ["Minusma"])


def test_linking_first_name_variants_join_with_the_same_surname():
    nodes = [
        _per("per:serguei-lavrov", "Sergueï Lavrov", articles=3),
        _per("per:sergey-lavrov", "Sergey Lavrov"),
        _per("per:serguei-lavrov-x", "Serguei Lavrof"),  # both parts differ, no shared evidence
    ]
    links = cluster_names(nodes)
    assert links["per:sergey-lavrov"].target_id == "per:serguei-lavrov"
    assert links["per:sergey-lavrov"].reason.startswith("spelling variant of Sergueï Lavrov (similarity 0.")
    assert "per:serguei-lavrov-x" not in links


def test_linking_both_parts_varied_need_shared_office_or_context():
    tiani = _per("per:abdourahamane-tiani", "Abdourahamane Tiani", articles=2)
    tchiani = _per("per:abdourahmane-tchiani", "Abdourahmane Tchiani")
    assert cluster_names([tiani, tchiani]) == {}
    tiani = _per(
        "per:abdourahamane-tiani", "Abdourahamane Tiani", articles=2, offices=frozenset({PRESIDENT_ML})
    )
    tchiani = _per("per:abdourahmane-tchiani", "Abdourahmane Tchiani", offices=frozenset({PRESIDENT_ML}))
    links = cluster_names([tiani, tchiani])
    assert links["per:abdourahmane-tchiani"].target_id == "per:abdourahamane-tiani"
    assert "shares office président de la transition (ML)" in links["per:abdourahmane-tchiani"].reason
    context = frozenset({"loc:niger", "loc:niamey", "org:cnsp"})
    tiani = _per("per:abdourahamane-tiani", "Abdourahamane Tiani", context=context)
    tchiani = _per("per:abdourahmane-tchiani", "Abdourahmane Tchiani", context=context)
    # same article counts: the longer spelling is canonical
    (link,) = cluster_names([tiani, tchiani]).values()
    assert link.target_id == "per:abdourahmane-tchiani" and "3 entities in common" in link.reason


def test_linking_different_first_names_never_join():
    same_context = frozenset({"loc:mali", "loc:bamako"})
    nodes = [
        _per("per:assimi-goita", "Assimi Goïta", context=same_context, offices=frozenset({PRESIDENT_ML})),
        _per("per:moussa-goita", "Moussa Goïta", context=same_context, offices=frozenset({PRESIDENT_ML})),
        _per("per:jean-dupont", "Jean Dupont"),
        _per("per:jeanne-dupont", "Jeanne Dupont"),
    ]
    assert cluster_names(nodes) == {}


def test_linking_initial_joins_the_only_full_name_that_fits():
    nodes = [_per("per:vladimir-poutine", "Vladimir Poutine"), _per("per:v-poutine", "V. Poutine")]
    links = cluster_names(nodes)
    assert links["per:v-poutine"].target_id == "per:vladimir-poutine"
    assert links["per:v-poutine"].reason == "initial V. of Vladimir Poutine (only person so named)"
    nodes.append(_per("per:valentina-poutine", "Valentina Poutine"))
    assert "per:v-poutine" not in cluster_names(nodes)


def test_linking_acronym_written_with_its_expansion_joins():
    long = NameNode(
        "org:mission-multidimensionnelle",
        "Mission multidimensionnelle intégrée des Nations unies pour la stabilisation au Mali",
        "ORG",
        aliases=frozenset({"Minusma", "Mission multidimensionnelle intégrée des Nations unies"}),
    )
    short = NameNode("org:minusma", "Minusma", "ORG", articles=4)
    links = cluster_names([long, short])
    assert links["org:mission-multidimensionnelle"].target_id == "org:minusma"
    assert links["org:mission-multidimensionnelle"].reason == (
        "written Mission multidimensionnelle intégrée des Nations unies pour la stabilisation au Mali"
        " and Minusma in one article"
    )


def test_linking_a_wrong_merge_within_an_article_is_not_spread():
    # one analysis put "USA" inside "Université de Pittsburgh": not an acronym of it, so no cross-article link
    university = NameNode(
        "org:universite-de-pittsburgh", "Université de Pittsburgh", "ORG", aliases=frozenset({"USA"})
    )
    usa = NameNode("org:usa", "USA", "ORG", articles=9)
    assert cluster_names([university, usa]) == {}
    assert abbreviates(
        "Minusma", "Mission multidimensionnelle intégrée des Nations unies pour la stabilisation au Mali"
    )
    assert abbreviates("CNIL", "Commission nationale de l'informatique et des libertés")
    assert not abbreviates("USA", "Université de Pittsburgh")


def test_linking_places_differing_by_one_word_stay_apart():
    east = NameNode("loc:afrique-de-l-est", "Afrique de l'Est", "LOC")
    west = NameNode("loc:afrique-de-l-ouest", "Afrique de l'Ouest", "LOC", articles=3)
    assert cluster_names([east, west]) == {}
    dehli = NameNode("loc:new-dehli", "New Dehli", "LOC")
    delhi = NameNode("loc:new-delhi", "New Delhi", "LOC", articles=3)
    assert cluster_names([dehli, delhi])["loc:new-dehli"].target_id == "loc:new-delhi"


def test_linking_numbered_names_stay_apart():
    a = NameNode("misc:jeux-de-la-xxixe-olympiade", "Jeux de la XXIXe Olympiade", "MISC")
    b = NameNode("misc:jeux-de-la-xxxe-olympiade", "Jeux de la XXXe Olympiade", "MISC")
    assert cluster_names([a, b]) == {}
    # "de" is a word, not a numeral: the acronym still joins its expansion
    ldh = NameNode("org:ldh", "LDH", "ORG", articles=2, aliases=frozenset({"Ligue des droits de l'Homme"}))
    ligue = NameNode("org:ligue-des-droits-de-l-homme", "Ligue des droits de l'Homme", "ORG")
    assert cluster_names([ldh, ligue])["org:ligue-des-droits-de-l-homme"].target_id == "org:ldh"


def test_linking_places_of_different_countries_stay_apart():
    a = NameNode("loc:saint-louis", "Saint-Louis", "LOC", country="SN")
    b = NameNode("loc:saint-luis", "Saint Luis", "LOC", country="US")
    assert cluster_names([a, b]) == {}
    b = NameNode("loc:saint-luis", "Saint Luis", "LOC", country="SN")
    assert cluster_names([a, b])["loc:saint-luis"].target_id == "loc:saint-louis"


def test_linking_surname_of_the_only_person_so_named():
    clusters = _clusters(
        _per("per:vladimir-poutine", "Vladimir Poutine"), _per("per:assimi-goita", "Assimi Goïta")
    )
    link = link_surname(SurnameUse("a1", "per:poutine", "Poutine"), clusters)
    assert link is not None and link.target_id == "per:vladimir-poutine"
    assert link.reason == "surname of Vladimir Poutine (only person so named)"
    assert link_surname(SurnameUse("a1", "per:macron", "Macron"), clusters) is None
    # a first name alone joins nobody from other articles, and a surname spelt close but not alike neither
    assert link_surname(SurnameUse("a1", "per:vladimir", "Vladimir"), clusters) is None
    assert link_surname(SurnameUse("a1", "per:goito", "Goïto"), clusters) is None
    here = SurnameUse("a1", "per:vladimir", "Vladimir", neighbours=frozenset({"per:vladimir-poutine"}))
    assert link_surname(here, clusters).target_id == "per:vladimir-poutine"
    tchiani = _clusters(_per("per:abdourahmane-tchiani", "Abdourahmane Tchiani"))
    assert (
        link_surname(SurnameUse("a1", "per:tiani", "Tiani"), tchiani).target_id == "per:abdourahmane-tchiani"
    )


def test_linking_shared_surname_needs_evidence():
    assimi = _per(
        "per:assimi-goita",
        "Assimi Goïta",
        offices=frozenset({PRESIDENT_ML}),
        context=frozenset({"loc:mali", "loc:bamako", "org:minusma"}),
    )
    moussa = _per("per:moussa-goita", "Moussa Goïta", context=frozenset({"loc:paris", "org:psg"}))
    clusters = _clusters(assimi, moussa)
    # nothing to tell them apart: no link
    assert link_surname(SurnameUse("a1", "per:goita", "Goïta"), clusters) is None
    # the other one named in the same article
    here = SurnameUse("a1", "per:goita", "Goïta", neighbours=frozenset({"per:moussa-goita", "loc:mali"}))
    assert link_surname(here, clusters).reason == "surname of Moussa Goïta (named in the same article)"
    # a shared office
    office = SurnameUse("a1", "per:goita", "Goïta", offices=frozenset({PRESIDENT_ML}))
    assert link_surname(office, clusters).target_id == "per:assimi-goita"
    assert "shares office président de la transition (ML)" in link_surname(office, clusters).reason
    # co-occurring entities: two against none
    context = SurnameUse("a1", "per:goita", "Goïta", neighbours=frozenset({"loc:mali", "org:minusma"}))
    assert link_surname(context, clusters).target_id == "per:assimi-goita"
    # one against one is still ambiguous
    tie = SurnameUse("a1", "per:goita", "Goïta", neighbours=frozenset({"loc:mali", "loc:paris"}))
    assert link_surname(tie, clusters) is None


def test_linking_surname_joins_a_variant_cluster_once():
    clusters = _clusters(
        _per("per:serguei-lavrov", "Sergueï Lavrov", articles=2), _per("per:sergey-lavrov", "Sergey Lavrov")
    )
    assert len(clusters) == 1
    link = link_surname(SurnameUse("a1", "per:lavrov", "Lavrov"), clusters)
    assert link is not None and link.target_id == "per:serguei-lavrov"


def test_linking_is_independent_of_input_order():
    nodes = [
        _per("per:serguei-lavrov", "Sergueï Lavrov", articles=2),
        _per("per:sergey-lavrov", "Sergey Lavrov", articles=2),
        _per("per:serguei-lavrov-b", "Serguei Lavrov", articles=2),
    ]
    assert cluster_names(nodes) == cluster_names(nodes[::-1])
