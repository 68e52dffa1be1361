"""Catalogue texts for Discord: command localisations, user locales and profiles."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.accounts import UserProfile
from bot.core import Core
from bot.i18n import FALLBACK_LANGUAGE, available_languages, catalogue, translate

logger = logging.getLogger(__name__)

PLATFORM = "discord"


def text(key: str) -> app_commands.locale_str:
    """A command text in English whose localisations come from catalogue `key`."""
    return app_commands.locale_str(catalogue(FALLBACK_LANGUAGE)[key], key=key)


class CatalogueTranslator(app_commands.Translator):
    """Localise command descriptions, options and choices from the message catalogues.

    Command and group names stay English on purpose. Discord shows a localised name only to members
    whose client uses that language, while public messages (night calls and
    summaries) and members helping each other name one command for everyone.
    In a server where French and English clients mix, a French-only name would
    match what half the readers see.

    NOTE: command mentions (`</night join:ID>`), which each client shows in its
    own language, would allow localised names. They need the command ids that
    `CommandTree.sync` returns.
    """

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        language = locale.value.split("-")[0].lower()
        if key is None or language not in available_languages():
            return None
        return catalogue(language).get(key)


def profile_of(interaction: discord.Interaction) -> UserProfile:
    """The user's profile as the core stores it."""
    user = interaction.user
    return UserProfile(
        platform=PLATFORM,
        platform_user_id=str(user.id),
        name=user.display_name,
        username=user.name,
        avatar_url=user.display_avatar.url,
        locale=str(interaction.locale),
    )


async def locale_of(core: Core, interaction: discord.Interaction) -> str:
    """The user's chosen language, else their Discord client's locale."""
    try:
        stored = await core.accounts.stored_locale(PLATFORM, str(interaction.user.id))
    except Exception:
        logger.warning("Stored locale unavailable for an interaction; using the client locale")
        stored = None
    return stored or str(interaction.locale)


def say(locale: str | None, key: str, **values: object) -> str:
    """Render a catalogue message."""
    return translate(locale, key, **values)
