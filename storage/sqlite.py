"""The embedded SQLite backend (aiosqlite), the default when DATABASE_URL is unset.

One connection serves the process. An asyncio lock serialises its statements,
so a transaction (an erasure, a migration) never interleaves with another
task's statements on the same connection. Times are stored as ISO 8601 UTC text with
microseconds and JSON as text.
"""

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

from storage import _nights as nights
from storage import _records as records
from storage._userdata import ForeignKey, UserTable, iso, plan_user_tables
from storage.base import (
    Consent,
    InterviewSession,
    NewNight,
    NightEvent,
    QueueEntry,
    StoreError,
    StoreUnavailableError,
    TranscriptMessage,
    User,
    UserProfile,
)

logger = logging.getLogger(__name__)

_JSON_COLUMNS = frozenset({"spec", "state", "content", "settings"})
_SESSION_COLUMNS = (
    "id, user_id, platform, spec, server_id, channel_id, started_at, ended_at,"
    " duration_seconds, rating, end_reason, state"
)
_TRANSCRIPT_COLUMNS = "id, session_id, speaker, text, started_at, ended_at, created_at, expires_at"


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


def _decode_times(row: sqlite3.Row | None) -> dict[str, Any] | None:
    """Decode the `_at` columns only, for tables without JSON columns."""
    if row is None:
        return None
    return {
        key: dt.datetime.fromisoformat(row[key])
        if key.endswith("_at") and isinstance(row[key], str)
        else row[key]
        for key in row.keys()
    }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqliteStore:
    """`Store` on a SQLite file (or ":memory:")."""

    backend = "sqlite"

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

    # Users and consent

    async def upsert_user(self, profile: UserProfile) -> User:
        row = await self._fetchone(
            "INSERT INTO users (platform, platform_user_id, name, username, avatar_url, locale,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, platform_user_id) DO UPDATE SET name = excluded.name,"
            " username = excluded.username, avatar_url = excluded.avatar_url,"
            " locale = COALESCE(users.locale, excluded.locale) RETURNING *",
            (
                profile.platform,
                profile.platform_user_id,
                profile.name,
                profile.username,
                profile.avatar_url,
                profile.locale,
                iso(_now()),
            ),
        )
        assert row is not None
        return records.user(row)

    async def get_user(self, platform: str, platform_user_id: str) -> User | None:
        row = await self._fetchone(
            "SELECT * FROM users WHERE platform = ? AND platform_user_id = ?",
            (platform, platform_user_id),
        )
        return records.user(row) if row else None

    async def get_user_by_id(self, user_id: int) -> User | None:
        row = await self._fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
        return records.user(row) if row else None

    async def set_user_locale(self, user_id: int, locale: str) -> None:
        await self._execute("UPDATE users SET locale = ? WHERE id = ?", (locale, user_id))

    async def add_consent(
        self, user_id: int, policy_version: str, accepted_at: dt.datetime
    ) -> Consent | None:
        row = await self._fetchone(
            "INSERT INTO consents (user_id, policy_version, accepted_at)"
            " SELECT id, ?, ? FROM users WHERE id = ? RETURNING *",
            (policy_version, iso(accepted_at), user_id),
        )
        return records.consent(row) if row else None

    async def withdraw_consent(self, user_id: int, withdrawn_at: dt.datetime) -> int:
        return await self._execute(
            "UPDATE consents SET withdrawn_at = ? WHERE user_id = ? AND withdrawn_at IS NULL",
            (iso(withdrawn_at), user_id),
        )

    async def latest_consent(self, user_id: int) -> Consent | None:
        row = await self._fetchone(
            "SELECT * FROM consents WHERE user_id = ? ORDER BY accepted_at DESC, id DESC LIMIT 1",
            (user_id,),
        )
        return records.consent(row) if row else None

    # Interview sessions

    async def create_session(
        self,
        user_id: int,
        platform: str,
        spec: dict[str, Any],
        server_id: str | None,
        channel_id: str | None,
        started_at: dt.datetime,
    ) -> InterviewSession | None:
        row = await self._fetchone(
            "INSERT INTO interview_sessions (user_id, platform, spec, server_id, channel_id,"
            f" started_at) SELECT id, ?, ?, ?, ?, ? FROM users WHERE id = ? RETURNING"
            f" {_SESSION_COLUMNS}",
            (platform, json.dumps(spec), server_id, channel_id, iso(started_at), user_id),
        )
        return records.session(row) if row else None

    async def get_session(self, session_id: int) -> InterviewSession | None:
        row = await self._fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM interview_sessions WHERE id = ?", (session_id,)
        )
        return records.session(row) if row else None

    async def active_session(self, user_id: int) -> InterviewSession | None:
        row = await self._fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM interview_sessions"
            " WHERE user_id = ? AND ended_at IS NULL ORDER BY started_at DESC, id DESC LIMIT 1",
            (user_id,),
        )
        return records.session(row) if row else None

    async def active_sessions(self) -> list[InterviewSession]:
        rows = await self._fetchall(
            f"SELECT {_SESSION_COLUMNS} FROM interview_sessions WHERE ended_at IS NULL ORDER BY id"
        )
        return [records.session(r) for r in rows]

    async def update_session_state(self, session_id: int, state: dict[str, Any]) -> bool:
        changed = await self._execute(
            "UPDATE interview_sessions SET state = ? WHERE id = ?", (json.dumps(state), session_id)
        )
        return changed > 0

    async def end_session(
        self, session_id: int, ended_at: dt.datetime, end_reason: str
    ) -> InterviewSession | None:
        async with self._transaction() as db:
            async with db.execute(
                "SELECT started_at FROM interview_sessions WHERE id = ? AND ended_at IS NULL",
                (session_id,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None:
                started = dt.datetime.fromisoformat(row["started_at"])
                duration = max(0.0, (ended_at - started).total_seconds())
                await db.execute(
                    "UPDATE interview_sessions SET ended_at = ?, end_reason = ?,"
                    " duration_seconds = ? WHERE id = ?",
                    (iso(ended_at), end_reason, duration, session_id),
                )
        return await self.get_session(session_id)

    async def set_rating(self, session_id: int, rating: int) -> bool:
        records.check_rating(rating)
        changed = await self._execute(
            "UPDATE interview_sessions SET rating = ? WHERE id = ?", (rating, session_id)
        )
        return changed > 0

    async def list_sessions(self, user_id: int, limit: int = 20) -> list[InterviewSession]:
        rows = await self._fetchall(
            f"SELECT {_SESSION_COLUMNS} FROM interview_sessions WHERE user_id = ?"
            " ORDER BY started_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [records.session(r) for r in rows]

    # Transcripts and feedback

    async def add_transcript_message(
        self,
        session_id: int,
        speaker: str,
        text: str,
        started_at: dt.datetime,
        ended_at: dt.datetime | None,
        *,
        created_at: dt.datetime | None = None,
    ) -> TranscriptMessage | None:
        records.check_speaker(speaker)
        created = created_at or _now()
        row = await self._fetchone(
            "INSERT INTO transcript_messages (session_id, user_id, speaker, text, started_at,"
            " ended_at, created_at, expires_at) SELECT id, user_id, ?, ?, ?, ?, ?, ?"
            f" FROM interview_sessions WHERE id = ? RETURNING {_TRANSCRIPT_COLUMNS}",
            (
                speaker,
                text,
                iso(started_at),
                iso(ended_at) if ended_at else None,
                iso(created),
                iso(created + self.transcript_retention),
                session_id,
            ),
        )
        return records.transcript_message(row) if row else None

    async def transcript(self, session_id: int) -> list[TranscriptMessage]:
        rows = await self._fetchall(
            f"SELECT {_TRANSCRIPT_COLUMNS} FROM transcript_messages WHERE session_id = ?"
            " ORDER BY started_at, id",
            (session_id,),
        )
        return [records.transcript_message(r) for r in rows]

    async def save_feedback(
        self, session_id: int, overall_score: int | None, content: dict[str, Any]
    ) -> int | None:
        row = await self._fetchone(
            "INSERT INTO feedback (session_id, user_id, overall_score, content, created_at)"
            " SELECT id, user_id, ?, ?, ? FROM interview_sessions WHERE id = ?"
            " ON CONFLICT (session_id) DO UPDATE SET overall_score = excluded.overall_score,"
            " content = excluded.content, created_at = excluded.created_at RETURNING id",
            (overall_score, json.dumps(content), iso(_now()), session_id),
        )
        return row["id"] if row else None

    async def get_feedback(self, session_id: int) -> dict[str, Any] | None:
        row = await self._fetchone(
            "SELECT content FROM feedback WHERE session_id = ?", (session_id,)
        )
        return row["content"] if row else None

    # Action log

    async def log_action(
        self,
        user_id: int | None,
        platform: str,
        server_id: str | None,
        action: str,
        at: dt.datetime,
    ) -> None:
        # A late action of an erased user is dropped rather than re-creating a row.
        await self._execute(
            "INSERT INTO action_logs (user_id, platform, server_id, action, created_at)"
            " SELECT ?1, ?2, ?3, ?4, ?5"
            " WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = ?1)",
            (user_id, platform, server_id, action, iso(at)),
        )

    async def count_actions(self, user_id: int, action: str, since: dt.datetime) -> int:
        row = await self._fetchone(
            "SELECT count(*) AS n FROM action_logs"
            " WHERE user_id = ? AND action = ? AND created_at >= ?",
            (user_id, action, iso(since)),
        )
        return int(row["n"]) if row else 0

    async def action_times(
        self, user_id: int, action: str, since: dt.datetime
    ) -> list[dt.datetime]:
        rows = await self._fetchall(
            "SELECT created_at FROM action_logs"
            " WHERE user_id = ? AND action = ? AND created_at >= ? ORDER BY created_at",
            (user_id, action, iso(since)),
        )
        return [row["created_at"] for row in rows]

    async def interview_seconds_since(self, user_id: int, since: dt.datetime) -> float:
        # An interview still running counts up to now.
        row = await self._fetchone(
            "SELECT COALESCE(SUM(COALESCE(duration_seconds,"
            " MAX(0, (julianday(?) - julianday(started_at)) * 86400.0))), 0) AS s"
            " FROM interview_sessions WHERE user_id = ? AND started_at >= ?",
            (iso(_now()), user_id, iso(since)),
        )
        return float(row["s"]) if row else 0.0

    # Server settings

    async def get_server_settings(self, platform: str, server_id: str) -> dict[str, Any]:
        row = await self._fetchone(
            "SELECT settings FROM server_settings WHERE platform = ? AND server_id = ?",
            (platform, server_id),
        )
        return dict(row["settings"]) if row else {}

    async def set_server_settings(
        self, platform: str, server_id: str, settings: dict[str, Any]
    ) -> None:
        await self._execute(
            "INSERT INTO server_settings (platform, server_id, settings, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (platform, server_id) DO UPDATE"
            " SET settings = excluded.settings, updated_at = excluded.updated_at",
            (platform, server_id, json.dumps(settings), iso(_now())),
        )

    # Privacy

    async def _catalogue(self) -> tuple[dict[str, dict[str, str]], list[ForeignKey]]:
        """Columns (name to declared type) and foreign keys of every table."""
        async with self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ) as cursor:
            tables = [row[0] for row in await cursor.fetchall()]
        columns: dict[str, dict[str, str]] = {}
        fks: list[ForeignKey] = []
        for table in tables:
            async with self.db.execute(f"PRAGMA table_info({_quote(table)})") as cursor:
                columns[table] = {r["name"]: r["type"].upper() for r in await cursor.fetchall()}
            async with self.db.execute(f"PRAGMA foreign_key_list({_quote(table)})") as cursor:
                fks.extend(
                    ForeignKey(table, r["from"], r["table"], r["to"] or "id", r["on_delete"])
                    for r in await cursor.fetchall()
                )
        return columns, fks

    async def _plan(self) -> tuple[list[UserTable], dict[str, dict[str, str]]]:
        columns, fks = await self._catalogue()
        return plan_user_tables(columns, fks, _quote), columns

    async def user_tables(self) -> list[str]:
        async with self._lock:
            plan, _ = await self._plan()
        return [t.name for t in plan]

    async def export_rows(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        async with self._lock:
            plan, columns = await self._plan()
            for table in reversed(plan):
                where = table.predicate.replace("{user}", ":user_id")
                order = " ORDER BY id" if "id" in columns[table.name] else ""
                sql = f"SELECT * FROM {_quote(table.name)} WHERE {where}{order}"
                async with self.db.execute(sql, {"user_id": user_id}) as cursor:
                    rows = await cursor.fetchall()
                out[table.name] = [_export_row(r, columns[table.name]) for r in rows]
        return out

    async def erase_user(self, user_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        try:
            async with self._transaction() as db:
                plan, _ = await self._plan()
                for table in plan:
                    where = table.predicate.replace("{user}", ":user_id")
                    sql = f"DELETE FROM {_quote(table.name)} WHERE {where}"
                    if table.nullify is not None:
                        sql = (
                            f"UPDATE {_quote(table.name)} SET {table.nullify} = NULL WHERE {where}"
                        )
                    async with db.execute(sql, {"user_id": user_id}) as cursor:
                        counts[table.name] = cursor.rowcount
        except sqlite3.Error as exc:
            raise StoreError(
                f"erasure of user {user_id} failed and was rolled back: {exc}"
            ) from exc
        return counts

    async def schedule_database_purge(self, batch_size: int, action_log_days: int) -> bool:
        return False  # SQLite has no scheduler: the bot's own purge schedule is the only one

    async def purge(
        self,
        now: dt.datetime,
        action_log_cutoff: dt.datetime,
        batch_size: int,
        dry_run: bool = False,
    ) -> dict[str, int]:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        targets = (
            ("transcript_messages", "expires_at <= ?", iso(now)),
            ("action_logs", "created_at < ?", iso(action_log_cutoff)),
        )
        counts: dict[str, int] = {}
        batches: dict[str, int] = {}
        for table, condition, bound in targets:
            if dry_run:
                row = await self._fetchone(
                    f"SELECT count(*) AS n FROM {table} WHERE {condition}", (bound,)
                )
                counts[table], batches[table] = int(row["n"]) if row else 0, 0
                continue
            counts[table], batches[table] = await self._purge_table(
                table, condition, bound, batch_size
            )
        spec_cutoff = iso(now - self.transcript_retention)
        if dry_run:
            row = await self._fetchone(
                f"SELECT count(*) AS n FROM interview_sessions WHERE {_SPEC_TEXT_CONDITION}",
                (spec_cutoff,),
            )
            counts["interview_sessions"], batches["interview_sessions"] = (
                int(row["n"]) if row else 0,
                0,
            )
        else:
            counts["interview_sessions"], batches["interview_sessions"] = await self._scrub_specs(
                spec_cutoff, batch_size
            )
        self.last_purge_batches = batches
        return counts

    async def _scrub_specs(self, cutoff: str, batch_size: int) -> tuple[int, int]:
        """Remove the candidate's own text from specs of sessions past transcript retention."""
        total = batches = 0
        while True:
            updated = await self._execute(
                "UPDATE interview_sessions"
                " SET spec = json_remove(spec, '$.job_description', '$.custom_focus')"
                " WHERE id IN (SELECT id FROM interview_sessions"
                f" WHERE {_SPEC_TEXT_CONDITION} LIMIT ?)",
                (cutoff, batch_size),
            )
            total += updated
            batches += 1
            if updated < batch_size:
                return total, batches

    async def _purge_table(
        self, table: str, condition: str, bound: str, batch_size: int
    ) -> tuple[int, int]:
        total = batches = 0
        while True:
            # Each batch is its own short statement: other tasks run in between.
            deleted = await self._execute(
                f"DELETE FROM {table} WHERE id IN"
                f" (SELECT id FROM {table} WHERE {condition} LIMIT ?)",
                (bound, batch_size),
            )
            total += deleted
            batches += 1
            if deleted < batch_size:
                return total, batches

    # Mock-interview nights

    async def _night_rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        # Not `_fetchall`: its JSON decoding would misread the night's text `state` column.
        async with self._lock, self.db.execute(sql, params) as cursor:
            rows = [_decode_times(row) for row in await cursor.fetchall()]
        return [row for row in rows if row is not None]

    async def _night_row(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        rows = await self._night_rows(sql, params)
        return rows[0] if rows else None

    async def create_night(self, night: NewNight, created_at: dt.datetime) -> NightEvent | None:
        row = await self._night_row(
            "INSERT INTO night_events (platform, server_id, voice_channel_id, text_channel_id,"
            " host_user_id, starts_at, slot_minutes, interview_type, role, max_candidates,"
            " scheduled_event_id, created_at) SELECT ?, ?, ?, ?, id, ?, ?, ?, ?, ?, ?, ?"
            f" FROM users WHERE id = ? RETURNING {nights.NIGHT_COLUMNS}",
            (
                night.platform,
                night.server_id,
                night.voice_channel_id,
                night.text_channel_id,
                iso(night.starts_at),
                night.slot_minutes,
                night.interview_type,
                night.role,
                night.max_candidates,
                night.scheduled_event_id,
                iso(created_at),
                night.host_user_id,
            ),
        )
        return nights.night(row) if row else None

    async def get_night(self, night_id: int) -> NightEvent | None:
        row = await self._night_row(
            f"SELECT {nights.NIGHT_COLUMNS} FROM night_events WHERE id = ?", (night_id,)
        )
        return nights.night(row) if row else None

    async def open_nights(
        self, platform: str | None = None, server_id: str | None = None
    ) -> list[NightEvent]:
        rows = await self._night_rows(
            f"SELECT {nights.NIGHT_COLUMNS} FROM night_events WHERE state <> 'ended'"
            " AND (?1 IS NULL OR platform = ?1) AND (?2 IS NULL OR server_id = ?2)"
            " ORDER BY starts_at, id",
            (platform, server_id),
        )
        return [nights.night(r) for r in rows]

    async def update_night(
        self,
        night_id: int,
        *,
        state: str | None = None,
        current_position: int | None = None,
        at: dt.datetime | None = None,
    ) -> NightEvent | None:
        sets: list[str] = []
        params: list[Any] = []
        if state is not None:
            nights.check_state(state)
            sets.append("state = ?")
            params.append(state)
            column = nights.state_time_column(state)
            if column is not None and at is not None:
                sets.append(f"{column} = COALESCE({column}, ?)")
                params.append(iso(at))
        if current_position is not None:
            sets.append("current_position = ?")
            params.append(current_position)
        if not sets:
            return await self.get_night(night_id)
        row = await self._night_row(
            f"UPDATE night_events SET {', '.join(sets)} WHERE id = ?"
            f" RETURNING {nights.NIGHT_COLUMNS}",
            (*params, night_id),
        )
        return nights.night(row) if row else None

    async def enqueue(
        self, night_id: int, user_id: int, share_score: bool, joined_at: dt.datetime
    ) -> QueueEntry | None:
        async with self._transaction() as db:
            async with db.execute(
                "SELECT status FROM night_queue WHERE night_id = ? AND user_id = ?",
                (night_id, user_id),
            ) as cursor:
                existing = await cursor.fetchone()
            if existing is not None and existing["status"] != "left":
                return None
            async with db.execute(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM night_queue WHERE night_id = ?",
                (night_id,),
            ) as cursor:
                last = await cursor.fetchone()
            position = last[0] if last is not None else 1
            params = (position, int(share_score), iso(joined_at), night_id, user_id)
            sql = _REJOIN_SQL if existing is not None else _ENQUEUE_SQL
            async with db.execute(sql, params) as cursor:
                row = _decode_times(await cursor.fetchone())
        return nights.queue_entry(row) if row else None

    async def night_queue(self, night_id: int) -> list[QueueEntry]:
        rows = await self._night_rows(
            f"SELECT {nights.QUEUE_COLUMNS} FROM night_queue WHERE night_id = ? ORDER BY position",
            (night_id,),
        )
        return [nights.queue_entry(r) for r in rows]

    async def set_queue_status(
        self,
        entry_id: int,
        status: str,
        at: dt.datetime,
        *,
        session_id: int | None = None,
    ) -> QueueEntry | None:
        nights.check_status(status)
        column = nights.STATUS_TIME_COLUMNS.get(status)
        stamp = f", {column} = ?" if column else ""
        params: tuple[Any, ...] = (status, session_id, *((iso(at),) if column else ()), entry_id)
        row = await self._night_row(
            "UPDATE night_queue SET status = ?, session_id = COALESCE(?, session_id)"
            f"{stamp} WHERE id = ? RETURNING {nights.QUEUE_COLUMNS}",
            params,
        )
        return nights.queue_entry(row) if row else None


# A job description or focus text is the candidate's own text, kept as long as the transcript.
_SPEC_TEXT_CONDITION = (
    "started_at < ? AND (json_extract(spec, '$.job_description') IS NOT NULL"
    " OR json_extract(spec, '$.custom_focus') IS NOT NULL)"
)


def _export_row(row: sqlite3.Row, types: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in row.keys():
        value = row[key]
        if isinstance(value, str) and types.get(key) == "JSON_TEXT":
            value = json.loads(value)
        elif isinstance(value, str) and types.get(key) == "TIMESTAMP_TEXT":
            value = iso(dt.datetime.fromisoformat(value))
        out[key] = value
    return out


def _migration_files() -> Iterable[tuple[str, str]]:
    folder = resources.files("storage") / "sqlite_schema"
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".sql")),
        key=lambda entry: entry.name,
    )
    for entry in files:
        yield entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8")


# The user and night must still exist; a late join after an erasure inserts nothing.
_ENQUEUE_SQL = (
    "INSERT INTO night_queue (night_id, user_id, position, share_score, joined_at)"
    " SELECT n.id, u.id, ?1, ?2, ?3 FROM night_events n, users u WHERE n.id = ?4 AND u.id = ?5"
    f" RETURNING {nights.QUEUE_COLUMNS}"
)
_REJOIN_SQL = (
    "UPDATE night_queue SET position = ?1, share_score = ?2, joined_at = ?3,"
    " status = 'queued', session_id = NULL, called_at = NULL, started_at = NULL,"
    f" ended_at = NULL WHERE night_id = ?4 AND user_id = ?5 RETURNING {nights.QUEUE_COLUMNS}"
)
