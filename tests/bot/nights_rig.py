"""A hand-driven clock and a recording `NightPlatform` for night tests."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.live_sessions_bridge import LiveOutcome, LiveSession
from bot.nights_model import Candidate, NightSummary
from storage.base import NewNight, NightEvent

POLLS = 2000  # bounded waits: POLLS times POLL_SECONDS of real time at most
POLL_SECONDS = 0.005


async def eventually(condition: Callable[[], bool]) -> None:
    """Let the event loop run until `condition` holds; fail after a bounded number of polls."""
    for _ in range(POLLS):
        if condition():
            return
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError("condition never became true")


class ManualClock:
    """A clock that only moves when the test calls `advance`."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start
        self._waiters: list[tuple[dt.datetime, asyncio.Future[None]]] = []

    def now(self) -> dt.datetime:
        return self._now

    @property
    def sleeping(self) -> int:
        return sum(not future.done() for _, future in self._waiters)

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = (self._now + dt.timedelta(seconds=seconds), future)
        self._waiters.append(waiter)
        try:
            await future
        finally:
            self._waiters.remove(waiter)

    def advance(self, seconds: float) -> None:
        self._now += dt.timedelta(seconds=seconds)
        for deadline, future in self._waiters:
            if deadline <= self._now and not future.done():
                future.set_result(None)


@dataclass
class RecordedPlayback:
    turns: int = 0
    closed: list[LiveOutcome] = field(default_factory=list)

    async def on_audio(self, pcm24k: bytes) -> None:
        return None

    async def on_interrupted(self) -> None:
        return None

    async def on_turn_complete(self) -> None:
        self.turns += 1

    async def on_warning(self, kind: str) -> None:
        return None

    async def on_closed(self, outcome: LiveOutcome) -> None:
        self.closed.append(outcome)


@dataclass
class RecordingPlatform:
    """A `NightPlatform` that records every callback, keyed by platform user id."""

    present: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    warnings: list[tuple[str, float]] = field(default_factory=list)
    sessions: dict[str, LiveSession] = field(default_factory=dict)
    playbacks: dict[str, RecordedPlayback] = field(default_factory=dict)
    stopped: list[str] = field(default_factory=list)
    feedback: list[tuple[str, LiveOutcome, bool]] = field(default_factory=list)
    summaries: list[NightSummary] = field(default_factory=list)
    # (scheduled event id, status) for every status change the core requested.
    event_statuses: list[tuple[str | None, str]] = field(default_factory=list)
    # An exception every scheduled-event status change raises, when set.
    event_failure: Exception | None = None

    async def call_candidate(self, night: NightEvent, candidate: Candidate) -> None:
        self.calls.append(candidate.profile.platform_user_id)

    async def is_present(self, night: NightEvent, candidate: Candidate) -> bool:
        return candidate.profile.platform_user_id in self.present

    async def open_voice_interview(
        self, night: NightEvent, candidate: Candidate
    ) -> RecordedPlayback:
        playback = RecordedPlayback()
        self.playbacks[candidate.profile.platform_user_id] = playback
        return playback

    async def voice_interview_started(
        self, night: NightEvent, candidate: Candidate, session: LiveSession
    ) -> None:
        self.sessions[candidate.profile.platform_user_id] = session

    async def stop_voice_interview(self, night: NightEvent, candidate: Candidate) -> None:
        self.stopped.append(candidate.profile.platform_user_id)

    async def warn_slot_ending(
        self, night: NightEvent, candidate: Candidate, seconds_left: float
    ) -> None:
        self.warnings.append((candidate.profile.platform_user_id, seconds_left))

    async def post_feedback(
        self, night: NightEvent, candidate: Candidate, outcome: LiveOutcome, public: bool
    ) -> None:
        self.feedback.append((candidate.profile.platform_user_id, outcome, public))

    async def send_summary(self, night: NightEvent, summary: NightSummary) -> None:
        self.summaries.append(summary)

    async def create_scheduled_event(self, night: NewNight) -> str:
        return "event-1"

    async def check_scheduled_event(self, server_id: str, event_id: str) -> None:
        return None

    async def set_scheduled_event_status(self, night: NightEvent, status: str) -> None:
        self.event_statuses.append((night.scheduled_event_id, status))
        if self.event_failure is not None:
            raise self.event_failure
