"""Every Store method, on SQLite and on Postgres."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from storage.base import Store, UserProfile
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, make_user


async def test_migrate_is_idempotent(store: Store) -> None:
    assert await store.migrate() == []
    assert await store.pending_migrations() == []
    assert await store.migrate() == []


async def test_upsert_user_creates_then_updates(store: Store) -> None:
    first = await make_user(store)
    again = await store.upsert_user(UserProfile("telegram", "1001", "Zoé B", None, None, "en"))
    assert again.id == first.id
    assert (again.name, again.username, again.avatar_url) == ("Zoé B", None, None)
    assert again.locale == "fr"  # a locale already chosen is kept
    assert again.created_at.tzinfo is not None
    other = await store.upsert_user(UserProfile("discord", "1001"))
    assert other.id != first.id


async def test_get_user_and_locale(store: Store) -> None:
    user = await make_user(store)
    assert await store.get_user("telegram", "1001") == user
    assert await store.get_user("telegram", "nobody") is None
    assert await store.get_user_by_id(user.id) == user
    assert await store.get_user_by_id(user.id + 999) is None
    await store.set_user_locale(user.id, "en")
    fetched = await store.get_user_by_id(user.id)
    assert fetched is not None and fetched.locale == "en"


async def test_consent_lifecycle(store: Store) -> None:
    user = await make_user(store)
    assert await store.latest_consent(user.id) is None
    first = await store.add_consent(user.id, "v1", NOW)
    second = await store.add_consent(user.id, "v2", NOW + dt.timedelta(minutes=1))
    assert first is not None and second is not None
    latest = await store.latest_consent(user.id)
    assert latest == second
    assert latest.accepted_at == NOW + dt.timedelta(minutes=1)
    assert await store.withdraw_consent(user.id, NOW + dt.timedelta(hours=1)) == 2
    assert await store.withdraw_consent(user.id, NOW + dt.timedelta(hours=2)) == 0
    latest = await store.latest_consent(user.id)
    assert latest is not None and latest.withdrawn_at == NOW + dt.timedelta(hours=1)
    assert await store.add_consent(user.id + 999, "v1", NOW) is None


async def test_session_lifecycle(store: Store) -> None:
    user = await make_user(store)
    spec = {"role": "Développeuse", "level": "senior", "nested": {"a": [1, 2]}}
    session = await store.create_session(user.id, "discord", spec, "guild", "voice", NOW)
    assert session is not None
    assert session.spec == spec
    assert session.state == {}
    assert session.ended_at is None
    assert await store.get_session(session.id) == session
    assert await store.active_session(user.id) == session
    assert [s.id for s in await store.active_sessions()] == [session.id]

    assert await store.update_session_state(session.id, {"turn": 3})
    ended = await store.end_session(session.id, NOW + dt.timedelta(seconds=95), "completed")
    assert ended is not None
    assert ended.state == {"turn": 3}
    assert ended.end_reason == "completed"
    assert ended.duration_seconds == pytest.approx(95)
    # Ending twice keeps the first end.
    again = await store.end_session(session.id, NOW + dt.timedelta(hours=1), "other")
    assert again is not None and again.end_reason == "completed"
    assert await store.active_session(user.id) is None
    assert await store.active_sessions() == []

    assert await store.set_rating(session.id, 5)
    with pytest.raises(ValueError):
        await store.set_rating(session.id, 6)
    rated = await store.get_session(session.id)
    assert rated is not None and rated.rating == 5
    assert await store.create_session(user.id + 999, "discord", {}, None, None, NOW) is None
    assert await store.get_session(session.id + 999) is None


async def test_list_sessions_newest_first(store: Store) -> None:
    user = await make_user(store)
    ids = []
    for minutes in range(3):
        s = await store.create_session(
            user.id, "telegram", {}, None, None, NOW + dt.timedelta(minutes=minutes)
        )
        assert s is not None
        ids.append(s.id)
    assert [s.id for s in await store.list_sessions(user.id)] == ids[::-1]
    assert [s.id for s in await store.list_sessions(user.id, limit=2)] == ids[:0:-1]


async def test_transcript_and_expiry(store: Store) -> None:
    user = await make_user(store)
    session = await store.create_session(user.id, "telegram", {}, None, None, NOW)
    assert session is not None
    first = await store.add_transcript_message(session.id, "interviewer", "Bonjour !", NOW, None)
    second = await store.add_transcript_message(
        session.id, "candidate", "Salut", NOW + dt.timedelta(seconds=5), None, created_at=NOW
    )
    assert first is not None and second is not None
    assert second.expires_at - second.created_at == dt.timedelta(days=15)
    assert [m.text for m in await store.transcript(session.id)] == ["Bonjour !", "Salut"]
    with pytest.raises(ValueError):
        await store.add_transcript_message(session.id, "spectator", "x", NOW, None)


async def test_feedback_saved_and_replaced(store: Store) -> None:
    user = await make_user(store)
    session = await store.create_session(user.id, "telegram", {}, None, None, NOW)
    assert session is not None
    assert await store.get_feedback(session.id) is None
    first = await store.save_feedback(session.id, 3, {"summary": "ok"})
    second = await store.save_feedback(session.id, 4, {"summary": "très bien"})
    assert first is not None and first == second
    assert await store.get_feedback(session.id) == {"summary": "très bien"}


async def test_action_log_counts(store: Store) -> None:
    user = await make_user(store)
    for minutes in (0, 10, 70):
        await store.log_action(
            user.id, "telegram", "chat", "interview", NOW - dt.timedelta(minutes=minutes)
        )
    await store.log_action(None, "discord", "guild", "interview", NOW)
    assert await store.count_actions(user.id, "interview", NOW - dt.timedelta(hours=1)) == 2
    assert await store.count_actions(user.id, "other", NOW - dt.timedelta(hours=1)) == 0
    times = await store.action_times(user.id, "interview", NOW - dt.timedelta(hours=1))
    assert times == [NOW - dt.timedelta(minutes=10), NOW]


async def test_interview_seconds_since(store: Store) -> None:
    user = await make_user(store)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    done = await store.create_session(user.id, "telegram", {}, None, None, start)
    assert done is not None
    await store.end_session(done.id, start + dt.timedelta(seconds=120), "completed")
    await store.create_session(
        user.id, "telegram", {}, None, None, start + dt.timedelta(minutes=5)
    )
    seconds = await store.interview_seconds_since(user.id, start - dt.timedelta(seconds=1))
    assert 120 + 299 < seconds < 120 + 400  # the running one counts up to now
    assert await store.interview_seconds_since(user.id, start + dt.timedelta(hours=1)) == 0


async def test_server_settings(store: Store) -> None:
    assert await store.get_server_settings("discord", "g1") == {}
    await store.set_server_settings("discord", "g1", {"locale": "fr"})
    await store.set_server_settings("discord", "g1", {"locale": "en", "events": True})
    assert await store.get_server_settings("discord", "g1") == {"locale": "en", "events": True}
    assert await store.get_server_settings("telegram", "g1") == {}


async def test_user_tables_read_from_schema(store: Store) -> None:
    tables = await store.user_tables()
    assert tables[-1] == "users"
    assert set(tables) == {
        "users",
        "consents",
        "interview_sessions",
        "transcript_messages",
        "feedback",
        "action_logs",
        "night_events",
        "night_queue",
    }
    # Children come before their parents, so deleting in this order never orphans a row.
    assert tables.index("transcript_messages") < tables.index("interview_sessions")
    assert tables.index("feedback") < tables.index("interview_sessions")


async def test_export_rows_are_json_friendly(store: Store) -> None:
    import json

    user = await make_user(store)
    session = await store.create_session(user.id, "telegram", {"role": "dev"}, None, None, NOW)
    assert session is not None
    await store.add_transcript_message(session.id, "candidate", "Bonjour", NOW, None)
    rows = await store.export_rows(user.id)
    json.dumps(rows)
    assert rows["interview_sessions"][0]["started_at"] == "2026-12-04T12:00:00.000000+00:00"
    assert rows["interview_sessions"][0]["spec"] == {"role": "dev"}
    assert rows["users"][0]["name"] == "Zoé"


async def test_erase_user_counts_and_is_idempotent(store: Store) -> None:
    user = await make_user(store)
    other = await make_user(store, "2002")
    for who in (user, other):
        session = await store.create_session(who.id, "telegram", {}, None, None, NOW)
        assert session is not None
        await store.add_transcript_message(session.id, "candidate", "x", NOW, None)
    counts = await store.erase_user(user.id)
    assert counts["users"] == 1
    assert counts["interview_sessions"] == 1
    assert counts["transcript_messages"] == 1
    assert set((await store.erase_user(user.id)).values()) == {0}
    assert await store.get_user_by_id(other.id) is not None
    assert len(await store.list_sessions(other.id)) == 1


async def test_sqlite_enforces_foreign_keys_in_wal_mode(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "x" / "naromeet.sqlite3")
    await store.connect()
    try:
        assert (await store._fetchone("PRAGMA foreign_keys"))["foreign_keys"] == 1  # type: ignore[index]
        assert (await store._fetchone("PRAGMA journal_mode"))["journal_mode"] == "wal"  # type: ignore[index]
    finally:
        await store.close()
