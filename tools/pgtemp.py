"""A throwaway PostgreSQL server for tests and benchmarks (standard library and psycopg only).

    with TempPostgres() as pg:
        url = pg.create_database("bench")   # postgresql://postgres@127.0.0.1:PORT/bench, unaccent + pg_trgm on
        ...

It runs Debian's newest server (``/usr/lib/postgresql/*/bin``) on a data directory in a temporary folder,
trusting local connections, listening on a free 127.0.0.1 port and on a unix socket inside that folder,
with durability off (``-F``, ``synchronous_commit``, ``full_page_writes``, ``fsync``): nothing it holds
survives it. ``initdb``, ``pg_ctl`` and ``postgres`` refuse to run as root, so as root they run as the
``postgres`` user (``runuser``) on a folder that user owns. The server is stopped and its folder removed on
``stop()``, on leaving the ``with`` block (error or not) and at interpreter exit; every step is bounded in
time. ``available()`` says why a server cannot run here (None when it can).

``python tools/pgtemp.py [DBNAME]`` starts one, prints the database URL and waits for Ctrl-C.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

PG_ROOT = Path("/usr/lib/postgresql")
RUN_AS = "postgres"  # the user the server runs as when we are root
INITDB_TIMEOUT = 120.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
CONNECT_TIMEOUT = 10  # seconds, psycopg's connect_timeout
EXTENSIONS = ("unaccent", "pg_trgm")
SERVER_OPTIONS = ("-F", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "fsync=off")


class PostgresError(RuntimeError):
    """The temporary server could not be set up, started or used (the message carries its log's tail)."""


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)


def find_bindir() -> Path | None:
    """Return the newest ``/usr/lib/postgresql/VERSION/bin`` holding initdb, pg_ctl and postgres, or None."""
    dirs = [
        p for p in PG_ROOT.glob("*/bin") if all((p / b).is_file() for b in ("initdb", "pg_ctl", "postgres"))
    ]
    return max(dirs, key=_version_key) if dirs else None


def _is_root() -> bool:
    return os.geteuid() == 0


def available() -> str | None:
    """Return why a temporary PostgreSQL server cannot run on this machine, or None when it can."""
    bindir = find_bindir()
    if bindir is None:
        return f"no PostgreSQL server binaries (initdb, pg_ctl, postgres) under {PG_ROOT}/*/bin"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the Python driver psycopg is not installed"
    extdir = Path("/usr/share/postgresql") / bindir.parent.name / "extension"
    missing = [e for e in EXTENSIONS if not (extdir / f"{e}.control").is_file()]
    if missing:
        return f"PostgreSQL's contrib extensions {', '.join(missing)} are missing from {extdir}"
    if _is_root():
        try:
            import pwd

            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"running as root and there is no {RUN_AS!r} user to run the server as"
        if shutil.which("runuser") is None:
            return f"running as root and runuser (util-linux) is missing to run the server as {RUN_AS!r}"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _traversable_tempdir() -> str:
    """A folder for the server's files every user can reach (TMPDIR may sit under root's 0700 home)."""
    base = Path(tempfile.gettempdir()).resolve()
    if not _is_root() or all(os.stat(p).st_mode & 0o001 for p in (base, *base.parents)):
        return str(base)
    return "/tmp"


