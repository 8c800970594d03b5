"""Role descriptions resolved across articles (issue 23): "le chef de la diplomatie malienne" in an article that
names no one is the person another article of the same period names in that office. Articles written for these
tests; the office-holder list has no Malian foreign minister between April 2017 and September 2018 (Tiéman
Hubert Coulibaly, then Tiéna Coulibaly), nor any minister of justice, so the registry alone answers."""

from __future__ import annotations

import json
from datetime import date, timedelta

from click.testing import CliRunner

from veille.cli import main
from veille.model import (
    Analysis,
    Article,
    ArticleName,
    Document,
    Entity,
    Mention,
    Office,
    OfficeKey,
    article_id,
)
from veille.pipeline import store_analysis
from veille.understand.crosslink import link_entities
from veille.understand.role_links import (
    NEAR_DAYS,
    Attestation,
    asked_office,
    choose_holder,
    held_keys,
)

FM_ML = OfficeKey("ministre des affaires étrangères", "ML")

# (key, day, title, text): two foreign ministers of Mali at two dates, two articles that only describe the
# office, a minister of justice and an article that only describes him
ARTICLES = [
    (
        "a1",
        "2017-06-12",
        "Le Mali et l'Union africaine parlent de l'accord d'Alger",
        "À Bamako, le ministre malien des Affaires étrangères, Tiéman Hubert Coulibaly, a reçu lundi l'envoyé "
        "spécial de l'Union africaine pour le Sahel. Les deux hommes ont évoqué la mise en œuvre de l'accord de "
        "paix d'Alger.",
    ),
    (
        "b1",
        "2017-07-04",
        "Bamako demande plus de moyens pour les casques bleus",
        "Le chef de la diplomatie malienne a plaidé mardi à New York pour un renforcement du mandat de la "
        "Minusma. Devant le Conseil de sécurité, il a demandé davantage de moyens pour les casques bleus "
        "déployés dans le nord du pays.",
    ),
    (
        "a2",
        "2018-03-22",
        "Bamako et Niamey veulent coordonner la lutte contre les groupes armés",
        "À Niamey, le ministre des Affaires étrangères du Mali, Tiéna Coulibaly, s'est entretenu jeudi avec son "
        "homologue nigérien. Les deux pays veulent coordonner la lutte contre les groupes armés dans la zone "
        "des trois frontières.",
    ),
    (
        "b2",
        "2018-04-10",
        "Réunion ministérielle du G5 Sahel à Nouakchott",
        "Le chef de la diplomatie malienne est attendu vendredi à Nouakchott pour une réunion ministérielle du "
        "G5 Sahel. La rencontre doit préparer le sommet des chefs d'État prévu en juillet.",
    ),
    (
        "j1",
        "2022-05-11",
        "Un projet de loi contre la corruption au Mali",
        "Mamoudou Kassogué, ministre malien de la Justice, a présenté mercredi en Conseil des ministres un "
        "projet de loi sur la lutte contre la corruption.",
    ),
    (
        "j2",
        "2022-05-28",
        "Enquête sur les douanes maliennes",
        "Le ministre malien de la Justice a annoncé samedi l'ouverture d'une enquête sur des détournements "
        "présumés au sein de l'administration des douanes.",
    ),
]


def seen(*items: tuple[str, str, str]) -> list[Attestation]:
    return [Attestation(target, article, date.fromisoformat(day)) for target, article, day in items]


def test_role_links_the_date_decides_between_two_holders():
    offices = seen(("per:a", "x1", "2017-06-12"), ("per:b", "x2", "2018-03-22"))
    assert choose_holder(FM_ML, date(2017, 7, 4), offices).target_id == "per:a"
    link = choose_holder(FM_ML, date(2018, 4, 10), offices)
    assert link.target_id == "per:b"
    assert (
        link.reason
        == "holds the office ministre des affaires étrangères (ML): read in article x2 (2018-03-22)"
    )
    # attested on both sides of the day with nobody in between: the office is theirs, however far
    both = seen(("per:a", "x1", "2017-01-10"), ("per:a", "x3", "2017-11-30"), ("per:b", "x2", "2018-03-22"))
    assert choose_holder(FM_ML, date(2017, 6, 20), both).target_id == "per:a"


