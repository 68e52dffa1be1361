"""Mock-interview nights on a real store and the Gemini Live stand-in, in compressed time."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.core import Core
from bot.errors import ConsentRequiredError
from bot.live_sessions import ChannelBusyError
from bot.nights import HOST_ROLES_SETTING, NightService
from bot.nights_model import (
    Member,
    NightAlreadyJoinedError,
    NightFullError,
    NightHostOnlyError,
    NightTimings,
    ScheduledEventConflictError,
)
from storage.base import NewNight, Store, UserProfile
from tests.bot.nights_rig import ManualClock, RecordingPlatform, eventually
from tests.bot.test_live_sessions import SPEC, SPEECH, RecordingPlayback, consenting, live_core
from tests.standins.gemini_live import (
    GeminiLiveStandIn,
    LiveConnection,
    Script,
    gemini_live,
    make_gemini_live,
)

__all__ = ["gemini_live", "make_gemini_live"]

START = dt.datetime(2026, 12, 5, 19, 0, tzinfo=dt.UTC)
SLOT_MINUTES = 10
TIMINGS = NightTimings(call_grace_seconds=120, leave_grace_seconds=30, warning_seconds=60)
HOST = Member(UserProfile("discord", "900", name="Host"), can_manage_events=True)
ALICE, BOB, CARA, DAN = "501", "502", "503", "504"


def night_for(
    server: str = "guild-1", channel: str = "voice-1", max_candidates: int = 5
) -> NewNight:
    return NewNight(
        "discord",
        server,
        channel,
        "text-1",
        0,
        START,
        SLOT_MINUTES,
        "behavioural",
        "Backend engineer",
        max_candidates,
    )


def night_service(core: Core, clock: ManualClock, platform: RecordingPlatform) -> NightService:
    service = NightService(
        core.store, core.privacy, core.live, core.servers, clock=clock, timings=TIMINGS
    )
    service.attach(platform)
    return service


def answering(line: str) -> Script:
    async def script(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.wait_for_audio(len(SPEECH))
        await connection.send_input_transcription(line)
        await connection.send_output_transcription("Tell me more about that.")
        await connection.send_turn_complete()

    return script


async def speak(platform: RecordingPlatform, core: Core, user: str) -> None:
    """Wait for the candidate's interview, send their speech, wait for the reply."""
    await eventually(lambda: user in platform.sessions)
    assert await core.live.forward_candidate_audio(platform.sessions[user], SPEECH)
    await eventually(lambda: platform.playbacks[user].turns >= 1)


@pytest.mark.parametrize("store", ["sqlite", "postgres"], indirect=True)
async def test_night_runs_queue_to_summary(store: Store, gemini_live: GeminiLiveStandIn) -> None:
    core = live_core(store, gemini_live)
    clock, platform = ManualClock(START), RecordingPlatform(present={ALICE, CARA})
    nights = night_service(core, clock, platform)
    profiles = {user: await consenting(core, user) for user in (ALICE, BOB, CARA)}
    gemini_live.script(answering("I led the migration."), answering("I shipped the API."))
    night = (await nights.create(HOST, night_for())).night

    assert await nights.join(night.id, profiles[ALICE], share_score=True) == 1
    assert await nights.join(night.id, profiles[BOB], share_score=True) == 2
    assert await nights.join(night.id, profiles[CARA], share_score=False) == 3
    await nights.start(night.id, HOST)

    # Alice: a full slot, warned a minute before its end.
    await speak(platform, core, ALICE)
    clock.advance(SLOT_MINUTES * 60 - 60)
    await eventually(lambda: len(platform.warnings) == 1)
    clock.advance(60)
    await eventually(lambda: len(platform.feedback) == 1)
    # Bob: called but never comes, a no-show after the grace period.
    await eventually(lambda: platform.calls == [ALICE, BOB])
    await eventually(lambda: clock.sleeping > 0)
    clock.advance(TIMINGS.call_grace_seconds)
    # Cara: leaves mid-slot and stays away.
    await speak(platform, core, CARA)
    clock.advance(120)
    platform.present.discard(CARA)
    nights.presence_changed(night.id, CARA, present=False)
    await eventually(lambda: clock.sleeping > 0)
    clock.advance(TIMINGS.leave_grace_seconds)
    await eventually(lambda: len(platform.summaries) == 1)

    assert platform.calls == [ALICE, BOB, CARA]
    assert platform.warnings == [(ALICE, 60.0)]
    (alice, alice_outcome, alice_public), (cara, cara_outcome, cara_public) = platform.feedback
    assert (alice, alice_outcome.reason, alice_public) == (ALICE, "time_limit", True)
    assert (cara, cara_outcome.reason, cara_public) == (CARA, "candidate_left", False)
    assert cara_outcome.feedback is not None
    cara_lines = await store.transcript(cara_outcome.session_id)
    assert cara_lines[0].text == "I shipped the API."
    statuses = [entry.status for entry in await store.night_queue(night.id)]
    assert statuses == ["done", "no_show", "left"]
    summary = platform.summaries[0]
    assert summary.interviewed == 2
    assert summary.no_shows == 1
    assert summary.left == 1
    assert summary.average_slot_seconds == pytest.approx((600 + 150) / 2)
    assert [user for user, _ in summary.shared_scores] == [ALICE]
    ended = await store.get_night(night.id)
    assert ended is not None and ended.state == "ended"


