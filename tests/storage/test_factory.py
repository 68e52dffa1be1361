"""DATABASE_URL selects the backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from storage.base import StoreUnavailableError
from storage.factory import open_store
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore


async def test_default_is_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path / "nested" / "data"))
    assert isinstance(store, SqliteStore)
    await store.connect()
    try:
        assert await store.migrate() == ["0001_initial", "0002_nights"]
        assert await store.pending_migrations() == []
    finally:
        await store.close()
    assert (tmp_path / "nested" / "data" / "naromeet.sqlite3").is_file()


def test_sqlite_url_paths(tmp_path: Path) -> None:
    relative = open_store(Settings(database_url="sqlite:///data/bot.db"))
    assert isinstance(relative, SqliteStore) and relative.path == "data/bot.db"
    absolute = open_store(Settings(database_url=f"sqlite:///{tmp_path}/bot.db"))
    assert isinstance(absolute, SqliteStore) and absolute.path == f"{tmp_path}/bot.db"


def test_postgres_urls_and_settings() -> None:
    store = open_store(
        Settings(
            database_url="postgres://u:p@db.example:5432/postgres",
            database_statement_cache_size=0,
            transcript_retention_days=7,
        )
    )
    assert isinstance(store, PostgresStore)
    assert store.statement_cache_size == 0
    assert store.transcript_retention.days == 7
    assert isinstance(open_store(Settings(database_url="postgresql://h/db")), PostgresStore)


@pytest.mark.parametrize("url", ["mysql://u:secret@h/db", "sqlite://relative.db", "nonsense"])
def test_unknown_url_is_a_readable_error(url: str) -> None:
    with pytest.raises(StoreUnavailableError, match="DATABASE_URL") as caught:
        open_store(Settings(database_url=url))
    assert "secret" not in str(caught.value)


async def test_pending_migrations_before_migrate(tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path))
    await store.connect()
    try:
        assert await store.pending_migrations() == ["0001_initial", "0002_nights"]
    finally:
        await store.close()
