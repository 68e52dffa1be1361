"""Choose and open the store named by DATABASE_URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from config.settings import Settings
from storage.base import Store, StoreUnavailableError

SQLITE_FILE_NAME = "naromeet.sqlite3"


def sqlite_path(settings: Settings) -> Path | str:
    """The SQLite file: DATABASE_URL's `sqlite:///path`, else `<data_dir>/naromeet.sqlite3`.

    `sqlite:///relative/path` is relative to the working folder and
    `sqlite:////absolute/path` absolute; `sqlite:///:memory:` keeps nothing.
    """
    url = settings.database_url
    if not url:
        return settings.data_dir / SQLITE_FILE_NAME
    path = unquote(url.removeprefix("sqlite:///").split("?", 1)[0])
    if not path:
        raise StoreUnavailableError("DATABASE_URL sqlite:/// names no file")
    return path if path == ":memory:" else Path(path)


def open_store(settings: Settings) -> Store:
    """Build the store named by DATABASE_URL; then `await store.connect()` and `migrate()`.

    Raises StoreUnavailableError with a readable message for an unsupported URL.
    """
    url = (settings.database_url or "").strip()
    retention = settings.transcript_retention_days
    if not url or url.startswith("sqlite:///"):
        from storage.sqlite import SqliteStore

        return SqliteStore(sqlite_path(settings), transcript_retention_days=retention)
    if url.startswith(("postgres://", "postgresql://")):
        from storage.postgres import PostgresStore

        return PostgresStore(
            url,
            statement_cache_size=settings.database_statement_cache_size,
            transcript_retention_days=retention,
        )
    scheme = url.split(":", 1)[0] if ":" in url else url[:20]
    raise StoreUnavailableError(
        f"DATABASE_URL must start with postgresql://, postgres:// or sqlite:///"
        f" (got a URL starting with {scheme!r})"
    )
