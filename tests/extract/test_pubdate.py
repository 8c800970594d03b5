"""find_publication_date on hand-built pages and on a fixed subset of htmldate's evaluation pages."""

import datetime
import gzip
import json

import htmldate
from trafilatura.utils import decode_file

from veille.extract.pubdate import find_publication_date

ARTICLE = (
    "<h1>Le marché couvert rouvre ses portes</h1>"
    "<p>Après deux ans de travaux, les commerçants retrouvent leurs étals et les habitués leurs habitudes.</p>"
    "<p>La municipalité promet une inauguration festive au printemps prochain.</p>"
)


def page(head: str = "", body: str = ARTICLE, lang: str = "fr") -> str:
    return f'<html lang="{lang}"><head><title>Le marché</title>{head}</head><body><article>{body}</article></body></html>'


def test_pubdate_reads_jsonld_date_published():
    ld = '{"@context": "https://schema.org", "@type": "NewsArticle", "datePublished": "2023-02-06T10:00:00+01:00"}'
    found = find_publication_date(page(f'<script type="application/ld+json">{ld}</script>'))
    assert found is not None
    assert found.value == datetime.date(2023, 2, 6)
    assert found.source == "metadata"
    assert "datePublished" in found.evidence


def test_pubdate_reads_og_published_time():
    head = '<meta property="article:published_time" content="2022-11-15T08:30:00+01:00">'
    found = find_publication_date(page(head))
    assert found is not None and found.value == datetime.date(2022, 11, 15) and found.source == "metadata"


def test_pubdate_reads_date_in_url():
    found = find_publication_date(page(), "https://journal.example/2023/02/06/marche-couvert/")
    assert found is not None
    assert (found.value, found.source) == (datetime.date(2023, 2, 6), "url")


def test_pubdate_url_title_number_is_not_a_day():
    ld = '{"@type": "BlogPosting", "datePublished": "2023-10-31T08:47:16+00:00"}'
    html = page(f'<script type="application/ld+json">{ld}</script>')
    found = find_publication_date(html, "https://blog.example/2023/10/3-fragen-an-die-leitung/")
    assert found is not None and found.value == datetime.date(2023, 10, 31)


def test_pubdate_prefers_published_over_modified():
    head = (
        '<meta property="article:modified_time" content="2023-03-20T09:00:00+01:00">'
        '<meta property="article:published_time" content="2023-03-02T18:00:00+01:00">'
    )
    ld = '{"@type": "Article", "dateModified": "2023-03-20T09:00:00+01:00", "datePublished": "2023-03-02T18:00:00+01:00"}'
    found = find_publication_date(page(head + f'<script type="application/ld+json">{ld}</script>'))
    assert found is not None and found.value == datetime.date(2023, 3, 2)


def test_pubdate_clutter_dates_give_none():
    body = (
        ARTICLE + "</article><aside class='most-read'><h2>Les plus lus</h2><ul>"
        "<li><a href='/a'>Un incendie ravage un entrepôt de la zone industrielle</a> <span>12 mars 2023</span></li>"
        "<li><a href='/b'>La ligne de bus 4 prolongée jusqu'à la gare</a> <span>10/03/2023</span></li>"
        "<li><a href='/c'>Résultats du marathon de la ville</a> <span>il y a 2 heures</span></li></ul></aside>"
        "<footer><p>© 2023 Le Journal du Coin. Tous droits réservés.</p></footer><article>"
    )
    html = page(body=body)
    # htmldate alone takes a date from the "most read" list.
    assert htmldate.find_date(html, extensive_search=True, original_date=True) is not None
    assert find_publication_date(html) is None


def test_pubdate_utc_stamp_read_as_local_day():
    head = '<meta property="og:locale" content="en_US"><meta property="article:published_time" content="2020-05-02T02:54:29Z">'
    found = find_publication_date(page(head, lang="en"))
    assert found is not None and found.value == datetime.date(2020, 5, 1)
    # The same stamp in a European locale keeps its UTC day.
    head = head.replace("en_US", "fr_FR")
    found = find_publication_date(page(head))
    assert found is not None and found.value == datetime.date(2020, 5, 2)


def test_pubdate_broken_input_gives_none():
    assert find_publication_date("") is None
    assert find_publication_date("<<<>>>\x00") is None
    assert find_publication_date("<html><body><p>Pas de date ici.</p>") is None


def test_pubdate_beats_htmldate_on_eval_subset(eval_dir):
    folder = eval_dir / "htmldate-dev"
    gold = json.loads((folder / "gold.json").read_text())
    # A fixed subset: every 12th page in URL order (about 42 pages).
    urls = sorted(gold)[::12]
    ours = theirs = 0
    for url in urls:
        entry = gold[url]
        expected = entry["date"] if isinstance(entry["date"], str) else None
        with gzip.open(folder / "html" / f"{entry['file']}.gz") as handle:
            html = decode_file(handle.read())
        found = find_publication_date(html, url)
        ours += (found.value.isoformat() if found else None) == expected
        theirs += htmldate.find_date(html, extensive_search=True, original_date=True, url=url) == expected
    assert ours >= theirs
    assert ours / len(urls) >= 0.85
