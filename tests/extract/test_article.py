"""extract_article on the seeds, the bundled RPM2 sample, real HTML pages and records built in the test."""

from __future__ import annotations

import csv
import gzip
import json
import re
from datetime import date
from pathlib import Path

import pytest

from veille.errors import EncodingError, ExtractionError, NotTextError, TooLargeError
from veille.extract import EXTRACTOR_VERSION, extract_article
from veille.model import Document, article_id
from veille.settings import Settings

SEED_000 = "000_7d5c65816c15ba49"
SEED_002 = "002_c41fd276a5cca2db"
UTF8 = {"encoding": "utf-8", "encoding_source": "utf-8"}


def _seed_article(seed_paths, name):
    path = seed_paths[name]
    doc = Document.from_bytes(
        path.read_bytes(), media_type="text/plain", source=str(path), container="file", hints=UTF8
    )
    return doc, extract_article(doc)


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_article_seed_002_keeps_body_and_drops_clutter(seed_paths, gold):
    _, article = _seed_article(seed_paths, SEED_002)
    expected = gold["documents"][SEED_002]
    for line in expected["must_keep"]:
        assert line in article.text
    remaining = [line for line in expected["must_drop"] if line in article.text]
    assert remaining == []
    assert "une visite de travail et d'amitié à Bamako" in article.text
    assert "Signaler ce commentaire" not in article.text
    assert "Video not found." not in article.text
    assert "Abdourahamane Tiani" not in article.text
    assert "A.Y. Barma" not in article.text


def test_article_seed_002_metadata(seed_paths):
    doc, article = _seed_article(seed_paths, SEED_002)
    assert article.title == "Sergueï Lavrov et Abdoulaye Diop"
    assert article.text.startswith(article.title + "\n\n")
    assert (article.author, article.author_source) == ("A.Y. Barma", "text")
    assert (article.outlet, article.outlet_source) == ("actuniger.com", "text")
    assert (article.published, article.published_source) == (date(2023, 2, 6), "inferred")
    assert article.id == article_id(doc.id)
    assert article.content_id == doc.id
    assert article.extractor == EXTRACTOR_VERSION


def test_article_seed_000_comes_out_whole(seed_paths, seed_texts, gold):
    _, article = _seed_article(seed_paths, SEED_000)
    for line in gold["documents"][SEED_000]["must_keep"]:
        assert line in article.text
    assert article.title == "Mali: SERGUEÏ LAVROV À BAMAKO"
    assert article.title_source == "text"
    assert (article.published, article.published_source) == (date(2023, 2, 6), "inferred")
    assert (article.outlet, article.outlet_source) == ("emediasn", "text")
    # Every paragraph of the seed but its signature line is in the article, separated by blank lines.
    paragraphs = [p.strip() for p in seed_texts[SEED_000].split("\n") if p.strip()]
    assert article.text.split("\n\n") == paragraphs[:-1]


@pytest.mark.parametrize("name", ["T01_C1_01", "T04_C2_08", "T08_C1_04", "T10_C2_04"])
def test_article_rpm2_title_first_line_text_whole(sample_dir, name):
    raw = (sample_dir / "rpm2" / f"{name}.txt").read_bytes()
    doc = Document.from_bytes(raw, media_type="text/plain", source=name, container="file", hints=UTF8)
    article = extract_article(doc)
    original = raw.decode("utf-8").lstrip("\ufeff")
    first = original.splitlines()[0].strip()
    assert article.title == first
    assert not article.text.startswith("\ufeff")
    assert "\r" not in article.text
    lines = [_ws(line) for line in original.splitlines() if line.strip()]
    lost = [line for line in lines if line not in article.text]
    assert len(lost) <= 1, lost
    assert "\n\n" in article.text


def test_article_rpm2_bom_is_stripped(sample_dir):
    with_bom = [
        p for p in sorted((sample_dir / "rpm2").glob("T*.txt")) if p.read_bytes().startswith(b"\xef\xbb\xbf")
    ]
    assert with_bom, "the sample has files starting with a BOM"
    doc = Document.from_bytes(with_bom[0].read_bytes(), media_type="text/plain", source="x", container="file")
    article = extract_article(doc)
    assert article.title and not article.title.startswith("\ufeff")
    assert article.title == with_bom[0].read_text(encoding="utf-8-sig").splitlines()[0].strip()


