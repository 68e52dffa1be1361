"""A mock-interview night over Discord: commands, calls, SSRC focus and presence."""

from __future__ import annotations

import asyncio
import datetime as dt

from adapters.discord.nights import parse_start_time
from bot.nights import NightService
from bot.nights_model import Member, NightTimings
from storage.base import NewNight, UserProfile
from tests.adapters.discord.harness import (
    CANDIDATE_ID,
    CANDIDATE_SSRC,
    GUILD_ID,
    HOST_ROLE_ID,
    MEMBER_PERMISSIONS,
    SPECTATOR_ID,
    SPECTATOR_SSRC,
    TEXT_CHANNEL_ID,
    VOICE_CHANNEL_ID,
    Harness,
    command_payload,
    harness,
    voice_state,
)
from tests.adapters.discord.voice.packets import opus_packets
from tests.bot.nights_rig import POLL_SECONDS, POLLS, ManualClock, eventually
from tests.standins.gemini_live import GeminiLiveStandIn, LiveConnection, gemini_live
from tests.standins.gemini_live import make_gemini_live as make_gemini_live

__all__ = ["gemini_live", "harness"]

START = dt.datetime(2026, 12, 5, 19, 0, tzinfo=dt.UTC)
TIMINGS = NightTimings(call_grace_seconds=120, leave_grace_seconds=30, warning_seconds=60)
HOST = Member(UserProfile("discord", str(SPECTATOR_ID), name="Host"), can_manage_events=True)
SPECTATOR_PACKETS = 30


async def cache_answer(connection: LiveConnection) -> None:
    await connection.send_setup_complete()
    await connection.wait_for_audio(3200)
    await connection.send_input_transcription("I designed the cache layer.")
    await connection.send_output_transcription("How did you invalidate it?")
    await connection.send_turn_complete()


def night_command(name: str, user_id: int, **values: object) -> dict[str, object]:
    options = [{"type": 5, "name": key, "value": value} for key, value in values.items()]
    return command_payload(
        "night", [{"type": 1, "name": name, "options": options}], user_id=user_id
    )


def create_command(user_id: int, roles: list[int]) -> dict[str, object]:
    """`/night create` by a member without Manage Events who has `roles`."""
    options = [
        {"type": 7, "name": "voice_channel", "value": str(VOICE_CHANNEL_ID)},
        {"type": 3, "name": "start_time", "value": "2026-12-05 19:00"},
        {"type": 3, "name": "role", "value": "Backend engineer"},
    ]
    channel = {
        "id": str(VOICE_CHANNEL_ID),
        "type": 2,
        "name": "Interview room",
        "guild_id": str(GUILD_ID),
        "permissions": "0",
    }
    return command_payload(
        "night",
        [{"type": 1, "name": "create", "options": options}],
        user_id=user_id,
        roles=roles,
        permissions=MEMBER_PERMISSIONS,
        resolved={"channels": {str(VOICE_CHANNEL_ID): channel}},
    )


async def transcript_has_candidate_line(harness: Harness, session_id: int) -> None:
    for _ in range(POLLS):
        lines = await harness.store.transcript(session_id)
        if any(line.speaker == "candidate" for line in lines):
            return
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"no candidate line in session {session_id}")


def callback_texts(harness: Harness) -> list[str]:
    return [
        str(call.body.get("data", {}).get("content"))
        for call in harness.rest.find("POST", "/callback")
    ]


