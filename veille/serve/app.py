"""The web application: one FastAPI app serving the HTTP API (``/api/…``) and the reading pages.

``create_app(settings)`` builds it; ``veille serve`` runs it with uvicorn. Each worker thread reads through
its own store connection (SQLite in WAL mode lets readers run side by side; PostgreSQL pools them); writes
open a store of their own. Every response carries a Content-Security-Policy that forbids inline scripts and
any origin but this one; errors have one shape everywhere: ``{"code", "message", "hint"}``.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import queue
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated

import anyio.to_thread
from cachetools import TTLCache
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from veille import __version__
from veille.errors import StoreError, UsageError, VeilleError
from veille.settings import Settings
from veille.store import open_store
from veille.store.base import Store

logger = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
    " form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class ApiError(Exception):
    """An error answered as ``{"code", "message", "hint"}`` with an HTTP status (4xx for the caller's errors)."""

    def __init__(self, status: int, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


def not_found(kind: str, item_id: str, hint: str) -> ApiError:
    return ApiError(404, "not_found", f"no {kind} {item_id!r}", hint)


class Stores:
    """The reading stores, lent to one request at a time and kept open for the next (at most ``KEEP`` idle);
    writes open a store of their own. All closed with the app."""

    KEEP = 16

    def __init__(self, db: str) -> None:
        self.db = db
        self._idle: queue.LifoQueue[Store] = queue.LifoQueue()

    @contextmanager
    def reader(self) -> Iterator[Store]:
        try:
            store = self._idle.get_nowait()
        except queue.Empty:
            store = open_store(self.db)
        try:
            yield store
        finally:
            if self._idle.qsize() < self.KEEP:
                self._idle.put(store)
            else:
                store.close()

    @contextmanager
    def writer(self) -> Iterator[Store]:
        store = open_store(self.db)
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def is_loopback(host: str | None) -> bool:
    """True for a client on this machine (127.0.0.0/8, ::1; the test client's "testclient" too)."""
    if host in (None, "testclient", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


def token_of(request: Request) -> str | None:
    """The token a request carries: ``Authorization: Bearer TOKEN`` (or ``X-Veille-Token: TOKEN``)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-veille-token")


def check_token(settings: Settings, request: Request, *, write: bool = True) -> None:
    """Raise ApiError unless the request carries the configured token (writes; reads from other machines)."""
    if not settings.token:
        if write:
            raise ApiError(
                403,
                "writes_disabled",
                "this server accepts no writes",
                "start `veille serve` with VEILLE_TOKEN set, then send `Authorization: Bearer TOKEN`",
            )
        raise ApiError(
            403,
            "remote_reads_disabled",
            "this server answers this machine only",
            "start `veille serve` with VEILLE_TOKEN set, then send `Authorization: Bearer TOKEN`",
        )
    given = token_of(request)
    if given is None or not hmac.compare_digest(given.encode(), settings.token.encode()):
        raise ApiError(
            401, "bad_token", "a valid token is needed", "send the header `Authorization: Bearer TOKEN`"
        )


def _error_response(request: Request, error: ApiError) -> Response:
    if not request.url.path.startswith("/api") and request.method == "GET":
        from veille.serve.pages import error_page

        return error_page(request, error)
    return JSONResponse(error.body(), status_code=error.status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for item in exc.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


class Answers:
    """Answers to reads (pages and JSON, as sent: compressed or not) kept ``seconds`` and sent again to the
    same request; at most ``MAX_BYTES`` in all, the oldest dropped first. A write through the server clears
    them; a write by another process (``veille run``) shows once they expire."""

    MAX_BYTES = 64 * 2**20
    MAX_ANSWER = 8 * 2**20  # larger answers are not kept

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._kept: TTLCache[tuple[str, ...], tuple[float, int, list[tuple[bytes, bytes]], bytes]] = TTLCache(
            maxsize=self.MAX_BYTES, ttl=max(seconds, 0.001), getsizeof=lambda answer: len(answer[3]) + 1024
        )
        self._running: dict[tuple[str, ...], asyncio.Event] = {}

    @staticmethod
    def key(request: Request) -> tuple[str, ...]:
        """What an answer depends on: the address, and the headers that choose the language and encoding."""
        h = request.headers
        return (
            request.url.path,
            request.url.query,
            h.get("accept-encoding", ""),
            h.get("accept-language", ""),
            request.cookies.get("lang", ""),
            h.get("origin", ""),
        )

    def get(self, request: Request) -> Response | None:
        if self.seconds <= 0 or request.method != "GET":
            return None
        found = self._kept.get(self.key(request))
        if found is None:
            return None
        made, status, headers, body = found
        response = Response(body, status_code=status)
        response.raw_headers = [*headers, (b"age", str(int(time.monotonic() - made)).encode())]
        return response

    async def keep(self, request: Request, response: Response) -> Response:
        """Keep a successful answer to a read that sets no cookie; return it (its body read once)."""
        if (
            self.seconds <= 0
            or request.method != "GET"
            or response.status_code != 200
            or "set-cookie" in response.headers
            or int(response.headers.get("content-length", 0)) > self.MAX_ANSWER
        ):
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        headers = list(response.raw_headers)
        if len(body) <= self.MAX_ANSWER:
            self._kept[self.key(request)] = (time.monotonic(), response.status_code, headers, body)
        kept = Response(body, status_code=response.status_code)
        kept.raw_headers = headers
        return kept

    @asynccontextmanager
    async def computing(self, request: Request) -> AsyncIterator[Response | None]:
        """While one request computes an answer, the same requests wait for it (when one expires, 16 equal
        requests would otherwise compute it 16 times); yields the answer kept meanwhile, else None."""
        if self.seconds <= 0 or request.method != "GET":
            yield None
            return
        key = self.key(request)
        running = self._running.get(key)
        if running is not None:
            await running.wait()
            yield self.get(request)  # None when that answer was not kept (an error): compute it here
            return
        done = self._running[key] = asyncio.Event()
        try:
            yield None
        finally:
            del self._running[key]
            done.set()

    def clear(self) -> None:
        self._kept.clear()


def create_app(settings: Settings) -> FastAPI:
    """Return the web application over the store ``settings.db`` (opened per thread on first use)."""
    stores = Stores(settings.db)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # requests run in anyio's worker threads, each holding a store (a database connection) while it
        # runs: as many threads as stores kept, so a burst of requests waits for a thread, not for a
        # connection (PostgreSQL's pool holds more than this; past it a request would fail after a timeout)
        anyio.to_thread.current_default_thread_limiter().total_tokens = Stores.KEEP
        yield
        stores.close()

    app = FastAPI(
        title="veille",
        version=__version__,
        summary="Cross-checked news: stories, their sources side by side, entities, quotes, events.",
        description=(
            "The JSON shapes are those of `veille … --json` (docs/json.md). Reads are open from this machine;"
            " writes need `Authorization: Bearer TOKEN` (the server's VEILLE_TOKEN). Every error is"
            " `{code, message, hint}`."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.stores = stores
    answers = Answers(settings.serve_cache_seconds)
    app.state.answers = answers
    # compresses inside the guard: the answers kept are the bytes sent
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)

    write_paths: set[str] = set()  # the POST routes (filled below): the token is checked before their body

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        client = request.client.host if request.client else None
        writes = request.method == "POST" and request.url.path in write_paths
        if writes or not is_loopback(client):
            try:  # before the body is read: an upload without the token is refused unread
                check_token(settings, request, write=writes)
            except ApiError as error:
                response = _error_response(request, error)
                response.headers.update(SECURITY_HEADERS)
                return response
        kept = answers.get(request)
        if kept is not None:
            return kept
        async with answers.computing(request) as kept:  # one request computes an answer, the same ones wait
            if kept is not None:
                return kept
            response = await call_next(request)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            if request.method == "POST":  # a write (or a refused one): what was kept may be out of date
                answers.clear()
                return response
            return await answers.keep(request, response)

    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Veille-Token"],
        )

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return _error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return _error_response(
            request,
            ApiError(422, "bad_parameter", _validation_message(exc), "see /openapi.json for each parameter"),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        hint = "see /openapi.json for the API, / for the pages" if exc.status_code in (404, 405) else ""
        return _error_response(request, ApiError(exc.status_code, code, str(exc.detail), hint))

    @app.exception_handler(UsageError)
    async def usage_error(request: Request, exc: UsageError) -> Response:
        status = 404 if str(exc).startswith("no ") else 400
        code = "not_found" if status == 404 else "bad_parameter"
        return _error_response(request, ApiError(status, code, str(exc), "check the parameters' values"))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        logger.error("store error on %s: %s", request.url.path, exc)
        return _error_response(
            request, ApiError(503, "store_unavailable", str(exc), "check the database, then retry")
        )

    @app.exception_handler(VeilleError)
    async def veille_error(request: Request, exc: VeilleError) -> Response:
        return _error_response(request, ApiError(400, exc.code, str(exc), "check the input"))

    from veille.serve.api import router as api_router
    from veille.serve.pages import router as pages_router

    app.include_router(api_router)
    write_paths.update(
        r.path for r in api_router.routes if isinstance(r, APIRoute) and "POST" in (r.methods or ())
    )
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(packages=[("veille.serve", "static")]), name="static")
    return app


def store_of(request: Request) -> Iterator[Store]:
    """Dependency: a reading store lent for the request's duration."""
    stores: Stores = request.app.state.stores
    with stores.reader() as store:
        yield store


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def serve(settings: Settings, *, host: str, port: int, log_level: str = "info") -> None:
    """Run the app with uvicorn until interrupted (Ctrl-C)."""
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, server_header=False)


StoreDep = Annotated[Store, Depends(store_of)]