HTML_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>Le fleuve Niger en crue | Journal du Sahel</title>
<meta property="og:site_name" content="Journal du Sahel">
<meta property="og:title" content="Le fleuve Niger en crue à Niamey">
<meta property="article:published_time" content="2023-09-14T08:30:00+00:00">
<meta name="author" content="Aïcha Moussa">
</head><body>
<nav><a href="/">Accueil</a> <a href="/politique">Politique</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Le fleuve Niger en crue à Niamey</h1>
<p>Le niveau du fleuve Niger a atteint jeudi une cote record à Niamey, obligeant les autorités à évacuer
plusieurs quartiers riverains de la capitale nigérienne, selon la direction de l'hydraulique.</p>
<p>Les services de la protection civile ont installé des abris provisoires dans trois écoles de la rive
droite, où près de deux mille personnes ont passé la nuit, a précisé un responsable municipal.</p>
<p>Les agriculteurs des périmètres irrigués redoutent la perte de leurs récoltes de riz, déjà fragilisées
par les pluies diluviennes du mois d'août, et demandent une aide rapide de l'État.</p>
</article>
<footer>Copyright © 2023 Journal du Sahel. Tous droits réservés.</footer>
</body></html>"""


def test_article_html_fields_and_sources():
    doc = Document.from_bytes(
        HTML_PAGE.encode("utf-8"),
        media_type="text/html",
        source="test",
        container="file",
        url="https://www.journaldusahel.example/societe/fleuve-niger-crue",
        hints=UTF8,
    )
    article = extract_article(doc)
    assert (article.title, article.title_source) == ("Le fleuve Niger en crue à Niamey", "metadata")
    assert (article.outlet, article.outlet_source) == ("Journal du Sahel", "metadata")
    assert (article.author, article.author_source) == ("Aïcha Moussa", "metadata")
    assert (article.published, article.published_source) == (date(2023, 9, 14), "metadata")
    assert article.text.startswith("Le fleuve Niger en crue à Niamey\n\nLe niveau du fleuve Niger")
    assert "près de deux mille personnes" in article.text
    assert "Tous droits réservés" not in article.text
    assert "Politique" not in article.text


def test_article_html_date_and_outlet_from_url():
    page = HTML_PAGE.replace('<meta property="og:site_name" content="Journal du Sahel">', "").replace(
        '<meta property="article:published_time" content="2023-09-14T08:30:00+00:00">', ""
    )
    page = page.replace("<title>Le fleuve Niger en crue | Journal du Sahel</title>", "")
    page = page.replace("<footer>Copyright © 2023 Journal du Sahel. Tous droits réservés.</footer>", "")
    doc = Document.from_bytes(
        page.encode("utf-8"),
        media_type="text/html",
        source="test",
        container="file",
        url="https://www.sahel-info.example/2023/09/15/fleuve-niger-crue.html",
        hints=UTF8,
    )
    article = extract_article(doc)
    assert (article.published, article.published_source) == (date(2023, 9, 15), "url")
    assert (article.outlet, article.outlet_source) == ("sahel-info.example", "url")


def test_article_html_without_body_is_no_article():
    doc = Document.from_bytes(
        b"<html><head><title>Vide</title></head></html>", media_type="text/html", source="t", container="file"
    )
    with pytest.raises(ExtractionError) as info:
        extract_article(doc)
    assert info.value.code == "no_article"


def test_article_octet_stream_is_not_article():
    doc = Document.from_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00", media_type="application/octet-stream", source="t", container="file"
    )
    with pytest.raises(ExtractionError) as info:
        extract_article(doc)
    assert info.value.code == "not_article"


def test_article_too_large_and_binary_and_bad_encoding(seed_paths):
    raw = seed_paths[SEED_000].read_bytes()
    doc = Document.from_bytes(raw, media_type="text/plain", source="t", container="file", hints=UTF8)
    with pytest.raises(TooLargeError) as info:
        extract_article(doc, settings=Settings(max_document_bytes=100))
    assert info.value.code == "too_large"
    binary = Document.from_bytes(b"abc\x00def" * 50, media_type="text/plain", source="t", container="file")
    with pytest.raises(NotTextError):
        extract_article(binary)
    unknown = Document.from_bytes(
        raw, media_type="text/plain", source="t", container="file", hints={"encoding": "x-nope"}
    )
    with pytest.raises(EncodingError) as info:
        extract_article(unknown)
    assert info.value.code == "bad_encoding"


def test_article_json_record():
    record = {
        "title": "Sécheresse au Sahel",
        "maintext": "La saison des pluies a tardé cette année dans tout le Sahel central.\n"
        "Les éleveurs ont commencé leur transhumance plus tôt que prévu vers le sud.",
        "url": "https://www.example-news.example/sahel/secheresse",
        "date_publish": "2023-06-02 10:15:00",
        "source_domain": "example-news.example",
        "authors": ["Awa Traoré", "Issa Diallo"],
        "language": "fr",
    }
    doc = Document.from_bytes(
        json.dumps(record, ensure_ascii=False).encode("utf-8"),
        media_type="application/json",
        source="t",
        container="jsonl",
    )
    article = extract_article(doc)
    assert article.text == (
        "Sécheresse au Sahel\n\nLa saison des pluies a tardé cette année dans tout le Sahel central.\n\n"
        "Les éleveurs ont commencé leur transhumance plus tôt que prévu vers le sud."
    )
    assert (article.published, article.published_source) == (date(2023, 6, 2), "metadata")
    assert (article.outlet, article.outlet_source) == ("example-news.example", "metadata")
    assert (article.author, article.author_source) == ("Awa Traoré, Issa Diallo", "metadata")
    assert article.url == record["url"]


def test_article_atom_record_with_html_maintext():
    record = {
        "title": "Le barrage de Kandadji",
        "maintext": "<div><p>Les travaux du barrage de Kandadji ont repris <b>lundi</b> sur le fleuve Niger.</p>"
        "<p>Le chantier doit fournir de l'électricité à plusieurs régions du pays.</p>"
        "<script>track()</script></div>",
        "url": "https://feeds.example/kandadji",
        "date_publish": "2023-03-20T09:00:00+00:00",
        "feed_title": "Actualités du fleuve",
        "authors": [],
    }
    doc = Document.from_bytes(
        json.dumps(record).encode("utf-8"),
        media_type="application/json",
        source="feed",
        container="atom",
        hints=UTF8,
    )
    article = extract_article(doc)
    assert article.text.split("\n\n") == [
        "Le barrage de Kandadji",
        "Les travaux du barrage de Kandadji ont repris lundi sur le fleuve Niger.",
        "Le chantier doit fournir de l'électricité à plusieurs régions du pays.",
    ]
    assert (article.outlet, article.outlet_source) == ("Actualités du fleuve", "metadata")
    assert article.author is None


def test_article_json_without_text_or_description_is_no_article():
    doc = Document.from_bytes(
        b'{"title": "Seulement un titre"}', media_type="application/json", source="t", container="jsonl"
    )
    with pytest.raises(ExtractionError) as info:
        extract_article(doc)
    assert info.value.code == "no_article"


FRENCH_PAGES = [
    "lapresse.tn.parite.html",
    "bondyblog.fr.paris-8.html",
    "ledevoir.com.trottinettes.html",
    "sciencesetavenir.fr.rumeur.html",
]


@pytest.mark.parametrize("file", FRENCH_PAGES)
def test_article_real_french_pages(eval_dir: Path, file):
    base = eval_dir / "trafilatura-dev"
    gold = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    urls = {
        row["file"]: row["url"]
        for row in csv.DictReader((base / "lang_index.tsv").open(encoding="utf-8"), delimiter="\t")
    }
    url = urls[file]
    item = gold[url]
    raw = gzip.decompress((base / "html" / f"{file}.gz").read_bytes())
    doc = Document.from_bytes(
        raw,
        media_type="text/html",
        source=file,
        container="file",
        url=url if url.startswith("http") else None,
    )
    article = extract_article(doc)
    text = _ws(article.text)
    assert all(_ws(s) in text for s in item["with"])
    assert not any(_ws(s) in text for s in item["without"])
    assert str(article.published) == item["date"]
    assert article.title_source == "metadata" and article.title
    assert article.outlet and article.outlet_source == "metadata"
