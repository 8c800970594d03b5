"""A local HTTP server on 127.0.0.1 that plays news outlets for the watcher's tests and benchmark.

``World`` holds what every outlet serves (feeds and article pages), mutable between polls; the handler
answers conditional requests (ETag, Last-Modified → 304) and plays the bad servers: 500s, a slow server, a
redirect loop, an endless body, broken XML. Every request is logged (path, conditional or not, status).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def rss(title: str, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (guid, link, title) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{guid}</guid>"
        "<pubDate>Tue, 07 Feb 2023 09:30:00 GMT</pubDate></item>"
        for guid, link, t in items
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{title}</title>"
        f"{body}</channel></rss>"
    ).encode()


def sitemap(urls: list[tuple[str, str]]) -> bytes:
    """A news sitemap of (url, title)."""
    body = "".join(
        f"<url><loc>{u}</loc><news:news><news:publication><news:name>Sahel Info</news:name>"
        f"<news:language>fr</news:language></news:publication>"
        f"<news:publication_date>2023-02-07T09:30:00+00:00</news:publication_date>"
        f"<news:title>{t}</news:title></news:news></url>"
        for u, t in urls
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'"
        f" xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{body}</urlset>"
    ).encode()


def page(title: str, text: str) -> bytes:
    """An article page."""
    return (
        f"<html lang='fr'><head><meta charset='utf-8'><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1><p>{text}</p></article></body></html>"
    ).encode()


@dataclass
class World:
    """What the server serves: path → (content type, body); ``behaviours``: path → special behaviour name."""

    resources: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    behaviours: dict[str, str] = field(default_factory=dict)
    page_delay: float = 0.0  # seconds before each article page (paths under /a/)
    log: list[tuple[str, bool, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, path: str, ctype: str, body: bytes) -> None:
        self.resources[path] = (ctype, body)

    def requests(self, path: str) -> list[tuple[str, bool, int]]:
        with self.lock:
            return [r for r in self.log if r[0] == path]

    def paths(self) -> list[str]:
        with self.lock:
            return [r[0] for r in self.log]


_MODIFIED = formatdate(1675762200, usegmt=True)  # one Last-Modified for every resource


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _log(self, conditional: bool, status: int) -> None:
        world: World = self.server.world  # type: ignore[attr-defined]
        with world.lock:
            world.log.append((self.path, conditional, status))

    def do_GET(self):  # noqa: N802 - http.server's naming
        world: World = self.server.world  # type: ignore[attr-defined]
        path = self.path
        conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
        behaviour = world.behaviours.get(path)
        if path.endswith("/robots.txt") and path not in world.resources:
            return self._send(404, "text/plain", b"", conditional)
        if behaviour == "error":
            return self._send(500, "text/plain", b"panne", conditional)
        if behaviour == "slow":
            time.sleep(3.0)
            return self._send(200, "application/rss+xml", rss("Lent", []), conditional)
        if behaviour == "loop":
            self._log(conditional, 302)
            self.send_response(302)
            self.send_header("Location", path[:-1] if path.endswith("2") else path + "2")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if behaviour == "endless":
            self._log(conditional, 200)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<item><title>encore</title></item>" * 2000
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:
                return None
        if path not in world.resources:
            return self._send(404, "text/plain", b"introuvable", conditional)
        ctype, body = world.resources[path]
        if "/a/" in path and world.page_delay:
            time.sleep(world.page_delay)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag or (
            not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == _MODIFIED
        ):
            self._log(conditional, 304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._send(200, ctype, body, conditional, etag)

    def _send(self, status: int, ctype: str, body: bytes, conditional: bool, etag: str | None = None) -> None:
        self._log(conditional, status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", _MODIFIED)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def log_message(self, *args):
        pass


class OutletServer:
    """The server in a thread (a context manager); ``base`` is its http://127.0.0.1:PORT address."""

    def __init__(self, world: World) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.world = world  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> OutletServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