def test_role_links_nobody_when_the_dates_do_not_tell():
    # two holders about as near: no link rather than a guess
    close = seen(("per:a", "x1", "2017-12-01"), ("per:b", "x2", "2018-01-05"))
    assert choose_holder(FM_ML, date(2017, 12, 20), close) is None
    # one holder, but too far from the day (a successor may have come in between)
    far = seen(("per:b", "x2", "2018-03-22"))
    assert choose_holder(FM_ML, date(2017, 7, 4), far) is None
    assert choose_holder(FM_ML, date(2018, 3, 22) - timedelta(NEAR_DAYS), far) is not None
    # an undated article, or only its own article's office (coref decides within an article)
    assert choose_holder(FM_ML, None, far) is None
    assert choose_holder(FM_ML, date(2018, 3, 25), far, article_id="x2") is None
    # the list of office holders names someone else that day: nobody the registry knows is chosen
    assert choose_holder(FM_ML, date(2018, 3, 25), far, allowed=set()) is None
    listed = choose_holder(FM_ML, date(2018, 3, 25), far, allowed={"per:b"})
    assert listed.reason.endswith("and by the list of office holders")


def test_role_links_which_names_ask_and_which_hold():
    described = ArticleName(
        "x", "per:chef-de-la-diplomatie-malienne", "chef de la diplomatie malienne", "PER"
    )
    asker = ArticleName(
        "x",
        described.entity_id,
        described.name,
        "PER",
        descriptions=("Le chef de la diplomatie malienne", "le ministre malien des Affaires étrangères"),
    )
    assert asked_office(asker) == FM_ML
    # a plural, an indefinite, a former office, an office of no country, a generic one: nobody asked for
    for text in (
        "les chefs de la diplomatie malienne",
        "un ministre malien des Affaires étrangères",
        "l'ancien chef de la diplomatie malienne",
        "le chef de la diplomatie",
        "le ministre malien",
    ):
        assert asked_office(ArticleName("x", "per:d", text, "PER", descriptions=(text,))) is None, text
    # a named person holds; a holder of "président de la transition" also answers "président"
    head = ArticleName(
        "x",
        "per:assimi-goita",
        "Assimi Goïta",
        "PER",
        texts=("Assimi Goïta",),
        offices=(OfficeKey("président de la transition", "ML"), OfficeKey("ministre", "ML")),
    )
    assert held_keys(head, date(2023, 5, 1)) == {
        "oh:président de la transition|ML|2023",
        "oh:président|ML|2023",
    }
    assert held_keys(head, None) == set()  # an undated article attests nothing
    assert asked_office(head) is None


