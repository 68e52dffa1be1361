"""The action log, the quota counts and server settings on SQLite."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from storage._userdata import iso
from storage.sqlite._connection import SqliteConnection, _now


class ActivityQueries(SqliteConnection):
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
