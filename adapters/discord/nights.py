"""`/night`: mock-interview nights. Hosts create, start, skip, pause and end; candidates
join, leave and see the queue. Every reply is private; the night's calls and
shared feedback go to the text channel where the night was created.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from adapters.discord.interview_commands import TYPE_CHOICES
from adapters.discord.replies import reply
from adapters.discord.texts import PLATFORM, locale_of, profile_of, say, text
from bot.nights_model import Member, NewNight, NightEvent

if TYPE_CHECKING:
    from adapters.discord.app import NaromeetBot

logger = logging.getLogger(__name__)

START_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%H:%M")


def parse_start_time(value: str, now: dt.datetime) -> dt.datetime | None:
    """Read "YYYY-MM-DD HH:MM" or "HH:MM" (today) as UTC; None when invalid."""
    cleaned = value.strip()
    for pattern in START_TIME_FORMATS:
        try:
            parsed = dt.datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
        if pattern == "%H:%M":
            parsed = now.replace(hour=parsed.hour, minute=parsed.minute, second=0, microsecond=0)
            return parsed
        return parsed.replace(tzinfo=dt.UTC)
    return None


def member_of(interaction: discord.Interaction) -> Member:
    """Return the caller with their hosting rights: Manage Events, and their roles."""
    user = interaction.user
    roles = tuple(str(role.id) for role in user.roles) if isinstance(user, discord.Member) else ()
    return Member(
        profile_of(interaction),
        can_manage_events=interaction.permissions.manage_events,
        role_ids=roles,
    )


async def _server_night(bot: NaromeetBot, interaction: discord.Interaction) -> NightEvent:
    return await bot.core.nights.open_night(PLATFORM, str(interaction.guild_id))


def build_night_group(bot: NaromeetBot) -> app_commands.Group:
    group = app_commands.Group(
        name="night", description=text("discord_cmd_night"), guild_only=True
    )

    @group.command(name="create", description=text("discord_cmd_night_create"))
    @app_commands.rename(
        voice_channel=text("discord_opt_voice_channel"),
        start_time=text("discord_opt_start_time"),
        role=text("discord_opt_role"),
        type=text("discord_opt_type"),
        slot_minutes=text("discord_opt_slot_minutes"),
        max_candidates=text("discord_opt_max_candidates"),
        create_event=text("discord_opt_create_event"),
        scheduled_event=text("discord_opt_scheduled_event"),
    )
    @app_commands.describe(
        voice_channel=text("discord_opt_voice_channel_desc"),
        start_time=text("discord_opt_start_time_desc"),
        role=text("discord_opt_role_desc"),
        type=text("discord_opt_type_desc"),
        slot_minutes=text("discord_opt_slot_minutes_desc"),
        max_candidates=text("discord_opt_max_candidates_desc"),
        create_event=text("discord_opt_create_event_desc"),
        scheduled_event=text("discord_opt_scheduled_event_desc"),
    )
    @app_commands.choices(type=TYPE_CHOICES)
    async def create(
        interaction: discord.Interaction,
        voice_channel: discord.VoiceChannel,
        start_time: str,
        role: app_commands.Range[str, 1, 100],
        type: str = "behavioural",
        slot_minutes: app_commands.Range[int, 5, 45] = 15,
        max_candidates: app_commands.Range[int, 1, 100] = 8,
        create_event: bool = False,
        scheduled_event: str | None = None,
    ) -> None:
        locale = await locale_of(bot.core, interaction)
        starts_at = parse_start_time(start_time, dt.datetime.now(dt.UTC))
        if starts_at is None:
            await reply(interaction, say(locale, "night_invalid_start_time", value=start_time))
            return
        if create_event or scheduled_event:
            # Creating or fetching the event may outlast the 3 s Discord allows for a response.
            await interaction.response.defer(ephemeral=True, thinking=True)
        draft = NewNight(
            platform=PLATFORM,
            server_id=str(interaction.guild_id),
            voice_channel_id=str(voice_channel.id),
            text_channel_id=str(interaction.channel_id),
            host_user_id=0,  # the core sets the caller's id
            starts_at=starts_at,
            slot_minutes=slot_minutes,
            interview_type=type,
            role=role,
            max_candidates=max_candidates,
            scheduled_event_id=scheduled_event.strip() if scheduled_event else None,
        )
        created = await bot.core.nights.create(
            member_of(interaction), draft, new_event=create_event
        )
        night = created.night
        message = say(
            locale,
            "night_created",
            night_id=night.id,
            channel=voice_channel.mention,
            time=discord.utils.format_dt(night.starts_at, "f"),
            slot=night.slot_minutes,
        )
        if created.event_error is not None:
            message += "\n" + say(locale, created.event_error.message_key)
        elif night.scheduled_event_id is not None:
            message += "\n" + say(locale, "night_event_linked")
        await reply(interaction, message)

    @group.command(name="join", description=text("discord_cmd_night_join"))
    @app_commands.rename(share_score=text("discord_opt_share_score"))
    @app_commands.describe(share_score=text("discord_opt_share_score_desc"))
    async def join(interaction: discord.Interaction, share_score: bool = False) -> None:
        locale = await locale_of(bot.core, interaction)
        night = await _server_night(bot, interaction)
        place = await bot.core.nights.join(night.id, profile_of(interaction), share_score)
        await reply(interaction, say(locale, "night_joined", place=place))

    @group.command(name="leave", description=text("discord_cmd_night_leave"))
    async def leave(interaction: discord.Interaction) -> None:
        locale = await locale_of(bot.core, interaction)
        night = await _server_night(bot, interaction)
        await bot.core.nights.leave(night.id, profile_of(interaction))
        await reply(interaction, say(locale, "night_left"))

    @group.command(name="queue", description=text("discord_cmd_night_queue"))
    async def queue(interaction: discord.Interaction) -> None:
        locale = await locale_of(bot.core, interaction)
        night = await _server_night(bot, interaction)
        entries = await bot.core.nights.queue(night.id)
        users = await bot.core.nights.queue_users(entries)
        lines = [
            say(
                locale,
                "night_queue_line",
                place=place,
                user=f"<@{users[entry.user_id]}>" if entry.user_id in users else "-",
                status=say(locale, f"night_status_{entry.status}"),
            )
            for place, entry in enumerate(entries, start=1)
        ]
        title = say(locale, "night_queue_title", night_id=night.id)
        description = "\n".join(lines) or say(locale, "night_queue_empty")
        await reply(interaction, embed=discord.Embed(title=title, description=description))

    _add_host_commands(bot, group)
    return group


def _add_host_commands(bot: NaromeetBot, group: app_commands.Group) -> None:
    @group.command(name="start", description=text("discord_cmd_night_start"))
    async def start(interaction: discord.Interaction) -> None:
        night = await _server_night(bot, interaction)
        if night.scheduled_event_id is not None:
            # Starting the night also starts its scheduled event through Discord's API.
            await interaction.response.defer(ephemeral=True, thinking=True)
        await bot.core.nights.start(night.id, member_of(interaction))
        await reply(interaction, say(await locale_of(bot.core, interaction), "night_started"))

    @group.command(name="skip", description=text("discord_cmd_night_skip"))
    async def skip(interaction: discord.Interaction) -> None:
        night = await _server_night(bot, interaction)
        await bot.core.nights.skip(night.id, member_of(interaction))
        await reply(interaction, say(await locale_of(bot.core, interaction), "night_skipped"))

    @group.command(name="pause", description=text("discord_cmd_night_pause"))
    async def pause(interaction: discord.Interaction) -> None:
        night = await _server_night(bot, interaction)
        await bot.core.nights.pause(night.id, member_of(interaction))
        await reply(interaction, say(await locale_of(bot.core, interaction), "night_paused"))

    @group.command(name="end", description=text("discord_cmd_night_end"))
    async def end(interaction: discord.Interaction) -> None:
        locale = await locale_of(bot.core, interaction)
        night = await _server_night(bot, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await bot.core.nights.end(night.id, member_of(interaction))
        await reply(interaction, say(locale, "night_ended"))


__all__ = ["build_night_group", "member_of", "parse_start_time"]
