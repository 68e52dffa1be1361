"""The Postgres backend (asyncpg pool), for Supabase or any PostgreSQL 15+.

Tables live in the private schema `naromeet`; the schema is the SQL in
`supabase/migrations/`, applied in file name order and recorded in
`naromeet.schema_migrations`. On Supabase's transaction pooler (port 6543)
prepared statements cannot be cached, so the statement cache is off there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg

from storage import _nights as nights
from storage import _records as records
from storage._userdata import ForeignKey, UserTable, json_friendly, plan_user_tables
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

SCHEMA = "naromeet"
TRANSACTION_POOLER_PORT = 6543
# pg_constraint.confdeltype codes, spelled as SQLite's foreign_key_list reports them.
_ON_DELETE = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}
# Serialises concurrent `migrate` calls from several bot processes.
_MIGRATION_LOCK_KEY = 0x6E61726F6D656574  # "naromeet"

_SESSION_COLUMNS = (
    "id, user_id, platform, spec, server_id, channel_id, started_at, ended_at,"
    " duration_seconds, rating, end_reason, state"
)
_TRANSCRIPT_COLUMNS = "id, session_id, speaker, text, started_at, ended_at, created_at, expires_at"


def _quote(name: str) -> str:
    return f'{SCHEMA}."' + name.replace('"', '""') + '"'


CRON_JOB = "naromeet-purge"
CRON_SCHEDULE = "17 * * * *"  # hourly, off the top of the hour


def migrations_dir() -> Path:
    """`supabase/migrations` beside the package (source tree) or inside it (wheel)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "supabase" / "migrations", here / "supabase_migrations"):
        if candidate.is_dir():
            return candidate
    raise StoreError("the Postgres migrations folder supabase/migrations was not found")


def _migration_files() -> Iterable[tuple[str, str]]:
    for path in sorted(migrations_dir().glob("*.sql")):
        yield path.stem, path.read_text(encoding="utf-8")


class PostgresStore:
    """`Store` on Postgres."""

    backend = "postgres"

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

    # Users and consent

    async def upsert_user(self, profile: UserProfile) -> User:
        row = await self.pool.fetchrow(
            f"INSERT INTO {SCHEMA}.users (platform, platform_user_id, name, username,"
            " avatar_url, locale) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (platform, platform_user_id) DO UPDATE SET name = excluded.name,"
            " username = excluded.username, avatar_url = excluded.avatar_url,"
            " locale = COALESCE(users.locale, excluded.locale) RETURNING *",
            profile.platform,
            profile.platform_user_id,
            profile.name,
            profile.username,
            profile.avatar_url,
            profile.locale,
        )
        return records.user(row)

    async def get_user(self, platform: str, platform_user_id: str) -> User | None:
        row = await self.pool.fetchrow(
            f"SELECT * FROM {SCHEMA}.users WHERE platform = $1 AND platform_user_id = $2",
            platform,
            platform_user_id,
        )
        return records.user(row) if row else None

    async def get_user_by_id(self, user_id: int) -> User | None:
        row = await self.pool.fetchrow(f"SELECT * FROM {SCHEMA}.users WHERE id = $1", user_id)
        return records.user(row) if row else None

    async def set_user_locale(self, user_id: int, locale: str) -> None:
        await self.pool.execute(
            f"UPDATE {SCHEMA}.users SET locale = $1 WHERE id = $2", locale, user_id
        )

    async def _insert_if_parent(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """Run an INSERT ... SELECT FROM parent; None when the parent is (being) erased.

        An erasure committing between the SELECT and the foreign key check makes
        the check fail: that is a late write, and it is dropped.
        """
        try:
            return await self.pool.fetchrow(sql, *args)
        except asyncpg.ForeignKeyViolationError:
            return None

    async def add_consent(
        self, user_id: int, policy_version: str, accepted_at: dt.datetime
    ) -> Consent | None:
        row = await self._insert_if_parent(
            f"INSERT INTO {SCHEMA}.consents (user_id, policy_version, accepted_at)"
            f" SELECT id, $2, $3 FROM {SCHEMA}.users WHERE id = $1 RETURNING *",
            user_id,
            policy_version,
            accepted_at,
        )
        return records.consent(row) if row else None

    async def withdraw_consent(self, user_id: int, withdrawn_at: dt.datetime) -> int:
        status = await self.pool.execute(
            f"UPDATE {SCHEMA}.consents SET withdrawn_at = $2"
            " WHERE user_id = $1 AND withdrawn_at IS NULL",
            user_id,
            withdrawn_at,
        )
        return _rowcount(status)

    async def latest_consent(self, user_id: int) -> Consent | None:
        row = await self.pool.fetchrow(
            f"SELECT * FROM {SCHEMA}.consents WHERE user_id = $1"
            " ORDER BY accepted_at DESC, id DESC LIMIT 1",
            user_id,
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
        row = await self._insert_if_parent(
            f"INSERT INTO {SCHEMA}.interview_sessions (user_id, platform, spec, server_id,"
            f" channel_id, started_at) SELECT id, $2, $3, $4, $5, $6 FROM {SCHEMA}.users"
            f" WHERE id = $1 RETURNING {_SESSION_COLUMNS}",
            user_id,
            platform,
            spec,
            server_id,
            channel_id,
            started_at,
        )
        return records.session(row) if row else None

    async def get_session(self, session_id: int) -> InterviewSession | None:
        row = await self.pool.fetchrow(
            f"SELECT {_SESSION_COLUMNS} FROM {SCHEMA}.interview_sessions WHERE id = $1",
            session_id,
        )
        return records.session(row) if row else None

    async def active_session(self, user_id: int) -> InterviewSession | None:
        row = await self.pool.fetchrow(
            f"SELECT {_SESSION_COLUMNS} FROM {SCHEMA}.interview_sessions"
            " WHERE user_id = $1 AND ended_at IS NULL ORDER BY started_at DESC, id DESC LIMIT 1",
            user_id,
        )
        return records.session(row) if row else None

    async def active_sessions(self) -> list[InterviewSession]:
        rows = await self.pool.fetch(
            f"SELECT {_SESSION_COLUMNS} FROM {SCHEMA}.interview_sessions"
            " WHERE ended_at IS NULL ORDER BY id"
        )
        return [records.session(r) for r in rows]

    async def update_session_state(self, session_id: int, state: dict[str, Any]) -> bool:
        status = await self.pool.execute(
            f"UPDATE {SCHEMA}.interview_sessions SET state = $2 WHERE id = $1", session_id, state
        )
        return _rowcount(status) > 0

    async def end_session(
        self, session_id: int, ended_at: dt.datetime, end_reason: str
    ) -> InterviewSession | None:
        await self.pool.execute(
            f"UPDATE {SCHEMA}.interview_sessions SET ended_at = $2, end_reason = $3,"
            " duration_seconds = GREATEST(0, EXTRACT(EPOCH FROM ($2 - started_at)))::float8"
            " WHERE id = $1 AND ended_at IS NULL",
            session_id,
            ended_at,
            end_reason,
        )
        return await self.get_session(session_id)

    async def set_rating(self, session_id: int, rating: int) -> bool:
        records.check_rating(rating)
        status = await self.pool.execute(
            f"UPDATE {SCHEMA}.interview_sessions SET rating = $2 WHERE id = $1",
            session_id,
            rating,
        )
        return _rowcount(status) > 0

    async def list_sessions(self, user_id: int, limit: int = 20) -> list[InterviewSession]:
        rows = await self.pool.fetch(
            f"SELECT {_SESSION_COLUMNS} FROM {SCHEMA}.interview_sessions WHERE user_id = $1"
            " ORDER BY started_at DESC, id DESC LIMIT $2",
            user_id,
            limit,
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
        created = created_at or dt.datetime.now(dt.UTC)
        row = await self._insert_if_parent(
            f"INSERT INTO {SCHEMA}.transcript_messages (session_id, user_id, speaker, text,"
            " started_at, ended_at, created_at, expires_at)"
            f" SELECT id, user_id, $2, $3, $4, $5, $6, $7 FROM {SCHEMA}.interview_sessions"
            f" WHERE id = $1 RETURNING {_TRANSCRIPT_COLUMNS}",
            session_id,
            speaker,
            text,
            started_at,
            ended_at,
            created,
            created + self.transcript_retention,
        )
        return records.transcript_message(row) if row else None

    async def transcript(self, session_id: int) -> list[TranscriptMessage]:
        rows = await self.pool.fetch(
            f"SELECT {_TRANSCRIPT_COLUMNS} FROM {SCHEMA}.transcript_messages"
            " WHERE session_id = $1 ORDER BY started_at, id",
            session_id,
        )
        return [records.transcript_message(r) for r in rows]

    async def save_feedback(
        self, session_id: int, overall_score: int | None, content: dict[str, Any]
    ) -> int | None:
        row = await self._insert_if_parent(
            f"INSERT INTO {SCHEMA}.feedback (session_id, user_id, overall_score, content)"
            f" SELECT id, user_id, $2, $3 FROM {SCHEMA}.interview_sessions WHERE id = $1"
            " ON CONFLICT (session_id) DO UPDATE SET overall_score = excluded.overall_score,"
            " content = excluded.content, created_at = excluded.created_at RETURNING id",
            session_id,
            overall_score,
            content,
        )
        return int(row["id"]) if row else None

    async def get_feedback(self, session_id: int) -> dict[str, Any] | None:
        row = await self.pool.fetchrow(
            f"SELECT content FROM {SCHEMA}.feedback WHERE session_id = $1", session_id
        )
        return dict(row["content"]) if row else None

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
        await self._insert_if_parent(
            f"INSERT INTO {SCHEMA}.action_logs (user_id, platform, server_id, action,"
            " created_at) SELECT $1, $2, $3, $4, $5 WHERE $1::bigint IS NULL"
            f" OR EXISTS (SELECT 1 FROM {SCHEMA}.users WHERE id = $1)",
            user_id,
            platform,
            server_id,
            action,
            at,
        )

    async def count_actions(self, user_id: int, action: str, since: dt.datetime) -> int:
        value = await self.pool.fetchval(
            f"SELECT count(*) FROM {SCHEMA}.action_logs"
            " WHERE user_id = $1 AND action = $2 AND created_at >= $3",
            user_id,
            action,
            since,
        )
        return int(value)

    async def action_times(
        self, user_id: int, action: str, since: dt.datetime
    ) -> list[dt.datetime]:
        rows = await self.pool.fetch(
            f"SELECT created_at FROM {SCHEMA}.action_logs"
            " WHERE user_id = $1 AND action = $2 AND created_at >= $3 ORDER BY created_at",
            user_id,
            action,
            since,
        )
        return [row["created_at"] for row in rows]

    async def interview_seconds_since(self, user_id: int, since: dt.datetime) -> float:
        # An interview still running counts up to now.
        value = await self.pool.fetchval(
            "SELECT COALESCE(SUM(COALESCE(duration_seconds,"
            " GREATEST(0, EXTRACT(EPOCH FROM (now() - started_at)))::float8)), 0)"
            f" FROM {SCHEMA}.interview_sessions WHERE user_id = $1 AND started_at >= $2",
            user_id,
            since,
        )
        return float(value)

    # Server settings

    async def get_server_settings(self, platform: str, server_id: str) -> dict[str, Any]:
        value = await self.pool.fetchval(
            f"SELECT settings FROM {SCHEMA}.server_settings"
            " WHERE platform = $1 AND server_id = $2",
            platform,
            server_id,
        )
        return dict(value) if value else {}

    async def set_server_settings(
        self, platform: str, server_id: str, settings: dict[str, Any]
    ) -> None:
        await self.pool.execute(
            f"INSERT INTO {SCHEMA}.server_settings (platform, server_id, settings)"
            " VALUES ($1, $2, $3) ON CONFLICT (platform, server_id) DO UPDATE"
            " SET settings = excluded.settings, updated_at = now()",
            platform,
            server_id,
            settings,
        )

    # Privacy

    async def _plan(self, conn: asyncpg.Connection) -> list[UserTable]:
        rows = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = $1 ORDER BY table_name, ordinal_position",
            SCHEMA,
        )
        columns: dict[str, list[str]] = {}
        for row in rows:
            columns.setdefault(row["table_name"], []).append(row["column_name"])
        fk_rows = await conn.fetch(
            "SELECT child.relname AS child, col.attname AS col, parent.relname AS parent,"
            " ref.attname AS ref, con.confdeltype::text AS on_delete"
            " FROM pg_constraint con"
            " JOIN pg_class child ON child.oid = con.conrelid"
            " JOIN pg_class parent ON parent.oid = con.confrelid"
            " JOIN pg_namespace ns ON ns.oid = child.relnamespace"
            " JOIN pg_attribute col ON col.attrelid = con.conrelid"
            "  AND col.attnum = con.conkey[1]"
            " JOIN pg_attribute ref ON ref.attrelid = con.confrelid"
            "  AND ref.attnum = con.confkey[1]"
            " WHERE con.contype = 'f' AND ns.nspname = $1",
            SCHEMA,
        )
        fks = [
            ForeignKey(r["child"], r["col"], r["parent"], r["ref"], _ON_DELETE[r["on_delete"]])
            for r in fk_rows
        ]
        return plan_user_tables(columns, fks, _quote)

    async def user_tables(self) -> list[str]:
        async with self.pool.acquire() as conn:
            return [t.name for t in await self._plan(conn)]

    async def export_rows(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        async with (
            self.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            for table in reversed(await self._plan(conn)):
                where = table.predicate.replace("{user}", "$1")
                rows = await conn.fetch(
                    f"SELECT * FROM {_quote(table.name)} WHERE {where} ORDER BY 1", user_id
                )
                out[table.name] = [
                    {key: json_friendly(value) for key, value in row.items()} for row in rows
                ]
        return out

    async def erase_user(self, user_id: int) -> dict[str, int]:
        try:
            return await self._erase_user(user_id)
        except asyncpg.PostgresError as exc:
            raise StoreError(
                f"erasure of user {user_id} failed and was rolled back: {exc}"
            ) from exc

    async def _erase_user(self, user_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        async with self.pool.acquire() as conn, conn.transaction():
            # Children first and users last, which is the order in which a concurrent insert
            # locks its parents (session, then user), so neither waits on the other in a cycle.
            # A row committed meanwhile is removed by ON DELETE CASCADE with its parent.
            for table in await self._plan(conn):
                where = table.predicate.replace("{user}", "$1")
                sql = f"DELETE FROM {_quote(table.name)} WHERE {where}"
                if table.nullify is not None:
                    sql = f"UPDATE {_quote(table.name)} SET {table.nullify} = NULL WHERE {where}"
                status = await conn.execute(sql, user_id)
                counts[table.name] = _rowcount(status)
        return counts

    async def schedule_database_purge(self, batch_size: int, action_log_days: int) -> bool:
        """(Re)schedule the pg_cron job `naromeet-purge` with the configured values.

        The migration schedules it with the defaults; calling this at start keeps
        ACTION_LOG_RETENTION_DAYS and PURGE_BATCH_SIZE in force while the bot is down.
        """
        if batch_size < 1 or action_log_days < 1:
            raise ValueError("batch_size and action_log_days must be positive")
        async with self.pool.acquire() as conn:
            if not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron')"
            ):
                return False
            command = (
                f"SELECT * FROM {SCHEMA}.purge_expired({int(batch_size)}, 200,"
                f" interval '{int(action_log_days)} days')"
            )
            await conn.execute(
                "SELECT cron.schedule($1, $2, $3)", CRON_JOB, CRON_SCHEDULE, command
            )
        logger.info(
            "Database purge scheduled: batches of %d, action logs kept %d days",
            batch_size,
            action_log_days,
        )
        return True

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
            ("transcript_messages", "expires_at <= $1", now),
            ("action_logs", "created_at < $1", action_log_cutoff),
        )
        counts: dict[str, int] = {}
        batches: dict[str, int] = {}
        for table, condition, bound in targets:
            if dry_run:
                value = await self.pool.fetchval(
                    f"SELECT count(*) FROM {SCHEMA}.{table} WHERE {condition}", bound
                )
                counts[table], batches[table] = int(value), 0
                continue
            counts[table], batches[table] = await self._purge_table(
                table, condition, bound, batch_size
            )
        spec_cutoff = now - self.transcript_retention
        if dry_run:
            value = await self.pool.fetchval(
                f"SELECT count(*) FROM {SCHEMA}.interview_sessions WHERE {_SPEC_TEXT_CONDITION}",
                spec_cutoff,
            )
            counts["interview_sessions"], batches["interview_sessions"] = int(value), 0
        else:
            counts["interview_sessions"], batches["interview_sessions"] = await self._scrub_specs(
                spec_cutoff, batch_size
            )
        self.last_purge_batches = batches
        return counts

    async def _scrub_specs(self, cutoff: dt.datetime, batch_size: int) -> tuple[int, int]:
        """Remove the candidate's own text from specs of sessions past transcript retention."""
        total = batches = 0
        sql = (
            f"UPDATE {SCHEMA}.interview_sessions"
            " SET spec = spec - 'job_description' - 'custom_focus'"
            f" WHERE id IN (SELECT id FROM {SCHEMA}.interview_sessions"
            f" WHERE {_SPEC_TEXT_CONDITION} LIMIT $2 FOR UPDATE SKIP LOCKED)"
        )
        async with self.pool.acquire() as conn:
            while True:
                updated = _rowcount(await conn.execute(sql, cutoff, batch_size))
                total += updated
                batches += 1
                if updated < batch_size:
                    return total, batches

    async def _purge_table(
        self, table: str, condition: str, bound: dt.datetime, batch_size: int
    ) -> tuple[int, int]:
        total = batches = 0
        sql = (
            f"DELETE FROM {SCHEMA}.{table} WHERE id IN (SELECT id FROM {SCHEMA}.{table}"
            f" WHERE {condition} LIMIT $2 FOR UPDATE SKIP LOCKED)"
        )
        async with self.pool.acquire() as conn:
            while True:
                # Each batch commits on its own, so locks are held briefly.
                deleted = _rowcount(await conn.execute(sql, bound, batch_size))
                total += deleted
                batches += 1
                if deleted < batch_size:
                    return total, batches

    # Mock-interview nights

    async def create_night(self, night: NewNight, created_at: dt.datetime) -> NightEvent | None:
        row = await self.pool.fetchrow(
            f"INSERT INTO {SCHEMA}.night_events (platform, server_id, voice_channel_id,"
            " text_channel_id, host_user_id, starts_at, slot_minutes, interview_type, role,"
            " max_candidates, scheduled_event_id, created_at)"
            " SELECT $1, $2, $3, $4, id, $5, $6, $7, $8, $9, $10, $11"
            f" FROM {SCHEMA}.users WHERE id = $12 RETURNING {nights.NIGHT_COLUMNS}",
            night.platform,
            night.server_id,
            night.voice_channel_id,
            night.text_channel_id,
            night.starts_at,
            night.slot_minutes,
            night.interview_type,
            night.role,
            night.max_candidates,
            night.scheduled_event_id,
            created_at,
            night.host_user_id,
        )
        return nights.night(row) if row else None

    async def get_night(self, night_id: int) -> NightEvent | None:
        row = await self.pool.fetchrow(
            f"SELECT {nights.NIGHT_COLUMNS} FROM {SCHEMA}.night_events WHERE id = $1", night_id
        )
        return nights.night(row) if row else None

    async def open_nights(
        self, platform: str | None = None, server_id: str | None = None
    ) -> list[NightEvent]:
        rows = await self.pool.fetch(
            f"SELECT {nights.NIGHT_COLUMNS} FROM {SCHEMA}.night_events WHERE state <> 'ended'"
            " AND ($1::text IS NULL OR platform = $1) AND ($2::text IS NULL OR server_id = $2)"
            " ORDER BY starts_at, id",
            platform,
            server_id,
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
        params: list[Any] = [night_id]
        if state is not None:
            nights.check_state(state)
            params.append(state)
            sets.append(f"state = ${len(params)}")
            column = nights.state_time_column(state)
            if column is not None and at is not None:
                params.append(at)
                sets.append(f"{column} = COALESCE({column}, ${len(params)})")
        if current_position is not None:
            params.append(current_position)
            sets.append(f"current_position = ${len(params)}")
        if not sets:
            return await self.get_night(night_id)
        row = await self.pool.fetchrow(
            f"UPDATE {SCHEMA}.night_events SET {', '.join(sets)} WHERE id = $1"
            f" RETURNING {nights.NIGHT_COLUMNS}",
            *params,
        )
        return nights.night(row) if row else None

    async def enqueue(
        self, night_id: int, user_id: int, share_score: bool, joined_at: dt.datetime
    ) -> QueueEntry | None:
        async with self.pool.acquire() as conn, conn.transaction():
            # Locking the night serialises position numbers between concurrent joins.
            locked = await conn.fetchval(
                f"SELECT id FROM {SCHEMA}.night_events WHERE id = $1 FOR UPDATE", night_id
            )
            if locked is None:
                return None
            existing = await conn.fetchval(
                f"SELECT status FROM {SCHEMA}.night_queue WHERE night_id = $1 AND user_id = $2",
                night_id,
                user_id,
            )
            if existing is not None and existing != "left":
                return None
            position = await conn.fetchval(
                f"SELECT COALESCE(MAX(position), 0) + 1 FROM {SCHEMA}.night_queue"
                " WHERE night_id = $1",
                night_id,
            )
            sql = _REJOIN_SQL if existing is not None else _ENQUEUE_SQL
            row = await conn.fetchrow(sql, position, share_score, joined_at, night_id, user_id)
        return nights.queue_entry(row) if row else None

    async def night_queue(self, night_id: int) -> list[QueueEntry]:
        rows = await self.pool.fetch(
            f"SELECT {nights.QUEUE_COLUMNS} FROM {SCHEMA}.night_queue WHERE night_id = $1"
            " ORDER BY position",
            night_id,
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
        stamp = f", {column} = $4" if column else ""
        params: tuple[Any, ...] = (entry_id, status, session_id, *((at,) if column else ()))
        row = await self.pool.fetchrow(
            f"UPDATE {SCHEMA}.night_queue SET status = $2, session_id = COALESCE($3, session_id)"
            f"{stamp} WHERE id = $1 RETURNING {nights.QUEUE_COLUMNS}",
            *params,
        )
        return nights.queue_entry(row) if row else None


# A job description or focus text is the candidate's own text, kept as long as the transcript.
_SPEC_TEXT_CONDITION = (
    "started_at < $1 AND (spec->>'job_description' IS NOT NULL"
    " OR spec->>'custom_focus' IS NOT NULL)"
)


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


# The user must still exist; a late join after an erasure inserts nothing.
_ENQUEUE_SQL = (
    f"INSERT INTO {SCHEMA}.night_queue (night_id, user_id, position, share_score, joined_at)"
    f" SELECT $4, id, $1, $2, $3 FROM {SCHEMA}.users WHERE id = $5"
    f" RETURNING {nights.QUEUE_COLUMNS}"
)
_REJOIN_SQL = (
    f"UPDATE {SCHEMA}.night_queue SET position = $1, share_score = $2, joined_at = $3,"
    " status = 'queued', session_id = NULL, called_at = NULL, started_at = NULL,"
    f" ended_at = NULL WHERE night_id = $4 AND user_id = $5 RETURNING {nights.QUEUE_COLUMNS}"
)
