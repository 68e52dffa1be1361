"""Privacy on Postgres: the user tables, export, erasure, the purge and its pg_cron job."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import asyncpg

from storage._userdata import ForeignKey, UserTable, json_friendly, plan_user_tables
from storage.base import StoreError
from storage.postgres._connection import SCHEMA, PostgresConnection, _rowcount

logger = logging.getLogger(__name__)

# pg_constraint.confdeltype codes, spelled as SQLite's foreign_key_list reports them.
_ON_DELETE = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


def _quote(name: str) -> str:
    return f'{SCHEMA}."' + name.replace('"', '""') + '"'


CRON_JOB = "naromeet-purge"
CRON_SCHEDULE = "17 * * * *"  # hourly, off the top of the hour


class PrivacyQueries(PostgresConnection):
    """Export and erasure over every table about a user, and the retention purge."""

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
        ACTION_LOG_RETENTION_DAYS, TRANSCRIPT_RETENTION_DAYS and PURGE_BATCH_SIZE in
        force while the bot is down.
        """
        if batch_size < 1 or action_log_days < 1:
            raise ValueError("batch_size and action_log_days must be positive")
        async with self.pool.acquire() as conn:
            if not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron')"
            ):
                return False
            transcript_days = self.transcript_retention.days
            command = (
                f"SELECT * FROM {SCHEMA}.purge_expired({int(batch_size)}, 200,"
                f" interval '{int(action_log_days)} days', interval '{transcript_days} days')"
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


# A job description or focus text is the candidate's own text, kept as long as the transcript.
_SPEC_TEXT_CONDITION = (
    "started_at < $1 AND (spec->>'job_description' IS NOT NULL"
    " OR spec->>'custom_focus' IS NOT NULL)"
)
