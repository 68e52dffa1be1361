"""Voice closes 4006 and 4017 mid-interview, handled by discord.py's own reconnect code.

The main gateway and the voice websocket are in-memory stand-ins and the voice
UDP socket is on 127.0.0.1 (tests/adapters/discord/voice_server.py). So
discord.py performs a real new voice session: IP discovery, a new transport
key, a new SSRC and a new DAVE group that the bot joins by welcome.
"""

from __future__ import annotations

import asyncio
import types

import pytest
from discord.errors import ConnectionClosed

from tests.adapters.discord.harness import (
    CANDIDATE_ID,
    Harness,
    VoiceRig,
    harness,
)
from tests.adapters.discord.test_live_voice import one_exchange, start_session, wait_for_transcript
from tests.adapters.discord.voice.packets import opus_packets
from tests.adapters.discord.voice_server import GatewayStandIn, VoiceServerStandIn
from tests.bot.nights_rig import eventually
from tests.standins.gemini_live import GeminiLiveStandIn, LiveConnection, gemini_live
from tests.standins.gemini_live import make_gemini_live as make_gemini_live

__all__ = ["gemini_live", "harness"]

NEW_CANDIDATE_SSRC = 0x3333
PACKETS = 50
# Bytes of 16 kHz mono s16le that most of PACKETS 20 ms frames yield after the jitter buffer.
AUDIO_BYTES = 640 * (PACKETS - 10)


class ClosedVoiceSocket:
    """A voice websocket that Discord has just closed with `code`."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.seq_ack = -1

    async def poll_event(self) -> None:
        raise ConnectionClosed(
            types.SimpleNamespace(close_code=self.code),  # type: ignore[arg-type]
            shard_id=None,
            code=self.code,
        )

    async def close(self, code: int = 1000) -> None:
        return None


def close_voice(harness: Harness, rig: VoiceRig, code: int) -> asyncio.Task[None]:
    """Close the voice websocket with `code` and run discord.py's poller on it."""
    state = rig.voice._connection
    state.ws = ClosedVoiceSocket(code)
    state.timeout = 5.0
    state._runner = asyncio.create_task(state._poll_voice_ws(True), name="Voice poller")
    return state._runner  # type: ignore[no-any-return]


async def listen(connection: LiveConnection) -> None:
    await connection.send_setup_complete()


@pytest.mark.parametrize("code", [4006, 4017])
async def test_reconnect_hears_new_dave_group(
    harness: Harness,
    gemini_live: GeminiLiveStandIn,
    monkeypatch: pytest.MonkeyPatch,
    code: int,
) -> None:
    gemini_live.script(listen)
    rig, session = await start_session(harness)
    voice_server = VoiceServerStandIn(NEW_CANDIDATE_SSRC)
    gateway = GatewayStandIn(harness, f"127.0.0.1:{voice_server.port}")
    monkeypatch.setattr(harness.bot, "ws", gateway)
    monkeypatch.setattr(harness.bot.http, "ws_connect", voice_server.ws_connect)
    connection = gemini_live.connections[0]
    for opus in opus_packets(PACKETS):
        rig.deliver(rig.candidate.packet(opus))
    await connection.wait_for_audio(AUDIO_BYTES)
    before = await harness.steady(lambda: len(connection.audio))

    runner = close_voice(harness, rig, code)
    try:
        await asyncio.wait_for(voice_server.welcomed.wait(), 10)
        state = rig.voice._connection
        await eventually(lambda: state.is_connected() and state.dave_session.ready)
        await eventually(lambda: rig.voice.ssrc_map.user_for(NEW_CANDIDATE_SSRC) == CANDIDATE_ID)
        for opus in opus_packets(PACKETS):
            voice_server.send_rtp(voice_server.candidate.packet(opus))
        await connection.wait_for_audio(before + AUDIO_BYTES)
    finally:
        runner.cancel()
        voice_server.close()

    assert voice_server.identified == 1
    assert gateway.requests[-1] == rig.voice.channel.id
    assert state.secret_key == list(voice_server.secret_key)
    assert not session.closed.is_set()
    assert harness.core.live.sessions == [session.live]
    assert rig.voice.health.snapshot()["decrypt_failures"].get("dave", 0) == 0


async def test_reconnect_past_limit_ends_with_feedback(
    harness: Harness, gemini_live: GeminiLiveStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.core.settings = harness.core.settings.model_copy(
        update={"discord_voice_reconnect_seconds": 0.5}
    )
    gemini_live.script(one_exchange)
    rig, session = await start_session(harness)
    await wait_for_transcript(harness, session)
    live = session.live
    assert live is not None
    gateway = GatewayStandIn(harness, "127.0.0.1:9", answer=False)
    monkeypatch.setattr(harness.bot, "ws", gateway)

    runner = close_voice(harness, rig, 4017)
    await asyncio.wait_for(session.closed.wait(), 10)
    # Leaving the channel stops discord.py's reconnect loop, so the bot stays out.
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(runner, 10)

    await eventually(lambda: rig.voice not in harness.bot.voice_clients)

    row = await harness.store.get_session(live.id)
    assert row is not None and row.end_reason == "voice_lost"
    assert await harness.store.get_feedback(live.id) is not None
    assert gateway.requests[-1] is None
    posts = [c.body for c in harness.rest.find("POST", "/webhooks/")]
    assert any(b.get("embeds") for b in posts)
