"""Helpers shared by the store tests: raw SQL on either backend and sample data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from storage.base import NewNight, Store, User, UserProfile

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


async def raw(store: Any, sql: str) -> None:
    """Run SQL outside the store's API (tables are schema-qualified on Postgres)."""
    if store.backend == "sqlite":
        async with store._lock:
            await store.db.executescript(sql.replace("{s}", ""))
    else:
        await store.pool.execute(sql.replace("{s}", "naromeet."))


async def count(store: Any, table: str) -> int:
    if store.backend == "sqlite":
        row = await store._fetchone(f"SELECT count(*) AS n FROM {table}")
        return int(row["n"])
    return int(await store.pool.fetchval(f"SELECT count(*) FROM naromeet.{table}"))


async def make_user(store: Store, platform_user_id: str = "1001") -> User:
    return await store.upsert_user(
        UserProfile("telegram", platform_user_id, "Zoé", "zoe", "https://a/x.png", "fr")
    )


# One way to put a row about `user` into each table that refers to a user. A new
# table that refers to a user makes test_every_user_table_is_exported_and_erased
# fail until it is added here, and so until its export and erasure are checked.
async def _session(store: Store, user: User) -> int:
    session = await store.create_session(user.id, "telegram", {"role": "dev"}, "s", "c", NOW)
    assert session is not None
    return session.id


async def _users(store: Store, user: User) -> None:
    return None  # the user row itself


async def _consents(store: Store, user: User) -> None:
    assert await store.add_consent(user.id, "2026-03-01", NOW) is not None


async def _sessions(store: Store, user: User) -> None:
    await _session(store, user)


async def _transcripts(store: Store, user: User) -> None:
    session_id = await _session(store, user)
    assert await store.add_transcript_message(session_id, "candidate", "Bonjour", NOW, NOW)


async def _feedback(store: Store, user: User) -> None:
    session_id = await _session(store, user)
    assert await store.save_feedback(session_id, 4, {"strengths": ["clarté"]}) is not None


async def _action_logs(store: Store, user: User) -> None:
    await store.log_action(user.id, "telegram", "s", "command", NOW)


def new_night(host_user_id: int, server_id: str = "s") -> NewNight:
    return NewNight(
        "discord",
        server_id,
        "voice",
        "text",
        host_user_id,
        NOW,
        10,
        "behavioural",
        "Backend engineer",
        5,
    )


async def _night_events(store: Store, user: User) -> None:
    # The user hosts a night; the export lists it and the erasure clears the host.
    assert await store.create_night(new_night(user.id), NOW) is not None


async def _night_queue(store: Store, user: User) -> None:
    host = await make_user(store, f"host-of-{user.platform_user_id}")
    night = await store.create_night(new_night(host.id), NOW)
    assert night is not None
    assert await store.enqueue(night.id, user.id, True, NOW) is not None


POPULATE: dict[str, Callable[[Store, User], Awaitable[None]]] = {
    "users": _users,
    "consents": _consents,
    "interview_sessions": _sessions,
    "transcript_messages": _transcripts,
    "feedback": _feedback,
    "action_logs": _action_logs,
    "night_events": _night_events,
    "night_queue": _night_queue,
}


async def populate(store: Store, user: User) -> None:
    for fill in POPULATE.values():
        await fill(store, user)
