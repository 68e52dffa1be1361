"""Types a mock-interview night shares with its adapter: errors, callbacks, clock, summary."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from bot.errors import UserFacingError
from bot.live_sessions_bridge import LiveOutcome, LivePlayback, LiveSession
from storage.base import NewNight, NightEvent, QueueEntry, UserProfile

# Adapters reach night records through the core, never through `storage`.
__all__ = [
    "MAX_CANDIDATES",
    "MAX_SLOT_MINUTES",
    "MIN_SLOT_MINUTES",
    "NewNight",
    "NightEvent",
    "QueueEntry",
    "UserProfile",
]

MIN_SLOT_MINUTES = 5  # an interview spec's shortest length
MAX_SLOT_MINUTES = 45  # an interview spec's longest length
MAX_CANDIDATES = 100


class NightNotFoundError(UserFacingError):
    message_key = "night_not_found"


class NightHostOnlyError(UserFacingError):
    message_key = "night_host_only"


class NightChannelBusyError(UserFacingError):
    message_key = "night_channel_busy"


class NightFullError(UserFacingError):
    message_key = "night_full"


class NightAlreadyJoinedError(UserFacingError):
    message_key = "night_already_joined"


class NightNotJoinedError(UserFacingError):
    message_key = "night_not_joined"


class NightStateError(UserFacingError):
    """The command does not apply in the night's current state."""

    message_key = "night_wrong_state"


class NightInvalidError(UserFacingError):
    """A slot length or candidate limit outside the allowed range."""

    message_key = "night_invalid_settings"


class ScheduledEventConflictError(UserFacingError):
    """The host asked both to create a scheduled event and to link an existing one."""

    message_key = "night_event_conflict"


class ScheduledEventNotFoundError(UserFacingError):
    """The event id to link names no scheduled event of the night's server."""

    message_key = "night_event_not_found"


class ScheduledEventUncheckedError(UserFacingError):
    """Checking the event to link failed, so whether it exists is unknown."""

    message_key = "night_event_check_failed"


class ScheduledEventError(UserFacingError):
    """The platform rejected the night's new scheduled event; the night is created without it."""

    message_key = "night_event_failed"


class ScheduledEventForbiddenError(ScheduledEventError):
    """The bot lacks the right to create events (Discord's Manage Events permission)."""

    message_key = "night_event_forbidden"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A queue entry with the profile the adapter needs to mention and hear the user."""

    entry: QueueEntry
    profile: UserProfile


@dataclass(frozen=True, slots=True)
class Member:
    """The member running a command, with the rights the adapter read from the platform."""

    profile: UserProfile
    # The platform's event-managing right (Discord's Manage Events permission).
    can_manage_events: bool = False
    role_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CreatedNight:
    """A new night, and why it has no scheduled event when the host requested one."""

    night: NightEvent
    event_error: ScheduledEventError | None = None


@dataclass(frozen=True, slots=True)
class NightSummary:
    """The host's end-of-night report, with scores only of candidates who shared them."""

    night_id: int
    interviewed: int
    no_shows: int
    left: int
    skipped: int
    not_reached: int
    average_slot_seconds: float | None
    # (platform user id, overall score) of candidates who opted in to sharing.
    shared_scores: list[tuple[str, int | None]] = field(default_factory=list)


class NightPlatform(Protocol):
    """The adapter side of a night: everything that needs the chat platform."""

    async def call_candidate(self, night: NightEvent, candidate: Candidate) -> None:
        """Mention the candidate in the night's text channel: it is their turn."""

    async def is_present(self, night: NightEvent, candidate: Candidate) -> bool:
        """Return whether the candidate is in the night's voice channel now."""

    async def open_voice_interview(self, night: NightEvent, candidate: Candidate) -> LivePlayback:
        """Get the voice channel ready and return where the interviewer's speech goes."""

    async def voice_interview_started(
        self, night: NightEvent, candidate: Candidate, session: LiveSession
    ) -> None:
        """Start hearing the candidate, and only them, for `session`."""

    async def stop_voice_interview(self, night: NightEvent, candidate: Candidate) -> None:
        """Stop hearing the candidate; the bot stays in the channel for the next one."""

    async def warn_slot_ending(
        self, night: NightEvent, candidate: Candidate, seconds_left: float
    ) -> None:
        """Tell the candidate their slot ends soon."""

    async def post_feedback(
        self, night: NightEvent, candidate: Candidate, outcome: LiveOutcome, public: bool
    ) -> None:
        """Send the feedback: privately, or in the text channel when `public`."""

    async def send_summary(self, night: NightEvent, summary: NightSummary) -> None:
        """Send the host the night's summary privately."""

    async def create_scheduled_event(self, night: NewNight) -> str:
        """Create the platform's scheduled event for `night` and return its id.

        Raises ScheduledEventError (or its Forbidden subclass) when the platform rejects it.
        """

    async def check_scheduled_event(self, server_id: str, event_id: str) -> None:
        """Raise ScheduledEventNotFoundError unless `event_id` is an event of the server.

        Raises ScheduledEventUncheckedError when the check itself fails.
        """

    async def set_scheduled_event_status(self, night: NightEvent, status: str) -> None:
        """Move the night's scheduled event to `status`: "active", "completed" or "canceled".

        May raise on failure; the core logs the error and the night goes on.
        """


class Clock(Protocol):
    """Wall time and sleeping; tests pass a clock they advance by hand."""

    def now(self) -> dt.datetime: ...
    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class NightTimings:
    """How long the run loop waits, in seconds."""

    # A called candidate who is not in the voice channel by then is a no-show.
    call_grace_seconds: float = 120.0
    # A candidate who leaves mid-slot and stays away this long ends their slot.
    leave_grace_seconds: float = 30.0
    # The candidate is warned this long before the slot ends.
    warning_seconds: float = 60.0


@dataclass(eq=False)
class NightControl:
    """Signals from commands and presence changes to a night's run loop."""

    channel_id: str
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    skip: bool = False
    ending: bool = False
    # Platform user id of the current candidate, and when they left the channel.
    current: str | None = None
    left_at: dt.datetime | None = None
    task: asyncio.Task[None] | None = None

    def signal(self) -> None:
        self.wake.set()
