"""Erasure, late writes and purging, on SQLite and on Postgres."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from storage.base import Store, StoreError
from tests.storage.helpers import NOW, POPULATE, count, make_user, populate, raw


async def test_every_user_table_is_exported_and_erased(store: Store) -> None:
    tables = await store.user_tables()
    assert set(tables) == set(POPULATE), (
        "a table refers to a user: add a way to fill it in tests/storage/helpers.py POPULATE"
        " and check that the export document shows it"
    )
    user = await make_user(store)
    bystander = await make_user(store, "2002")
    await populate(store, user)
    await populate(store, bystander)

    exported = await store.export_rows(user.id)
    for table in tables:
        assert exported[table], f"{table} has a row about the user but the export misses it"
        for row in exported[table]:
            assert row.get("user_id", user.id) == user.id

    counts = await store.erase_user(user.id)
    assert set(counts) == set(tables)
    assert all(counts[table] >= 1 for table in tables)
    after = await store.export_rows(user.id)
    assert all(rows == [] for rows in after.values())
    # The bystander keeps everything.
    kept = await store.export_rows(bystander.id)
    assert all(kept[table] for table in tables)


async def test_erasure_failing_midway_changes_nothing(store: Store) -> None:
    user = await make_user(store)
    await populate(store, user)
    before = await store.export_rows(user.id)
    # Sessions are deleted after transcripts, feedback, logs and consents.
    if store.backend == "sqlite":
        await raw(
            store,
            "CREATE TRIGGER fail_erasure BEFORE DELETE ON interview_sessions"
            " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
    else:
        await raw(
            store,
            "CREATE FUNCTION {s}fail_erasure() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;"
            " CREATE TRIGGER fail_erasure BEFORE DELETE ON {s}interview_sessions"
            " FOR EACH ROW EXECUTE FUNCTION {s}fail_erasure();",
        )
    with pytest.raises(StoreError, match="injected failure"):
        await store.erase_user(user.id)
    assert await store.export_rows(user.id) == before
    on_table = " ON {s}interview_sessions" if store.backend == "postgres" else ""
    await raw(store, "DROP TRIGGER fail_erasure" + on_table)
    assert (await store.erase_user(user.id))["users"] == 1


async def test_late_writes_after_erasure_recreate_nothing(store: Store) -> None:
    user = await make_user(store)
    session = await store.create_session(user.id, "telegram", {}, None, None, NOW)
    assert session is not None
    await store.erase_user(user.id)

    assert await store.add_transcript_message(session.id, "candidate", "late", NOW, None) is None
    assert await store.save_feedback(session.id, 5, {"late": True}) is None
    assert await store.end_session(session.id, NOW, "erased") is None
    assert await store.update_session_state(session.id, {"late": True}) is False
    assert await store.set_rating(session.id, 4) is False
    assert await store.add_consent(user.id, "v1", NOW) is None
    assert await store.create_session(user.id, "telegram", {}, None, None, NOW) is None
    await store.log_action(user.id, "telegram", None, "late", NOW)
    for table in POPULATE:
        assert await count(store, table) == 0, table


async def test_concurrent_erasure_and_writes_leave_nothing(store: Store) -> None:
    user = await make_user(store)
    sessions = []
    for _ in range(3):
        s = await store.create_session(user.id, "telegram", {}, None, None, NOW)
        assert s is not None
        sessions.append(s.id)

    async def writer(session_id: int) -> None:
        for i in range(40):
            await store.add_transcript_message(session_id, "candidate", f"line {i}", NOW, None)
            await store.save_feedback(session_id, i % 5, {"i": i})
            await store.log_action(user.id, "telegram", None, "voice_note", NOW)
            await store.update_session_state(session_id, {"i": i})
            await asyncio.sleep(0)

    async def eraser() -> None:
        await asyncio.sleep(0.01)
        await store.erase_user(user.id)

    await asyncio.gather(*(writer(s) for s in sessions), eraser())
    for table in POPULATE:
        assert await count(store, table) == 0, table


async def _transcript_at(store: Store, session_id: int, age_days: float) -> None:
    created = NOW - dt.timedelta(days=age_days)
    line = await store.add_transcript_message(
        session_id, "candidate", "x", created, None, created_at=created
    )
    assert line is not None


async def test_purge_follows_retention(store: Store) -> None:
    user = await make_user(store)
    session = await store.create_session(user.id, "telegram", {}, None, None, NOW)
    assert session is not None
    await _transcript_at(store, session.id, 16)
    await _transcript_at(store, session.id, 14)
    await store.log_action(user.id, "telegram", None, "old", NOW - dt.timedelta(days=31))
    await store.log_action(user.id, "telegram", None, "new", NOW - dt.timedelta(days=29))
    cutoff = NOW - dt.timedelta(days=30)

    dry = await store.purge(NOW, cutoff, batch_size=100, dry_run=True)
    assert dry == {"transcript_messages": 1, "action_logs": 1, "interview_sessions": 0}
    assert await count(store, "transcript_messages") == 2

    assert await store.purge(NOW, cutoff, batch_size=100) == dry
    remaining = await store.transcript(session.id)
    assert [m.created_at for m in remaining] == [NOW - dt.timedelta(days=14)]
    assert await store.count_actions(user.id, "new", cutoff) == 1
    assert await count(store, "action_logs") == 1


async def test_purge_scrubs_job_description(store: Store) -> None:
    user = await make_user(store)
    spec = {"role": "Engineer", "job_description": "Acme backend role", "custom_focus": "SQL"}
    old = await store.create_session(
        user.id, "telegram", spec, None, None, NOW - dt.timedelta(days=16)
    )
    recent = await store.create_session(
        user.id, "telegram", spec, None, None, NOW - dt.timedelta(days=14)
    )
    assert old is not None
    assert recent is not None

    counts = await store.purge(NOW, NOW - dt.timedelta(days=30), batch_size=100)

    assert counts["interview_sessions"] == 1
    scrubbed = await store.get_session(old.id)
    kept = await store.get_session(recent.id)
    assert scrubbed is not None
    assert kept is not None
    assert "job_description" not in scrubbed.spec
    assert "custom_focus" not in scrubbed.spec
    assert scrubbed.spec["role"] == "Engineer"
    assert kept.spec["job_description"] == "Acme backend role"


async def test_purge_runs_in_batches(store: Store) -> None:
    user = await make_user(store)
    session = await store.create_session(user.id, "telegram", {}, None, None, NOW)
    assert session is not None
    for _ in range(5):
        await _transcript_at(store, session.id, 20)
    counts = await store.purge(NOW, NOW - dt.timedelta(days=30), batch_size=2)
    assert counts["transcript_messages"] == 5
    assert store.last_purge_batches["transcript_messages"] == 3  # 2 + 2 + 1
    assert store.last_purge_batches["action_logs"] == 1


async def test_erase_user_follows_foreign_key_chains(store: Store) -> None:
    # No user_id column: only a foreign key to interview_sessions links it to a user.
    if store.backend == "sqlite":
        await raw(
            store,
            "CREATE TABLE session_notes (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL"
            " REFERENCES interview_sessions (id) ON DELETE CASCADE, note TEXT);",
        )
    else:
        await raw(
            store,
            "CREATE TABLE {s}session_notes (id bigint PRIMARY KEY, session_id bigint NOT NULL"
            " REFERENCES {s}interview_sessions (id) ON DELETE CASCADE, note text)",
        )
    user = await make_user(store)
    session = await store.create_session(user.id, "telegram", {}, None, None, NOW)
    assert session is not None
    await raw(store, f"INSERT INTO {{s}}session_notes VALUES (1, {session.id}, 'n')")
    tables = await store.user_tables()
    assert tables.index("session_notes") < tables.index("interview_sessions")
    assert (await store.export_rows(user.id))["session_notes"][0]["note"] == "n"
    assert (await store.erase_user(user.id))["session_notes"] == 1


async def test_sqlite_has_no_database_purge(store: Store) -> None:
    scheduled = await store.schedule_database_purge(batch_size=10, action_log_days=30)
    assert scheduled is (store.backend == "postgres")
