"""Fetch http(s) URLs politely and safely: one httpx client, robots.txt of every host reached obeyed, a
per-host delay and concurrency limit, and hard bounds on what one URL may cost.

Bounds (issue 22): one total deadline per fetch (``fetch_timeout``, wall clock across DNS, connect, headers
and body: every socket read is given only the time that is left, so a server sending a byte every few seconds
cannot stretch it), a size cap counted on the *decoded* bytes while they stream (``fetch_max_bytes``; a gzip
bomb stops at the cap), a redirect limit (``fetch_max_redirects``), http and https only (the first URL and
every redirect). Loopback, private, link-local, multicast and reserved addresses are refused unless
``allow_private``: the check runs on the addresses DNS gives, and the connection is made to the very address
that was checked (no second lookup, so DNS rebinding cannot swap it), on every hop.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import threading
import time
import urllib.robotparser
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from veille.errors import FetchError, TooLargeError, VeilleError
from veille.ingest.base import Ingested, failed
from veille.ingest.encoding import charset_from_content_type
from veille.ingest.files import iter_bytes
from veille.settings import Settings

logger = logging.getLogger(__name__)

SCHEMES = frozenset({"http", "https"})
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt
ROBOTS_CACHE_HOSTS = 2048  # robots.txt rules kept in memory, the least recently used dropped first
ROBOTS_TTL = 24 * 3600.0  # seconds a host's robots.txt is trusted before it is read again
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def is_url(source: str) -> bool:
    """Return True when ``source`` is an http or https URL."""
    return urlsplit(source).scheme.lower() in SCHEMES


def host_key(url: str) -> str:
    """Return the ``scheme://host[:port]`` a URL is served from (lower case): the unit of politeness."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def refused_address(address: str) -> str | None:
    """Return why an IP address may not be fetched without ``allow_private`` (loopback, private...), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for name in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if not ip.is_global:  # shared address space (100.64/10), documentation ranges...
        return "not global"
    return None


# The total deadline of the fetch running in this thread (time.monotonic() value; absent: none).
_deadline = threading.local()


def _left(timeout: float | None) -> float | None:
    """Return ``timeout`` cut to what is left of this thread's deadline; ReadTimeout when none is left."""
    at: float | None = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the fetch's total deadline has passed")
    return left if timeout is None else min(timeout, left)


class _AddressRefused(httpcore.ConnectError):
    """The host resolves only to addresses that may not be fetched (see ``refused_address``)."""


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read and write waits at most for what is left of the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves the host once, refuses non-public addresses (unless allowed), connects to the checked one."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        _left(timeout)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self.allow_private:
            reasons = {a: refused_address(a) for a in addresses}
            allowed = [a for a in addresses if reasons[a] is None]
            if not allowed:
                shown = ", ".join(f"{a} ({reasons[a]})" for a in addresses)
                raise _AddressRefused(
                    f"{host} resolves to {shown}: not fetched (allow it with --allow-private or allow_private)"
                )
            addresses = allowed
        error: Exception | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(address, port, _left(timeout), local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        assert error is not None  # getaddrinfo never returns an empty list without raising
        raise error


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport on a connection pool that connects through ``_GuardedBackend`` (never a proxy)."""

    def __init__(self, allow_private: bool, max_connections: int) -> None:
        super().__init__(trust_env=False)
        # httpx builds its pool without a network backend argument; this one is the same pool with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            network_backend=_GuardedBackend(allow_private),
        )


@dataclass(frozen=True, slots=True)
class Fetched:
    """One URL's answer: its final URL, status (200, or 304 for a conditional request), headers, decoded body."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    redirects: int = 0

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class _Decoder:
    """Undo Content-Encoding (gzip, deflate or none) chunk by chunk, never holding more than ``cap`` bytes."""

    def __init__(self, encoding: str, cap: int, url: str) -> None:
        self.cap, self.url, self.size = cap, url, 0
        self.parts: list[bytes] = []
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip() != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in {"gzip", "x-gzip", "deflate"}):
            raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r} (asked for gzip or deflate)")
        self._z: Any = None
        self._deflate = bool(codings) and codings[0] == "deflate"
        if codings:
            self._z = zlib.decompressobj(wbits=15 if self._deflate else 31)

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise TooLargeError(
                f"{self.url}: more than {self.cap:,} bytes once decoded (fetch_max_bytes); not stored"
            )
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self._z is None:
            self._keep(chunk)
            return
        data = chunk
        while data:
            try:
                out = self._z.decompress(data, self.cap - self.size + 1)
            except zlib.error as exc:
                if self._deflate and self.size == 0 and not self.parts:
                    # some servers send raw deflate without the zlib header
                    self._z, self._deflate = zlib.decompressobj(wbits=-15), False
                    out = self._z.decompress(data, self.cap - self.size + 1)
                else:
                    raise FetchError(f"{self.url}: corrupt compressed body ({exc})") from exc
            self._keep(out)
            data = self._z.unconsumed_tail

    def body(self) -> bytes:
        return b"".join(self.parts)


