"""Users and their consents on SQLite."""

from __future__ import annotations

import datetime as dt

from storage import _records as records
from storage._userdata import iso
from storage.base import Consent, User, UserProfile
from storage.sqlite._connection import SqliteConnection, _now


class UserQueries(SqliteConnection):
    """The `users` and `consents` tables."""

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
