"""RSS 2.0 and Atom feeds as real XML: one news-please-like JSON record per entry."""

from __future__ import annotations

import json

from veille.ingest import iter_inputs
from veille.settings import Settings

SETTINGS = Settings()
RSS = """<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Le Journal de Bamako</title>
  <link>https://journal.example.ml/</link>
  <language>fr</language>
  <item>
    <title>Sergueï Lavrov à Bamako</title>
    <link>https://journal.example.ml/lavrov</link>
    <guid isPermaLink="false">jdb-1234</guid>
    <pubDate>Tue, 07 Feb 2023 09:30:00 +0100</pubDate>
    <dc:creator>Aminata Traoré</dc:creator>
    <description>Visite de deux jours du ministre russe.</description>
    <content:encoded><![CDATA[<p>Le ministre russe des Affaires étrangères est arrivé au Mali.</p>]]></content:encoded>
  </item>
  <item>
    <title>Coopération renforcée</title>
    <link>https://journal.example.ml/coop</link>
    <pubDate>Wed, 08 Feb 2023 12:00:00 GMT</pubDate>
    <description>Les deux pays signent un accord.</description>
  </item>
</channel>
</rss>
"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <title>Agence de presse malienne</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2023-02-07T12:00:00Z</updated>
  <entry>
    <title>Lavrov reçu par Goïta</title>
    <link rel="alternate" href="https://agence.example.ml/goita-lavrov"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2023-02-07T11:00:00+01:00</updated>
    <author><name>Rédaction</name></author>
    <summary>Le président de la transition a reçu le ministre.</summary>
    <content type="html">&lt;p&gt;Le colonel Assimi Goïta a reçu Sergueï Lavrov.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def _ingest(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return list(iter_inputs([str(path)], settings=SETTINGS)), str(path.resolve())


def test_feeds_rss_entries_become_records(tmp_path):
    items, source = _ingest(tmp_path, "journal.xml", RSS.encode("iso-8859-1"))
    assert [i.failure for i in items] == [None, None]
    first, second = (i.document for i in items)
    assert (first.media_type, first.container) == ("application/json", "rss")
    assert first.url == "https://journal.example.ml/lavrov" and first.record_id == "jdb-1234"
    assert second.record_id == "https://journal.example.ml/coop"
    assert first.hints["feed"] == source
    record = json.loads(first.raw)
    assert record["title"] == "Sergueï Lavrov à Bamako"
    assert record["date_publish"] == "2023-02-07T08:30:00+00:00"
    assert record["authors"] == ["Aminata Traoré"]
    assert record["maintext"] == "<p>Le ministre russe des Affaires étrangères est arrivé au Mali.</p>"
    assert record["description"] == "Visite de deux jours du ministre russe."
    assert record["source_domain"] == record["feed_title"] == "Le Journal de Bamako"
    assert record["feed_url"] == source and record["language"] == "fr"
    assert first.raw == json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    assert json.loads(second.raw)["maintext"] == "Les deux pays signent un accord."


def test_feeds_atom_entry(tmp_path):
    items, _ = _ingest(tmp_path, "agence.atom", ATOM.encode("utf-8"))
    [item] = items
    doc = item.document
    assert item.failure is None and doc.container == "atom"
    assert doc.url == "https://agence.example.ml/goita-lavrov"
    assert doc.record_id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    record = json.loads(doc.raw)
    assert record["date_publish"] == "2023-02-07T10:00:00+00:00"
    assert record["maintext"] == "<p>Le colonel Assimi Goïta a reçu Sergueï Lavrov.</p>"
    assert record["authors"] == ["Rédaction"] and record["feed_title"] == "Agence de presse malienne"


def test_feeds_not_xml_is_malformed(tmp_path):
    raw = b"<rss version='2.0'><channel><title>Coup\xe9 & < </tit"
    items, source = _ingest(tmp_path, "cut.rss", raw)
    [item] = items
    assert item.failure.code == "malformed" and item.document.media_type == "application/octet-stream"
    assert item.document.raw.startswith(raw) and item.failure.source == source
    garbage, _ = _ingest(tmp_path, "feed.rss", b"Service Unavailable")
    assert [i.failure.code for i in garbage] == ["malformed"]
