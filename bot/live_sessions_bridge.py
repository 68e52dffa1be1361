"""One live interview: its state, and the bridge from `LiveInterviewer` events.

The bridge persists each finished transcript line as it arrives and passes
playback events on to the adapter. A line that arrives after the user was
erased is a no-op: the store refuses writes for a session that no longer
exists.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.feedback.model import Feedback
from bot.interviewer.live import LiveInterviewer
from bot.interviewer.spec import InterviewSpec
from bot.interviewer.transcript import TranscriptLine
from storage.base import Store

logger = logging.getLogger(__name__)

# Candidate chunks waiting for the interviewer's queue: 20 ms each, so 5 s at most.
MAX_PENDING_CHUNKS = 250


class LivePlayback(Protocol):
    """What a platform adapter does with a live interview's events."""

    async def on_audio(self, pcm24k: bytes) -> None:
        """Play interviewer speech (24 kHz mono s16le)."""

    async def on_interrupted(self) -> None:
        """Drop queued interviewer speech at once: the candidate barged in."""

    async def on_turn_complete(self) -> None:
        """The interviewer finished speaking for now."""

    async def on_warning(self, kind: str) -> None:
        """Show the candidate a warning, such as "time_warning"."""

    async def on_closed(self, outcome: LiveOutcome) -> None:
        """The interview ended, with its feedback when there is some."""


@dataclass(frozen=True, slots=True)
class LiveOutcome:
    """How a live interview ended.

    `feedback` is None when the transcript was too short, when the user was
    erased, or when generating it failed (then `/feedback` retries).
    """

    session_id: int
    user_id: int
    reason: str
    feedback: Feedback | None
    erased: bool = False


@dataclass(eq=False)
class LiveSession:
    """A running live interview; `forwarding` is cleared the moment consent goes."""

    id: int
    user_id: int
    platform: str
    platform_user_id: str
    server_id: str | None
    channel_id: str
    spec: InterviewSpec
    started_at: dt.datetime
    playback: LivePlayback
    interviewer: LiveInterviewer | None = None
    forwarding: bool = True
    erased: bool = False
    started: bool = False
    end_reason: str | None = None
    finishing: asyncio.Task[LiveOutcome] | None = None
    pending: asyncio.Queue[bytes] = field(
        default_factory=lambda: asyncio.Queue(MAX_PENDING_CHUNKS)
    )
    forwarder: asyncio.Task[None] | None = None
    dropped_chunks: int = 0


class SessionEvents:
    """`LiveEvents` for one session: persist transcript lines, relay playback."""

    def __init__(
        self,
        session: LiveSession,
        store: Store,
        on_closed: Callable[[LiveSession, str], Awaitable[None]],
    ) -> None:
        self._session = session
        self._store = store
        self._on_closed = on_closed

    async def on_audio(self, pcm24k: bytes) -> None:
        await self._session.playback.on_audio(pcm24k)

    async def on_interrupted(self) -> None:
        await self._session.playback.on_interrupted()

    async def on_transcript(self, line: TranscriptLine) -> None:
        session = self._session
        if session.erased:
            return
        started = session.started_at + dt.timedelta(seconds=line.started_at)
        ended = session.started_at + dt.timedelta(seconds=line.ended_at)
        saved = await self._store.add_transcript_message(
            session.id, line.speaker, line.text, started, ended
        )
        if saved is None:
            logger.info("Transcript line for interview %d dropped: session erased", session.id)

    async def on_turn_complete(self) -> None:
        await self._session.playback.on_turn_complete()

    async def on_warning(self, kind: str) -> None:
        await self._session.playback.on_warning(kind)

    async def on_closed(self, reason: str) -> None:
        await self._on_closed(self._session, reason)
