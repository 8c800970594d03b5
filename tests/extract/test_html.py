"""extract_html on a page built here (what is kept, what is dropped) and on the French trafilatura-dev pages."""

from __future__ import annotations

import csv
import gzip
import json
import re

import pytest
import trafilatura

from veille.errors import ExtractionError
from veille.extract.html import (
    clean_author,
    clean_title,
    drop_widget_lines,
    extract_html,
    is_widget_line,
    merge_runs,
)

BODY = [
    "Le conseil municipal de Lyon a adopté mardi soir un plan de rénovation des écoles de la ville, "
    "après plus de quatre heures de débat et un vote serré entre la majorité et l'opposition.",
    "Le projet prévoit de rénover trente-deux groupes scolaires d'ici à 2030, pour un montant total "
    "estimé à 180 millions d'euros, financé pour moitié par un emprunt de la métropole.",
    "Les travaux commenceront dès l'été prochain dans les établissements les plus anciens, où les "
    "parents d'élèves se plaignent depuis des années de salles trop chaudes en juin.",
    "L'opposition a dénoncé un calendrier irréaliste et réclamé une étude indépendante sur le coût "
    "réel des travaux, que l'adjoint aux finances a refusée en séance.",
]
LIST_ITEMS = [
    "l'isolation thermique des toitures et des façades ;",
    "le remplacement des chaudières au fioul par des pompes à chaleur ;",
]

PAGE = f"""<!DOCTYPE html>
<html lang="fr"><head>
<meta charset="utf-8">
<title>Lyon rénove ses écoles | Le Journal du Rhône</title>
<meta property="og:title" content="Lyon rénove ses écoles | Le Journal du Rhône">
<meta property="og:site_name" content="Le Journal du Rhône">
<meta name="author" content="Par Claire Martin">
</head><body>
<nav><ul><li><a href="/">Accueil</a></li><li><a href="/politique">Politique</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/culture">Culture et spectacles</a></li></ul></nav>
<main><article>
<h1>Lyon rénove ses écoles</h1>
<p>{BODY[0]}</p>
<p>{BODY[1]}</p>
<p>Lire aussi : Le budget de la métropole adopté sans surprise</p>
<h2>Un chantier en trois étapes</h2>
<p>{BODY[2]}</p>
<ul><li>{LIST_ITEMS[0]}</li><li>{LIST_ITEMS[1]}</li></ul>
<p>{BODY[3]}</p>
</article>
<section id="comments" class="comments"><h3>3 commentaires</h3>
<div class="comment"><p>Jean-Pierre a dit : enfin une bonne nouvelle pour nos enfants, il était temps que la mairie
s'en occupe sérieusement.</p><a href="#">Répondre</a></div>
</section>
</main>
<footer><p>© 2024 Le Journal du Rhône. Tous droits réservés.</p><p>Mentions légales - Contact - Publicité</p>
</footer></body></html>"""


def test_html_keeps_article_parts_and_drops_clutter():
    result = extract_html(PAGE, url="https://journal-du-rhone.example/lyon-ecoles")
    text = "\n".join(result.paragraphs)
    for paragraph in BODY:
        assert paragraph in result.paragraphs
    assert "Un chantier en trois étapes" in text
    for item in LIST_ITEMS:
        assert item in text
    assert "Lire aussi" not in text
    assert "Jean-Pierre a dit" not in text
    assert "Accueil" not in text
    assert "Tous droits réservés" not in text
    assert "Mentions légales" not in text


def test_html_title_and_author_are_cleaned():
    result = extract_html(PAGE, url="https://journal-du-rhone.example/lyon-ecoles")
    assert result.title == "Lyon rénove ses écoles"
    assert result.author == "Claire Martin"
    assert result.sitename == "Le Journal du Rhône"
    assert result.notes


def test_html_empty_or_bare_page_raises_no_article():
    with pytest.raises(ExtractionError) as err:
        extract_html("   ")
    assert err.value.code == "no_article"
    with pytest.raises(ExtractionError):
        extract_html("<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>")


def test_html_lead_restored_from_description():
    lead = (
        "La ville investit 180 millions d'euros sur huit ans pour ses groupes scolaires, "
        "un plan contesté par l'opposition."
    )
    page = PAGE.replace(
        '<meta charset="utf-8">', f'<meta charset="utf-8"><meta name="description" content="{lead}">'
    ).replace(
        "<h1>Lyon rénove ses écoles</h1>", f'<h1>Lyon rénove ses écoles</h1><div class="chapo">{lead}</div>'
    )
    result = extract_html(page)
    assert lead in result.paragraphs
    assert result.paragraphs.index(lead) < result.paragraphs.index(BODY[0])


def test_html_merge_runs_prefers_precision_unless_it_lost_the_text():
    prose = "Une phrase de texte courant assez longue pour passer pour de la prose, avec un point."
    default = ["Menu", "Premier paragraphe de l'article, long et bien construit.", prose, BODY[3]]
    precise = [default[1], default[3]]
    merged, note = merge_runs(default, precise)
    assert merged == default[1:]
    assert note.startswith("precision run")
    merged, note = merge_runs(default * 3, ["Menu"])
    assert merged == default * 3
    assert note == "default run"


def test_html_widget_lines_in_several_languages():
    for line in (
        "Lire aussi : Le budget adopté",
        "Read more",
        "LESEN SIE AUCH:",
        "Lea también: Otro tema",
        "© 2020",
    ):
        assert is_widget_line(line), line
    for line in BODY + ["Lire la presse aussi souvent que possible est un plaisir rare, dit-il."]:
        assert not is_widget_line(line), line
    kept, dropped = drop_widget_lines(
        ["Texte de l'article.", "À lire aussi", "Un titre d'article lié", BODY[0]]
    )
    assert kept == ["Texte de l'article.", BODY[0]]
    assert dropped == 2


def test_html_clean_title_and_author_rules():
    assert (
        clean_title("Lyon rénove ses écoles - Le Journal du Rhône", "Le Journal du Rhône")
        == "Lyon rénove ses écoles"
    )
    assert clean_title("Actualité | Lyon rénove ses écoles", None, "https://www.actualite.fr/x") == (
        "Lyon rénove ses écoles"
    )
    assert (
        clean_title("Korsetts – Shops, Designer, online kaufen", None)
        == "Korsetts – Shops, Designer, online kaufen"
    )
    assert clean_author("By Jane Doe; Par John Smith") == "Jane Doe; John Smith"
    assert clean_author("Perry Bacon Jr", "<span>By Perry Bacon Jr.</span>") == "Perry Bacon Jr."


def _score(output: str, item: dict) -> tuple[int, int, int]:
    flat = re.sub(r"\s+", " ", output)
    tp = sum(re.sub(r"\s+", " ", s).strip() in flat for s in item["with"])
    fp = sum(re.sub(r"\s+", " ", s).strip() in flat for s in item["without"])
    return tp, len(item["with"]) - tp, fp


def _f1(counts: list[tuple[int, int, int]]) -> float:
    tp, fn, fp = (sum(c[i] for c in counts) for i in range(3))
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return 2 * precision * recall / max(1e-9, precision + recall)


def test_html_french_pages_beat_trafilatura(eval_dir):
    base = eval_dir / "trafilatura-dev"
    with open(base / "lang_index.tsv", encoding="utf-8") as handle:
        french = {row["url"] for row in csv.DictReader(handle, delimiter="\t") if row["lang"] == "fr"}
    data = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    ours, theirs = [], []
    for key in sorted(french):
        item = data[key]
        raw = gzip.decompress((base / "html" / f"{item['file']}.gz").read_bytes())
        url = key if key.startswith("http") else None
        html = str(trafilatura.utils.decode_file(raw))
        ours.append(_score("\n".join(extract_html(html, url=url).paragraphs), item))
        theirs.append(_score(trafilatura.extract(raw, url=url) or "", item))
    assert len(ours) == 13
    assert _f1(ours) >= _f1(theirs) + 0.01
