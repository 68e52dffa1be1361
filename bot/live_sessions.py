"""Live (streaming voice) interviews: start, candidate audio, stop, feedback.

`LiveSessionManager` owns every running live interview. It enforces the same
rules as the voice-note service (consent, daily quotas, one interview per user)
plus one interview per voice channel and the global cap on concurrent Gemini
sessions. Candidate audio reaches Gemini only while the session's `forwarding`
flag is set; a consent withdrawal or an erasure clears it before anything else
happens, then ends the interview.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from google import genai

from bot.errors import (
    ConsentRequiredError,
    GeminiQuotaError,
    GeminiUnavailableError,
    InterviewRunningError,
    LimitedError,
    NoInterviewError,
    UserFacingError,
)
from bot.feedback.generator import FeedbackGenerator
from bot.feedback.model import Feedback
from bot.interviewer.errors import InterviewerError, QuotaExceededError
from bot.interviewer.live import LiveEvents, LiveInterviewer
from bot.interviewer.spec import InterviewSpec
from bot.live_sessions_bridge import LiveOutcome, LivePlayback, LiveSession, SessionEvents
from bot.privacy import PrivacyService
from bot.ratelimit import InterviewSlots, Limited, QuotaService
from config.settings import Settings
from storage.base import InterviewSession, Store, UserProfile

logger = logging.getLogger(__name__)

InterviewerFactory = Callable[[InterviewSpec, LiveEvents], LiveInterviewer]
CAPACITY_RETRY_SECONDS = 60.0
# End reasons that mean Gemini could not run the interview at all.
_START_FAILURES = {"quota": GeminiQuotaError, "failed": GeminiUnavailableError}


class ChannelBusyError(UserFacingError):
    """Another interview is already running in this voice channel."""

    message_key = "interview_channel_busy"


class LiveSessionManager:
    """Every running live interview, keyed by voice channel and by user."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        privacy: PrivacyService,
        quotas: QuotaService,
        slots: InterviewSlots,
        feedback: FeedbackGenerator,
        gemini: genai.Client,
        *,
        interviewer_factory: InterviewerFactory | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._privacy = privacy
        self._quotas = quotas
        self._slots = slots
        self._feedback = feedback
        self._make_interviewer = interviewer_factory or (
            lambda spec, events: LiveInterviewer(settings, gemini, spec, events)
        )
        self._by_channel: dict[str, LiveSession] = {}
        self._by_user: dict[int, LiveSession] = {}
        self._lock = asyncio.Lock()
        self._reserved: dict[str, object] = {}
        privacy.add_erasure_listener(self._on_erasure)

    @property
    def sessions(self) -> list[LiveSession]:
        """The running live interviews."""
        return list(self._by_user.values())

    def in_channel(self, channel_id: str) -> LiveSession | None:
        return self._by_channel.get(channel_id)

    def reserve_channel(self, channel_id: str, holder: object) -> None:
        """Keep `channel_id` for `holder`: `start` there then needs `holder=holder`."""
        self._reserved[channel_id] = holder

    def release_channel(self, channel_id: str, holder: object) -> None:
        if self._reserved.get(channel_id) is holder:
            del self._reserved[channel_id]

    def of_user(self, platform: str, platform_user_id: str) -> LiveSession | None:
        for session in self._by_user.values():
            if session.platform == platform and session.platform_user_id == platform_user_id:
                return session
        return None

    async def start(
        self,
        profile: UserProfile,
        spec: InterviewSpec,
        server_id: str | None,
        channel_id: str,
        playback: LivePlayback,
        *,
        holder: object | None = None,
    ) -> LiveSession:
        """Open a session and connect the interviewer, which greets the candidate.

        Raises a `UserFacingError`: consent missing, an interview already running
        for the user or in the channel, a quota or the global cap reached, or
        Gemini unable to start (quota exhausted or unavailable).
        """
        async with self._lock:
            session = await self._open(profile, spec, server_id, channel_id, playback, holder)
        interviewer = self._make_interviewer(
            spec, SessionEvents(session, self._store, self._closed)
        )
        session.interviewer = interviewer
        session.forwarder = asyncio.create_task(self._forward_pending(session))
        await interviewer.start()
        if session.finishing is not None:
            outcome = await asyncio.shield(session.finishing)
            raise _START_FAILURES.get(outcome.reason, GeminiUnavailableError)()
        session.started = True
        logger.info("Live interview %d started for user %d", session.id, session.user_id)
        return session

    async def _open(
        self,
        profile: UserProfile,
        spec: InterviewSpec,
        server_id: str | None,
        channel_id: str,
        playback: LivePlayback,
        holder: object | None = None,
    ) -> LiveSession:
        user = await self._store.get_user(profile.platform, profile.platform_user_id)
        if user is None or not await self._privacy.has_consent(user.id):
            raise ConsentRequiredError()
        if channel_id in self._by_channel or self._reserved.get(channel_id, holder) is not holder:
            raise ChannelBusyError()
        if user.id in self._by_user or await self._store.active_session(user.id) is not None:
            raise InterviewRunningError()
        now = dt.datetime.now(dt.UTC)
        limited = await self._quotas.check_interview_start(user.id, now)
        if limited is not None:
            raise LimitedError(limited)
        if self._slots.in_use >= self._slots.capacity:
            raise LimitedError(Limited("capacity", CAPACITY_RETRY_SECONDS))
        row = await self._store.create_session(
            user.id, profile.platform, spec.to_dict(), server_id, channel_id, now
        )
        if row is None:  # erased meanwhile
            raise ConsentRequiredError()
        self._slots.try_acquire(row.id)
        await self._quotas.record_interview_start(user.id, profile.platform, server_id, now)
        session = LiveSession(
            id=row.id,
            user_id=user.id,
            platform=profile.platform,
            platform_user_id=profile.platform_user_id,
            server_id=server_id,
            channel_id=channel_id,
            spec=spec,
            started_at=now,
            playback=playback,
        )
        self._by_channel[channel_id] = session
        self._by_user[user.id] = session
        return session

    # Candidate audio

    async def forward_candidate_audio(self, session: LiveSession, pcm16k: bytes) -> bool:
        """Send candidate audio to the interviewer while consent holds; return whether sent."""
        interviewer = session.interviewer
        if not session.forwarding or interviewer is None or session.finishing is not None:
            return False
        await interviewer.send_audio(pcm16k)
        return True

    def push_candidate_audio(self, session: LiveSession, pcm16k: bytes) -> None:
        """Queue a chunk for `forward_candidate_audio`, for callers that cannot await.

        A full queue drops the chunk; the forwarding check happens when it is sent.
        """
        if not session.forwarding:
            return
        try:
            session.pending.put_nowait(pcm16k)
        except asyncio.QueueFull:
            session.dropped_chunks += 1
            if session.dropped_chunks % 500 == 1:
                logger.warning(
                    "Interview %d: %d candidate chunks dropped", session.id, session.dropped_chunks
                )

    async def _forward_pending(self, session: LiveSession) -> None:
        while True:
            chunk = await session.pending.get()
            await self.forward_candidate_audio(session, chunk)

    # Ending

    async def stop(self, session: LiveSession, reason: str = "stopped") -> LiveOutcome:
        """End the interview and return its outcome, feedback included when there is some."""
        if session.finishing is None:
            if session.interviewer is not None and not session.interviewer.closed:
                await session.interviewer.stop(reason)
            if session.finishing is None:
                session.finishing = asyncio.create_task(self._finish(session, reason))
        return await asyncio.shield(session.finishing)

    async def stop_user(self, platform: str, platform_user_id: str, reason: str) -> LiveOutcome:
        """End the user's live interview (raises `NoInterviewError` when none runs)."""
        session = self.of_user(platform, platform_user_id)
        if session is None:
            raise NoInterviewError()
        return await self.stop(session, reason)

    async def stop_all(self, reason: str) -> list[LiveOutcome]:
        """End every live interview (at shutdown), each with its feedback when possible."""
        outcomes = await asyncio.gather(*(self.stop(s, reason) for s in self.sessions))
        logger.info("Ended %d live interview(s): %s", len(outcomes), reason)
        return list(outcomes)

    async def withdraw_consent(self, platform: str, platform_user_id: str) -> bool:
        """Withdraw consent, stopping the user's audio at once and ending their interview."""
        session = self.of_user(platform, platform_user_id)
        if session is not None:
            session.forwarding = False
        withdrawn = await self._privacy.withdraw_consent(platform, platform_user_id)
        if session is not None:
            await self.stop(session, "consent_withdrawn")
        return withdrawn

    async def _on_erasure(self, user_id: int) -> None:
        session = self._by_user.get(user_id)
        if session is None:
            return
        session.forwarding = False
        session.erased = True
        await self.stop(session, "erased")

    async def _closed(self, session: LiveSession, reason: str) -> None:
        """Called by the interviewer once it closed, for any reason."""
        session.forwarding = False
        if session.finishing is None:
            session.finishing = asyncio.create_task(self._finish(session, reason))

    async def _finish(self, session: LiveSession, reason: str) -> LiveOutcome:
        session.forwarding = False
        session.end_reason = reason
        if session.forwarder is not None:
            session.forwarder.cancel()
        if self._by_channel.get(session.channel_id) is session:
            del self._by_channel[session.channel_id]
        self._by_user.pop(session.user_id, None)
        self._slots.release(session.id)
        feedback = None
        if not session.erased:
            ended = await self._store.end_session(session.id, dt.datetime.now(dt.UTC), reason)
            if ended is not None and session.started:
                feedback = await self._generate_feedback(ended)
        logger.info("Live interview %d ended: %s", session.id, reason)
        outcome = LiveOutcome(session.id, session.user_id, reason, feedback, session.erased)
        if session.started:
            try:
                await session.playback.on_closed(outcome)
            except Exception:
                logger.exception("Closing callback failed for interview %d", session.id)
        return outcome

    async def _generate_feedback(self, session: InterviewSession) -> Feedback | None:
        transcript = await self._store.transcript(session.id)
        if not transcript:
            return None
        spec = InterviewSpec.from_dict(session.spec)
        try:
            feedback = await self._feedback.generate(spec, transcript)
        except QuotaExceededError:
            logger.warning("Feedback for interview %d failed: Gemini quota", session.id)
            return None
        except InterviewerError as error:
            logger.warning("Feedback for interview %d failed: %s", session.id, error)
            return None
        saved = await self._store.save_feedback(
            session.id, feedback.overall_score, feedback.to_dict()
        )
        return feedback if saved is not None else None
