"""`/consent`, `/export`, `/delete`, `/privacy` and `/language`; every reply is private."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.replies import reply, reply_error
from adapters.discord.texts import PLATFORM, locale_of, profile_of, say, text

if TYPE_CHECKING:
    from adapters.discord.app import NaromeetBot

logger = logging.getLogger(__name__)

CONSENT_ACCEPT = "naromeet:consent:accept"
CONSENT_DECLINE = "naromeet:consent:decline"
DELETE_CONFIRM = "naromeet:delete:confirm"
DELETE_CANCEL = "naromeet:delete:cancel"
EXPORT_FILENAME = "naromeet-export.json"


def _buttons(*items: tuple[str, str, discord.ButtonStyle]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for label, custom_id, style in items:
        view.add_item(discord.ui.Button(label=label, custom_id=custom_id, style=style))
    return view


def build_privacy_commands(bot: NaromeetBot) -> list[app_commands.Command[Any, ..., None]]:
    core = bot.core

    @app_commands.command(name="consent", description=text("discord_cmd_consent"))
    @app_commands.rename(action=text("discord_opt_action"))
    @app_commands.describe(action=text("discord_opt_action_desc"))
    @app_commands.choices(
        action=[
            app_commands.Choice(name=text("discord_choice_accept"), value="accept"),
            app_commands.Choice(name=text("discord_choice_withdraw"), value="withdraw"),
        ]
    )
    async def consent(interaction: discord.Interaction, action: str | None = None) -> None:
        locale = await locale_of(core, interaction)
        if action == "withdraw":
            await interaction.response.defer(ephemeral=True, thinking=True)
            withdrawn = await core.live.withdraw_consent(PLATFORM, str(interaction.user.id))
            await reply(
                interaction, say(locale, "consent_withdrawn" if withdrawn else "consent_not_given")
            )
            return
        if action == "accept":
            await accept_consent(bot, interaction, locale)
            return
        view = _buttons(
            (say(locale, "discord_button_accept"), CONSENT_ACCEPT, discord.ButtonStyle.success),
            (
                say(locale, "discord_button_decline"),
                CONSENT_DECLINE,
                discord.ButtonStyle.secondary,
            ),
        )
        await reply(interaction, consent_summary(bot, locale), view=view)

    @app_commands.command(name="export", description=text("discord_cmd_export"))
    async def export(interaction: discord.Interaction) -> None:
        locale = await locale_of(core, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await core.privacy.export_json(PLATFORM, str(interaction.user.id))
        document = discord.File(io.BytesIO(data), filename=EXPORT_FILENAME)
        await reply(interaction, say(locale, "export_ready"), file=document)

    @app_commands.command(name="delete", description=text("discord_cmd_delete"))
    async def delete(interaction: discord.Interaction) -> None:
        locale = await locale_of(core, interaction)
        view = _buttons(
            (say(locale, "discord_button_delete"), DELETE_CONFIRM, discord.ButtonStyle.danger),
            (say(locale, "discord_button_cancel"), DELETE_CANCEL, discord.ButtonStyle.secondary),
        )
        await reply(interaction, say(locale, "delete_confirm"), view=view)

    @app_commands.command(name="privacy", description=text("discord_cmd_privacy"))
    async def privacy(interaction: discord.Interaction) -> None:
        locale = await locale_of(core, interaction)
        settings = core.settings
        message = say(
            locale,
            "privacy",
            transcript_days=settings.transcript_retention_days,
            action_log_days=settings.action_log_retention_days,
            controller=settings.controller_name,
            contact=settings.controller_contact,
            authority=settings.supervisory_authority,
        )
        await reply(interaction, message)

    @app_commands.command(name="language", description=text("discord_cmd_language"))
    @app_commands.rename(language=text("discord_opt_language"))
    @app_commands.describe(language=text("discord_opt_language_desc"))
    @app_commands.choices(
        language=[
            app_commands.Choice(name=text(f"discord_choice_{code}"), value=code)
            for code in ("en", "fr")
        ]
    )
    async def language(interaction: discord.Interaction, language: str) -> None:
        saved = await core.accounts.set_locale(PLATFORM, str(interaction.user.id), language)
        if saved:
            await reply(interaction, say(language, "language_set"))
        else:
            name = say(language, f"discord_choice_{language}")
            await reply(interaction, say(language, "discord_language_no_account", language=name))

    return [consent, export, delete, privacy, language]


def consent_summary(bot: NaromeetBot, locale: str) -> str:
    settings = bot.core.settings
    return say(
        locale,
        "consent_summary",
        transcript_days=settings.transcript_retention_days,
        policy_version=settings.policy_version,
        controller=settings.controller_name,
        contact=settings.controller_contact,
        authority=settings.supervisory_authority,
    )


async def accept_consent(bot: NaromeetBot, interaction: discord.Interaction, locale: str) -> None:
    consent = await bot.core.privacy.record_consent(profile_of(interaction))
    message = say(locale, "consent_accepted", policy_version=consent.policy_version)
    if interaction.type is discord.InteractionType.component:
        await interaction.response.edit_message(content=message, view=None)
    else:
        await reply(interaction, message)


async def handle_privacy_component(
    bot: NaromeetBot, interaction: discord.Interaction, custom_id: str
) -> bool:
    """Handle the consent and deletion buttons; return whether `custom_id` was one of them."""
    if custom_id not in (CONSENT_ACCEPT, CONSENT_DECLINE, DELETE_CONFIRM, DELETE_CANCEL):
        return False
    locale = await locale_of(bot.core, interaction)
    try:
        if custom_id == CONSENT_ACCEPT:
            await accept_consent(bot, interaction, locale)
        elif custom_id == CONSENT_DECLINE:
            await interaction.response.edit_message(
                content=say(locale, "consent_declined"), view=None
            )
        elif custom_id == DELETE_CANCEL:
            await interaction.response.edit_message(
                content=say(locale, "delete_cancelled"), view=None
            )
        else:
            await interaction.response.defer()
            counts = await bot.core.privacy.erase(PLATFORM, str(interaction.user.id))
            message = _deletion_message(locale, counts)
            await interaction.edit_original_response(content=message, view=None)
    except Exception as error:
        await reply_error(interaction, locale, error)
    return True


def _deletion_message(locale: str, counts: dict[str, int]) -> str:
    if not any(counts.values()):
        return say(locale, "delete_nothing")
    summary = ", ".join(f"{table} {count}" for table, count in counts.items() if count)
    return say(locale, "delete_done", counts=summary)
