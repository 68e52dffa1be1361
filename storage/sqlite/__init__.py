"""The embedded SQLite backend (aiosqlite), the default when DATABASE_URL is unset.

One connection serves the process. An asyncio lock serialises its statements,
so a transaction (an erasure, a migration) never interleaves with another
task's statements on the same connection. Times are stored as ISO 8601 UTC text with
microseconds and JSON as text.
"""

from __future__ import annotations

from storage.sqlite._activity import ActivityQueries
from storage.sqlite._nights import NightQueries
from storage.sqlite._privacy import PrivacyQueries
from storage.sqlite._sessions import SessionQueries
from storage.sqlite._users import UserQueries

__all__ = ["SqliteStore"]


class SqliteStore(UserQueries, SessionQueries, ActivityQueries, PrivacyQueries, NightQueries):
    """`Store` on a SQLite file (or ":memory:")."""

    backend = "sqlite"