async def test_night_hears_only_candidate(
    harness: Harness, gemini_live: GeminiLiveStandIn
) -> None:
    clock = ManualClock(START)
    core = harness.core
    core.nights = NightService(
        core.store, core.privacy, core.live, core.servers, clock=clock, timings=TIMINGS
    )
    core.nights.attach(harness.bot.nights)
    rig = harness.voice_rig()
    gemini_live.script(cache_answer)
    await core.privacy.record_consent(UserProfile("discord", str(CANDIDATE_ID)))
    created = await core.nights.create(
        HOST,
        NewNight(
            "discord",
            str(GUILD_ID),
            str(VOICE_CHANNEL_ID),
            str(TEXT_CHANNEL_ID),
            0,
            START,
            10,
            "technical",
            "Backend engineer",
            4,
        ),
    )
    night = created.night

    harness.dispatch(night_command("join", CANDIDATE_ID, share_score=False))
    await eventually(lambda: len(callback_texts(harness)) == 1)
    harness.dispatch(night_command("start", SPECTATOR_ID))
    await gemini_live.wait_for_connections(1)
    await eventually(lambda: rig.voice.receiver.candidate_id == CANDIDATE_ID)
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    await rig.speaking(SPECTATOR_ID, SPECTATOR_SSRC)
    connection = gemini_live.connections[0]

    for opus in opus_packets(SPECTATOR_PACKETS):
        rig.deliver(rig.spectator.packet(opus))
    await harness.settle()
    assert len(connection.audio) == 0
    for opus in opus_packets(50):
        rig.deliver(rig.candidate.packet(opus))
    await connection.wait_for_audio(3200)
    candidate_audio = await harness.steady(lambda: len(connection.audio))
    for opus in opus_packets(SPECTATOR_PACKETS):
        rig.deliver(rig.spectator.packet(opus))
    assert await harness.steady(lambda: len(connection.audio)) == candidate_audio

    # The candidate leaves mid-slot and stays away past the grace period.
    session_id = core.live.sessions[0].id
    await transcript_has_candidate_line(harness, session_id)
    harness.state.parse_voice_state_update(voice_state(CANDIDATE_ID, None))
    # discord.py dispatches the update as a task: let it run, and the night re-arm its
    # timer from the moment of leaving, before the clock moves.
    await harness.settle()
    await eventually(lambda: clock.sleeping > 0)
    clock.advance(TIMINGS.leave_grace_seconds)
    await eventually(lambda: core.live.sessions == [])
    await eventually(lambda: len(harness.rest.find("POST", "/users/@me/channels")) >= 2)

    assert "place 1" in callback_texts(harness)[0]
    calls = [c.body.get("content", "") for c in harness.rest.find("POST", "/messages")]
    assert any(f"<@{CANDIDATE_ID}>" in str(content) for content in calls)
    health = rig.voice.health.snapshot()
    assert health["dropped"]["not_candidate"] == 2 * SPECTATOR_PACKETS
    lines = await harness.store.transcript(session_id)
    assert [line.text for line in lines if line.speaker == "candidate"] == [
        "I designed the cache layer."
    ]
    statuses = [e.status for e in await harness.store.night_queue(night.id)]
    assert statuses == ["left"]
    assert rig.voice.receiver.candidate_id is None


def test_start_time_formats() -> None:
    now = dt.datetime(2026, 12, 5, 8, 30, tzinfo=dt.UTC)
    assert parse_start_time("19:05", now) == dt.datetime(2026, 12, 5, 19, 5, tzinfo=dt.UTC)
    assert parse_start_time("2026-12-24 18:00", now) == dt.datetime(
        2026, 12, 24, 18, 0, tzinfo=dt.UTC
    )
    assert parse_start_time("tonight", now) is None


async def test_host_role_may_create_night(harness: Harness) -> None:
    settings = {"night_host_role_ids": [str(HOST_ROLE_ID)]}
    await harness.store.set_server_settings("discord", str(GUILD_ID), settings)
    for user_id in (CANDIDATE_ID, SPECTATOR_ID):
        await harness.core.privacy.record_consent(UserProfile("discord", str(user_id)))

    harness.dispatch(create_command(SPECTATOR_ID, roles=[]))
    await eventually(lambda: len(callback_texts(harness)) == 1)
    assert await harness.store.open_nights("discord", str(GUILD_ID)) == []
    assert "night host role" in callback_texts(harness)[0]

    harness.dispatch(create_command(CANDIDATE_ID, roles=[HOST_ROLE_ID]))
    await eventually(lambda: len(callback_texts(harness)) == 2)
    [night] = await harness.store.open_nights("discord", str(GUILD_ID))
    assert night.voice_channel_id == str(VOICE_CHANNEL_ID)
    assert "Mock-interview night" in callback_texts(harness)[1]


async def test_interview_start_in_night_channel_rejected(harness: Harness) -> None:
    core = harness.core
    core.nights = NightService(
        core.store,
        core.privacy,
        core.live,
        core.servers,
        clock=ManualClock(START),
        timings=TIMINGS,
    )
    core.nights.attach(harness.bot.nights)
    for user_id in (CANDIDATE_ID, SPECTATOR_ID):
        await core.privacy.record_consent(UserProfile("discord", str(user_id)))
    draft = NewNight(
        "discord",
        str(GUILD_ID),
        str(VOICE_CHANNEL_ID),
        str(TEXT_CHANNEL_ID),
        0,
        START,
        10,
        "technical",
        "Backend engineer",
        4,
    )
    night = (await core.nights.create(HOST, draft)).night
    # The queued candidate is away, so the night waits for them (its clock never moves).
    harness.state.parse_voice_state_update(voice_state(SPECTATOR_ID, None))
    await core.nights.join(night.id, UserProfile("discord", str(SPECTATOR_ID)), False)
    await core.nights.start(night.id, HOST)
    joins: list[object] = []

    async def connect(channel: object) -> object:
        joins.append(channel)
        raise AssertionError("the bot must not join a voice channel a night holds")

    harness.bot.connect_voice = connect  # type: ignore[assignment,method-assign]
    try:
        assert core.nights.holds_channel(str(VOICE_CHANNEL_ID))
        start = [
            {
                "type": 1,
                "name": "start",
                "options": [{"type": 3, "name": "role", "value": "Backend engineer"}],
            }
        ]
        harness.dispatch(command_payload("interview", start))
        await eventually(lambda: len(callback_texts(harness)) == 1)
    finally:
        await core.nights.stop()

    assert "night holds this voice channel" in callback_texts(harness)[0]
    assert joins == []
    assert core.live.sessions == []
