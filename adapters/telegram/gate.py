"""What runs before every handler (group addressing, command rate limits), /help, unknown commands.

In a group the bot answers only commands addressed to it (`/help@botname`), so
it never competes with other bots for a bare `/help`.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.constants import MessageEntityType
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from adapters.telegram.common import Context, core_of, is_private, say
from bot.errors import LimitedError

logger = logging.getLogger(__name__)


def _command_of(message: Message) -> str | None:
    """The command token at the start of the message ("/help@bot"), if any."""
    entities = message.entities or ()
    if not message.text or not entities:
        return None
    first = entities[0]
    if first.type != MessageEntityType.BOT_COMMAND or first.offset != 0:
        return None
    return message.text[: first.length]


async def gate(update: Update, context: Context) -> None:
    """Drop group commands meant for other bots and count commands against the rate limits."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    command = _command_of(message)
    if command is None:
        return
    if not is_private(update):
        username = (context.bot.username or "").lower()
        if not command.lower().endswith(f"@{username}"):
            raise ApplicationHandlerStop
    chat = update.effective_chat
    server_key = None if is_private(update) or chat is None else f"telegram:{chat.id}"
    limited = await core_of(context).commands.check(
        f"telegram:{update.effective_user.id}", server_key
    )
    if limited is not None:
        error = LimitedError(limited)
        await say(update, context, error.message_key, **error.message_values())
        raise ApplicationHandlerStop


async def help_command(update: Update, context: Context) -> None:
    await say(update, context, "help")


async def unknown_command(update: Update, context: Context) -> None:
    await say(update, context, "unknown_command")


def gate_handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [TypeHandler(Update, gate)]


def help_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """/help, then the catch-all for unknown commands (registered after every command)."""
    return [
        CommandHandler("help", help_command),
        MessageHandler(filters.COMMAND, unknown_command),
    ]
