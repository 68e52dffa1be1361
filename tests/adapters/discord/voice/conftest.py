"""Fixtures: a real `ReceivingVoiceClient` whose discord.py connection state is
filled in as the voice gateway would, with DAVE sessions from a local MLS group."""

from __future__ import annotations

import asyncio
import socket
import types
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
from discord.gateway import DiscordVoiceWebSocket

from adapters.discord.voice import ReceivingVoiceClient
from tests.adapters.discord.dave_fixtures import DaveGroup
from tests.adapters.discord.voice.packets import Sender, new_secret_key

CHANNEL_ID = 1_180_000_000_000_000_042
GUILD_ID = 1_180_000_000_000_000_007
BOT_ID = 1001
CANDIDATE_ID = 2002
SPECTATOR_ID = 3003
CANDIDATE_SSRC = 0x1111
SPECTATOR_SSRC = 0x2222


@dataclass
class VoiceRig:
    """A voice client, its connection state, the group and the senders in the channel."""

    voice: ReceivingVoiceClient
    group: DaveGroup
    secret_key: bytes
    candidate: Sender
    spectator: Sender
    ws: DiscordVoiceWebSocket
    chunks: list[bytes] = field(default_factory=list)

    @property
    def state(self) -> discord.voice_state.VoiceConnectionState:
        return self.voice._connection

    def deliver(self, packet: bytes) -> None:
        """Call the registered socket listeners exactly as discord.py's reader does."""
        for callback in list(self.state._socket_reader._callbacks):
            callback(packet)

    async def op(self, op: int, data: object) -> None:
        """Dispatch one JSON voice websocket message through discord.py."""
        await self.ws.received_message({"op": op, "d": data})

    async def speaking(self, user_id: int, ssrc: int) -> None:
        await self.op(5, {"user_id": str(user_id), "ssrc": ssrc, "speaking": 1})

    async def hook(self, message: Any) -> None:
        """Call the websocket hook the way discord.py does after a JSON message."""
        hook = self.state.hook
        assert hook is not None
        await hook(self.ws, message)

    async def settle(self) -> None:
        """Run the callbacks the reader scheduled with call_soon_threadsafe."""
        for _ in range(5):
            await asyncio.sleep(0)

    def rekey(self) -> None:
        """Build a new MLS group and swap in new sessions everywhere, as a re-key does."""
        self.group.rekey()
        self.state.dave_session = self.group.sessions[BOT_ID]
        self.candidate.dave_session = self.group.sessions[CANDIDATE_ID]
        self.spectator.dave_session = self.group.sessions[SPECTATOR_ID]


def _stub_channel() -> types.SimpleNamespace:
    # A real voice channel needs a guild filled in by the gateway. These are the
    # attributes VoiceClient reads.
    return types.SimpleNamespace(
        id=CHANNEL_ID,
        guild=types.SimpleNamespace(id=GUILD_ID),
        _get_voice_client_key=lambda: (GUILD_ID, "guild_id"),
    )


@pytest.fixture
async def rig() -> AsyncIterator[VoiceRig]:
    client = discord.Client(intents=discord.Intents.none())
    await client._async_setup_hook()
    voice = ReceivingVoiceClient(client, _stub_channel())
    state = voice._connection
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    state.socket = udp
    state._socket_reader.resume()  # as VoiceConnectionState._create_socket does
    secret_key = new_secret_key()
    state.secret_key = list(secret_key)
    state.mode = "aead_xchacha20_poly1305_rtpsize"
    group = DaveGroup(CHANNEL_ID, [BOT_ID, CANDIDATE_ID, SPECTATOR_ID])
    state.dave_protocol_version = 1
    state.dave_session = group.sessions[BOT_ID]
    ws = DiscordVoiceWebSocket(None, asyncio.get_running_loop(), hook=state.hook)  # type: ignore[arg-type]
    ws._connection = state
    state.ws = ws
    voice.start_receiving()
    rig = VoiceRig(
        voice=voice,
        group=group,
        secret_key=secret_key,
        candidate=Sender(CANDIDATE_SSRC, secret_key, group.sessions[CANDIDATE_ID]),
        spectator=Sender(SPECTATOR_SSRC, secret_key, group.sessions[SPECTATOR_ID]),
        ws=ws,
    )
    voice.set_audio_sink(rig.chunks.append)
    yield rig
    voice.receiver.set_candidate(None)
    state.remove_socket_listener(voice.receiver.on_packet)
    state._socket_reader.stop()
    udp.close()
    await client.close()