async def test_restart_resumes_with_next_candidate(
    store: Store, gemini_live: GeminiLiveStandIn
) -> None:
    core = live_core(store, gemini_live)
    clock, platform = ManualClock(START), RecordingPlatform(present={ALICE, BOB})
    nights = night_service(core, clock, platform)
    profiles = {user: await consenting(core, user) for user in (ALICE, BOB)}
    night = (await nights.create(HOST, night_for())).night
    for user in (ALICE, BOB):
        await nights.join(night.id, profiles[user], share_score=False)
    await nights.start(night.id, HOST)
    await eventually(lambda: ALICE in platform.sessions)

    # The process stops mid-slot: run loops and live interviews go with it.
    await nights.stop()
    await core.live.stop_all("shutdown")
    restarted = live_core(store, gemini_live)
    clock_after, platform_after = ManualClock(START), RecordingPlatform(present={BOB})
    resumed = night_service(restarted, clock_after, platform_after)
    assert await resumed.resume_running_nights() == [night.id]

    await eventually(lambda: BOB in platform_after.sessions)
    assert platform_after.calls == [BOB]
    statuses = [entry.status for entry in await store.night_queue(night.id)]
    assert statuses == ["done", "interviewing"]
    with pytest.raises(ChannelBusyError):
        await restarted.live.start(
            profiles[ALICE], SPEC, "guild-1", "voice-1", RecordingPlayback()
        )
    await resumed.end(night.id, HOST)
    assert len(platform_after.summaries) == 1
    assert platform_after.summaries[0].interviewed == 2


async def test_join_rules(store: Store, gemini_live: GeminiLiveStandIn) -> None:
    core = live_core(store, gemini_live)
    nights = night_service(core, ManualClock(START), RecordingPlatform())
    night = (await nights.create(HOST, night_for(max_candidates=1))).night
    alice = await consenting(core, ALICE)

    with pytest.raises(ConsentRequiredError):
        await nights.join(night.id, UserProfile("discord", DAN), share_score=False)
    assert await nights.join(night.id, alice, share_score=False) == 1
    with pytest.raises(NightAlreadyJoinedError):
        await nights.join(night.id, alice, share_score=False)
    with pytest.raises(NightFullError):
        await nights.join(night.id, await consenting(core, BOB), share_score=False)
    await nights.leave(night.id, alice)
    assert await nights.queue(night.id) == []


async def test_host_rights_from_roles(store: Store, gemini_live: GeminiLiveStandIn) -> None:
    core = live_core(store, gemini_live)
    nights = night_service(core, ManualClock(START), RecordingPlatform())
    member = Member(UserProfile("discord", "901"), role_ids=("role-7",))

    with pytest.raises(NightHostOnlyError):
        await nights.create(member, night_for())
    await store.set_server_settings("discord", "guild-1", {HOST_ROLES_SETTING: ["role-7"]})
    night = (await nights.create(member, night_for())).night
    stranger = Member(UserProfile("discord", "902"))
    with pytest.raises(NightHostOnlyError):
        await nights.start(night.id, stranger)
    assert night.host_user_id is not None


async def test_event_failure_keeps_night(store: Store, gemini_live: GeminiLiveStandIn) -> None:
    core = live_core(store, gemini_live)
    platform = RecordingPlatform(event_failure=OSError("connection reset"))
    nights = night_service(core, ManualClock(START), platform)
    created = await nights.create(HOST, night_for(), new_event=True)
    night = created.night
    await nights.join(night.id, await consenting(core, ALICE), share_score=False)

    await nights.start(night.id, HOST)
    # Alice is away: the night calls her and waits, so it keeps running.
    await eventually(lambda: platform.calls == [ALICE])
    await nights.end(night.id, HOST)

    assert created.event_error is None
    assert night.scheduled_event_id == "event-1"
    assert platform.event_statuses == [("event-1", "active"), ("event-1", "completed")]
    assert len(platform.summaries) == 1
    ended = await store.get_night(night.id)
    assert ended is not None
    assert ended.state == "ended"


async def test_event_request_conflict(store: Store, gemini_live: GeminiLiveStandIn) -> None:
    core = live_core(store, gemini_live)
    platform = RecordingPlatform()
    nights = night_service(core, ManualClock(START), platform)
    linked = dataclasses.replace(night_for(), scheduled_event_id="event-9")

    with pytest.raises(ScheduledEventConflictError):
        await nights.create(HOST, linked, new_event=True)
    assert await store.open_nights() == []
    night = (await nights.create(HOST, linked)).night
    await nights.end(night.id, HOST)

    assert platform.event_statuses == [("event-9", "canceled")]
