"""Mock-interview nights: a host opens one, candidates queue, the bot interviews each.

`NightService` checks who may do what and keeps the state in the store;
`NightRunner` (bot.nights_run) interviews the queue. The service holds each
night's voice channel in the live session manager from its start to its end,
so no other interview can start there meanwhile. The adapter supplies a
`NightPlatform` and reports presence with `presence_changed`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

from bot.errors import ConsentRequiredError
from bot.live_sessions import LiveSessionManager
from bot.live_sessions_servers import ServerSettingsService
from bot.nights_model import (
    MAX_CANDIDATES,
    MAX_SLOT_MINUTES,
    MIN_SLOT_MINUTES,
    Clock,
    CreatedNight,
    Member,
    NightAlreadyJoinedError,
    NightChannelBusyError,
    NightControl,
    NightFullError,
    NightHostOnlyError,
    NightInvalidError,
    NightNotFoundError,
    NightNotJoinedError,
    NightPlatform,
    NightStateError,
    NightSummary,
    NightTimings,
    ScheduledEventConflictError,
    ScheduledEventError,
    SystemClock,
)
from bot.nights_run import FINISHED, NightRunner, summarise, update_scheduled_event
from bot.privacy import PrivacyService
from storage.base import NewNight, NightEvent, QueueEntry, Store, UserProfile

logger = logging.getLogger(__name__)

# Server setting (set with /setup) listing the role ids allowed to host nights.
HOST_ROLES_SETTING = "night_host_role_ids"


class NightService:
    """Create, join and run mock-interview nights."""

    def __init__(
        self,
        store: Store,
        privacy: PrivacyService,
        live: LiveSessionManager,
        servers: ServerSettingsService,
        *,
        clock: Clock | None = None,
        timings: NightTimings | None = None,
    ) -> None:
        self._store = store
        self._privacy = privacy
        self._live = live
        self._servers = servers
        self._clock = clock or SystemClock()
        self._timings = timings or NightTimings()
        self._controls: dict[int, NightControl] = {}
        self._platform: NightPlatform | None = None

    @property
    def timings(self) -> NightTimings:
        return self._timings

    def attach(self, platform: NightPlatform) -> None:
        """Set the adapter that calls candidates and runs the voice side."""
        self._platform = platform

    @property
    def _attached(self) -> NightPlatform:
        """The attached platform; raise RuntimeError when none is attached."""
        if self._platform is None:
            raise RuntimeError("NightService.attach(platform) must be called first")
        return self._platform

    @property
    def _runner(self) -> NightRunner:
        return NightRunner(
            self._store, self._live, self._attached, self._clock, self._timings, self
        )

    # Host commands

    async def create(
        self, member: Member, night: NewNight, *, new_event: bool = False
    ) -> CreatedNight:
        """Open a night; the host needs Manage Events or a host role set with /setup.

        `night.host_user_id` is ignored: the host is `member`. A
        `night.scheduled_event_id` must name an event of the night's server, or
        nothing is created. With `new_event` the platform creates the night's
        scheduled event first; when it rejects that, the night is created
        without one and `CreatedNight.event_error` contains the reason.
        """
        await self._check_host_rights(member, night.server_id)
        if not MIN_SLOT_MINUTES <= night.slot_minutes <= MAX_SLOT_MINUTES:
            raise NightInvalidError(f"slot of {night.slot_minutes} minutes")
        if not 1 <= night.max_candidates <= MAX_CANDIDATES:
            raise NightInvalidError(f"{night.max_candidates} candidates")
        for other in await self._store.open_nights(night.platform, night.server_id):
            if other.voice_channel_id == night.voice_channel_id:
                raise NightChannelBusyError()
        night, event_error = await self._link_event(night, new_event)
        user = await self._store.upsert_user(member.profile)
        created = await self._store.create_night(
            dataclasses.replace(night, host_user_id=user.id), self._clock.now()
        )
        if created is None:
            raise NightNotFoundError("host erased while creating")
        logger.info("Night %d created in server %s", created.id, created.server_id)
        return CreatedNight(created, event_error)

    async def start(self, night_id: int, member: Member) -> NightEvent:
        """Start (or resume) calling candidates in queue order."""
        night = await self._host_night(night_id, member)
        if night.state not in ("scheduled", "paused"):
            raise NightStateError(night.state)
        return await self._begin(night)

    async def pause(self, night_id: int, member: Member) -> NightEvent:
        """Stop calling candidates once the current slot ends; `start` resumes."""
        night = await self._host_night(night_id, member)
        if night.state != "running":
            raise NightStateError(night.state)
        paused = await self._store.update_night(night.id, state="paused")
        logger.info("Night %d paused", night.id)
        return paused or night

    async def skip(self, night_id: int, member: Member) -> None:
        """End the current candidate's turn now, with feedback if the interview began."""
        night = await self._host_night(night_id, member)
        control = self._controls.get(night.id)
        if night.state != "running" or control is None or control.current is None:
            raise NightStateError(night.state)
        control.skip = True
        control.signal()

    async def end(self, night_id: int, member: Member) -> NightSummary | None:
        """End the night; the current interview stops and the host gets the summary.

        Returns the summary when no run loop was running to send it.
        """
        night = await self._host_night(night_id, member)
        if night.state == "ended":
            raise NightStateError(night.state)
        await self._store.update_night(night.id, state="ended", at=self._clock.now())
        self._live.release_channel(night.voice_channel_id, self)
        control = self._controls.pop(night.id, None)
        logger.info("Night %d ended by its host", night.id)
        # A night ended before it ever started cancels its event instead of completing it.
        event_status = "canceled" if night.state == "scheduled" else "completed"
        await update_scheduled_event(self._attached, night, event_status)
        if control is not None and control.task is not None and not control.task.done():
            control.ending = True
            control.signal()
            await control.task
            return None
        ended = await self._store.get_night(night.id)
        return await self._runner.send_summary(ended or night)

    # Candidate commands

    async def join(self, night_id: int, profile: UserProfile, share_score: bool) -> int:
        """Queue the user; return how many waiting candidates are ahead of them, plus one."""
        night = await self._open_night(night_id)
        user = await self._store.get_user(profile.platform, profile.platform_user_id)
        if user is None or not await self._privacy.has_consent(user.id):
            raise ConsentRequiredError()
        entries = await self._store.night_queue(night.id)
        mine = next((e for e in entries if e.user_id == user.id), None)
        if mine is not None and mine.status != "left":
            raise NightAlreadyJoinedError()
        if sum(e.status != "left" for e in entries) >= night.max_candidates:
            raise NightFullError()
        entry = await self._store.enqueue(night.id, user.id, share_score, self._clock.now())
        if entry is None:
            raise NightAlreadyJoinedError()
        logger.info("User %d joined night %d at position %d", user.id, night.id, entry.position)
        return await self._place(night.id, entry)

    async def leave(self, night_id: int, profile: UserProfile) -> None:
        """Leave the queue; a candidate being interviewed ends their slot with feedback."""
        entry = await self._entry_of(night_id, profile)
        control = self._controls.get(night_id)
        if entry.status in ("called", "interviewing") and control is not None:
            control.left_at = self._clock.now() - dt.timedelta(
                seconds=self._timings.leave_grace_seconds
            )
            control.signal()
            return
        await self._store.set_queue_status(entry.id, "left", self._clock.now())

    async def queue(self, night_id: int) -> list[QueueEntry]:
        """Return the night's entries still waiting or being served, by position."""
        entries = await self._store.night_queue(night_id)
        return [e for e in entries if e.status not in FINISHED]

    async def queue_users(self, entries: list[QueueEntry]) -> dict[int, str]:
        """Map the entries' user ids to platform user ids, for mentions."""
        users: dict[int, str] = {}
        for entry in entries:
            user = await self._store.get_user_by_id(entry.user_id)
            if user is not None:
                users[entry.user_id] = user.platform_user_id
        return users

    async def summary(self, night_id: int) -> NightSummary:
        night = await self._store.get_night(night_id)
        if night is None:
            raise NightNotFoundError(str(night_id))
        return await summarise(self._store, night)

    async def open_night(self, platform: str, server_id: str) -> NightEvent:
        """Return the server's earliest open night; raise NightNotFoundError if none."""
        nights = await self._store.open_nights(platform, server_id)
        if not nights:
            raise NightNotFoundError(server_id)
        return nights[0]

    def holds_channel(self, channel_id: str) -> bool:
        """Return whether a night that has started holds `channel_id`."""
        return any(c.channel_id == channel_id for c in self._controls.values())

    # Presence, from the adapter

    def presence_changed(self, night_id: int, platform_user_id: str, present: bool) -> None:
        """Record that the current candidate joined or left the night's voice channel."""
        control = self._controls.get(night_id)
        if control is None or control.current != platform_user_id:
            return
        control.left_at = None if present else (control.left_at or self._clock.now())
        control.signal()

    # Restart

    async def resume_running_nights(self) -> list[int]:
        """After a restart, hold the channels of started nights and resume running ones.

        An interview cut off by the restart ends as "done"; the night goes on
        with the next candidate in the queue.
        """
        resumed = []
        for night in await self._store.open_nights():
            if night.state == "scheduled":
                continue
            now = self._clock.now()
            for entry in await self._store.night_queue(night.id):
                if entry.status == "interviewing":
                    if entry.session_id is not None:
                        await self._store.end_session(entry.session_id, now, "restart")
                    await self._store.set_queue_status(entry.id, "done", now)
            self._live.reserve_channel(night.voice_channel_id, self)
            if night.state == "running":
                self._launch(night)
                resumed.append(night.id)
        logger.info("Resumed %d running night(s)", len(resumed))
        return resumed

    async def stop(self) -> None:
        """Cancel every run loop (at shutdown); the stored state lets a restart resume."""
        for control in self._controls.values():
            if control.task is not None:
                control.task.cancel()
        self._controls.clear()

    # Helpers

    async def _link_event(
        self, night: NewNight, new_event: bool
    ) -> tuple[NewNight, ScheduledEventError | None]:
        """Check the event to link, or create a new one; return the night with its id."""
        if night.scheduled_event_id is not None:
            if new_event:
                raise ScheduledEventConflictError()
            await self._attached.check_scheduled_event(night.server_id, night.scheduled_event_id)
            return night, None
        if not new_event:
            return night, None
        try:
            event_id = await self._attached.create_scheduled_event(night)
        except ScheduledEventError as error:
            logger.warning(
                "Scheduled event for a night in server %s failed: %s", night.server_id, error
            )
            return night, error
        # NOTE: the event stays behind if storing the night fails after this point.
        return dataclasses.replace(night, scheduled_event_id=event_id), None

    async def _begin(self, night: NightEvent) -> NightEvent:
        platform = self._attached
        running = await self._store.update_night(night.id, state="running", at=self._clock.now())
        if running is None:
            raise NightNotFoundError(str(night.id))
        self._live.reserve_channel(night.voice_channel_id, self)
        # Before the run loop, which completes the event at once when the queue is empty.
        if night.state == "scheduled":  # a resumed night's event is active already
            await update_scheduled_event(platform, running, "active")
        self._launch(running)
        logger.info("Night %d started", night.id)
        return running

    def _launch(self, night: NightEvent) -> None:
        control = self._controls.get(night.id)
        if control is not None and control.task is not None and not control.task.done():
            return  # still finishing the current slot after a pause
        control = NightControl(channel_id=night.voice_channel_id)
        self._controls[night.id] = control
        control.task = asyncio.create_task(self._run(night.id, control), name=f"night-{night.id}")

    async def _run(self, night_id: int, control: NightControl) -> None:
        try:
            await self._runner.run(night_id, control)
        except Exception:
            logger.exception("Night %d run loop failed; /night start resumes it", night_id)
        finally:
            if self._controls.get(night_id) is control:
                del self._controls[night_id]
            night = await self._store.get_night(night_id)
            if night is not None and night.state == "ended":
                self._live.release_channel(night.voice_channel_id, self)

    async def _check_host_rights(self, member: Member, server_id: str) -> None:
        if member.can_manage_events:
            return
        settings = await self._servers.get(member.profile.platform, server_id)
        host_roles = {str(r) for r in settings.extra.get(HOST_ROLES_SETTING) or ()}
        if not host_roles.intersection(member.role_ids):
            raise NightHostOnlyError()

    async def _host_night(self, night_id: int, member: Member) -> NightEvent:
        """Return the night when `member` is its host or may host nights in its server."""
        night = await self._store.get_night(night_id)
        if night is None:
            raise NightNotFoundError(str(night_id))
        profile = member.profile
        user = await self._store.get_user(profile.platform, profile.platform_user_id)
        if user is None or user.id != night.host_user_id:
            await self._check_host_rights(member, night.server_id)
        return night

    async def _open_night(self, night_id: int) -> NightEvent:
        night = await self._store.get_night(night_id)
        if night is None or night.state == "ended":
            raise NightNotFoundError(str(night_id))
        return night

    async def _entry_of(self, night_id: int, profile: UserProfile) -> QueueEntry:
        user = await self._store.get_user(profile.platform, profile.platform_user_id)
        if user is not None:
            for entry in await self._store.night_queue(night_id):
                if entry.user_id == user.id and entry.status not in FINISHED:
                    return entry
        raise NightNotJoinedError()

    async def _place(self, night_id: int, entry: QueueEntry) -> int:
        waiting = await self.queue(night_id)
        return sum(e.position <= entry.position for e in waiting)
