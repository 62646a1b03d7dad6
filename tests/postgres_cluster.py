"""A throwaway PostgreSQL cluster for the tests, and the `engine` fixture that runs a suite on
SQLite and on PostgreSQL (loaded by tests/conftest.py as a plugin).

Once per session: `initdb` in a temporary folder, `pg_ctl start` on 127.0.0.1 on a free port
(fsync off: nothing here needs to survive), stopped and removed at the end. initdb refuses to
run as root, so as root the cluster runs as an unprivileged user (`postgres` if it exists, else
`nobody`) through `runuser`. Each test gets a fresh schema (an empty store) in one database.

No PostgreSQL binaries (scripts/install-postgres installs Debian's), or not root and another
user is needed: the PostgreSQL half is skipped with the reason, except under CI=true, where it
fails: CI must run both engines.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import trial_settings

from pipeline.settings import Settings

ENGINES = ("sqlite", "postgresql")
_counter = itertools.count(1)


@dataclass
class Cluster:
    host: str
    port: int
    user: str

    def url(self, database: str = "pls") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as db:
            db.execute(sql)

    def new_database(self) -> str:
        """A fresh, empty store for one test: a schema of its own in the `pls` database (the
        URL sets search_path), far quicker than CREATE DATABASE for each test."""
        name = f"t{os.getpid()}_{next(_counter)}"
        self.admin(f"CREATE SCHEMA {name}", "pls")
        return self.url() + f"?options=-csearch_path%3D{name}"


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    # Debian's postgresql package keeps its server binaries off PATH
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unprivileged() -> str | None:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return None


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL half skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not (initdb and pg_ctl):
        _missing("no initdb/pg_ctl (run scripts/install-postgres as root, or install PostgreSQL)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("psycopg is not installed (pip install -e '.[dev]')")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="pls-pg-"))
    if os.geteuid() == 0:
        user = _unprivileged()
        if user is None or not shutil.which("runuser"):
            _missing("running as root with no unprivileged user and runuser to run initdb as")
        entry = pwd.getpwnam(user)
        os.chmod(folder, 0o755)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        as_user = ["runuser", "-u", user, "--"]
    data, port = folder / "data", _free_port()
    run = {"check": True, "capture_output": True, "text": True, "cwd": folder}
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-U", "pls", "--auth=trust", "-E", "UTF8"], **run
        )
        options = f"-h 127.0.0.1 -p {port} -k {folder} -F -c synchronous_commit=off"
        log = str(folder / "log")
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", log, "-w", "start"], **run
        )
    except subprocess.CalledProcessError as error:
        log = folder / "log"
        tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        _missing(f"the cluster did not start: {error.stderr.strip()[-400:]} {tail}")
    cluster = Cluster("127.0.0.1", port, "pls")
    cluster.admin("CREATE DATABASE pls")
    try:
        yield cluster
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgresql": a test taking it (or `settings` below) runs on both."""
    return str(request.param)


@pytest.fixture
def database_url(engine: str, request: pytest.FixtureRequest) -> str | None:
    """A fresh PostgreSQL database for this test (None on SQLite)."""
    if engine == "sqlite":
        return None
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    return cluster.new_database()


@pytest.fixture
def engine_settings(tmp_path: Path, database_url: str | None) -> Settings:
    """Trial settings on this test's engine: a folder's conftest makes them its `settings`."""
    return trial_settings(tmp_path, database_url=database_url)


@pytest.fixture
def target(tmp_path: Path, database_url: str | None) -> Path | str:
    """Where a test opens its own Store: a fresh database, or a file in its folder."""
    return database_url or tmp_path / "s.db"
