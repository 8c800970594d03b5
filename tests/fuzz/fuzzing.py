"""Shared pieces of the property-based tests (tests/fuzz/test_fuzz_*.py): example budgets and strategies.

The suite runs each property on a few dozen examples (FUZZ_EXAMPLES, about 20 s in all); the long run
(tests/fuzz/long_run.py) sets VEILLE_FUZZ_EXAMPLES to run the same properties on many more.
"""

from __future__ import annotations

import io
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

FUZZ_EXAMPLES = int(os.environ.get("VEILLE_FUZZ_EXAMPLES", "0") or 0)


def budget(examples: int) -> settings:
    """Hypothesis settings: ``examples`` in the suite (VEILLE_FUZZ_EXAMPLES in the long run), no deadline."""
    return settings(
        max_examples=FUZZ_EXAMPLES or examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        derandomize=not FUZZ_EXAMPLES,
        database=_long_run_database(),
    )


def _long_run_database() -> ExampleDatabase | None:
    # The suite keeps no example database (nothing written into the tree); the long run keeps its own.
    folder = os.environ.get("VEILLE_FUZZ_DB")
    return DirectoryBasedExampleDatabase(folder) if FUZZ_EXAMPLES and folder else None


WORDS = [
    "Le",
    "président",
    "a",
    "été",
    "reçu",
    "à",
    "Bamako",
    "Niamey",
    "mardi",
    "février",
    "2023",
    "«",
    "»",
    "ministre",
    "déclaré",
    "l'armée",
    "1 200",
    "morts",
    "selon",
    "Ouagadougou",
    "€",
    "—",
    "œuvre",
    "\u00a0",
]
MARKUP = [
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<br>",
    "<script>alert(1)</script>",
    "<style>p{}</style>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<title>",
    "</title>",
    '<meta charset="utf-8">',
    '<meta property="article:published_time" content="2023-02-31T10:00:00Z">',
    "<h1>",
    "</h1>",
    "<article>",
    "</article>",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "&nbsp;",
    "<svg onload=x>",
    "<a href='javascript:alert(1)'>",
    "</a>",
    '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2023-02-06"}</script>',
    "<time datetime='2023-02-06'>",
    "\x00",
    "\ufeff",
    "\n",
    "\r\n",
    " ",
]

# Text the way news is written, with whatever else unicode holds mixed in.
news_text = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=60).map(" ".join)
html_text = st.lists(
    st.one_of(st.sampled_from(WORDS), st.sampled_from(MARKUP), st.text(max_size=8)), max_size=80
).map("".join)
# Western text whose cp1252 bytes are never valid UTF-8: lowercase accented letters (0xE0-0xFF) are UTF-8
# lead bytes that need continuation bytes (0x80-0xBF), and ASCII is none.
cp1252_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.'àâçéèêëîïôùûü", min_size=1, max_size=80)
seeds_names = st.sampled_from(
    ["a.html", "a.txt", "a.json", "a.jsonl", "a.warc", "a.warc.gz", "a.rss", "a.atom", "a.gz", "a", "a.bin"]
)


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few edits: cut, bytes overwritten, inserted or deleted, a chunk repeated."""
    data = bytearray(base)
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["cut", "set", "insert", "delete", "repeat"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "cut":
            del data[at:]
        elif action == "set" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(max_size=16))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 32))]
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


def warc_bytes(records: list[tuple[str, str, bytes, str]], *, gzip: bool) -> bytes:
    """A WARC written by warcio: one record per (type, target URI, payload, content type)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    for number, (rec_type, uri, payload, content_type) in enumerate(records):
        # Fixed date and id: the same records give the same bytes (hypothesis replays examples).
        fixed = {"WARC-Date": "2023-02-06T10:00:00Z", "WARC-Record-ID": f"<urn:uuid:{number:08d}>"}
        if rec_type == "response":
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(payload), http_headers=http, warc_headers_dict=fixed
            )
        else:
            record = writer.create_warc_record(
                uri,
                rec_type,
                payload=io.BytesIO(payload),
                warc_content_type=content_type,
                warc_headers_dict=fixed,
            )
        writer.write_record(record)
    return out.getvalue()