class _HostGate:
    """Per-host politeness shared by threads: at most ``limit`` requests at once, ``delay`` between starts."""

    def __init__(self, delay: float, limit: int) -> None:
        self.delay, self.limit = delay, max(1, limit)
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def enter(self, host: str, *, paced: bool = True) -> None:
        """Take one of the host's slots and, when ``paced``, wait for the delay since the last paced start."""
        with self._lock:
            slot = self._slots.setdefault(host, threading.BoundedSemaphore(self.limit))
        slot.acquire()
        if not paced:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self.delay
        if start > now:
            logger.debug("waiting %.2fs before the next request to %s", start - now, host)
            time.sleep(start - now)

    def leave(self, host: str) -> None:
        self._slots[host].release()

    def ready_in(self, host: str) -> float:
        """Return the seconds before a new request to ``host`` may start (0: now)."""
        with self._lock:
            return max(0.0, self._next.get(host, 0.0) - time.monotonic())


@dataclass(slots=True)
class FetchCounts:
    """Requests made by a Fetcher: all of them, 304 answers, robots.txt reads, refusals (thread-safe adds)."""

    requests: int = 0
    not_modified: int = 0
    robots: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def as_dict(self) -> dict[str, int]:
        return {"requests": self.requests, "not_modified": self.not_modified, "robots": self.robots}


