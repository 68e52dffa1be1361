"""Discord scheduled events that mirror mock-interview nights.

A night's event lives in its voice channel and starts at the night's start
time. The core moves it along with the night: "active" when the night starts,
"completed" when it ends, "canceled" when it ends before it started. Discord
only allows the moves scheduled to active or canceled, and active to completed,
so each request is translated from the event's current status.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import EntityType, EventStatus, PrivacyLevel

from adapters.discord.texts import PLATFORM, say
from bot.nights_model import (
    NewNight,
    NightEvent,
    ScheduledEventError,
    ScheduledEventForbiddenError,
    ScheduledEventNotFoundError,
    ScheduledEventUncheckedError,
)

if TYPE_CHECKING:
    from adapters.discord.app import NaromeetBot

logger = logging.getLogger(__name__)

# Discord's limits on a scheduled event's name and description, in characters.
MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 1000
_OVER = (EventStatus.completed, EventStatus.canceled)


class NightScheduledEvents:
    """Create, check and update the scheduled events of one bot's nights."""

    def __init__(self, bot: NaromeetBot) -> None:
        self.bot = bot

    async def create(self, night: NewNight) -> str:
        """Create a guild-only event in the night's voice channel and return its id.

        Raises ScheduledEventForbiddenError when Discord returns 403 (the bot
        lacks Manage Events), and ScheduledEventError for any other rejection.
        """
        guild = self.bot.get_guild(int(night.server_id))
        channel = guild.get_channel(int(night.voice_channel_id)) if guild else None
        if guild is None or not isinstance(channel, discord.VoiceChannel):
            raise ScheduledEventError(f"voice channel {night.voice_channel_id} not found")
        language = await self._server_language(guild)
        kind = say(language, f"type_{night.interview_type}")
        name = say(language, "night_event_name", role=night.role)
        description = say(language, "night_event_description", type=kind, slot=night.slot_minutes)
        try:
            event = await guild.create_scheduled_event(
                name=name[:MAX_NAME_LENGTH],
                description=description[:MAX_DESCRIPTION_LENGTH],
                start_time=night.starts_at,
                entity_type=EntityType.voice,
                privacy_level=PrivacyLevel.guild_only,
                channel=channel,
                reason="Mock-interview night",
            )
        except discord.Forbidden as error:
            raise ScheduledEventForbiddenError(f"HTTP {error.status}: {error.text}") from error
        except discord.HTTPException as error:
            raise ScheduledEventError(f"HTTP {error.status}: {error.text}") from error
        logger.info("Scheduled event %d created in guild %d", event.id, guild.id)
        return str(event.id)

    async def check(self, server_id: str, event_id: str) -> None:
        """Raise ScheduledEventNotFoundError unless `event_id` is an event of the guild."""
        guild = self.bot.get_guild(int(server_id))
        if guild is None:
            raise ScheduledEventUncheckedError(f"guild {server_id} not in the cache")
        if not event_id.strip().isdigit():
            raise ScheduledEventNotFoundError(event_id)
        try:
            event = await guild.fetch_scheduled_event(int(event_id), with_counts=False)
        except discord.NotFound as error:
            raise ScheduledEventNotFoundError(event_id) from error
        except discord.HTTPException as error:
            raise ScheduledEventUncheckedError(f"HTTP {error.status}: {error.text}") from error
        if event.guild_id != guild.id:
            raise ScheduledEventNotFoundError(f"{event_id} belongs to guild {event.guild_id}")

    async def set_status(self, night: NightEvent, status: str) -> None:
        """Move the night's event towards `status`; an event already over stays as it is.

        Raises discord.HTTPException when Discord rejects a request.
        """
        guild = self.bot.get_guild(int(night.server_id))
        if guild is None or night.scheduled_event_id is None:
            raise LookupError(f"guild {night.server_id} or the night's event is unknown")
        event = await guild.fetch_scheduled_event(int(night.scheduled_event_id), with_counts=False)
        if event.status in _OVER:
            logger.info("Night %d: scheduled event %d is already over", night.id, event.id)
            return
        reason = f"Mock-interview night {night.id}"
        if status == "active":
            if event.status is EventStatus.scheduled:
                await event.start(reason=reason)
        elif status == "canceled" and event.status is EventStatus.scheduled:
            await event.cancel(reason=reason)
        else:
            # Completing (or canceling once active) goes through active, the only way to end.
            if event.status is EventStatus.scheduled:
                event = await event.start(reason=reason)
            await event.end(reason=reason)

    async def _server_language(self, guild: discord.Guild) -> str:
        """The server's default language set with /setup, else its Discord locale."""
        try:
            settings = await self.bot.core.servers.get(PLATFORM, str(guild.id))
        except Exception:
            logger.warning("Server settings of guild %d unavailable", guild.id, exc_info=True)
            return str(guild.preferred_locale)
        return settings.default_language or str(guild.preferred_locale)
