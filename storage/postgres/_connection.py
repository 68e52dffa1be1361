"""The asyncpg pool, the shared statement helpers and the schema migrations."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg

from storage.base import StoreError, StoreUnavailableError

logger = logging.getLogger(__name__)

SCHEMA = "naromeet"
TRANSACTION_POOLER_PORT = 6543
# Serialises concurrent `migrate` calls from several bot processes.
_MIGRATION_LOCK_KEY = 0x6E61726F6D656574  # "naromeet"


def migrations_dir() -> Path:
    """`supabase/migrations` beside the storage package (source tree) or inside it (wheel)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "supabase" / "migrations", package / "supabase_migrations"):
        if candidate.is_dir():
            return candidate
    raise StoreError("the Postgres migrations folder supabase/migrations was not found")


def _migration_files() -> Iterable[tuple[str, str]]:
    for path in sorted(migrations_dir().glob("*.sql")):
        yield path.stem, path.read_text(encoding="utf-8")


class PostgresConnection:
    """The pool and migrations that every part of `PostgresStore` builds on."""

    def __init__(
        self,
        url: str,
        *,
        statement_cache_size: int | None = None,
        transcript_retention_days: int = 15,
        min_pool_size: int = 1,
        max_pool_size: int = 10,
        connect_timeout: float = 10.0,
    ) -> None:
        try:
            parts = urlsplit(url)
            host = parts.hostname or "localhost"
            port = parts.port or 5432
        except ValueError:
            raise StoreUnavailableError(
                "DATABASE_URL is not a valid postgresql:// URL (check the host and port)"
            ) from None
        if parts.scheme not in ("postgres", "postgresql"):
            raise StoreUnavailableError(
                f"DATABASE_URL scheme {parts.scheme!r} is not postgres:// or postgresql://"
            )
        self.url = url
        self.host = host
        self.port = port
        self._password = unquote(parts.password) if parts.password else None
        if statement_cache_size is None:
            statement_cache_size = 0 if port == TRANSACTION_POOLER_PORT else 100
        self.statement_cache_size = statement_cache_size
        self.transcript_retention = dt.timedelta(days=transcript_retention_days)
        self.last_purge_batches: dict[str, int] = {}
        self._pool_sizes = (min_pool_size, max_pool_size)
        self._connect_timeout = connect_timeout
        self._pool: asyncpg.Pool | None = None

    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        detail = str(exc) or type(exc).__name__
        if self._password:
            detail = detail.replace(self._password, "***")
        return StoreUnavailableError(
            f"cannot connect to Postgres at {self.host}:{self.port}: {detail}"
        )

    # Connection and migrations

    async def connect(self) -> None:
        if self._pool is not None:
            return
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=self._pool_sizes[0],
                max_size=self._pool_sizes[1],
                statement_cache_size=self.statement_cache_size,
                timeout=self._connect_timeout,
                init=_init_connection,
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise self._unavailable(exc) from None
        except ValueError as exc:  # a malformed URL found by asyncpg
            raise self._unavailable(exc) from None
        logger.info("Postgres store connected to %s:%s", self.host, self.port)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreError("the store is not connected")
        return self._pool

    async def pending_migrations(self) -> list[str]:
        async with self.pool.acquire() as conn:
            done = await _applied_migrations(conn)
        return [name for name, _ in _migration_files() if name not in done]

    async def migrate(self) -> list[str]:
        applied: list[str] = []
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK_KEY)
            done = await _applied_migrations(conn)
            for name, sql in _migration_files():
                if name in done:
                    continue
                try:
                    async with conn.transaction():
                        await conn.execute(sql)
                        await conn.execute(
                            f"INSERT INTO {SCHEMA}.schema_migrations (name) VALUES ($1)", name
                        )
                except asyncpg.PostgresError as exc:
                    raise StoreError(f"Postgres migration {name} failed: {exc}") from exc
                applied.append(name)
                logger.info("Applied Postgres migration %s", name)
        return applied

    async def _insert_if_parent(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """Run an INSERT ... SELECT FROM parent; None when the parent is (being) erased.

        An erasure committing between the SELECT and the foreign key check makes
        the check fail: that is a late write, and it is dropped.
        """
        try:
            return await self.pool.fetchrow(sql, *args)
        except asyncpg.ForeignKeyViolationError:
            return None


async def _applied_migrations(conn: asyncpg.Connection) -> set[str]:
    """Names recorded by `migrate`, plus files `supabase db push` already applied."""
    done: set[str] = set()
    if await conn.fetchval("SELECT to_regclass($1)", f"{SCHEMA}.schema_migrations"):
        done |= {
            r["name"] for r in await conn.fetch(f"SELECT name FROM {SCHEMA}.schema_migrations")
        }
    if await conn.fetchval("SELECT to_regclass('supabase_migrations.schema_migrations')"):
        versions = {
            r["version"]
            for r in await conn.fetch("SELECT version FROM supabase_migrations.schema_migrations")
        }
        done |= {name for name, _ in _migration_files() if name.split("_", 1)[0] in versions}
    return done


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("jsonb", "json"):
        await conn.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


def _rowcount(status: str) -> int:
    """Return the row count at the end of a command tag such as 'DELETE 3'."""
    try:
        return int(status.rsplit(" ", 1)[-1])
    except (ValueError, IndexError):
        return 0
