"""Privacy on SQLite: the user tables, export, erasure and the retention purge."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from storage._userdata import ForeignKey, UserTable, iso, plan_user_tables
from storage.base import StoreError
from storage.sqlite._connection import SqliteConnection


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PrivacyQueries(SqliteConnection):
    """Export and erasure over every table about a user, and the retention purge."""

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
