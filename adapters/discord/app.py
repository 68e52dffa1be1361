"""The Discord bot: application commands, buttons, voice sessions and `serve`.

Intents: guilds and voice states only (no privileged intent). The bot needs the
Connect and Speak permissions in the voice channels where interviews run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
from discord import app_commands

from adapters.discord.feedback_embed import parse_rating
from adapters.discord.interview_commands import (
    build_feedback_command,
    build_history_command,
    build_interview_group,
)
from adapters.discord.nights import build_night_group
from adapters.discord.nights_platform import DiscordNightPlatform
from adapters.discord.privacy_commands import build_privacy_commands, handle_privacy_component
from adapters.discord.replies import reply, reply_error
from adapters.discord.setup_command import build_setup_command
from adapters.discord.texts import PLATFORM, CatalogueTranslator, locale_of, say
from adapters.discord.voice import ReceivingVoiceClient
from adapters.discord.voice_session import VoiceSession
from bot.core import Core
from bot.errors import LimitedError

logger = logging.getLogger(__name__)

VOICE_CONNECT_TIMEOUT_SECONDS = 30.0


class VoiceSessions:
    """The bot's running voice sessions, by voice channel."""

    def __init__(self) -> None:
        self._by_channel: dict[int, VoiceSession] = {}

    def add(self, session: VoiceSession) -> None:
        ended = [key for key, old in self._by_channel.items() if old.closed.is_set()]
        for key in ended:
            del self._by_channel[key]
        self._by_channel[session.channel_id] = session

    def of_user(self, user_id: int) -> VoiceSession | None:
        for session in self._by_channel.values():
            if session.candidate.id == user_id and not session.closed.is_set():
                return session
        return None

    def in_channel(self, channel_id: int) -> VoiceSession | None:
        session = self._by_channel.get(channel_id)
        return session if session is not None and not session.closed.is_set() else None

    def all(self) -> list[VoiceSession]:
        return [s for s in self._by_channel.values() if not s.closed.is_set()]


class RateLimitedTree(app_commands.CommandTree):
    """A command tree that applies the per-user and per-server command limits."""

    client: NaromeetBot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        core = self.client.core
        server = str(interaction.guild_id) if interaction.guild_id is not None else None
        limited = await core.commands.check(f"{PLATFORM}:{interaction.user.id}", server)
        if limited is None:
            return True
        locale = await locale_of(core, interaction)
        await reply_error(interaction, locale, LimitedError(limited))
        return False

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        locale = await locale_of(self.client.core, interaction)
        await reply_error(interaction, locale, cause)


class NaromeetBot(discord.Client):
    """The Discord front end of the core."""

    def __init__(self, core: Core, *, sync_commands: bool = True) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.voice_states = True
        super().__init__(intents=intents)
        self.core = core
        self.sync_commands = sync_commands
        self.voice_sessions = VoiceSessions()
        self.tree = RateLimitedTree(self)
        self.tree.add_command(build_interview_group(self))
        self.tree.add_command(build_feedback_command(self))
        self.tree.add_command(build_history_command(self))
        for command in build_privacy_commands(self):
            self.tree.add_command(command)
        self.tree.add_command(build_setup_command(self))
        self.nights = DiscordNightPlatform(self)
        core.nights.attach(self.nights)
        self.tree.add_command(build_night_group(self))
        self._nights_resumed = False

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogueTranslator())
        if self.sync_commands:
            synced = await self.tree.sync()
            logger.info("Synced %d application commands", len(synced))

    async def connect_voice(
        self, channel: discord.VoiceChannel | discord.StageChannel
    ) -> ReceivingVoiceClient:
        """Join `channel` with the receiving voice client."""
        return await channel.connect(
            cls=ReceivingVoiceClient, timeout=VOICE_CONNECT_TIMEOUT_SECONDS, self_deaf=False
        )

    async def on_ready(self) -> None:
        logger.info(
            "Discord bot ready as user %s in %d servers",
            self.user and self.user.id,
            len(self.guilds),
        )
        if not self._nights_resumed:  # on_ready repeats after each reconnection
            self._nights_resumed = True
            await self.core.nights.resume_running_nights()

    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        for session in self.voice_sessions.all():
            session.on_voice_state(member, before, after)
        self.nights.on_voice_state(member, before, after)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, object] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        try:
            if await handle_privacy_component(self, interaction, custom_id):
                return
            rating = parse_rating(custom_id)
            if rating is not None:
                await self._rate(interaction, *rating)
        except Exception as error:
            await reply_error(interaction, None, error)

    async def _rate(self, interaction: discord.Interaction, session_id: int, rating: int) -> None:
        locale = await locale_of(self.core, interaction)
        saved = await self.core.accounts.rate(
            PLATFORM, str(interaction.user.id), session_id, rating
        )
        key = "discord_rating_saved" if saved else "discord_rating_not_yours"
        await reply(interaction, say(locale, key, rating=rating))

    async def end_sessions(self, reason: str) -> None:
        """End every voice session, each telling its candidate and posting feedback."""
        sessions = self.voice_sessions.all()
        await asyncio.gather(*(s.end(reason) for s in sessions), return_exceptions=True)
        logger.info("Ended %d voice session(s): %s", len(sessions), reason)


async def serve(core: Core, stop: asyncio.Event) -> None:
    """Run the bot until `stop` is set, then end live interviews cleanly and log out."""
    token = core.settings.discord_bot_token
    if token is None:
        raise RuntimeError("DISCORD_BOT_TOKEN is not set")
    bot = NaromeetBot(core)
    async with bot:
        runner = asyncio.create_task(bot.start(token.get_secret_value()), name="discord")
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({runner, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        await core.nights.stop()
        await bot.end_sessions("shutdown")
        await core.live.stop_all("shutdown")
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
