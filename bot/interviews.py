"""Voice-note interviews: one interviewer turn per note, state kept in the store.

A note may arrive minutes or hours after the previous one, so nothing lives in
memory between turns except a per-user lock: the session row holds the spec and
the turn state, and the transcript holds every line. A restart between two notes
loses nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot import audio
from bot.errors import (
    ConsentRequiredError,
    GeminiQuotaError,
    GeminiUnavailableError,
    InterviewRunningError,
    LimitedError,
    NoInterviewError,
)
from bot.feedback.model import Feedback
from bot.interviewer.errors import InterviewerError, QuotaExceededError
from bot.interviewer.spec import InterviewSpec
from bot.privacy import PrivacyService
from bot.ratelimit import Limited, QuotaService
from config.settings import Settings
from storage.base import InterviewSession, Store, User, UserProfile

logger = logging.getLogger(__name__)

REPLY_SAMPLE_RATE = 24_000
SILENCE_RMS = 60.0  # s16 RMS below this is treated as a silent note (about -55 dBFS)


class TurnEngine(Protocol):
    """The per-turn interviewer (implemented by `bot.interviewer.turn.TurnInterviewer`)."""

    async def open(self, spec: InterviewSpec) -> Any: ...
    async def take_turn(
        self, spec: InterviewSpec, state: dict[str, Any], audio_pcm16k: bytes
    ) -> Any: ...


class FeedbackEngine(Protocol):
    async def generate(self, spec: InterviewSpec, transcript: list[Any]) -> Feedback: ...


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """The reply an adapter sends after the greeting or after a voice note."""

    session_id: int
    candidate_text: str
    reply_text: str
    reply_voice: audio.VoiceNote | None
    interview_over: bool
    feedback: Feedback | None = None


class SilentNoteError(Exception):
    """The note decoded but contains no speech, so nothing was sent to Gemini."""


class TurnInterviewService:
    """Starts, advances and ends voice-note interviews for any platform."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        privacy: PrivacyService,
        quotas: QuotaService,
        turns: TurnEngine,
        feedback: FeedbackEngine,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._privacy = privacy
        self._quotas = quotas
        self._turns = turns
        self._feedback = feedback
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._locks: dict[int, asyncio.Lock] = {}
        self._gemini_calls = asyncio.Semaphore(settings.max_concurrent_interviews)

    def _lock(self, user_id: int) -> asyncio.Lock:
        return self._locks.setdefault(user_id, asyncio.Lock())

    async def _consenting_user(self, profile: UserProfile) -> User:
        user = await self._store.get_user(profile.platform, profile.platform_user_id)
        if user is None or not await self._privacy.has_consent(user.id):
            raise ConsentRequiredError()
        return user

    async def start(
        self, profile: UserProfile, spec: InterviewSpec, server_id: str | None = None
    ) -> TurnOutcome:
        """Open a session and voice the interviewer's greeting."""
        user = await self._consenting_user(profile)
        async with self._lock(user.id):
            if await self._store.active_session(user.id) is not None:
                raise InterviewRunningError()
            limited = await self._quotas.check_interview_start(user.id, self._clock())
            if limited is not None:
                raise LimitedError(limited)
            now = self._clock()
            session = await self._store.create_session(
                user.id, profile.platform, spec.to_dict(), server_id, None, now
            )
            if session is None:  # the user was erased meanwhile
                raise ConsentRequiredError()
            await self._quotas.record_interview_start(user.id, profile.platform, server_id, now)
            logger.info("Interview %d started for user %d", session.id, user.id)
            try:
                result = await self._call(self._turns.open(spec))
            except (GeminiQuotaError, GeminiUnavailableError):
                await self._store.end_session(session.id, self._clock(), "gemini_failed")
                raise
            await self._record_turn(session, None, result)
            return await self._outcome(session, "", result)

    async def answer(self, profile: UserProfile, note: bytes) -> TurnOutcome:
        """Run one interviewer turn on a voice note (raises `audio.AudioDecodeError`)."""
        user = await self._consenting_user(profile)
        async with self._lock(user.id):
            session = await self._store.active_session(user.id)
            if session is None:
                raise NoInterviewError()
            pcm = await asyncio.to_thread(
                audio.decode_voice_note,
                note,
                max_bytes=self._settings.max_voice_note_bytes,
                max_seconds=self._settings.max_voice_note_seconds,
            )
            if await asyncio.to_thread(_rms, pcm) < SILENCE_RMS:
                raise SilentNoteError()
            spec = InterviewSpec.from_dict(session.spec)
            result = await self._call(self._turns.take_turn(spec, dict(session.state), pcm))
            duration = dt.timedelta(seconds=len(pcm) / 32_000)
            await self._record_turn(session, duration, result)
            outcome = await self._outcome(session, result.candidate_text, result)
            if not result.interview_over:
                return outcome
            feedback = await self._finish(session, "completed")
            return TurnOutcome(
                outcome.session_id,
                outcome.candidate_text,
                outcome.reply_text,
                outcome.reply_voice,
                True,
                feedback,
            )

    async def stop(
        self, profile: UserProfile, reason: str = "stopped", *, with_feedback: bool = True
    ) -> Feedback | None:
        """End the user's running interview and return its feedback (None when it fails).

        With `with_feedback=False` (consent withdrawn, bot blocked) the transcript is
        not sent to Gemini; `feedback_for` can still produce feedback later.
        """
        user = await self._store.get_user(profile.platform, profile.platform_user_id)
        if user is None:
            raise NoInterviewError()
        async with self._lock(user.id):
            session = await self._store.active_session(user.id)
            if session is None:
                raise NoInterviewError()
            if not with_feedback:
                await self._store.end_session(session.id, self._clock(), reason)
                logger.info("Interview %d ended: %s", session.id, reason)
                return None
            return await self._finish(session, reason)

    async def end_all(self, reason: str, platform: str | None = None) -> list[InterviewSession]:
        """End every running interview, or those of `platform` (at shutdown).

        Feedback is left for /feedback.
        """
        ended: list[InterviewSession] = []
        for session in await self._store.active_sessions():
            if platform is not None and session.platform != platform:
                continue
            closed = await self._store.end_session(session.id, self._clock(), reason)
            if closed is not None:
                ended.append(closed)
        logger.info("Ended %d running interview(s): %s", len(ended), reason)
        return ended

    async def feedback_for(self, session_id: int) -> Feedback | None:
        """Stored feedback of a session, generating it when the session ended without it."""
        stored = await self._store.get_feedback(session_id)
        if stored is not None:
            return Feedback.from_dict(stored)
        session = await self._store.get_session(session_id)
        if session is None or session.ended_at is None:
            return None
        return await self._generate_feedback(session)

    async def _finish(self, session: InterviewSession, reason: str) -> Feedback | None:
        ended = await self._store.end_session(session.id, self._clock(), reason)
        logger.info("Interview %d ended: %s", session.id, reason)
        if ended is None:
            return None
        return await self._generate_feedback(ended)

    async def _generate_feedback(self, session: InterviewSession) -> Feedback | None:
        transcript = await self._store.transcript(session.id)
        spec = InterviewSpec.from_dict(session.spec)
        try:
            feedback = await self._call(self._feedback.generate(spec, transcript))
        except (GeminiQuotaError, GeminiUnavailableError):
            logger.warning("Feedback for interview %d failed; /feedback retries", session.id)
            return None
        await self._store.save_feedback(session.id, feedback.overall_score, feedback.to_dict())
        return feedback

    async def _call(self, call: Any) -> Any:
        """Await a Gemini call under the global cap, mapping its errors for users."""
        async with self._gemini_calls:
            try:
                return await call
            except QuotaExceededError:
                logger.warning("Gemini quota exhausted")
                raise GeminiQuotaError() from None
            except InterviewerError as error:
                logger.warning("Gemini call failed: %s", type(error).__name__)
                raise GeminiUnavailableError() from None

    async def _record_turn(
        self, session: InterviewSession, note_duration: dt.timedelta | None, result: Any
    ) -> None:
        now = self._clock()
        if note_duration is not None and result.candidate_text:
            await self._store.add_transcript_message(
                session.id, "candidate", result.candidate_text, now - note_duration, now
            )
        if result.reply_text:
            await self._store.add_transcript_message(
                session.id, "interviewer", result.reply_text, now, None
            )
        await self._store.update_session_state(session.id, result.new_state)

    async def _outcome(
        self, session: InterviewSession, candidate_text: str, result: Any
    ) -> TurnOutcome:
        voice = None
        if result.reply_pcm24k:
            voice = await asyncio.to_thread(
                audio.encode_voice_note, result.reply_pcm24k, REPLY_SAMPLE_RATE
            )
        return TurnOutcome(
            session.id, candidate_text, result.reply_text, voice, bool(result.interview_over)
        )


def _rms(pcm: bytes) -> float:
    import numpy as np

    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16)
    if samples.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


__all__ = ["Limited", "SilentNoteError", "TurnInterviewService", "TurnOutcome"]
