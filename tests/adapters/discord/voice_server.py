"""Loopback stand-ins for the Discord side of a voice reconnection.

discord.py's own reconnect code runs against them: `GatewayStandIn` answers
the main gateway's voice state request (op 4) with VOICE_STATE_UPDATE and
VOICE_SERVER_UPDATE, `VoiceServerStandIn` plays the voice websocket
(IDENTIFY, READY, SELECT_PROTOCOL, SESSION_DESCRIPTION, then the DAVE
handshake of opcodes 25, 26 and 30) over an in-memory transport that
`HTTPClient.ws_connect` returns, and a UDP socket on 127.0.0.1 answers IP
discovery and sends RTP to the bot.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any

import aiohttp
import davey

from tests.adapters.discord.dave_fixtures import ExternalSender
from tests.adapters.discord.harness import (
    CANDIDATE_ID,
    GUILD_ID,
    VOICE_CHANNEL_ID,
    Harness,
    voice_state,
)
from tests.adapters.discord.rest_standin import BOT_ID
from tests.adapters.discord.voice.packets import Sender, new_secret_key

# Voice websocket opcodes (Discord voice gateway v8).
OP_IDENTIFY = 0
OP_SELECT_PROTOCOL = 1
OP_READY = 2
OP_SESSION_DESCRIPTION = 4
OP_SPEAKING = 5
OP_DAVE_EXTERNAL_SENDER = 25
OP_DAVE_KEY_PACKAGE = 26
OP_DAVE_WELCOME = 30
IP_DISCOVERY_RESPONSE = 2
MODE = "aead_xchacha20_poly1305_rtpsize"


class GatewayStandIn:
    """The main gateway, as far as joining a voice channel goes.

    `answer` False leaves every join request unanswered, as when Discord's
    voice servers stay unreachable.
    """

    # `Client.close` closes the gateway websocket only when it is open.
    open = False

    def __init__(self, harness: Harness, endpoint: str, *, answer: bool = True) -> None:
        self.harness = harness
        self.endpoint = endpoint
        self.answer = answer
        self.requests: list[int | None] = []

    async def voice_state(
        self,
        guild_id: int,
        channel_id: int | None,
        self_mute: bool = False,
        self_deaf: bool = False,
    ) -> None:
        self.requests.append(channel_id)
        if self.answer:
            # The gateway answers after the request returns, as over a real socket.
            asyncio.get_running_loop().call_soon(self._announce, channel_id)

    def _announce(self, channel_id: int | None) -> None:
        state = self.harness.state
        update = voice_state(BOT_ID, channel_id)
        update["session_id"] = "session-after-reconnect"
        state.parse_voice_state_update(update)
        if channel_id is not None:
            server = {"token": "voice-token", "guild_id": str(GUILD_ID), "endpoint": self.endpoint}
            state.parse_voice_server_update(server)


class VoiceSocketTransport:
    """The aiohttp WebSocket that `DiscordVoiceWebSocket` reads and writes, in memory."""

    def __init__(self, server: VoiceServerStandIn) -> None:
        self.server = server
        self.incoming: asyncio.Queue[aiohttp.WSMessage] = asyncio.Queue()
        self.closed = False

    async def receive(self) -> aiohttp.WSMessage:
        return await self.incoming.get()

    async def send_str(self, data: str) -> None:
        await self.server.on_json(self, json.loads(data))

    async def send_bytes(self, data: bytes) -> None:
        await self.server.on_binary(self, data)

    async def close(self, *, code: int = 1000) -> None:
        self.closed = True

    def push_json(self, message: dict[str, Any]) -> None:
        self.incoming.put_nowait(
            aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, json.dumps(message), "")
        )

    def push_binary(self, sequence: int, op: int, payload: bytes) -> None:
        frame = struct.pack(">HB", sequence, op) + payload
        self.incoming.put_nowait(aiohttp.WSMessage(aiohttp.WSMsgType.BINARY, frame, ""))


class VoiceServerStandIn:
    """A voice server that gives the bot a new session and a new DAVE group.

    Once the bot's key package arrives, the candidate's fresh DAVE session
    creates the group and welcomes the bot, and `candidate` sends RTP packets
    encrypted for that group on a new SSRC.
    """

    def __init__(self, candidate_ssrc: int) -> None:
        self.candidate_ssrc = candidate_ssrc
        self.secret_key = new_secret_key()
        self.external_sender = ExternalSender()
        self.candidate_session = davey.DaveSession(
            davey.DAVE_PROTOCOL_VERSION, CANDIDATE_ID, VOICE_CHANNEL_ID
        )
        self.candidate = Sender(candidate_ssrc, self.secret_key, self.candidate_session)
        self.identified = 0
        self.welcomed = asyncio.Event()
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind(("127.0.0.1", 0))
        self._udp.setblocking(False)
        self._bot_address: tuple[str, int] | None = None
        self._sequence = 0

    @property
    def port(self) -> int:
        return int(self._udp.getsockname()[1])

    def close(self) -> None:
        self._udp.close()

    async def ws_connect(self, url: str, **_: Any) -> VoiceSocketTransport:
        """Stand in for `HTTPClient.ws_connect`: the bot's voice websocket."""
        return VoiceSocketTransport(self)

    def send_rtp(self, packet: bytes) -> None:
        assert self._bot_address is not None, "IP discovery has not happened"
        self._udp.sendto(packet, self._bot_address)

    async def on_json(self, transport: VoiceSocketTransport, message: dict[str, Any]) -> None:
        op = message["op"]
        if op == OP_IDENTIFY:
            self.identified += 1
            ready = {"ssrc": 0x7777, "ip": "127.0.0.1", "port": self.port, "modes": [MODE]}
            transport.push_json({"op": OP_READY, "d": ready})
            asyncio.get_running_loop().create_task(self._answer_ip_discovery())
        elif op == OP_SELECT_PROTOCOL:
            description = {
                "mode": MODE,
                "secret_key": list(self.secret_key),
                "dave_protocol_version": davey.DAVE_PROTOCOL_VERSION,
            }
            transport.push_json({"op": OP_SESSION_DESCRIPTION, "d": description})

    async def on_binary(self, transport: VoiceSocketTransport, data: bytes) -> None:
        if data[0] != OP_DAVE_KEY_PACKAGE:
            return
        self.candidate_session.set_external_sender(self.external_sender.package())
        proposal = self.external_sender.add_proposal(VOICE_CHANNEL_ID, 0, data[1:])
        result = self.candidate_session.process_proposals(
            davey.ProposalsOperationType.append,
            self.external_sender.proposals([proposal]),
            [CANDIDATE_ID, BOT_ID],
        )
        assert result is not None and result.welcome is not None
        self.candidate_session.process_commit(result.commit)
        transport.push_binary(
            self._next(), OP_DAVE_EXTERNAL_SENDER, self.external_sender.package()
        )
        # Transition id 0: the welcome takes effect at once.
        transport.push_binary(self._next(), OP_DAVE_WELCOME, b"\x00\x00" + result.welcome)
        speaking = {"user_id": str(CANDIDATE_ID), "ssrc": self.candidate_ssrc, "speaking": 1}
        transport.push_json({"op": OP_SPEAKING, "d": speaking})
        self.welcomed.set()

    async def _answer_ip_discovery(self) -> None:
        loop = asyncio.get_running_loop()
        request, address = await loop.sock_recvfrom(self._udp, 74)
        ssrc = struct.unpack_from(">I", request, 4)[0]
        self._bot_address = address
        host, port = address
        response = (
            struct.pack(">HHI", IP_DISCOVERY_RESPONSE, 70, ssrc)
            + host.encode().ljust(64, b"\x00")
            + struct.pack(">H", port)
        )
        await loop.sock_sendto(self._udp, response, address)

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence
