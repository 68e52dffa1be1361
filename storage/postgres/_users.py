"""Users and their consents on Postgres."""

from __future__ import annotations

import datetime as dt

from storage import _records as records
from storage.base import Consent, User, UserProfile
from storage.postgres._connection import SCHEMA, PostgresConnection, _rowcount


class UserQueries(PostgresConnection):
    """The `users` and `consents` tables."""

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
