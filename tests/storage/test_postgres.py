"""Postgres-only guarantees: private schema, row level security, pg_cron, connections."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from storage.base import StoreUnavailableError
from storage.postgres import PostgresStore
from tests.storage.helpers import NOW, make_user

PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[PostgresStore]:
    store = PostgresStore(postgres_url)
    await store.connect()
    await store.migrate()
    yield store
    await store.close()


async def _tables(pg: PostgresStore) -> list[str]:
    rows = await pg.pool.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'naromeet' AND c.relkind = 'r' ORDER BY 1"
    )
    return [r["relname"] for r in rows]


async def test_tables_live_in_the_private_schema(pg: PostgresStore) -> None:
    tables = await _tables(pg)
    assert {"users", "transcript_messages", "server_settings", "schema_migrations"} <= set(tables)
    public = await pg.pool.fetchval(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    )
    assert public == 0


async def test_rls_enabled_and_api_roles_locked_out(pg: PostgresStore) -> None:
    rows = await pg.pool.fetch(
        "SELECT c.relname, c.relrowsecurity FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'naromeet' AND c.relkind IN ('r', 'p')"
    )
    assert rows and all(r["relrowsecurity"] for r in rows), rows
    for role in ("anon", "authenticated", "public"):
        for privilege in ("USAGE", "CREATE"):
            assert not await pg.pool.fetchval(
                "SELECT has_schema_privilege($1, 'naromeet', $2)", role, privilege
            ), (role, privilege)
        for table in await _tables(pg):
            for privilege in PRIVILEGES:
                assert not await pg.pool.fetchval(
                    "SELECT has_table_privilege($1, $2, $3)", role, f"naromeet.{table}", privilege
                ), (role, table, privilege)
    async with pg.pool.acquire() as conn:
        await conn.execute("SET ROLE anon")
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch("SELECT * FROM naromeet.users")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch("SELECT * FROM naromeet.purge_expired(1, 1)")
        finally:
            await conn.execute("RESET ROLE")


async def test_every_foreign_key_is_indexed(pg: PostgresStore) -> None:
    unindexed = await pg.pool.fetch(
        "SELECT con.conname FROM pg_constraint con"
        " JOIN pg_namespace n ON n.oid = con.connamespace"
        " WHERE con.contype = 'f' AND n.nspname = 'naromeet' AND NOT EXISTS ("
        "  SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid"
        "  AND (i.indkey::int2[])[0] = con.conkey[1])"
    )
    assert unindexed == []
    for table, column in (("transcript_messages", "expires_at"), ("action_logs", "created_at")):
        assert await pg.pool.fetchval(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'naromeet' AND tablename = $1"
            " AND indexdef LIKE $2",
            table,
            f"%({column})%",
        )


async def test_pg_cron_job_is_scheduled_hourly(pg: PostgresStore) -> None:
    job = await pg.pool.fetchrow(
        "SELECT schedule, command FROM cron.job WHERE jobname = 'naromeet-purge'"
    )
    assert job is not None
    assert job["schedule"].split()[1:] == ["*", "*", "*", "*"]
    assert "naromeet.purge_expired" in job["command"]
    # Running migrations again (a new schema after a reset) keeps a single job.
    await pg.pool.execute("DROP SCHEMA naromeet CASCADE")
    await pg.migrate()
    jobs = await pg.pool.fetchval("SELECT count(*) FROM cron.job WHERE jobname = 'naromeet-purge'")
    assert jobs == 1


async def test_cron_job_follows_settings(pg: PostgresStore) -> None:
    assert await pg.schedule_database_purge(batch_size=1000, action_log_days=60)
    rows = await pg.pool.fetch("SELECT command FROM cron.job WHERE jobname = 'naromeet-purge'")
    assert len(rows) == 1
    command = rows[0]["command"]
    assert "purge_expired(1000, 200, interval '60 days', interval '15 days')" in command


async def test_sql_purge_follows_transcript_retention(pg: PostgresStore) -> None:
    user = await make_user(pg)
    started = dt.datetime.now(dt.UTC) - dt.timedelta(days=12)
    spec = {"role": "Engineer", "job_description": "Acme backend role"}
    session = await pg.create_session(user.id, "telegram", spec, None, None, started)
    assert session is not None

    default = await pg.pool.fetch("SELECT * FROM naromeet.purge_expired(100, 10)")
    assert {r["table_name"]: r["deleted"] for r in default}["interview_sessions"] == 0
    shorter = await pg.pool.fetch(
        "SELECT * FROM naromeet.purge_expired(100, 10, interval '30 days', interval '10 days')"
    )
    assert {r["table_name"]: r["deleted"] for r in shorter}["interview_sessions"] == 1
    scrubbed = await pg.get_session(session.id)
    assert scrubbed is not None
    assert "job_description" not in scrubbed.spec


async def test_migrations_are_recorded_once(pg: PostgresStore) -> None:
    assert await pg.migrate() == []
    names = await pg.pool.fetch("SELECT name FROM naromeet.schema_migrations")
    assert [r["name"] for r in names] == [
        "20261204000000_initial",
        "20261204010000_purge_job_descriptions",
        "20261204020000_purge_transcript_retention",
        "20261205000000_nights",
    ]


async def test_sql_purge_function_is_bounded_and_batched(pg: PostgresStore) -> None:
    user = await make_user(pg)
    session = await pg.create_session(user.id, "telegram", {}, None, None, NOW)
    assert session is not None
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=16)
    for _ in range(5):
        await pg.add_transcript_message(session.id, "candidate", "x", old, None, created_at=old)
    await pg.log_action(user.id, "telegram", None, "old", old - dt.timedelta(days=30))

    bounded = await pg.pool.fetch("SELECT * FROM naromeet.purge_expired(2, 1)")
    assert {r["table_name"]: (r["deleted"], r["batches"]) for r in bounded} == {
        "transcript_messages": (2, 1),
        "action_logs": (1, 1),
        "interview_sessions": (0, 1),
    }
    rest = await pg.pool.fetch("SELECT * FROM naromeet.purge_expired(2, 10)")
    assert {r["table_name"]: (r["deleted"], r["batches"]) for r in rest}[
        "transcript_messages"
    ] == (
        3,
        2,
    )


def test_statement_cache_off_on_the_transaction_pooler() -> None:
    assert PostgresStore("postgresql://u:p@db.example:6543/postgres").statement_cache_size == 0
    assert PostgresStore("postgresql://u:p@db.example:5432/postgres").statement_cache_size > 0
    store = PostgresStore("postgresql://u:p@db.example:5432/db", statement_cache_size=0)
    assert store.statement_cache_size == 0


async def test_store_works_without_statement_cache(postgres_url: str) -> None:
    store = PostgresStore(postgres_url, statement_cache_size=0)
    await store.connect()
    try:
        await store.migrate()
        user = await make_user(store)
        assert await store.get_user_by_id(user.id) == user
    finally:
        await store.close()


async def test_connection_error_names_host_not_password() -> None:
    store = PostgresStore("postgresql://bot:s3cr%21t@127.0.0.1:1/naromeet", connect_timeout=5)
    with pytest.raises(StoreUnavailableError) as caught:
        await store.connect()
    message = str(caught.value)
    assert "127.0.0.1:1" in message
    assert "s3cr" not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize(
    "url",
    ["postgresql://bot:s3cret@db.example:notaport/x", "postgresql://bot:s3cret@[::1/x"],
)
def test_invalid_url_is_store_unavailable(url: str) -> None:
    with pytest.raises(StoreUnavailableError) as caught:
        PostgresStore(url)
    assert "s3cret" not in str(caught.value)


async def test_wrong_database_is_store_unavailable(pg_cluster: Any) -> None:
    store = PostgresStore(pg_cluster.url("no_such_database"))
    with pytest.raises(StoreUnavailableError, match=f"127.0.0.1:{pg_cluster.port}"):
        await store.connect()


async def test_migrate_skips_supabase_db_push_migrations(
    postgres_url: str,
) -> None:
    from storage.postgres import migrations_dir

    store = PostgresStore(postgres_url)
    await store.connect()
    try:
        # What `supabase db push` does: run each file, record its version in its own table.
        async with store.pool.acquire() as conn:
            for path in sorted(migrations_dir().glob("*.sql")):
                await conn.execute(path.read_text(encoding="utf-8"))
            await conn.execute(
                "CREATE SCHEMA supabase_migrations;"
                " CREATE TABLE supabase_migrations.schema_migrations (version text PRIMARY KEY);"
                " INSERT INTO supabase_migrations.schema_migrations"
                " VALUES ('20261204000000'), ('20261204010000'), ('20261204020000'),"
                " ('20261205000000')"
            )
        assert await store.pending_migrations() == []
        assert await store.migrate() == []
    finally:
        await store.pool.execute("DROP SCHEMA IF EXISTS supabase_migrations CASCADE")
        await store.close()
