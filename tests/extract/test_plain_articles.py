"""Issue 23: a plain-text article given as a title line and one long line (MasakhaNEWS, French TimeBank, a
pasted article) is an article, while a page of menus around a prose line stays without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from veille.errors import ExtractionError
from veille.extract import extract_article
from veille.extract.scraped import MAX_SCORED_LINE_CHARS, segment_scraped_text
from veille.model import Article, Document

SAMPLE_RPM2 = Path(__file__).resolve().parents[2] / "veille" / "data" / "sample" / "rpm2"

TITLE = "Niger : les agriculteurs de Tillabéri face à une saison des pluies tardive"
BODY = (
    "Dans la région de Tillabéri, au sud-ouest du Niger, les premières pluies de la saison ne sont arrivées "
    "qu'à la mi-juillet, avec près de trois semaines de retard sur le calendrier habituel. "
    "Les semis de mil et de sorgho ont dû être repris deux fois dans plusieurs villages du département de "
    "Ouallam, où les jeunes plants ont séché avant d'avoir pu s'enraciner. "
    "« Nous avons semé au début du mois, puis tout a brûlé sous le soleil, il a fallu racheter des "
    "semences au marché », explique Moussa Hamani, cultivateur à Simiri, qui dit avoir dépensé l'équivalent "
    "de deux mois de revenus pour recommencer. "
    "Selon la direction régionale de l'agriculture, près de quarante pour cent des surfaces ensemencées "
    "ont été touchées par ce retard, un chiffre qui pourrait encore augmenter si les pluies restent "
    "irrégulières en août. "
    "Les services techniques recommandent désormais des variétés à cycle court, qui arrivent à maturité en "
    "moins de quatre-vingt-dix jours, mais ces semences restent rares et chères dans les marchés ruraux. "
    "L'insécurité complique encore la situation : dans plusieurs communes proches de la frontière malienne, "
    "des paysans ont renoncé à cultiver leurs champs les plus éloignés, par crainte des attaques de groupes "
    "armés. "
    "Les organisations paysannes demandent à l'État de distribuer des semences améliorées avant la fin du "
    "mois et de renforcer les stocks des banques céréalières, déjà entamés par la mauvaise récolte de "
    "l'année dernière. "
    "Le gouverneur de la région a annoncé mardi une mission d'évaluation dans les départements les plus "
    "touchés, dont les conclusions doivent être remises au ministère avant la fin de la semaine prochaine."
)
BRIEF_TITLE = "Accident de la route à Dosso."
BRIEF = (
    "Un camion transportant du ciment s'est renversé hier matin sur la route nationale 1, à l'entrée de "
    "Dosso. Le chauffeur, légèrement blessé, a été conduit à l'hôpital régional. La circulation a été "
    "rétablie en fin de matinée."
)


def extract(text: str) -> Article:
    doc = Document.from_bytes(
        text.encode("utf-8"),
        media_type="text/plain",
        source="article.txt",
        container="file",
        hints={"encoding": "utf-8"},
    )
    return extract_article(doc)


def test_body_is_longer_than_any_line_the_model_scores_whole():
    assert len(BODY) > MAX_SCORED_LINE_CHARS
    assert "\n" not in BODY


def test_title_line_then_one_long_line_is_an_article():
    article = extract(f"{TITLE}\n{BODY}\n")
    assert article.title == TITLE
    assert article.text == f"{TITLE}\n\n{BODY}"
    assert article.language == "fr"


def test_whole_article_on_one_line_is_an_article():
    article = extract(BODY)
    assert "Dans la région de Tillabéri" in article.text
    assert article.text.endswith("avant la fin de la semaine prochaine.")


@pytest.mark.parametrize("name", [f"T10_C{c}_{i:02d}" for c in (1, 2) for i in range(1, 11)])
def test_bundled_article_given_as_one_line_is_whole(name):
    # Real articles of the bundled sample (rpm2), their paragraphs joined into one line, as MasakhaNEWS
    # gives its texts; before issue 23, 16 of these 20 came out as no_article or cut.
    lines = (SAMPLE_RPM2 / f"{name}.txt").read_text(encoding="utf-8-sig").strip().split("\n")
    title, body = lines[0].strip(), " ".join(line.strip() for line in lines[1:] if line.strip())
    with_title = extract(f"{title}\n{body}")
    assert with_title.title == title
    assert with_title.text == f"{title}\n\n{body}"
    assert " ".join(body.split()) in " ".join(extract(body).text.split())


def test_title_and_one_short_paragraph_is_an_article():
    # A brief: too few lines for the line model to see a page, so the rules decide.
    article = extract(f"{BRIEF_TITLE}\n{BRIEF}\n")
    assert article.title == BRIEF_TITLE
    assert article.text == f"{BRIEF_TITLE}\n\n{BRIEF}"


def test_long_line_in_a_scraped_page_is_kept_with_the_page_around_it_dropped():
    menu = ["Accueil", "Politique", "Économie", "Sport", "Contact"]
    footer = ["Mentions légales", "© 2024 Le Sahel Quotidien. Tous droits réservés.", "Suivez-nous"]
    seg = segment_scraped_text("\n".join([*menu, TITLE, BODY, *footer]))
    assert seg.body == [BODY]
    assert not set(seg.body) & set(menu + footer)


@pytest.mark.parametrize(
    "text",
    [
        "Accueil\nPolitique\nÉconomie\nSport\nCulture\nContact\nMentions légales\n© 2024 Le Journal",
        "Le Journal\nAccueil\nErreur 404\n"
        "La page que vous recherchez n'existe pas ou a été déplacée. Retournez à l'accueil.\nContact",
    ],
    ids=["menu", "error-page"],
)
def test_page_of_menus_around_a_prose_line_has_no_article(text):
    with pytest.raises(ExtractionError) as info:
        extract(text)
    assert info.value.code == "no_article"