def _ingest(tmp_path, url: str) -> None:
    """Ingest ARTICLES as news records and run every stage, as a user would."""
    path = tmp_path / "articles.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "url": f"https://example.ml/{key}",
                    "title": title,
                    "maintext": text,
                    "date_publish": day,
                    "source_domain": "example.ml",
                },
                ensure_ascii=False,
            )
            for key, day, title, text in ARTICLES
        ),
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(main, ["--db", url, "ingest", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["--db", url, "run", "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output


def _owner(analysis: Analysis, phrase: str):
    return next(e for e in analysis.entities for m in e.mentions if m.text == phrase)


def test_role_links_a_description_is_the_holder_read_in_another_article(st, tmp_path):
    _ingest(tmp_path, st.url)
    ids = {a.url.rsplit("/", 1)[1]: a.id for a in st.iter_articles()}
    by_name = {e.name: e.entity_id for a in ids.values() for e in st.get_analysis(a).entities}
    tieman, tiena = by_name["Tiéman Hubert Coulibaly"], by_name["Tiéna Coulibaly"]
    desc = "Le chef de la diplomatie malienne"
    first, second = _owner(st.get_analysis(ids["b1"]), desc), _owner(st.get_analysis(ids["b2"]), desc)
    # the same words, two dates, two holders
    assert (first.entity_id, first.name) == (tieman, "Tiéman Hubert Coulibaly")
    assert (second.entity_id, second.name) == (tiena, "Tiéna Coulibaly")
    reason = next(m.reason for m in first.mentions if m.text == desc)
    assert reason == (
        f"holds the office ministre des affaires étrangères (ML): read in article {ids['a1']} (2017-06-12)"
    )
    justice = _owner(st.get_analysis(ids["j2"]), "Le ministre malien de la Justice")
    assert justice.name == "Mamoudou Kassogué"
    # the registry: the person keeps their name, the description is an alias with its reason
    entity = st.get_entity(tieman)
    assert entity.name == "Tiéman Hubert Coulibaly" and entity.article_count == 2
    assert entity.reasons[desc].startswith("holds the office ministre des affaires étrangères (ML)")
    # `veille show --json` says the same
    shown = CliRunner().invoke(main, ["--db", st.url, "show", ids["b2"], "--json"])
    assert shown.exit_code == 0, shown.output
    view = json.loads(shown.output)
    mention = next(m for e in view["entities"] for m in e["mentions"] if m["text"] == desc)
    assert mention["reason"].endswith(f"read in article {ids['a2']} (2018-03-22)")
    assert next(e for e in view["entities"] if mention in e["mentions"])["entity_id"] == tiena

    # the article that justified the link goes: the description is nobody's again (Tiéna Coulibaly's office
    # was read nine months later, too far to say who held it in July 2017)
    st.put_analysis(Analysis(ids["a1"], "fr", (), analyzer="hand"))
    link_entities(st)
    first = _owner(st.get_analysis(ids["b1"]), desc)
    assert first.entity_id not in (tieman, tiena) and first.name == "chef de la diplomatie malienne"
    assert _owner(st.get_analysis(ids["b2"]), desc).entity_id == tiena


def _put(store, text: str, day: str, *entities: Entity) -> str:
    """Store a text and an analysis made by hand (no model), not linked yet."""
    doc = Document.from_bytes(text.encode(), media_type="text/plain", source="t", container="t")
    store.add_document(doc)
    art = Article(id=article_id(doc.id), content_id=doc.id, text=text, published=date.fromisoformat(day))
    store.put_article(art)
    store_analysis(store, Analysis(art.id, "fr", entities, analyzer="hand"))
    return art.id


def _named(entity_id: str, name: str, text: str, office: str | None = None) -> Entity:
    i = text.index(name)
    offices = ()
    if office is not None:
        j = text.index(office)
        offices = (Office(FM_ML.function, office, j, j + len(office), country="ML"),)
    return Entity(entity_id, name, "PER", (Mention(name, i, i + len(name)),), offices=offices)


def _described(text: str, phrase: str) -> Entity:
    i = text.index(phrase)
    return Entity(
        "per:chef-de-la-diplomatie-malienne",
        "chef de la diplomatie malienne",
        "PER",
        (Mention(phrase, i, i + len(phrase), kind="description", reason="first description"),),
    )


def test_role_links_follow_the_set_of_articles_not_their_order(store):
    asker = "Le chef de la diplomatie malienne a plaidé mardi pour la Minusma."
    b1 = _put(store, asker, "2017-07-04", _described(asker, "Le chef de la diplomatie malienne"))
    link_entities(store)
    assert (
        _owner(store.get_analysis(b1), "Le chef de la diplomatie malienne").name
        == "chef de la diplomatie malienne"
    )
    # the holder's article comes later: the description becomes his
    holder = "Tiéman Coulibaly, ministre malien des Affaires étrangères, a reçu lundi un envoyé."
    _put(
        store,
        holder,
        "2017-06-12",
        _named("per:tieman-coulibaly", "Tiéman Coulibaly", holder, "ministre malien des Affaires étrangères"),
    )
    link_entities(store)
    assert (
        _owner(store.get_analysis(b1), "Le chef de la diplomatie malienne").entity_id
        == "per:tieman-coulibaly"
    )
    # two later articles write his name without accent under another analyser id: the registry's canonical id
    # moves to that spelling (more articles), and the description follows it
    for n, day in enumerate(("2017-08-01", "2017-09-01")):
        text = f"Tieman Coulibaly s'est rendu à Dakar ({n})."
        _put(store, text, day, _named("per:tieman-coulibaly-2", "Tieman Coulibaly", text))
    link_entities(store)
    moved = _owner(store.get_analysis(b1), "Le chef de la diplomatie malienne")
    assert moved.entity_id == "per:tieman-coulibaly-2"
    assert store.get_entity("per:tieman-coulibaly-2").article_count == 4


def test_role_links_the_list_of_office_holders_has_the_last_word(store):
    # on a day the shipped list covers (Abdoulaye Diop, from June 2021), an office read elsewhere for someone else
    # does not give the description to them; the person the list names does
    asker = "Le chef de la diplomatie malienne est attendu à Alger."
    b = _put(store, asker, "2022-05-02", _described(asker, "Le chef de la diplomatie malienne"))
    other = "Moussa Kanté, ministre malien des Affaires étrangères, a parlé."
    _put(
        store,
        other,
        "2022-04-30",
        _named("per:moussa-kante", "Moussa Kanté", other, "ministre malien des Affaires étrangères"),
    )
    link_entities(store)
    assert (
        _owner(store.get_analysis(b), "Le chef de la diplomatie malienne").name
        == "chef de la diplomatie malienne"
    )
    diop = "Abdoulaye Diop, ministre malien des Affaires étrangères, a reçu son homologue."
    _put(
        store,
        diop,
        "2022-04-20",
        _named("per:abdoulaye-diop", "Abdoulaye Diop", diop, "ministre malien des Affaires étrangères"),
    )
    link_entities(store)
    owner = _owner(store.get_analysis(b), "Le chef de la diplomatie malienne")
    assert owner.entity_id == "per:abdoulaye-diop"
    assert owner.mentions[0].reason.endswith("and by the list of office holders")
