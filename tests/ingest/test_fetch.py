"""URL fetching against a real HTTP server on 127.0.0.1: user agent, robots.txt, errors, per-host delay."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from veille.ingest import iter_inputs
from veille.settings import Settings

PAGE = (
    "<html><head><title>Lavrov à Bamako</title></head><body><p>Le ministre russe est arrivé à Bamako."
    "</p></body></html>"
)
RSS = (
    "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Flux</title>"
    "<item><title>Visite</title><link>http://exemple.ml/visite</link><guid>v1</guid>"
    "<pubDate>Tue, 07 Feb 2023 09:30:00 GMT</pubDate><description>Résumé</description></item>"
    "</channel></rss>"
)
ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /prive/\n"),
    "/article.html": (200, "text/html; charset=utf-8", PAGE.encode("utf-8")),
    "/latin": (200, "text/html; charset=ISO-8859-1", PAGE.encode("latin-1")),
    "/prive/secret.html": (200, "text/html", b"<html><body>secret</body></html>"),
    "/flux": (200, "application/rss+xml", RSS.encode("utf-8")),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.log.append((self.path, time.monotonic(), self.headers.get("User-Agent")))
        if self.path == "/ancien":
            self.send_response(301)
            self.send_header("Location", "/article.html")
            self.end_headers()
            return
        status, ctype, body = ROUTES.get(self.path, (404, "text/html", b"<html>introuvable</html>"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.log = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _settings(**kw):
    return Settings(
        **{"user_agent": "veille-test/1.0 (+mailto:test@example.invalid)", "fetch_delay": 0.0, **kw}
    )


def test_fetch_html_with_user_agent_and_charset(server):
    httpd, base = server
    items = list(iter_inputs([f"{base}/article.html", f"{base}/latin"], settings=_settings()))
    assert [i.failure for i in items] == [None, None]
    page, latin = (i.document for i in items)
    assert (page.media_type, page.container, page.source) == ("text/html", "url", f"{base}/article.html")
    assert page.raw == PAGE.encode("utf-8") and page.url == f"{base}/article.html"
    assert (latin.hints["encoding"], latin.hints["encoding_source"]) == ("cp1252", "declared")
    assert "arrivé à Bamako" in latin.raw.decode(latin.hints["encoding"])
    paths = [path for path, _, _ in httpd.log]
    assert paths == ["/robots.txt", "/article.html", "/latin"]
    assert {ua for _, _, ua in httpd.log} == {"veille-test/1.0 (+mailto:test@example.invalid)"}


def test_fetch_redirect_keeps_final_url(server):
    _, base = server
    [item] = list(iter_inputs([f"{base}/ancien"], settings=_settings()))
    assert item.failure is None
    assert item.document.source == f"{base}/ancien" and item.document.url == f"{base}/article.html"


def test_fetch_robots_disallow_and_404_are_failures(server):
    httpd, base = server
    items = list(iter_inputs([f"{base}/prive/secret.html", f"{base}/absent"], settings=_settings()))
    assert [i.document for i in items] == [None, None]
    robots, missing = (i.failure for i in items)
    assert robots.code == "fetch_failed" and "robots.txt" in robots.message
    assert robots.item_id == f"{base}/prive/secret.html"
    assert missing.code == "fetch_failed" and "404" in missing.message
    assert "/prive/secret.html" not in [path for path, _, _ in httpd.log]
    [item] = list(iter_inputs([f"{base}/prive/secret.html"], settings=_settings(respect_robots=False)))
    assert item.failure is None and item.document.raw == ROUTES["/prive/secret.html"][2]


def test_fetch_per_host_delay(server):
    httpd, base = server
    urls = [f"{base}/article.html", f"{base}/latin", f"{base}/absent"]
    items = list(iter_inputs(urls, settings=_settings(fetch_delay=0.2)))
    assert [i.failure.code if i.failure else None for i in items] == [None, None, "fetch_failed"]
    times = [t for _, t, _ in httpd.log]
    assert len(times) == 4  # robots.txt + three pages
    assert all(b - a >= 0.19 for a, b in zip(times, times[1:], strict=False))


def test_fetch_feed_and_unreachable_host(server):
    _, base = server
    items = list(
        iter_inputs([f"{base}/flux", "http://127.0.0.1:9/rien"], settings=_settings(fetch_timeout=2.0))
    )
    feed, down = items
    assert feed.failure is None and feed.document.container == "rss"
    assert json.loads(feed.document.raw)["url"] == "http://exemple.ml/visite"
    assert feed.document.hints["feed"] == f"{base}/flux"
    assert down.document is None and down.failure.code == "fetch_failed"
