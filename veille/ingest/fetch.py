"""Fetch http(s) URLs politely: one httpx client, robots.txt obeyed, a per-host delay between requests."""

from __future__ import annotations

import logging
import time
import urllib.robotparser
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx

from veille.errors import FetchError
from veille.ingest.base import Ingested, failed
from veille.ingest.encoding import charset_from_content_type
from veille.ingest.files import iter_bytes
from veille.settings import Settings

logger = logging.getLogger(__name__)


def is_url(source: str) -> bool:
    """Return True when ``source`` is an http or https URL."""
    return urlsplit(source).scheme.lower() in {"http", "https"}


class Fetcher:
    """A polite fetcher: per-host clock (``fetch_delay``), robots.txt cache, configured user agent.

    Use as a context manager; ``fetch`` yields Ingested items and never raises for one bad URL.
    """

    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=settings.fetch_timeout,
            follow_redirects=True,
            transport=transport,
        )
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def _wait(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            pause = self.settings.fetch_delay - (time.monotonic() - last)
            if pause > 0:
                logger.debug("waiting %.2fs before the next request to %s", pause, host)
                time.sleep(pause)

    def _get(self, url: str) -> httpx.Response:
        host = urlsplit(url).netloc.lower()
        self._wait(host)
        try:
            return self._client.get(url)
        finally:
            self._last[host] = time.monotonic()

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        if key in self._robots:
            return self._robots[key]
        parser: urllib.robotparser.RobotFileParser | None = None
        try:
            response = self._get(f"{key}/robots.txt")
        except httpx.HTTPError as exc:
            # The page request itself will fail with its own reason if the host is down.
            logger.debug("robots.txt of %s unreachable (%s); treated as allowed", key, exc)
        else:
            status = response.status_code
            if status < 400 or status in (401, 403) or status >= 500:
                parser = urllib.robotparser.RobotFileParser()
                # RFC 9309: 401/403 and server errors mean "disallow everything"; other 4xx mean no rules.
                lines = response.text.splitlines() if status < 400 else ["User-agent: *", "Disallow: /"]
                parser.parse(lines)
        self._robots[key] = parser
        return parser

    def fetch(self, url: str) -> Iterator[Ingested]:
        """Yield the Ingested items of one URL (container url; feeds and records split as for files).

        HTTP errors, timeouts and robots.txt refusals yield Ingested(None, Failure ``fetch_failed``).
        """
        max_bytes = self.settings.max_document_bytes
        try:
            if self.settings.respect_robots:
                robots = self._robots_for(url)
                if robots is not None and not robots.can_fetch(self.settings.user_agent, url):
                    raise FetchError(f"{url}: disallowed by robots.txt for {self.settings.user_agent!r}")
            response = self._get(url)
            if response.status_code >= 400:
                raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
        except httpx.TimeoutException as exc:
            yield failed(None, FetchError(f"{url}: timed out ({type(exc).__name__})"), source=url)
            return
        except httpx.HTTPError as exc:
            yield failed(None, FetchError(f"{url}: {type(exc).__name__}: {exc}"), source=url)
            return
        except FetchError as exc:
            yield failed(None, exc, source=url)
            return
        final_url = str(response.url)
        content_type = response.headers.get("Content-Type")
        logger.debug("fetched %s -> %s (%s, %d bytes)", url, final_url, content_type, len(response.content))
        yield from iter_bytes(
            response.content,
            source=url,
            origin="url",
            max_bytes=max_bytes,
            name=urlsplit(final_url).path,
            content_type=content_type,
            declared=charset_from_content_type(content_type),
            url=final_url,
        )
