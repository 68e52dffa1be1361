"""Sending replies to interactions, and turning core errors into messages."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.accounts import DATABASE_ERRORS
from bot.errors import LimitedError, UserFacingError
from bot.i18n import translate

logger = logging.getLogger(__name__)


async def reply(
    interaction: discord.Interaction, content: str | None = None, **kwargs: Any
) -> None:
    """Answer the interaction privately, as the first response or as a follow-up."""
    kwargs.setdefault("ephemeral", True)
    if interaction.response.is_done():
        if content is not None:
            kwargs["content"] = content
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


def error_message(locale: str | None, error: Exception) -> str:
    """The catalogue message for a core error; unexpected errors get a generic one."""
    if isinstance(error, LimitedError):
        return translate(locale, error.message_key, **error.message_values())
    if isinstance(error, UserFacingError):
        return translate(locale, error.message_key)
    if isinstance(error, DATABASE_ERRORS):
        return translate(locale, "error_database")
    return translate(locale, "error_internal")


async def reply_error(
    interaction: discord.Interaction, locale: str | None, error: Exception
) -> None:
    """Tell the user what failed; never raises."""
    if not isinstance(error, UserFacingError):
        logger.error("Interaction %s failed", interaction.id, exc_info=error)
    try:
        await reply(interaction, error_message(locale, error))
    except Exception as failure:
        # Also covers a message that fails to render: this is the last handler.
        logger.warning("Error reply to interaction %s failed: %r", interaction.id, failure)
