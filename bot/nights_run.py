"""The run loop of a mock-interview night: call, wait, interview, feedback, next.

Every step is written to the store before it happens. After a restart,
`NightRunner.run` calls the entry that was called again. An interview that the
restart cut off counts as done, so the night goes on with the next entry.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from statistics import fmean

from bot.errors import UserFacingError
from bot.interviewer.spec import InterviewSpec, default_language
from bot.live_sessions import LiveSessionManager
from bot.live_sessions_bridge import LiveOutcome, LivePlayback, LiveSession
from bot.nights_model import (
    Candidate,
    Clock,
    NightControl,
    NightPlatform,
    NightSummary,
    NightTimings,
)
from storage.base import NightEvent, QueueEntry, Store, UserProfile

logger = logging.getLogger(__name__)

# Queue statuses of a candidate whose turn is over.
FINISHED = frozenset({"done", "no_show", "left", "skipped"})
# Live end reasons mapped to the queue status they leave.
_END_STATUS = {"candidate_left": "left", "skipped": "skipped"}


class _NightPlayback:
    """Pass the interviewer's events to the adapter and wake the run loop on close."""

    def __init__(self, inner: LivePlayback, control: NightControl) -> None:
        self._inner = inner
        self._control = control

    async def on_audio(self, pcm24k: bytes) -> None:
        await self._inner.on_audio(pcm24k)

    async def on_interrupted(self) -> None:
        await self._inner.on_interrupted()

    async def on_turn_complete(self) -> None:
        await self._inner.on_turn_complete()

    async def on_warning(self, kind: str) -> None:
        await self._inner.on_warning(kind)

    async def on_closed(self, outcome: LiveOutcome) -> None:
        try:
            await self._inner.on_closed(outcome)
        finally:
            self._control.signal()


