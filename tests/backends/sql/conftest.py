"""Engines for the SQL backend's tests: DuckDB in process, and a throwaway
PostgreSQL cluster (initdb + pg_ctl on a unix socket in a temporary folder)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "properties"))  # the policy and fact strategies


def _postgres_bin() -> Path | None:
    """The folder of initdb, pg_ctl and postgres: $ASSESS_PG_BIN, the PATH, or Debian's layout."""
    wanted = ("initdb", "pg_ctl", "postgres")
    candidates = [os.environ.get("ASSESS_PG_BIN", "")]
    found = shutil.which("initdb")
    if found:
        candidates.append(str(Path(os.path.realpath(found)).parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and all((Path(folder) / name).is_file() for name in wanted):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A running throwaway cluster; ``connect()`` gives a psycopg connection to a fresh schema."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self._schemas = 0

    def connect(self):
        import psycopg

        connection = psycopg.connect(host=str(self.folder), port=self.port, user="postgres", dbname="postgres",
                                     autocommit=True)
        self._schemas += 1
        schema = f"t{self._schemas}"
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"SET search_path TO {schema}")
        # LLVM compiling the query's large expressions takes longer than running it (see docs/embedding.md)
        connection.execute("SET jit = off")
        return connection


@pytest.fixture(scope="session")
def postgres():
    pytest.importorskip("psycopg", reason="psycopg (pip install 'psycopg[binary]') is the PostgreSQL client")
    folder = _postgres_bin()
    if folder is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install Debian's `postgresql` "
                    "package, or set ASSESS_PG_BIN to the folder holding them (e.g. /usr/lib/postgresql/15/bin)")
    root = Path(tempfile.mkdtemp(prefix="assess-pg-"))
    as_root = os.geteuid() == 0  # the server refuses to run as root: run it as the `postgres` user
    prefix: list[str] = []
    if as_root:
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without `runuser`: cannot start PostgreSQL as another user")
        prefix = [runuser, "-u", "postgres", "--"]
        shutil.chown(root, user="postgres")
    port = _free_port()
    data = root / "data"
    run = lambda *args: subprocess.run(prefix + list(args), check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run(str(folder / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
            "--locale=C")
        run(str(folder / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
            "-o", f"-k {root} -p {port} -c listen_addresses='' -c fsync=off", "start")
    except (subprocess.CalledProcessError, KeyError, LookupError) as error:
        shutil.rmtree(root, ignore_errors=True)
        detail = getattr(error, "stderr", "") or str(error)
        pytest.skip(f"could not start a throwaway PostgreSQL cluster: {detail.strip()[:300]}")
    try:
        yield Postgres(root, port)
    finally:
        subprocess.run(prefix + [str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
