"""A live interview end to end: RTP packets in, Gemini Live stand-in, playback out."""

from __future__ import annotations

import asyncio
import types

import pytest
from discord.errors import ConnectionClosed
from pydantic import SecretStr

from adapters.discord.app import NaromeetBot, serve
from adapters.discord.voice.playback import OPUS_SILENCE_FRAME
from adapters.discord.voice_session import VoiceSession
from bot.accounts import UserProfile
from tests.adapters.discord.harness import (
    CANDIDATE_ID,
    CANDIDATE_SSRC,
    GUILD_ID,
    SPECTATOR_ID,
    SPECTATOR_SSRC,
    TEXT_CHANNEL_ID,
    Harness,
    VoiceRig,
    button_payload,
    command_payload,
    harness,
    voice_state,
)
from tests.adapters.discord.voice.packets import opus_packets
from tests.standins.gemini_live import GeminiLiveStandIn, LiveConnection, gemini_live
from tests.standins.gemini_live import make_gemini_live as make_gemini_live

__all__ = ["gemini_live", "harness"]

INTERVIEWER_PCM = b"\x00\x20" * 24_000  # one second of 24 kHz audio
EPHEMERAL = 64


async def one_exchange(connection: LiveConnection) -> None:
    await connection.send_setup_complete()
    await connection.send_output_transcription("Tell me about a project you led.")
    await connection.send_input_transcription("I led our billing migration.")
    await connection.send_turn_complete()


async def wait_for_transcript(harness: Harness, session: VoiceSession) -> None:
    """Wait until the scripted exchange is stored (polled: the store has no event)."""
    assert session.live is not None
    async with asyncio.timeout(10):
        while len(await harness.store.transcript(session.live.id)) < 2:
            await asyncio.sleep(0.01)


async def start_session(
    harness: Harness, *, public_feedback: bool = False
) -> tuple[VoiceRig, VoiceSession]:
    await harness.core.privacy.record_consent(UserProfile("discord", str(CANDIDATE_ID)))
    rig = harness.voice_rig()
    start_options: list[dict[str, object]] = [
        {"type": 3, "name": "role", "value": "Backend engineer"}
    ]
    if public_feedback:
        start_options.append({"type": 5, "name": "public_feedback", "value": True})
    options = [{"type": 1, "name": "start", "options": start_options}]
    harness.dispatch(command_payload("interview", options))
    await harness.rest.wait_for(
        lambda: harness.bot.voice_sessions.of_user(CANDIDATE_ID) is not None
    )
    session = harness.bot.voice_sessions.of_user(CANDIDATE_ID)
    assert session is not None
    await rig.speaking(CANDIDATE_ID, CANDIDATE_SSRC)
    await rig.speaking(SPECTATOR_ID, SPECTATOR_SSRC)
    return rig, session


async def test_candidate_audio_reaches_gemini_and_playback_flushes(
    harness: Harness, gemini_live: GeminiLiveStandIn
) -> None:
    talked = asyncio.Event()
    interrupt = asyncio.Event()

    async def script(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.wait_for_audio(3200)
        await connection.send_audio(INTERVIEWER_PCM)
        talked.set()
        await interrupt.wait()
        await connection.send_interrupted()

    gemini_live.script(script)
    rig, session = await start_session(harness)
    for opus in opus_packets(20):
        rig.deliver(rig.spectator.packet(opus))
    for opus in opus_packets(50):
        rig.deliver(rig.candidate.packet(opus))
    async with asyncio.timeout(10):
        await talked.wait()
        while session.stream.buffered_frames < 40:
            await asyncio.sleep(0.01)

    health = rig.voice.health.snapshot()
    assert health["dropped"]["not_candidate"] == 20
    assert health["transport_decrypts"] == 50
    assert len(gemini_live.connections[0].audio) >= 3200
    assert rig.played == [session.source]
    assert session.source.read() != OPUS_SILENCE_FRAME

    interrupt.set()
    async with asyncio.timeout(10):
        while session.stream.buffered_frames > 0:
            await asyncio.sleep(0.01)
    assert session.source.read() == OPUS_SILENCE_FRAME


async def test_withdrawal_mid_session_stops_forwarding(
    harness: Harness, gemini_live: GeminiLiveStandIn
) -> None:
    rig, session = await start_session(harness)
    harness.dispatch(
        command_payload("consent", [{"type": 3, "name": "action", "value": "withdraw"}])
    )
    await asyncio.wait_for(session.closed.wait(), 10)
    received = len(gemini_live.connections[0].audio)

    for opus in opus_packets(20):
        rig.deliver(rig.candidate.packet(opus))
    await harness.settle()

    assert len(gemini_live.connections[0].audio) == received
    assert rig.voice.receiver.candidate_id is None
    assert harness.core.live.sessions == []


async def test_delete_mid_session_leaves_no_rows(
    harness: Harness, gemini_live: GeminiLiveStandIn
) -> None:
    _rig, session = await start_session(harness)
    harness.dispatch(command_payload("delete"))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("POST", "/callback")))

    harness.dispatch(button_payload("naromeet:delete:confirm"))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("PATCH", "/messages/@original")))

    assert session.closed.is_set()
    assert await harness.store.get_user("discord", str(CANDIDATE_ID)) is None
    assert harness.core.live.sessions == []