class TempPostgres:
    """A PostgreSQL server on a temporary data directory; a context manager (see the module's docstring)."""

    def __init__(self, bindir: Path | None = None, *, user: str = "postgres") -> None:
        self.bindir = bindir or find_bindir()
        self.user = user  # the database superuser initdb creates
        self.dir: Path | None = None
        self.port: int | None = None
        self._names = itertools.count(1)

    # lifecycle -----------------------------------------------------------------------------------
    def __enter__(self) -> TempPostgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def datadir(self) -> Path:
        assert self.dir is not None, "the server is not started"
        return self.dir / "data"

    @property
    def sockdir(self) -> Path:
        assert self.dir is not None, "the server is not started"
        return self.dir / "sock"

    @property
    def logfile(self) -> Path:
        assert self.dir is not None, "the server is not started"
        return self.dir / "server.log"

    def start(self) -> None:
        """Create the data directory and start the server (stopping and cleaning up if any step fails)."""
        if self.bindir is None:
            raise PostgresError(available() or f"no PostgreSQL binaries under {PG_ROOT}")
        if self.dir is not None:
            raise PostgresError("already started")
        self.dir = Path(tempfile.mkdtemp(prefix="pgtemp-", dir=_traversable_tempdir()))
        atexit.register(self.stop)
        try:
            self.sockdir.mkdir()
            if _is_root():
                for p in (self.dir, self.sockdir):
                    shutil.chown(p, RUN_AS, RUN_AS)
            self._run(
                "initdb",
                "--no-sync",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "-U",
                self.user,
                "-D",
                str(self.datadir),
                timeout=INITDB_TIMEOUT,
            )
            for attempt in range(3):  # another process may take the free port between probe and bind
                self.port = _free_port()
                options = [
                    *SERVER_OPTIONS,
                    *("-c", "listen_addresses=127.0.0.1", "-p", str(self.port)),
                    *("-c", f"unix_socket_directories={self.sockdir}"),
                ]
                try:
                    self._run(
                        "pg_ctl",
                        "start",
                        "-w",
                        "-t",
                        str(int(START_TIMEOUT)),
                        "-D",
                        str(self.datadir),
                        "-l",
                        str(self.logfile),
                        "-o",
                        shlex.join(options),  # pg_ctl hands these to a shell
                        timeout=START_TIMEOUT + 15,
                    )
                    break
                except PostgresError:
                    if attempt == 2 or "already in use" not in self._log_tail():
                        raise
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server (fast shutdown; killed if that fails) and remove its folder. Safe to call twice."""
        if self.dir is None:
            return
        try:
            if (self.datadir / "postmaster.pid").exists():
                try:
                    stop = ("stop", "-m", "fast", "-w", "-t", str(int(STOP_TIMEOUT)), "-D", str(self.datadir))
                    self._run("pg_ctl", *stop, timeout=STOP_TIMEOUT + 15)
                except PostgresError:
                    self._kill()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
            self.port = None
            atexit.unregister(self.stop)

    def _kill(self) -> None:
        """Last resort: SIGQUIT then SIGKILL the postmaster named in postmaster.pid."""
        try:
            pid = int((self.datadir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        for sig, wait in ((signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.05)

    def _run(self, program: str, *args: str, timeout: float) -> None:
        """Run one of the server's programs (as ``postgres`` when we are root), bounded in time."""
        assert self.bindir is not None and self.dir is not None
        cmd = [str(self.bindir / program), *args]
        if _is_root():
            cmd = ["runuser", "-u", RUN_AS, "--", *cmd]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}  # no stray PGDATA, PGPORT …
        env["LC_ALL"] = "C.UTF-8"
        proc = subprocess.Popen(
            cmd,
            cwd=self.dir,  # the postgres user may not reach our working directory
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a timeout can end the program and its children
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PostgresError(
                f"{program} {args[0]} took more than {timeout:.0f} s{self._log_tail()}"
            ) from None
        if proc.returncode != 0:
            text = out.decode(errors="replace").strip()[-2000:]
            raise PostgresError(f"{program} {args[0]} failed ({proc.returncode}): {text}{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            lines = self.logfile.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            return ""
        return "\nserver log:\n" + "\n".join(lines) if lines else ""

    # databases -----------------------------------------------------------------------------------
    def url(self, dbname: str = "postgres", driver: str | None = None) -> str:
        """Return the URL of a database of this server; ``driver="psycopg"`` gives SQLAlchemy's form
        ``postgresql+psycopg://…``."""
        if self.port is None:
            raise PostgresError("the server is not started")
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a fresh name when none is given) with the extensions unaccent and
        pg_trgm installed; return its URL."""
        import psycopg
        from psycopg import sql

        name = name or f"db{next(self._names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = self.url(name)
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            for ext in EXTENSIONS:
                conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
        return url

    def drop_database(self, name: str) -> None:
        """Drop a database, closing the connections still open on it (a test's leftover pool)."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main(argv: list[str]) -> int:
    why = available()
    if why:
        print(f"PostgreSQL cannot run here: {why}", file=sys.stderr)
        return 1
    with TempPostgres() as pg:
        print(pg.create_database(argv[0] if argv else "veille"), flush=True)
        print("(Ctrl-C stops the server and removes its files)", file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # leave the with block: stop the server
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
