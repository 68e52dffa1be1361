"""A Discord bot under test: the real core and client, gateway payloads, a voice rig.

Gateway events are fed to discord.py's `ConnectionState` parsers as the gateway
would send them; REST calls go to `DiscordRestStandIn`; voice packets go
through the real receive path. The voice UDP socket has no stand-in, so the
voice client is built with its connection state filled in as after the voice
handshake, and its audio player is not started: tests read the interviewer
source's frames as the player thread would.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest_asyncio
from discord.gateway import DiscordVoiceWebSocket
from discord.voice_state import ConnectionFlowState
from pydantic import SecretStr

from adapters.discord.app import NaromeetBot
from adapters.discord.voice import ReceivingVoiceClient
from bot.core import Core, build_core
from config.settings import Settings
from storage.sqlite import SqliteStore
from tests.adapters.discord.dave_fixtures import DaveGroup
from tests.adapters.discord.rest_standin import APPLICATION_ID, BOT_ID, DiscordRestStandIn
from tests.adapters.discord.rest_standin import user_payload as user_payload
from tests.adapters.discord.voice.packets import Sender, new_secret_key
from tests.standins.gemini_live import GeminiLiveStandIn

GUILD_ID = 1_180_000_000_000_000_007
VOICE_CHANNEL_ID = 1_180_000_000_000_000_042
TEXT_CHANNEL_ID = 1_180_000_000_000_000_043
CANDIDATE_ID = 2002
SPECTATOR_ID = 3003
CANDIDATE_SSRC = 0x1111
SPECTATOR_SSRC = 0x2222
HOST_ROLE_ID = 1_180_000_000_000_000_077
ALL_PERMISSIONS = str((1 << 50) - 1)
# Send Messages and Use Application Commands only: no Manage Server, no Manage Events.
MEMBER_PERMISSIONS = str((1 << 11) | (1 << 31))
_ids = itertools.count(1_300_000_000_000_000_000)


def voice_state(user_id: int, channel_id: int | None) -> dict[str, Any]:
    return {
        "guild_id": str(GUILD_ID),
        "user_id": str(user_id),
        "channel_id": None if channel_id is None else str(channel_id),
        "session_id": f"session-{user_id}",
        "deaf": False,
        "mute": False,
        "self_deaf": False,
        "self_mute": False,
        "self_video": False,
        "suppress": False,
        "request_to_speak_timestamp": None,
        "member": member_payload(user_id),
    }


def member_payload(
    user_id: int, *, roles: list[int] | None = None, permissions: str = ALL_PERMISSIONS
) -> dict[str, Any]:
    return {
        "user": user_payload(user_id, f"user{user_id}"),
        "roles": [str(role) for role in roles or ()],
        "joined_at": "2026-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": permissions,
    }


def guild_payload() -> dict[str, Any]:
    channel = {"guild_id": str(GUILD_ID), "position": 0, "permission_overwrites": []}
    return {
        "id": str(GUILD_ID),
        "name": "Mock interviews",
        "owner_id": str(SPECTATOR_ID),
        "roles": [
            {
                "id": str(GUILD_ID),
                "name": "@everyone",
                "permissions": ALL_PERMISSIONS,
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            },
            {
                "id": str(HOST_ROLE_ID),
                "name": "Night hosts",
                "permissions": "0",
                "position": 1,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            },
        ],
        "channels": [
            {
                **channel,
                "id": str(VOICE_CHANNEL_ID),
                "type": 2,
                "name": "Interview room",
                "bitrate": 64000,
                "user_limit": 0,
                "rtc_region": None,
            },
            {**channel, "id": str(TEXT_CHANNEL_ID), "type": 0, "name": "general"},
        ],
        "members": [member_payload(CANDIDATE_ID), member_payload(SPECTATOR_ID)],
        "voice_states": [
            voice_state(CANDIDATE_ID, VOICE_CHANNEL_ID),
            voice_state(SPECTATOR_ID, VOICE_CHANNEL_ID),
        ],
        "member_count": 3,
        "features": [],
        "emojis": [],
        "stickers": [],
        "preferred_locale": "en-US",
    }


def command_payload(
    name: str,
    options: list[dict[str, Any]] | None = None,
    *,
    user_id: int = CANDIDATE_ID,
    locale: str = "en-US",
    roles: list[int] | None = None,
    permissions: str = ALL_PERMISSIONS,
    resolved: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload for an application command in the text channel.

    `permissions` sets both the member's and the interaction's permissions;
    `resolved` carries the users, roles or channels named in `options`.
    """
    data: dict[str, Any] = {
        "id": str(next(_ids)),
        "name": name,
        "type": 1,
        "options": options or [],
    }
    if resolved is not None:
        data["resolved"] = resolved
    payload = _interaction(2, data, user_id, locale)
    payload["member"] = member_payload(user_id, roles=roles, permissions=permissions)
    return payload


def button_payload(custom_id: str, *, user_id: int = CANDIDATE_ID) -> dict[str, Any]:
    """An INTERACTION_CREATE payload for a button click."""
    payload = _interaction(3, {"custom_id": custom_id, "component_type": 2}, user_id, "en-US")
    payload["message"] = {
        "id": str(next(_ids)),
        "channel_id": str(TEXT_CHANNEL_ID),
        "type": 0,
        "content": "",
        "author": user_payload(BOT_ID, "naromeet", bot=True),
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "timestamp": "2026-01-01T00:00:00+00:00",
        "edited_timestamp": None,
        "flags": 64,
        "components": [],
    }
    return payload


