"""The action log, the quota counts and server settings on Postgres."""

from __future__ import annotations

import datetime as dt
from typing import Any

from storage.postgres._connection import SCHEMA, PostgresConnection


class ActivityQueries(PostgresConnection):
    """The `action_logs` and `server_settings` tables, and interview time for quotas."""

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
