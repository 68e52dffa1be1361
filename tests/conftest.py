"""Suite-wide fixtures and the guard that keeps every test off the network."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_local(address):
        raise OSError(f"test tried to reach {address!r}: only loopback is allowed")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_local(address):
        raise OSError(f"test tried to reach {address!r}: only loopback is allowed")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None and not _is_local((host.decode() if isinstance(host, bytes) else host, 0)):
        raise OSError(f"test tried to resolve {host!r}: only loopback is allowed")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _offline() -> Iterator[None]:
    """Make any connection or name lookup outside loopback fail the test."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    """Keep the developer's environment and `.env` out of every test."""
    import os

    for name in list(os.environ):
        if name.startswith(("GEMINI_", "TELEGRAM_", "DISCORD_", "DATABASE_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    from config.settings import get_settings

    get_settings.cache_clear()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    # The CLI points the root logger at the (captured) standard error of its test.
    root.handlers[:] = handlers
    root.setLevel(level)
    get_settings.cache_clear()


# Postgres: one throw-away PostgreSQL 15 cluster (with pg_cron) per test session.

_PG_TEST_DATABASE = "naromeet_test"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """A running cluster; skipped without the binaries unless NAROMEET_REQUIRE_POSTGRES=1."""
    import os

    from tests.pgcluster import PgCluster, PgClusterUnavailable, binaries_available

    required = os.environ.get("NAROMEET_REQUIRE_POSTGRES") == "1"
    if not binaries_available():
        message = "PostgreSQL 15 binaries not found (install postgresql-15 postgresql-15-cron)"
        if required:
            pytest.fail(message)
        pytest.skip(message)
    try:
        cluster = PgCluster.start(cron_database=_PG_TEST_DATABASE)
    except PgClusterUnavailable as exc:
        if required:
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    # Supabase's API roles, so tests can prove they get no privilege.
    cluster.psql("CREATE ROLE anon NOLOGIN; CREATE ROLE authenticated NOLOGIN")
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(pg_cluster: Any) -> str:
    """DATABASE_URL of the test database, with the naromeet schema dropped (run migrate)."""
    pg_cluster.psql("DROP SCHEMA IF EXISTS naromeet CASCADE", database=_PG_TEST_DATABASE)
    return str(pg_cluster.url(_PG_TEST_DATABASE))


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """A connected, migrated, empty store on each backend."""
    from storage.postgres import PostgresStore
    from storage.sqlite import SqliteStore

    if request.param == "sqlite":
        backend: Any = SqliteStore(tmp_path / "naromeet.sqlite3")
    else:
        backend = PostgresStore(request.getfixturevalue("postgres_url"))
    await backend.connect()
    await backend.migrate()
    yield backend
    await backend.close()