def _interaction(kind: int, data: dict[str, Any], user_id: int, locale: str) -> dict[str, Any]:
    return {
        "id": str(next(_ids)),
        "application_id": str(APPLICATION_ID),
        "type": kind,
        "data": data,
        "guild_id": str(GUILD_ID),
        "channel_id": str(TEXT_CHANNEL_ID),
        "channel": {
            "id": str(TEXT_CHANNEL_ID),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
        },
        "member": member_payload(user_id),
        "token": f"token-{next(_ids)}",
        "version": 1,
        "locale": locale,
        "guild_locale": "en-US",
        "app_permissions": ALL_PERMISSIONS,
        "entitlements": [],
        "authorizing_integration_owners": {},
        "context": 0,
        "attachment_size_limit": 8_388_608,
    }


@dataclass
class VoiceRig:
    """A receiving voice client in the guild's voice channel, and the people who speak."""

    voice: ReceivingVoiceClient
    ws: DiscordVoiceWebSocket
    group: DaveGroup
    candidate: Sender
    spectator: Sender
    played: list[discord.AudioSource] = field(default_factory=list)

    def deliver(self, packet: bytes) -> None:
        for callback in list(self.voice._connection._socket_reader._callbacks):
            callback(packet)

    async def speaking(self, user_id: int, ssrc: int) -> None:
        await self.ws.received_message(
            {"op": 5, "d": {"user_id": str(user_id), "ssrc": ssrc, "speaking": 1}}
        )


@dataclass
class Harness:
    bot: NaromeetBot
    core: Core
    rest: DiscordRestStandIn
    store: SqliteStore

    @property
    def state(self) -> Any:
        return self.bot._connection

    def dispatch(self, payload: dict[str, Any]) -> None:
        self.state.parse_interaction_create(payload)

    async def settle(self) -> None:
        for _ in range(10):
            await asyncio.sleep(0)

    async def steady(self, measure: Callable[[], int]) -> int:
        """Wait until `measure()` stops changing over a few short real sleeps; return it.

        Audio crosses a thread, a queue and a loopback socket, so a count is only
        final once it has held still for a while.
        """
        value, unchanged = measure(), 0
        for _ in range(200):
            await asyncio.sleep(0.02)
            current = measure()
            unchanged = unchanged + 1 if current == value else 0
            value = current
            if unchanged >= 5:
                return value
        raise AssertionError("the measured value never settled")

    def voice_rig(self) -> VoiceRig:
        """Build a connected receiving voice client and make `connect_voice` return it."""
        guild = self.bot.get_guild(GUILD_ID)
        assert guild is not None
        channel = guild.get_channel(VOICE_CHANNEL_ID)
        voice = ReceivingVoiceClient(self.bot, channel)  # type: ignore[arg-type]
        state = voice._connection
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        udp.setblocking(False)
        state.socket = udp
        state._socket_reader.resume()
        key = new_secret_key()
        state.secret_key = list(key)
        state.mode = "aead_xchacha20_poly1305_rtpsize"
        group = DaveGroup(VOICE_CHANNEL_ID, [BOT_ID, CANDIDATE_ID, SPECTATOR_ID])
        state.dave_protocol_version = 1
        state.dave_session = group.sessions[BOT_ID]
        ws = DiscordVoiceWebSocket(None, asyncio.get_running_loop(), hook=state.hook)  # type: ignore[arg-type]
        ws._connection = state
        state.ws = ws
        state.state = ConnectionFlowState.connected
        # No gateway confirms a disconnection here, so do not wait long for it.
        state.timeout = 0.1
        voice.start_receiving()
        self.state._add_voice_client(GUILD_ID, voice)
        rig = VoiceRig(
            voice,
            ws,
            group,
            Sender(CANDIDATE_SSRC, key, group.sessions[CANDIDATE_ID]),
            Sender(SPECTATOR_SSRC, key, group.sessions[SPECTATOR_ID]),
        )
        # The audio player would send Opus to the voice server; the test reads the source.
        voice.play = rig.played.append  # type: ignore[method-assign,assignment]

        async def connect(_channel: Any) -> ReceivingVoiceClient:
            return voice

        self.bot.connect_voice = connect  # type: ignore[method-assign]
        return rig


def harness_settings(gemini_live: GeminiLiveStandIn) -> Settings:
    return Settings(
        gemini_api_key=SecretStr("test-key"),
        gemini_base_url=gemini_live.base_url,
        gemini_live_model="live-model",
        gemini_setup_timeout_seconds=10.0,
        gemini_reconnect_budget_seconds=5.0,
        gemini_max_reconnect_attempts=1,
        discord_leave_grace_seconds=0.2,
    )


@pytest_asyncio.fixture
async def harness(gemini_live: GeminiLiveStandIn, tmp_path: Any) -> AsyncIterator[Harness]:
    rest = DiscordRestStandIn()
    await rest.start()
    store = SqliteStore(tmp_path / "naromeet.sqlite3")
    await store.connect()
    await store.migrate()
    core = build_core(
        harness_settings(gemini_live), store, ssl_context=gemini_live.client_ssl_context
    )
    base = discord.http.Route.BASE
    discord.http.Route.BASE = rest.base_url
    bot = NaromeetBot(core, sync_commands=False)
    try:
        await bot.login("test-token")
        bot._connection._add_guild_from_data(guild_payload())
        yield Harness(bot, core, rest, store)
    finally:
        for live in core.live.sessions:
            await core.live.stop(live, "test_end")
        for voice in list(bot.voice_clients):
            voice._connection._socket_reader.stop()  # type: ignore[attr-defined]
            if voice._connection.socket:  # type: ignore[attr-defined]
                voice._connection.socket.close()  # type: ignore[attr-defined]
        await bot.close()
        discord.http.Route.BASE = base
        await store.close()
        await rest.stop()
