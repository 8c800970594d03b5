"""clean_scraped_text on the scraped seed and on small pages of scraped lines."""

from __future__ import annotations

from veille.extract import clean_scraped_text
from veille.extract.clutter import JUNK, classify_line, is_junk_line
from veille.extract.scraped import segment_scraped_text

SEED_002 = "002_c41fd276a5cca2db"


def test_clutter_seed_002_gold(seed_texts, gold):
    cleaned = clean_scraped_text(seed_texts[SEED_002])
    expected = gold["documents"][SEED_002]
    assert all(line in cleaned for line in expected["must_keep"])
    assert [line for line in expected["must_drop"] if line in cleaned] == []
    assert "Bamako, nouvel allié stratégique de Moscou au Sahel et en Afrique de l'ouest\n\n" in cleaned


def test_clutter_junk_lines():
    for line in [
        "3228 vues",
        "0",
        "Partages",
        "android_app2.jpg",
        "1 année ya",
        "il y a 2 heures",
        "Like J'aime Répondre | Signaler ce commentaire",
        "Copyright © 2021, Le Journal. Tous droits réservés.",
        "Ajouter un Commentaire",
        "Banniere Site Web 728 x 90",
        "Video not found.",
        "https://example.org/a/b",
    ]:
        assert is_junk_line(line), line
    for line in [
        "Bamako, nouvel allié stratégique de Moscou",
        "Le président a reçu les ministres hier à Niamey.",
    ]:
        assert not is_junk_line(line), line
    assert classify_line("Zeyna commission0") == JUNK


def test_clutter_list_of_links_after_body_is_dropped():
    body = (
        "Le gouvernement a annoncé mardi une hausse du prix du carburant à la pompe, une mesure qui doit entrer "
        "en vigueur dès le premier jour du mois prochain selon le ministre des finances."
    )
    body2 = (
        "Les syndicats de transporteurs ont aussitôt dénoncé une décision prise sans concertation et menacent "
        "d'une grève générale si le gouvernement ne revient pas sur son annonce avant la fin de la semaine."
    )
    page = "\n".join(
        [
            "Accueil",
            "Economie",
            "Hausse du prix du carburant",
            body,
            "Sous-titre avec quelques mots",
            body2,
            "Les plus lus",
            "Le ministre des mines visite le chantier de la nouvelle usine dans la région du nord.",
            "1200 vues",
            "Un match nul pour l'équipe nationale",
            "845 vues",
            "© 2024 Le Quotidien",
        ]
    )
    seg = segment_scraped_text(page)
    assert seg.head == ["Hausse du prix du carburant"]
    assert seg.body == [body, "Sous-titre avec quelques mots", body2]
    cleaned = clean_scraped_text(page)
    assert "nouvelle usine" not in cleaned and "Accueil" not in cleaned
    assert cleaned.split("\n\n")[0] == "Hausse du prix du carburant"


def test_clutter_text_without_prose_is_empty():
    assert clean_scraped_text("Accueil\nMenu\n3 vues\nImage\n") == ""
