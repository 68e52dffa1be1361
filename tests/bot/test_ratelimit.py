"""Burst limits, daily quotas from the persisted action log, and the interview cap."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ratelimit import (
    ACTION_INTERVIEW_START,
    BurstLimiter,
    CommandLimiter,
    InterviewSlots,
    QuotaService,
)
from config.settings import Settings
from storage.base import Store, UserProfile
from storage.factory import open_store

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = open_store(Settings(database_url=f"sqlite:///{tmp_path / 'quota.sqlite3'}"))
    await store.connect()
    await store.migrate()
    yield store
    await store.close()


async def test_burst_limiter_rejects_over_rate() -> None:
    limiter = BurstLimiter(max_rate=3, time_period=60)
    results = [await limiter.try_acquire("user-1") for _ in range(4)]
    assert results[:3] == [None, None, None]
    assert results[3] is not None
    assert 0 < results[3] <= 20  # one unit leaks out every 20 s at 3 per minute


async def test_burst_limiter_keys_are_independent() -> None:
    limiter = BurstLimiter(max_rate=1, time_period=60)
    assert await limiter.try_acquire("a") is None
    assert await limiter.try_acquire("b") is None
    assert await limiter.try_acquire("a") is not None


async def test_command_limiter_applies_server_bucket() -> None:
    limiter = CommandLimiter(per_user_per_minute=10, per_server_per_minute=2)
    assert await limiter.check("u1", "s1") is None
    assert await limiter.check("u2", "s1") is None
    limited = await limiter.check("u3", "s1")
    assert limited is not None
    assert limited.reason == "rate"
    assert limited.retry_after_seconds >= 1


def test_interview_slots_cap() -> None:
    slots = InterviewSlots(capacity=2)
    assert slots.try_acquire(1)
    assert slots.try_acquire(2)
    assert not slots.try_acquire(3)
    slots.release(1)
    assert slots.try_acquire(3)
    assert slots.in_use == 2


async def test_quota_survives_restart(sqlite_store: Store, tmp_path: Path) -> None:
    settings = Settings(interviews_per_user_per_day=2)
    user = await sqlite_store.upsert_user(UserProfile("telegram", "42"))
    quotas = QuotaService(sqlite_store, settings)
    for hours_ago in (5, 1):
        await quotas.record_interview_start(
            user.id, "telegram", None, NOW - dt.timedelta(hours=hours_ago)
        )
    # A new service over the same store stands for a restarted bot.
    restarted = QuotaService(sqlite_store, settings)
    limited = await restarted.check_interview_start(user.id, NOW)
    assert limited is not None
    assert limited.reason == "quota_interviews"
    assert limited.retry_at == NOW - dt.timedelta(hours=5) + dt.timedelta(days=1)


async def test_quota_window_is_rolling(sqlite_store: Store) -> None:
    settings = Settings(interviews_per_user_per_day=1)
    user = await sqlite_store.upsert_user(UserProfile("telegram", "43"))
    await sqlite_store.log_action(
        user.id, "telegram", None, ACTION_INTERVIEW_START, NOW - dt.timedelta(hours=25)
    )
    assert await QuotaService(sqlite_store, settings).check_interview_start(user.id, NOW) is None


async def test_minutes_quota_counts_sessions(sqlite_store: Store) -> None:
    settings = Settings(interview_minutes_per_user_per_day=10)
    user = await sqlite_store.upsert_user(UserProfile("discord", "44"))
    started = NOW - dt.timedelta(hours=2)
    session = await sqlite_store.create_session(user.id, "discord", {}, None, None, started)
    assert session is not None
    await sqlite_store.end_session(session.id, started + dt.timedelta(minutes=11), "completed")
    limited = await QuotaService(sqlite_store, settings).check_interview_start(user.id, NOW)
    assert limited is not None
    assert limited.reason == "quota_minutes"
