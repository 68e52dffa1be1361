"""Mock-interview nights and their queues on SQLite."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from storage import _nights as nights
from storage._userdata import iso
from storage.base import NewNight, NightEvent, QueueEntry
from storage.sqlite._connection import SqliteConnection


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


class NightQueries(SqliteConnection):
    """The `night_events` and `night_queue` tables."""

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
