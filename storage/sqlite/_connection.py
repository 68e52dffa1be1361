"""The SQLite connection, its statement helpers and the schema migrations."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from storage._userdata import iso
from storage.base import StoreError, StoreUnavailableError

logger = logging.getLogger(__name__)

_JSON_COLUMNS = frozenset({"spec", "state", "content", "settings"})


def _decode(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out: dict[str, Any] = {}
    for key in row.keys():
        value = row[key]
        if isinstance(value, str):
            if key.endswith("_at"):
                value = dt.datetime.fromisoformat(value)
            elif key in _JSON_COLUMNS:
                value = json.loads(value)
        out[key] = value
    return out


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqliteConnection:
    """The connection and migrations that every part of `SqliteStore` builds on."""

    def __init__(self, path: Path | str, *, transcript_retention_days: int = 15) -> None:
        self.path = str(path)
        self.transcript_retention = dt.timedelta(days=transcript_retention_days)
        self.last_purge_batches: dict[str, int] = {}
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    # Connection and migrations

    async def connect(self) -> None:
        if self._db is not None:
            return
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(self.path, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailableError(
                f"cannot open SQLite database {self.path}: {exc}"
            ) from None
        db.row_factory = sqlite3.Row
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA busy_timeout = 5000")
        if self.path != ":memory:":
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
        self._db = db
        logger.info("SQLite store opened at %s", self.path)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the store is not connected")
        return self._db

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    async def _fetchone(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        async with self._lock, self.db.execute(sql, params) as cursor:
            return _decode(await cursor.fetchone())

    async def _fetchall(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        async with self._lock, self.db.execute(sql, params) as cursor:
            return [d for d in map(_decode, await cursor.fetchall()) if d is not None]

    async def _execute(self, sql: str, params: Any = ()) -> int:
        async with self._lock, self.db.execute(sql, params) as cursor:
            return cursor.rowcount

    async def pending_migrations(self) -> list[str]:
        async with self._lock:
            async with self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ) as cursor:
                exists = await cursor.fetchone() is not None
            done: set[str] = set()
            if exists:
                async with self.db.execute("SELECT name FROM schema_migrations") as cursor:
                    done = {row[0] for row in await cursor.fetchall()}
        return [name for name, _ in _migration_files() if name not in done]

    async def migrate(self) -> list[str]:
        applied: list[str] = []
        async with self._lock:
            await self.db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (name TEXT PRIMARY KEY, applied_at TIMESTAMP_TEXT NOT NULL)"
            )
            async with self.db.execute("SELECT name FROM schema_migrations") as cursor:
                done = {row[0] for row in await cursor.fetchall()}
            for name, sql in _migration_files():
                if name in done:
                    continue
                script = (
                    f"BEGIN IMMEDIATE;\n{sql}\n;INSERT INTO schema_migrations (name, applied_at)"
                    f" VALUES ('{name}', '{iso(_now())}');\nCOMMIT;"
                )
                try:
                    await self.db.executescript(script)
                except sqlite3.Error as exc:
                    if self.db.in_transaction:
                        await self.db.execute("ROLLBACK")
                    raise StoreError(f"SQLite migration {name} failed: {exc}") from exc
                applied.append(name)
                logger.info("Applied SQLite migration %s", name)
        return applied


def _migration_files() -> Iterable[tuple[str, str]]:
    folder = resources.files("storage") / "sqlite_schema"
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".sql")),
        key=lambda entry: entry.name,
    )
    for entry in files:
        yield entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8")