class NightRunner:
    """Runs one night's queue until it is paused, ended or empty."""

    def __init__(
        self,
        store: Store,
        live: LiveSessionManager,
        platform: NightPlatform,
        clock: Clock,
        timings: NightTimings,
        holder: object,
    ) -> None:
        self._store = store
        self._live = live
        self._platform = platform
        self._clock = clock
        self._timings = timings
        self._holder = holder

    async def run(self, night_id: int, control: NightControl) -> None:
        """Interview the queue in order; send the summary when the night ends."""
        while True:
            night = await self._store.get_night(night_id)
            if night is None or night.state != "running" or control.ending:
                break
            entry = await self._next_entry(night)
            if entry is None:
                await self._store.update_night(night.id, state="ended", at=self._clock.now())
                await update_scheduled_event(self._platform, night, "completed")
                break
            control.skip = False
            await self._serve(night, entry, control)
        night = await self._store.get_night(night_id)
        if night is not None and night.state == "ended":
            await self.send_summary(night)

    async def _next_entry(self, night: NightEvent) -> QueueEntry | None:
        for entry in await self._store.night_queue(night.id):
            if entry.status in ("called", "queued"):
                return entry
        return None

    async def _serve(self, night: NightEvent, entry: QueueEntry, control: NightControl) -> None:
        profile = await self._profile(entry.user_id)
        if profile is None:  # erased since joining
            return
        candidate = Candidate(entry, profile)
        control.current, control.left_at = profile.platform_user_id, None
        await self._store.update_night(night.id, current_position=entry.position)
        await self._store.set_queue_status(entry.id, "called", self._clock.now())
        await self._platform.call_candidate(night, candidate)
        if not await self._await_presence(night, candidate, control):
            status = "skipped" if control.skip or control.ending else "no_show"
            await self._store.set_queue_status(entry.id, status, self._clock.now())
            logger.info("Night %d: entry %d ended as %s", night.id, entry.id, status)
            return
        await self._interview(night, candidate, control)

    async def _profile(self, user_id: int) -> UserProfile | None:
        user = await self._store.get_user_by_id(user_id)
        if user is None:
            return None
        return UserProfile(
            user.platform,
            user.platform_user_id,
            user.name,
            user.username,
            user.avatar_url,
            user.locale,
        )

    async def _await_presence(
        self, night: NightEvent, candidate: Candidate, control: NightControl
    ) -> bool:
        deadline = self._clock.now() + dt.timedelta(seconds=self._timings.call_grace_seconds)
        while True:
            control.wake.clear()
            if control.skip or control.ending:
                return False
            if await self._platform.is_present(night, candidate):
                return True
            remaining = (deadline - self._clock.now()).total_seconds()
            if remaining <= 0:
                return False
            await self._wait(control, remaining)

    async def _interview(
        self, night: NightEvent, candidate: Candidate, control: NightControl
    ) -> None:
        entry = candidate.entry
        spec = InterviewSpec.model_validate(
            {
                "type": night.interview_type,
                "role": night.role,
                "language": default_language(candidate.profile.locale),
                "length_minutes": night.slot_minutes,
            }
        )
        playback = await self._platform.open_voice_interview(night, candidate)
        try:
            session = await self._live.start(
                candidate.profile,
                spec,
                night.server_id,
                night.voice_channel_id,
                _NightPlayback(playback, control),
                holder=self._holder,
            )
        except UserFacingError as error:
            logger.info("Night %d: entry %d could not start: %s", night.id, entry.id, error)
            await self._platform.stop_voice_interview(night, candidate)
            await self._store.set_queue_status(entry.id, "skipped", self._clock.now())
            return
        await self._store.set_queue_status(
            entry.id, "interviewing", self._clock.now(), session_id=session.id
        )
        await self._platform.voice_interview_started(night, candidate, session)

        reason = await self._run_slot(night, candidate, session, control)
        outcome = await self._live.stop(session, reason)
        await self._platform.stop_voice_interview(night, candidate)
        status = _END_STATUS.get(outcome.reason, "done")
        await self._store.set_queue_status(entry.id, status, self._clock.now())
        logger.info("Night %d: entry %d ended as %s", night.id, entry.id, status)
        if not outcome.erased:
            await self._platform.post_feedback(night, candidate, outcome, entry.share_score)

    async def _run_slot(
        self,
        night: NightEvent,
        candidate: Candidate,
        session: LiveSession,
        control: NightControl,
    ) -> str:
        """Wait until the slot ends for any reason and return that reason."""
        started = self._clock.now()
        slot_end = started + dt.timedelta(minutes=night.slot_minutes)
        warn_at = slot_end - dt.timedelta(seconds=self._timings.warning_seconds)
        leave_grace = dt.timedelta(seconds=self._timings.leave_grace_seconds)
        warned = False
        while True:
            control.wake.clear()
            now = self._clock.now()
            if session.finishing is not None:
                return session.end_reason or "stopped"
            if control.ending:
                return "night_ended"
            if control.skip:
                return "skipped"
            if control.left_at is not None and now - control.left_at >= leave_grace:
                return "candidate_left"
            if now >= slot_end:
                return "time_limit"
            if not warned and now >= warn_at:
                warned = True
                seconds_left = (slot_end - now).total_seconds()
                await self._platform.warn_slot_ending(night, candidate, seconds_left)
            wake_at = slot_end if warned else warn_at
            if control.left_at is not None:
                wake_at = min(wake_at, control.left_at + leave_grace)
            await self._wait(control, (wake_at - now).total_seconds())

    async def _wait(self, control: NightControl, seconds: float) -> None:
        """Sleep on the clock for `seconds`, or less when a command or event wakes the night."""
        sleeper = asyncio.ensure_future(self._clock.sleep(max(seconds, 0.0)))
        waker = asyncio.ensure_future(control.wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

    async def send_summary(self, night: NightEvent) -> NightSummary:
        """Count the night's outcomes and send them to the host."""
        summary = await summarise(self._store, night)
        await self._platform.send_summary(night, summary)
        logger.info("Night %d ended: %d interviewed", night.id, summary.interviewed)
        return summary


async def update_scheduled_event(platform: NightPlatform, night: NightEvent, status: str) -> None:
    """Move the night's scheduled event, if it has one, to `status`; log any failure.

    The event only mirrors the night, so a failure here never stops the night.
    """
    if night.scheduled_event_id is None:
        return
    try:
        await platform.set_scheduled_event_status(night, status)
    except Exception:
        logger.warning(
            "Night %d: setting scheduled event %s to %s failed",
            night.id,
            night.scheduled_event_id,
            status,
            exc_info=True,
        )
        return
    logger.info(
        "Night %d: scheduled event %s set to %s", night.id, night.scheduled_event_id, status
    )


async def summarise(store: Store, night: NightEvent) -> NightSummary:
    """Build the host's summary; a score appears only when its candidate opted in."""
    entries = await store.night_queue(night.id)
    interviewed = [e for e in entries if e.started_at is not None]
    durations = [
        (e.ended_at - e.started_at).total_seconds()
        for e in interviewed
        if e.ended_at is not None and e.started_at is not None
    ]
    shared: list[tuple[str, int | None]] = []
    for entry in interviewed:
        if not entry.share_score or entry.session_id is None:
            continue
        user = await store.get_user_by_id(entry.user_id)
        feedback = await store.get_feedback(entry.session_id)
        if user is not None:
            score = feedback.get("overall_score") if feedback else None
            shared.append((user.platform_user_id, score))
    return NightSummary(
        night_id=night.id,
        interviewed=len(interviewed),
        no_shows=sum(e.status == "no_show" for e in entries),
        left=sum(e.status == "left" for e in entries),
        skipped=sum(e.status == "skipped" and e.started_at is None for e in entries),
        not_reached=sum(e.status in ("queued", "called") for e in entries),
        average_slot_seconds=fmean(durations) if durations else None,
        shared_scores=shared,
    )
