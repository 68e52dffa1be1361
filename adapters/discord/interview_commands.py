"""`/interview start`, `/interview stop`, `/feedback` and `/history`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.feedback_embed import feedback_embed, rating_view
from adapters.discord.replies import reply, reply_error
from adapters.discord.texts import PLATFORM, locale_of, profile_of, say, text
from adapters.discord.voice_session import VoiceSession
from bot.errors import NoInterviewError, UserFacingError
from bot.interviewer.spec import INTERVIEW_TYPES, SENIORITIES, InterviewSpec, default_language

if TYPE_CHECKING:
    from adapters.discord.app import NaromeetBot

logger = logging.getLogger(__name__)

TYPE_CHOICES = [
    app_commands.Choice(name=text(f"discord_choice_{t}"), value=t) for t in INTERVIEW_TYPES
]
SENIORITY_CHOICES = [
    app_commands.Choice(name=text(f"discord_choice_{s}"), value=s) for s in SENIORITIES
]
LANGUAGE_CHOICES = [
    app_commands.Choice(name=text(f"discord_choice_{code}"), value=code) for code in ("en", "fr")
]


def build_interview_group(bot: NaromeetBot) -> app_commands.Group:
    group = app_commands.Group(
        name="interview", description=text("discord_cmd_interview"), guild_only=True
    )

    @group.command(name="start", description=text("discord_cmd_interview_start"))
    @app_commands.rename(
        type=text("discord_opt_type"),
        role=text("discord_opt_role"),
        seniority=text("discord_opt_seniority"),
        language=text("discord_opt_language"),
        length=text("discord_opt_length"),
        public_feedback=text("discord_opt_public_feedback"),
    )
    @app_commands.describe(
        type=text("discord_opt_type_desc"),
        role=text("discord_opt_role_desc"),
        seniority=text("discord_opt_seniority_desc"),
        language=text("discord_opt_language_desc"),
        length=text("discord_opt_length_desc"),
        public_feedback=text("discord_opt_public_feedback_desc"),
    )
    @app_commands.choices(
        type=TYPE_CHOICES, seniority=SENIORITY_CHOICES, language=LANGUAGE_CHOICES
    )
    async def start(
        interaction: discord.Interaction,
        role: app_commands.Range[str, 1, 100],
        type: str = "behavioural",
        seniority: str = "mid",
        language: str | None = None,
        length: app_commands.Range[int, 5, 45] = 15,
        public_feedback: bool = False,
    ) -> None:
        spec_values = {
            "type": type,
            "role": role,
            "seniority": seniority,
            "length_minutes": length,
        }
        await start_interview(bot, interaction, spec_values, language, public_feedback)

    @group.command(name="stop", description=text("discord_cmd_interview_stop"))
    async def stop(interaction: discord.Interaction) -> None:
        locale = await locale_of(bot.core, interaction)
        session = bot.voice_sessions.of_user(interaction.user.id)
        if session is None:
            await reply(interaction, say(locale, "no_interview_running"))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        session.reply = interaction.followup.send
        await session.end("stopped")

    return group


async def start_interview(
    bot: NaromeetBot,
    interaction: discord.Interaction,
    spec_values: dict[str, object],
    language: str | None,
    public_feedback: bool,
) -> None:
    """Join the caller's voice channel and start the live interview there."""
    core = bot.core
    locale = await locale_of(core, interaction)
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        await reply(interaction, say(locale, "discord_guild_only"))
        return
    channel = member.voice.channel if member.voice is not None else None
    if channel is None:
        await reply(interaction, say(locale, "discord_not_in_voice"))
        return
    server = await core.servers.get(PLATFORM, str(interaction.guild.id))
    if not server.allows(str(channel.id), [str(role.id) for role in member.roles]):
        await reply(interaction, say(locale, "discord_not_allowed"))
        return
    if core.live.in_channel(str(channel.id)) is not None:
        await reply(interaction, say(locale, "interview_channel_busy"))
        return
    if core.nights.holds_channel(str(channel.id)):
        await reply(interaction, say(locale, "night_channel_in_use"))
        return
    if server.max_interview_minutes is not None:
        length = min(int(str(spec_values["length_minutes"])), server.max_interview_minutes)
        spec_values["length_minutes"] = max(5, length)
    spec_values["language"] = language or server.default_language or default_language(locale)
    spec = InterviewSpec.model_validate(spec_values)
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        voice = await bot.connect_voice(channel)
    except Exception as error:
        logger.warning("Joining voice channel %s failed: %r", channel.id, error)
        await reply(interaction, say(locale, "discord_voice_join_failed"))
        return
    public_channel = interaction.channel if public_feedback else None
    session = VoiceSession(
        core,
        bot,
        voice,
        member,
        locale,
        interaction.followup.send,
        public_channel,  # type: ignore[arg-type]
    )
    await run_session(bot, interaction, session, spec, str(channel.id), channel.mention)


async def run_session(
    bot: NaromeetBot,
    interaction: discord.Interaction,
    session: VoiceSession,
    spec: InterviewSpec,
    channel_id: str,
    channel_mention: str,
) -> None:
    """Start playback and the core's live interview for an already connected voice client."""
    core = bot.core
    guild_id = str(interaction.guild_id) if interaction.guild_id is not None else None
    session.start_playback()
    try:
        live = await core.live.start(profile_of(interaction), spec, guild_id, channel_id, session)
    except Exception as error:
        session.source.close()
        await reply_error(interaction, session.locale, error)
        await session.voice.disconnect(force=True)
        return
    bot.voice_sessions.add(session)
    session.attach(live)
    await reply(
        interaction, say(session.locale, "discord_interview_started", channel=channel_mention)
    )


def build_feedback_command(bot: NaromeetBot) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(name="feedback", description=text("discord_cmd_feedback"))
    async def feedback(interaction: discord.Interaction) -> None:
        locale = await locale_of(bot.core, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        user_id = str(interaction.user.id)
        try:
            session_id = await bot.core.accounts.last_ended_session(PLATFORM, user_id)
            result = None if session_id is None else await bot.core.turns.feedback_for(session_id)
        except UserFacingError as error:
            await reply_error(interaction, locale, error)
            return
        if session_id is None or result is None:
            await reply(interaction, say(locale, "no_feedback"))
            return
        history = await bot.core.accounts.history(PLATFORM, user_id, limit=1)
        role = history[0].role if history else ""
        embed = feedback_embed(result, role, locale)
        await reply(
            interaction,
            say(locale, "discord_feedback_rate"),
            embed=embed,
            view=rating_view(session_id),
        )

    return feedback


def build_history_command(bot: NaromeetBot) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(name="history", description=text("discord_cmd_history"))
    async def history(interaction: discord.Interaction) -> None:
        locale = await locale_of(bot.core, interaction)
        summaries = await bot.core.accounts.history(PLATFORM, str(interaction.user.id), limit=10)
        if not summaries:
            await reply(interaction, say(locale, "no_history"))
            return
        none = say(locale, "discord_none")
        lines = [
            say(
                locale,
                "discord_history_line",
                date=discord.utils.format_dt(item.started_at, "f"),
                type=say(locale, f"discord_choice_{item.interview_type}"),
                role=discord.utils.escape_markdown(item.role),
                score=item.overall_score if item.overall_score is not None else none,
                rating=item.rating if item.rating is not None else none,
            )
            for item in summaries
        ]
        title = say(locale, "discord_history_title")
        await reply(interaction, embed=discord.Embed(title=title, description="\n".join(lines)))

    return history


__all__ = [
    "NoInterviewError",
    "build_feedback_command",
    "build_history_command",
    "build_interview_group",
]
