"""The Postgres backend (asyncpg pool), for Supabase or any PostgreSQL 15+.

Tables live in the private schema `naromeet`; the schema is the SQL in
`supabase/migrations/`, applied in file name order and recorded in
`naromeet.schema_migrations`. On Supabase's transaction pooler (port 6543)
prepared statements cannot be cached, so the statement cache is off there.
"""

from __future__ import annotations

from storage.postgres._activity import ActivityQueries
from storage.postgres._connection import SCHEMA, TRANSACTION_POOLER_PORT, migrations_dir
from storage.postgres._nights import NightQueries
from storage.postgres._privacy import CRON_JOB, CRON_SCHEDULE, PrivacyQueries
from storage.postgres._sessions import SessionQueries
from storage.postgres._users import UserQueries

__all__ = [
    "CRON_JOB",
    "CRON_SCHEDULE",
    "SCHEMA",
    "TRANSACTION_POOLER_PORT",
    "PostgresStore",
    "migrations_dir",
]


class PostgresStore(UserQueries, SessionQueries, ActivityQueries, PrivacyQueries, NightQueries):
    """`Store` on Postgres."""

    backend = "postgres"
