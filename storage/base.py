"""The store interface the core uses, and the records it returns.

Times are timezone-aware UTC datetimes. JSON-like values (an interview spec,
feedback, turn state, settings) are plain dicts that each backend serialises.
Audio is never passed to or kept by a store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


class StoreError(Exception):
    """A store operation failed."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached or the URL is invalid; the message names the host only."""


@dataclass(frozen=True, slots=True)
class UserProfile:
    """A user's details as a platform reports them, keyed by (platform, platform_user_id)."""

    platform: str
    platform_user_id: str
    name: str | None = None
    username: str | None = None
    avatar_url: str | None = None
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    id: int
    platform: str
    platform_user_id: str
    name: str | None
    username: str | None
    avatar_url: str | None
    locale: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Consent:
    id: int
    user_id: int
    policy_version: str
    accepted_at: dt.datetime
    withdrawn_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class InterviewSession:
    id: int
    user_id: int
    platform: str
    spec: dict[str, Any]
    server_id: str | None
    channel_id: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    duration_seconds: float | None
    rating: int | None
    end_reason: str | None
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TranscriptMessage:
    id: int
    session_id: int
    speaker: str  # "candidate" or "interviewer"
    text: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    created_at: dt.datetime
    expires_at: dt.datetime


class Store(Protocol):
    """Async persistence used by the core; implemented by SQLite and Postgres backends.

    Writes that name a session or user that no longer exists (a late write after
    an erasure) are no-ops that return None or False: they never recreate rows.
    """

    backend: str  # "sqlite" or "postgres"
    # Statements run per table by the last `purge` call (a batch that finds fewer
    # rows than the batch size ends the loop).
    last_purge_batches: dict[str, int]

    async def connect(self) -> None: ...
    async def close(self) -> None: ...
    async def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied (empty when up to date)."""
        ...

    async def pending_migrations(self) -> list[str]:
        """Names of the migrations `migrate()` would apply, without applying them."""
        ...

    # Users and consent
    async def upsert_user(self, profile: UserProfile) -> User: ...
    async def get_user(self, platform: str, platform_user_id: str) -> User | None: ...
    async def get_user_by_id(self, user_id: int) -> User | None: ...
    async def set_user_locale(self, user_id: int, locale: str) -> None: ...
    async def add_consent(
        self, user_id: int, policy_version: str, accepted_at: dt.datetime
    ) -> Consent | None: ...
    async def withdraw_consent(self, user_id: int, withdrawn_at: dt.datetime) -> int:
        """Mark every open consent of the user withdrawn; return how many."""
        ...

    async def latest_consent(self, user_id: int) -> Consent | None: ...

    # Interview sessions
    async def create_session(
        self,
        user_id: int,
        platform: str,
        spec: dict[str, Any],
        server_id: str | None,
        channel_id: str | None,
        started_at: dt.datetime,
    ) -> InterviewSession | None: ...
    async def get_session(self, session_id: int) -> InterviewSession | None: ...
    async def active_session(self, user_id: int) -> InterviewSession | None: ...
    async def active_sessions(self) -> list[InterviewSession]: ...
    async def update_session_state(self, session_id: int, state: dict[str, Any]) -> bool: ...
    async def end_session(
        self, session_id: int, ended_at: dt.datetime, end_reason: str
    ) -> InterviewSession | None: ...
    async def set_rating(self, session_id: int, rating: int) -> bool: ...
    async def list_sessions(self, user_id: int, limit: int = 20) -> list[InterviewSession]:
        """Newest first."""
        ...

    # Transcripts and feedback
    async def add_transcript_message(
        self,
        session_id: int,
        speaker: str,
        text: str,
        started_at: dt.datetime,
        ended_at: dt.datetime | None,
        *,
        created_at: dt.datetime | None = None,
    ) -> TranscriptMessage | None:
        """Append a line; `expires_at` is `created_at` (default now) plus the retention."""
        ...

    async def transcript(self, session_id: int) -> list[TranscriptMessage]: ...
    async def save_feedback(
        self, session_id: int, overall_score: int | None, content: dict[str, Any]
    ) -> int | None: ...
    async def get_feedback(self, session_id: int) -> dict[str, Any] | None: ...

    # Action log (rate limits, quotas, abuse)
    async def log_action(
        self,
        user_id: int | None,
        platform: str,
        server_id: str | None,
        action: str,
        at: dt.datetime,
    ) -> None: ...
    async def count_actions(self, user_id: int, action: str, since: dt.datetime) -> int: ...
    async def action_times(
        self, user_id: int, action: str, since: dt.datetime
    ) -> list[dt.datetime]:
        """Times of the user's `action` entries at or after `since`, oldest first."""
        ...

    async def interview_seconds_since(self, user_id: int, since: dt.datetime) -> float: ...

    # Server or chat settings
    async def get_server_settings(self, platform: str, server_id: str) -> dict[str, Any]: ...
    async def set_server_settings(
        self, platform: str, server_id: str, settings: dict[str, Any]
    ) -> None: ...

    # Privacy
    async def user_tables(self) -> list[str]:
        """Tables that hold data about a user, read from the live schema."""
        ...

    async def export_rows(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row about the user, keyed by table name."""
        ...

    async def erase_user(self, user_id: int) -> dict[str, int]:
        """Delete every row about the user in one transaction; return counts per table."""
        ...

    async def schedule_database_purge(self, batch_size: int, action_log_days: int) -> bool:
        """Point the in-database hourly purge at these values; False where there is none."""
        ...

    async def purge(
        self,
        now: dt.datetime,
        action_log_cutoff: dt.datetime,
        batch_size: int,
        dry_run: bool = False,
    ) -> dict[str, int]:
        """Delete expired transcripts and old action logs in batches; return counts."""
        ...

    # Mock-interview nights
    async def create_night(self, night: NewNight, created_at: dt.datetime) -> NightEvent | None:
        """Insert a night in state "scheduled"; None when the host no longer exists."""
        ...

    async def get_night(self, night_id: int) -> NightEvent | None: ...
    async def open_nights(
        self, platform: str | None = None, server_id: str | None = None
    ) -> list[NightEvent]:
        """Nights not ended, oldest first, optionally of one server."""
        ...

    async def update_night(
        self,
        night_id: int,
        *,
        state: str | None = None,
        current_position: int | None = None,
        at: dt.datetime | None = None,
    ) -> NightEvent | None:
        """Change the state or position; `at` sets `started_at` (running) or `ended_at`."""
        ...

    async def enqueue(
        self, night_id: int, user_id: int, share_score: bool, joined_at: dt.datetime
    ) -> QueueEntry | None:
        """Append the user at the end of the queue (again, if they had left).

        Returns None when the user or night is gone, or the user already waits.
        """
        ...

    async def night_queue(self, night_id: int) -> list[QueueEntry]:
        """Every entry of the night, by position."""
        ...

    async def set_queue_status(
        self,
        entry_id: int,
        status: str,
        at: dt.datetime,
        *,
        session_id: int | None = None,
    ) -> QueueEntry | None:
        """Set the status and its time: `called_at`, `started_at` or `ended_at`."""
        ...


NIGHT_STATES = ("scheduled", "running", "paused", "ended")
QUEUE_STATUSES = ("queued", "called", "interviewing", "done", "no_show", "left", "skipped")


@dataclass(frozen=True, slots=True)
class NightEvent:
    """A mock-interview night in one voice channel; `host_user_id` is None once erased."""

    id: int
    platform: str
    server_id: str
    voice_channel_id: str
    text_channel_id: str | None
    host_user_id: int | None
    starts_at: dt.datetime
    slot_minutes: int
    interview_type: str
    role: str
    max_candidates: int
    scheduled_event_id: str | None
    state: str  # one of NIGHT_STATES
    current_position: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class NewNight:
    """The fields a host chooses when creating a night."""

    platform: str
    server_id: str
    voice_channel_id: str
    text_channel_id: str | None
    host_user_id: int
    starts_at: dt.datetime
    slot_minutes: int
    interview_type: str
    role: str
    max_candidates: int
    scheduled_event_id: str | None = None


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A candidate's place in a night's queue."""

    id: int
    night_id: int
    user_id: int
    position: int
    status: str  # one of QUEUE_STATUSES
    share_score: bool
    session_id: int | None
    joined_at: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
