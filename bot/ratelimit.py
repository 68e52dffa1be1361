"""Rate limits: in-memory burst buckets, persisted daily quotas, a global interview cap.

Burst limits use aiolimiter's leaky buckets per user and per server; they reset
on restart, which is fine for bursts. Daily quotas are counted from the
persisted action log over a rolling 24-hour window, so a restart does not reset
them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections import OrderedDict
from dataclasses import dataclass

from aiolimiter import AsyncLimiter

from config.settings import Settings
from storage.base import Store

logger = logging.getLogger(__name__)

QUOTA_WINDOW = dt.timedelta(days=1)
ACTION_INTERVIEW_START = "interview_start"
_MAX_TRACKED_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class Limited:
    """A rejected request: which limit applied and when to retry."""

    reason: str  # "rate", "quota_interviews", "quota_minutes" or "capacity"
    retry_after_seconds: float
    limit: int | None = None
    retry_at: dt.datetime | None = None


class BurstLimiter:
    """Leaky buckets keyed by an arbitrary string (a user or a server)."""

    def __init__(self, max_rate: int, time_period: float = 60.0) -> None:
        self._max_rate = max_rate
        self._time_period = time_period
        self._buckets: OrderedDict[str, AsyncLimiter] = OrderedDict()

    async def try_acquire(self, key: str) -> float | None:
        """Take one unit for `key`; return None, or the seconds to wait when the bucket is full."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = AsyncLimiter(self._max_rate, self._time_period)
            self._buckets[key] = bucket
            if len(self._buckets) > _MAX_TRACKED_KEYS:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(key)
        if not bucket.has_capacity():
            # aiolimiter 1.x keeps the bucket level in `_level`, which has_capacity() has
            # just brought up to date. The result is the time until one unit fits again.
            level = float(getattr(bucket, "_level", self._max_rate))
            rate_per_second = self._max_rate / self._time_period
            return max((level + 1 - self._max_rate) / rate_per_second, 0.1)
        # There is capacity, so acquire() returns without waiting.
        await bucket.acquire()
        return None


class CommandLimiter:
    """Per-user and per-server command buckets."""

    def __init__(self, per_user_per_minute: int, per_server_per_minute: int) -> None:
        self._users = BurstLimiter(per_user_per_minute)
        self._servers = BurstLimiter(per_server_per_minute)

    async def check(self, user_key: str, server_key: str | None = None) -> Limited | None:
        """Count one command; return a `Limited` when the user or the server is over its rate."""
        wait = await self._users.try_acquire(user_key)
        if wait is None and server_key is not None:
            wait = await self._servers.try_acquire(server_key)
        if wait is None:
            return None
        return Limited("rate", retry_after_seconds=math.ceil(wait))


class InterviewSlots:
    """A global cap on concurrent interviews (each holds a Gemini session)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._in_use: set[int] = set()

    def try_acquire(self, session_id: int) -> bool:
        if session_id in self._in_use:
            return True
        if len(self._in_use) >= self.capacity:
            return False
        self._in_use.add(session_id)
        return True

    def release(self, session_id: int) -> None:
        self._in_use.discard(session_id)

    @property
    def in_use(self) -> int:
        return len(self._in_use)


class QuotaService:
    """Daily quotas per user, counted from the persisted action log and sessions."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._lock = asyncio.Lock()

    async def check_interview_start(
        self, user_id: int, now: dt.datetime | None = None
    ) -> Limited | None:
        """Return a `Limited` when the user may not start another interview today."""
        now = now or dt.datetime.now(dt.UTC)
        since = now - QUOTA_WINDOW
        limit = self._settings.interviews_per_user_per_day
        starts = await self._store.action_times(user_id, ACTION_INTERVIEW_START, since)
        if len(starts) >= limit:
            retry_at = sorted(starts)[len(starts) - limit] + QUOTA_WINDOW
            return _limited("quota_interviews", limit, retry_at, now)
        minutes_limit = self._settings.interview_minutes_per_user_per_day
        used_seconds = await self._store.interview_seconds_since(user_id, since)
        if used_seconds >= minutes_limit * 60:
            # The oldest counted session leaves the window within a day at most.
            retry_at = (sorted(starts)[0] if starts else now) + QUOTA_WINDOW
            return _limited("quota_minutes", minutes_limit, retry_at, now)
        return None

    async def record_interview_start(
        self, user_id: int, platform: str, server_id: str | None, now: dt.datetime | None = None
    ) -> None:
        await self._store.log_action(
            user_id, platform, server_id, ACTION_INTERVIEW_START, now or dt.datetime.now(dt.UTC)
        )


def _limited(reason: str, limit: int, retry_at: dt.datetime, now: dt.datetime) -> Limited:
    wait = max((retry_at - now).total_seconds(), 1.0)
    return Limited(reason, retry_after_seconds=wait, limit=limit, retry_at=retry_at)
