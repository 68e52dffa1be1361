"""Mock-interview nights and their queues on Postgres."""

from __future__ import annotations

import datetime as dt
from typing import Any

from storage import _nights as nights
from storage.base import NewNight, NightEvent, QueueEntry
from storage.postgres._connection import SCHEMA, PostgresConnection


class NightQueries(PostgresConnection):
    """The `night_events` and `night_queue` tables."""

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
