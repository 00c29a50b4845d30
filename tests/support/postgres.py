"""A throwaway PostgreSQL server for tests, started from Debian's binaries.

``initdb`` and ``pg_ctl`` refuse to run as root, so as root they run through
``runuser -u postgres --`` on a temporary data directory chowned to postgres.
The server listens on 127.0.0.1 on a free port and on a Unix socket inside
its own data directory; durability is switched off because the data is thrown
away.

    with PostgresServer() as pg:
        engine = create_engine(pg.url)
        other = pg.create_database("other")

From a shell (prints the URL, runs until Ctrl-C or SIGTERM):

    .venv/bin/python -m tests.support.postgres
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DEFAULT_DBNAME = "detail_desk_test"
_DBNAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresNotInstalled(RuntimeError):
    pass


def find_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<major>/bin that has initdb and pg_ctl."""
    override = os.environ.get("PG_BIN_DIR")
    candidates = [override] if override else glob.glob("/usr/lib/postgresql/*/bin")

    def major(path: str) -> int:
        name = Path(path).parent.name
        return int(name) if name.isdigit() else -1

    for path in sorted(candidates, key=major, reverse=True):
        bin_dir = Path(path)
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file():
            return bin_dir
    raise PostgresNotInstalled(
        "PostgreSQL server binaries not found (looked for /usr/lib/postgresql/*/bin/initdb"
        + (f" and PG_BIN_DIR={override}" if override else "")
        + "). Install them with `make test-deps` (apt-get install postgresql)."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """Start with ``start()`` or ``with``; ``url`` is a SQLAlchemy URL for psycopg 3."""

    user = "postgres"

    def __init__(self, dbname: str = DEFAULT_DBNAME, *, port: int | None = None) -> None:
        self._check_name(dbname)
        self.dbname = dbname
        self.requested_port = port
        self.port: int | None = None
        self.bin_dir: Path | None = None
        self.base_dir: Path | None = None
        self.startup_seconds: float | None = None
        self._running = False

    # -- paths ---------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "run"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "server.log"

    # -- URLs ----------------------------------------------------------------
    def url_for(self, dbname: str, driver: str = "postgresql+psycopg") -> str:
        assert self.port is not None, "server not started"
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{dbname}"

    @property
    def url(self) -> str:
        return self.url_for(self.dbname)

    @property
    def dsn(self) -> str:
        """A libpq URL (for psycopg.connect / psql) to the default database."""
        return self.url_for(self.dbname, driver="postgresql")

    # -- lifecycle -----------------------------------------------------------
    def start(self) -> PostgresServer:
        if self._running:
            return self
        started = time.monotonic()
        self.bin_dir = find_bin_dir()
        self.base_dir = Path(tempfile.mkdtemp(prefix="ddpg-"))
        try:
            os.chmod(self.base_dir, 0o700)
            self.socket_dir.mkdir()
            self._chown_tree(self.base_dir)
            self._run(
                "initdb",
                "-D", str(self.data_dir),
                "-U", self.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            )  # fmt: skip
            self._start_server()
            self._running = True
            atexit.register(self.stop)
            self._create(self.dbname)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _start_server(self) -> None:
        attempts = 1 if self.requested_port else 3
        for attempt in range(attempts):
            self.port = self.requested_port or free_port()
            options = (
                f"-k {self.socket_dir} -c listen_addresses=127.0.0.1 -p {self.port}"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            try:
                self._run(
                    "pg_ctl", "start", "-w", "-t", "60",
                    "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options,
                )  # fmt: skip
                return
            except RuntimeError:
                # Most likely the port was taken between free_port() and bind: try another.
                if attempt == attempts - 1:
                    raise

    def stop(self) -> None:
        if self._running and self.bin_dir is not None:
            self._running = False
            # Best effort: the directory goes anyway.
            with contextlib.suppress(Exception):
                self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", check=False)
        atexit.unregister(self.stop)
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases -----------------------------------------------------------
    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        self._check_name(name)
        self._create(name)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        self._check_name(name)
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _create(self, name: str) -> None:
        self._execute(f'CREATE DATABASE "{name}"')

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url_for("postgres", driver="postgresql"), autocommit=True) as conn:
            conn.execute(sql)  # name checked by _check_name

    @staticmethod
    def _check_name(name: str) -> None:
        if not _DBNAME.match(name):
            raise ValueError(f"database name {name!r} must match {_DBNAME.pattern}")

    # -- helpers -------------------------------------------------------------
    def _chown_tree(self, path: Path) -> None:
        if os.geteuid() != 0:
            return
        entry = pwd.getpwnam("postgres")
        for root, dirs, files in os.walk(path):
            os.chown(root, entry.pw_uid, entry.pw_gid)
            for name in dirs + files:
                os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert self.bin_dir is not None
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresNotInstalled(
                    "running as root but there is no 'postgres' user to run the server as; "
                    "install Debian's postgresql package (make test-deps)"
                ) from None
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False
        )
        if check and result.returncode != 0:
            log = ""
            if self.base_dir is not None and self.log_file.exists():
                log = "\n--- server log (tail) ---\n" + "\n".join(
                    self.log_file.read_text(errors="replace").splitlines()[-20:]
                )
            raise RuntimeError(f"{' '.join(command)} exited {result.returncode}\n{result.stdout}{result.stderr}{log}")
        return result


def main() -> None:
    server = PostgresServer().start()
    print(server.url, flush=True)
    print(f"# psql {server.dsn}   (started in {server.startup_seconds:.2f}s; Ctrl-C stops)", flush=True)

    def _stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
