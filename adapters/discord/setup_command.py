"""`/setup`: where and by whom interviews may run on a server, for Manage Server members."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.replies import reply
from adapters.discord.texts import PLATFORM, locale_of, say, text
from bot.live_sessions_servers import ServerSettings
from bot.nights import HOST_ROLES_SETTING

if TYPE_CHECKING:
    from adapters.discord.app import NaromeetBot


def build_setup_command(bot: NaromeetBot) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(name="setup", description=text("discord_cmd_setup"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.rename(
        allowed_channel=text("discord_opt_allowed_channel"),
        allowed_role=text("discord_opt_allowed_role"),
        default_language=text("discord_opt_default_language"),
        max_minutes=text("discord_opt_max_minutes"),
        reset=text("discord_opt_reset"),
        night_host_role=text("discord_opt_night_host_role"),
    )
    @app_commands.describe(
        allowed_channel=text("discord_opt_allowed_channel_desc"),
        allowed_role=text("discord_opt_allowed_role_desc"),
        default_language=text("discord_opt_default_language_desc"),
        max_minutes=text("discord_opt_max_minutes_desc"),
        reset=text("discord_opt_reset_desc"),
        night_host_role=text("discord_opt_night_host_role_desc"),
    )
    @app_commands.choices(
        default_language=[
            app_commands.Choice(name=text(f"discord_choice_{code}"), value=code)
            for code in ("en", "fr")
        ]
    )
    async def setup(
        interaction: discord.Interaction,
        allowed_channel: discord.VoiceChannel | None = None,
        allowed_role: discord.Role | None = None,
        default_language: str | None = None,
        max_minutes: app_commands.Range[int, 5, 45] | None = None,
        reset: bool = False,
        night_host_role: discord.Role | None = None,
    ) -> None:
        locale = await locale_of(bot.core, interaction)
        permissions = interaction.permissions
        if interaction.guild_id is None or not permissions.manage_guild:
            await reply(interaction, say(locale, "discord_manage_server_required"))
            return
        server_id = str(interaction.guild_id)
        current = await bot.core.servers.get(PLATFORM, server_id)
        updated = _apply(
            current, reset, allowed_channel, allowed_role, default_language, max_minutes
        )
        updated = _add_host_role(updated, reset, night_host_role)
        await bot.core.servers.save(PLATFORM, server_id, updated)
        await reply(interaction, _summary(locale, updated))

    return setup


def _apply(
    current: ServerSettings,
    reset: bool,
    channel: discord.VoiceChannel | None,
    role: discord.Role | None,
    language: str | None,
    max_minutes: int | None,
) -> ServerSettings:
    channels = () if reset else current.allowed_channel_ids
    roles = () if reset else current.allowed_role_ids
    if channel is not None and str(channel.id) not in channels:
        channels = (*channels, str(channel.id))
    if role is not None and str(role.id) not in roles:
        roles = (*roles, str(role.id))
    return dataclasses.replace(
        current,
        allowed_channel_ids=channels,
        allowed_role_ids=roles,
        default_language=language or current.default_language,
        max_interview_minutes=max_minutes or current.max_interview_minutes,
    )


def _add_host_role(
    settings: ServerSettings, reset: bool, role: discord.Role | None
) -> ServerSettings:
    """Add `role` to the roles that may host nights; `reset` clears them first."""
    host_roles = [] if reset else [str(r) for r in settings.extra.get(HOST_ROLES_SETTING) or ()]
    if role is not None and str(role.id) not in host_roles:
        host_roles.append(str(role.id))
    return dataclasses.replace(settings, extra={**settings.extra, HOST_ROLES_SETTING: host_roles})


def _summary(locale: str, settings: ServerSettings) -> str:
    any_value = say(locale, "discord_setup_any")
    host_roles = settings.extra.get(HOST_ROLES_SETTING) or ()
    return say(
        locale,
        "discord_setup_saved",
        channels=", ".join(f"<#{c}>" for c in settings.allowed_channel_ids) or any_value,
        roles=", ".join(f"<@&{r}>" for r in settings.allowed_role_ids) or any_value,
        language=settings.default_language or any_value,
        minutes=settings.max_interview_minutes or 45,
        host_roles=", ".join(f"<@&{r}>" for r in host_roles) or any_value,
    )