class Fetcher:
    """A polite, bounded fetcher (see the module text); safe to share between threads.

    ``get`` returns a ``Fetched`` or raises FetchError / TooLargeError; ``fetch`` yields Ingested items and
    never raises for one bad URL. Use as a context manager.
    """

    def __init__(
        self, settings: Settings, *, allow_private: bool | None = None, connections: int = 16
    ) -> None:
        self.settings = settings
        self.allow_private = settings.allow_private if allow_private is None else allow_private
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=settings.fetch_timeout,
            follow_redirects=False,
            transport=_GuardedTransport(self.allow_private, connections),
            trust_env=False,
        )
        self._gate = _HostGate(settings.fetch_delay, settings.fetch_host_concurrency)
        self._robots: OrderedDict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = (
            OrderedDict()
        )
        self._robots_lock = threading.Lock()
        self._reading: dict[str, threading.Lock] = {}
        self.counts = FetchCounts()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def ready_in(self, host: str) -> float:
        """Return the seconds before a request to ``host`` (a ``host_key``) may start under ``fetch_delay``."""
        return self._gate.ready_in(host)

    # one request -------------------------------------------------------------------------------------
    def _request(
        self, url: str, headers: Mapping[str, str], cap: int, *, paced: bool = True
    ) -> tuple[int, httpx.Headers, bytes, str]:
        """GET one URL (no redirect followed) within the thread's deadline; return status, headers, body, url.

        ``paced`` False (robots.txt): the request takes a host slot but neither waits for nor starts the
        host's ``fetch_delay``, so reading a host's rules does not delay its first page."""
        host = host_key(url)
        waited = time.monotonic()
        self._gate.enter(host, paced=paced)
        if getattr(_deadline, "at", None) is not None:
            _deadline.at += time.monotonic() - waited  # our turn at a host is not the server's time
        try:
            self.counts.add("requests")
            with self._client.stream("GET", url, headers=dict(headers), timeout=_left(None)) as response:
                status = response.status_code
                if status in _REDIRECTS or status == 304 or status >= 400:
                    return status, response.headers, b"", str(response.url)
                length = response.headers.get("content-length", "")
                encoding = response.headers.get("content-encoding", "")
                if length.isdigit() and not encoding and int(length) > cap:
                    raise TooLargeError(
                        f"{url}: Content-Length {int(length):,} is over {cap:,} bytes (fetch_max_bytes); not stored"
                    )
                decoder = _Decoder(encoding, cap, url)
                for chunk in response.iter_raw(_CHUNK):
                    decoder.feed(chunk)
                return status, response.headers, decoder.body(), str(response.url)
        finally:
            self._gate.leave(host)

    def get(
        self, url: str, *, headers: Mapping[str, str] | None = None, max_bytes: int | None = None
    ) -> Fetched:
        """GET ``url`` following redirects (each hop checked: scheme, robots.txt, address), within one deadline.

        Returns a Fetched with status 200-299, or 304 when ``headers`` made it conditional; raises FetchError
        (HTTP error, refusal, timeout, network error) or TooLargeError (over ``max_bytes`` once decoded).
        """
        outer = getattr(_deadline, "at", None)
        _deadline.at = time.monotonic() + self.settings.fetch_timeout
        try:
            return self._get(url, dict(headers or {}), max_bytes or self.settings.fetch_max_bytes)
        except httpx.TimeoutException as exc:
            raise FetchError(
                f"{url}: timed out after {self.settings.fetch_timeout:g}s in all (fetch_timeout; {type(exc).__name__})"
            ) from exc
        except httpcore.ReadTimeout as exc:  # raised by _left outside httpx's exception mapping
            raise FetchError(
                f"{url}: timed out after {self.settings.fetch_timeout:g}s in all (fetch_timeout)"
            ) from exc
        except httpx.HTTPError as exc:
            if isinstance(exc.__cause__, _AddressRefused):
                raise FetchError(f"{url}: {exc}") from exc
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
        finally:
            _deadline.at = outer

    def _get(self, url: str, headers: dict[str, str], cap: int) -> Fetched:
        current = url
        for hop in range(self.settings.fetch_max_redirects + 1):
            scheme = urlsplit(current).scheme.lower()
            if scheme not in SCHEMES:
                where = "URL" if hop == 0 else f"redirect to {current}"
                raise FetchError(
                    f"{url}: {where}: only http and https are fetched, not {scheme or 'no scheme'!r}"
                )
            if self.settings.respect_robots and not self._allowed(current):
                where = "" if hop == 0 else f" (redirected to {current})"
                raise FetchError(f"{url}{where}: disallowed by robots.txt for {self.settings.user_agent!r}")
            status, answer, body, final = self._request(current, headers if hop == 0 else {}, cap)
            if status in _REDIRECTS:
                location = answer.get("location")
                if not location:
                    raise FetchError(f"{url}: HTTP {status} without a Location header")
                current = urljoin(current, location)
                continue
            if status == 304:
                self.counts.add("not_modified")
            elif status >= 400:
                raise FetchError(f"{url}: HTTP {status} {httpx.codes.get_reason_phrase(status)}".rstrip())
            return Fetched(url, final, status, {k.lower(): v for k, v in answer.items()}, body, hop)
        raise FetchError(
            f"{url}: more than {self.settings.fetch_max_redirects} redirects (fetch_max_redirects); last {current}"
        )

    # robots.txt --------------------------------------------------------------------------------------
    def _cached_robots(self, key: str) -> tuple[bool, urllib.robotparser.RobotFileParser | None]:
        with self._robots_lock:
            cached = self._robots.get(key)
            if cached is not None and time.monotonic() - cached[0] < ROBOTS_TTL:
                self._robots.move_to_end(key)
                return True, cached[1]
        return False, None

    def _allowed(self, url: str) -> bool:
        key = host_key(url)
        found, parser = self._cached_robots(key)
        if not found:
            with self._robots_lock:
                reading = self._reading.setdefault(key, threading.Lock())
            with reading:  # one thread reads a host's robots.txt; the others wait for its answer
                found, parser = self._cached_robots(key)
                if not found:
                    parser = self._read_robots(key)
                    with self._robots_lock:
                        self._robots[key] = (time.monotonic(), parser)
                        while len(self._robots) > ROBOTS_CACHE_HOSTS:
                            self._reading.pop(self._robots.popitem(last=False)[0], None)
        return parser is None or parser.can_fetch(self.settings.user_agent, url)

    def _read_robots(self, key: str) -> urllib.robotparser.RobotFileParser | None:
        self.counts.add("robots")
        current = f"{key}/robots.txt"
        try:
            for _ in range(self.settings.fetch_max_redirects + 1):
                status, answer, body, _final = self._request(current, {}, ROBOTS_MAX_BYTES, paced=False)
                if status not in _REDIRECTS or not answer.get("location"):
                    break
                current = urljoin(current, answer["location"])
                if not is_url(current):
                    return None
            else:
                return None
        except (httpx.HTTPError, httpcore.ReadTimeout, VeilleError) as exc:
            # The page request itself fails with its own reason when the host is down or refused.
            logger.debug("robots.txt of %s unreadable (%s); treated as allowed", key, exc)
            return None
        if 400 <= status < 500 and status not in (401, 403):
            return None  # RFC 9309: no rules
        parser = urllib.robotparser.RobotFileParser()
        # RFC 9309: 401/403 and server errors mean "disallow everything".
        text = body.decode("utf-8", "replace") if status < 400 else "User-agent: *\nDisallow: /"
        parser.parse(text.splitlines())
        return parser

    # veille ingest -------------------------------------------------------------------------------------
    def fetch(self, url: str) -> Iterator[Ingested]:
        """Yield the Ingested items of one URL (container url; feeds and records split as for files).

        Refusals, HTTP errors and timeouts yield Ingested(None, Failure ``fetch_failed``); a body over
        ``fetch_max_bytes`` once decoded yields Ingested(None, Failure ``too_large``).
        """
        try:
            answer = self.get(url)
        except VeilleError as exc:
            yield failed(None, exc, source=url)
            return
        content_type = answer.content_type
        logger.debug("fetched %s -> %s (%s, %d bytes)", url, answer.final_url, content_type, len(answer.body))
        yield from iter_bytes(
            answer.body,
            source=url,
            origin="url",
            max_bytes=self.settings.max_document_bytes,
            name=urlsplit(answer.final_url).path,
            content_type=content_type,
            declared=charset_from_content_type(content_type),
            url=answer.final_url,
        )
