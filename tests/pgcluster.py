"""A throw-away PostgreSQL 15 cluster with pg_cron, for the tests and the benchmarks.

`initdb` refuses to run as root, so when this process is root every server
binary runs as the `postgres` user through `runuser`. The server listens on a
free loopback port and a socket in the cluster's own temporary folder, with
trust authentication: it is reachable from this machine only and is removed
when stopped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("NAROMEET_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PgClusterUnavailable(RuntimeError):
    """The PostgreSQL binaries are missing or the cluster did not start."""


def binaries_available() -> bool:
    return all((PG_BIN / name).exists() for name in ("initdb", "pg_ctl", "psql"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgCluster:
    """A running cluster; `url(db)` gives a DATABASE_URL for one of its databases."""

    root: Path
    port: int
    cron_database: str
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str | None = None) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database or self.cron_database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PgClusterUnavailable(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
            )
        return result

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._run(
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.root),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-Atc",
            sql,
        ).stdout

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    @classmethod
    def start(cls, cron_database: str = "naromeet_test") -> PgCluster:
        """Create and start a cluster whose pg_cron works in `cron_database` (created too)."""
        if not binaries_available():
            raise PgClusterUnavailable(f"PostgreSQL 15 binaries not found in {PG_BIN}")
        run_as = "postgres" if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="naromeet-pg-"))
        if run_as is not None:
            entry = pwd.getpwnam(run_as)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        cluster = cls(root=root, port=_free_port(), cron_database=cron_database, run_as=run_as)
        try:
            cluster._run(
                "initdb",
                "-D",
                str(cluster.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
            options = (
                f"-c listen_addresses=127.0.0.1 -p {cluster.port}"
                f" -c shared_preload_libraries=pg_cron -c cron.database_name={cron_database}"
                f" -k {root} -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
            )
            cluster._run(
                "pg_ctl",
                "-D",
                str(cluster.data_dir),
                "-l",
                str(root / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            )
            cluster.create_database(cron_database)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
            except PgClusterUnavailable:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
