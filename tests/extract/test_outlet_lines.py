"""Per-outlet line statistics (pipeline + store): a line on many pages of one outlet is boilerplate."""

from __future__ import annotations

from veille.extract import extract_article
from veille.extract.scraped import BOILERPLATE_PAGES, line_hash
from veille.model import Document
from veille.pipeline import run
from veille.settings import Settings

PROMO = (
    "Notre rédaction vous propose chaque jour une sélection des informations les plus importantes du pays, "
    "de la région et du continent, vérifiées par nos correspondants."
)
BODIES = [
    "Le conseil des ministres a adopté mercredi un projet de loi sur la gestion de l'eau dans les zones "
    "rurales, qui prévoit la construction de deux cents forages d'ici à la fin de l'année prochaine.",
    "Les enseignants du secondaire ont entamé lundi une grève de trois jours pour réclamer le paiement de "
    "leurs primes de logement, promises par le gouvernement depuis le début de l'année scolaire.",
    "La récolte de coton de cette campagne dépasse les prévisions des sociétés cotonnières, qui annoncent "
    "une hausse de près de quinze pour cent par rapport à la saison précédente dans le sud du pays.",
    "Une délégation de la Banque mondiale a rencontré mardi le ministre des finances pour discuter du "
    "financement d'un programme de routes rurales dans les régions du centre et de l'est du pays.",
    "Le festival des musiques du fleuve s'est ouvert vendredi soir devant plusieurs milliers de "
    "spectateurs venus de toute la sous-région, malgré les fortes pluies tombées dans l'après-midi.",
]


def _page(i: int, body: str) -> Document:
    second = body.replace("a ", "aurait ", 1)
    text = (
        f"Accueil\nActualités\nTitre de l'article numéro {i + 1}\n{body}\n{second}\n{PROMO}\n© 2024 Journal"
    )
    return Document.from_bytes(
        text.encode("utf-8"),
        media_type="text/plain",
        source=f"page{i}.txt",
        container="file",
        url=f"https://www.journal-exemple.ml/actualites/article-{i + 1}",
        hints={"encoding": "utf-8"},
    )


def test_outlet_lines_repeated_line_dropped_after_enough_pages(store):
    docs = [_page(i, body) for i, body in enumerate(BODIES)]
    for doc in docs:
        store.add_document(doc)
    run(store, settings=Settings(db=":memory:"))
    by_doc = {article.content_id: article for article in store.iter_articles()}
    articles = [by_doc[doc.id] for doc in docs]
    # The first pages of a new outlet: the model alone decides, and it keeps the prose-like promo line.
    assert PROMO in articles[0].text
    # Once the line is on BOILERPLATE_PAGES other pages of the outlet, it is boilerplate.
    assert PROMO not in articles[BOILERPLATE_PAGES].text
    assert all(body in article.text for body, article in zip(BODIES, articles, strict=True))
    counts = store.outlet_line_pages("journal-exemple.ml", [line_hash(PROMO)], exclude=docs[0].id)
    assert counts == {line_hash(PROMO): len(BODIES) - 1}


def test_outlet_lines_without_store_keep_model_decision():
    doc = _page(0, BODIES[0])
    assert PROMO in extract_article(doc).text