async def test_candidate_leaving_ends_with_feedback(
    harness: Harness, gemini_live: GeminiLiveStandIn
) -> None:
    gemini_live.script(one_exchange)
    _rig, session = await start_session(harness)
    await wait_for_transcript(harness, session)
    live = session.live
    assert live is not None

    harness.state.parse_voice_state_update(voice_state(CANDIDATE_ID, None))
    await asyncio.wait_for(session.closed.wait(), 10)

    row = await harness.store.get_session(live.id)
    assert row is not None and row.end_reason == "candidate_left"
    assert await harness.store.get_feedback(live.id) is not None
    posts = [c.body for c in harness.rest.find("POST", "/webhooks/")]
    assert any("left the voice channel" in str(b.get("content")) for b in posts)
    feedback_posts = [b for b in posts if b.get("embeds")]
    assert len(feedback_posts) == 1
    assert feedback_posts[0]["flags"] == 64
    buttons = feedback_posts[0]["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == [
        f"naromeet:rate:{live.id}:{n}" for n in range(1, 6)
    ]


async def test_voice_close_4014_ends_with_feedback(
    harness: Harness, gemini_live: GeminiLiveStandIn
) -> None:
    gemini_live.script(one_exchange)
    rig, session = await start_session(harness)
    await wait_for_transcript(harness, session)
    live = session.live
    assert live is not None
    state = rig.voice._connection

    class ClosedSocket:
        async def poll_event(self) -> None:
            raise ConnectionClosed(
                types.SimpleNamespace(close_code=4014), shard_id=None, code=4014
            )  # type: ignore[arg-type]

        async def close(self, code: int = 1000) -> None:
            return None

    state.ws = ClosedSocket()
    state._disconnected.set()
    await state._poll_voice_ws(True)  # discord.py's own handling of the close
    await asyncio.wait_for(session.closed.wait(), 10)

    row = await harness.store.get_session(live.id)
    assert row is not None and row.end_reason == "voice_lost"
    assert await harness.store.get_feedback(live.id) is not None
    assert harness.bot.get_guild(GUILD_ID) is not None
    assert rig.voice not in harness.bot.voice_clients


async def test_public_feedback_posted_in_channel(
    harness: Harness, gemini_live: GeminiLiveStandIn
) -> None:
    gemini_live.script(one_exchange)
    _rig, session = await start_session(harness, public_feedback=True)
    await wait_for_transcript(harness, session)

    harness.state.parse_voice_state_update(voice_state(CANDIDATE_ID, None))
    await asyncio.wait_for(session.closed.wait(), 10)

    posts = harness.rest.find("POST", f"/channels/{TEXT_CHANNEL_ID}/messages")
    assert len(posts) == 1
    assert posts[0].body["embeds"]
    assert posts[0].body.get("flags", 0) & EPHEMERAL == 0
    private = [c.body for c in harness.rest.find("POST", "/webhooks/") if c.body.get("embeds")]
    assert private == []


async def test_serve_stop_ends_live_interviews(
    harness: Harness, gemini_live: GeminiLiveStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    gemini_live.script(one_exchange)
    _rig, session = await start_session(harness)
    await wait_for_transcript(harness, session)
    live = session.live
    assert live is not None
    connected = asyncio.Event()

    async def start(self: NaromeetBot, token: str) -> None:
        # Stands in for the gateway connection, which runs until the bot closes.
        connected.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(NaromeetBot, "start", start)
    harness.core.settings = harness.core.settings.model_copy(
        update={"discord_bot_token": SecretStr("test-token")}
    )
    stop = asyncio.Event()
    server = asyncio.create_task(serve(harness.core, stop))
    await asyncio.wait_for(connected.wait(), 10)
    stop.set()
    await asyncio.wait_for(server, 10)

    assert session.closed.is_set()
    assert harness.core.live.sessions == []
    row = await harness.store.get_session(live.id)
    assert row is not None and row.end_reason == "shutdown"
    assert len(await harness.store.transcript(live.id)) == 2
    posts = [str(c.body.get("content")) for c in harness.rest.find("POST", "/webhooks/")]
    assert any("The bot is restarting" in content for content in posts)
