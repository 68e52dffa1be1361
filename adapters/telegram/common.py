"""Helpers every Telegram handler shares: the core, the user's locale and profile, replies."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.accounts import DATABASE_ERRORS, UserProfile
from bot.core import Core
from bot.i18n import language_of, translate

logger = logging.getLogger(__name__)

PLATFORM = "telegram"
CORE_KEY = "core"
LOCALE_KEY = "locale"
MAX_MESSAGE_CHARS = 4096

Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def core_of(context: Context) -> Core:
    core: Core = context.application.bot_data[CORE_KEY]
    return core


async def locale_of(update: Update, context: Context) -> str:
    """The user's language: their stored choice, else Telegram's language_code."""
    user = update.effective_user
    cached = context.user_data.get(LOCALE_KEY) if context.user_data is not None else None
    if cached:
        return str(cached)
    if user is None:
        return core_of(context).settings.default_locale
    try:
        stored = await core_of(context).accounts.stored_locale(PLATFORM, str(user.id))
    except DATABASE_ERRORS:
        stored = None  # the reply that follows reports the database fault
    locale = language_of(stored or user.language_code or core_of(context).settings.default_locale)
    if context.user_data is not None and stored:
        context.user_data[LOCALE_KEY] = locale
    return locale


def profile_of(user: User, locale: str) -> UserProfile:
    return UserProfile(
        platform=PLATFORM,
        platform_user_id=str(user.id),
        name=user.full_name,
        username=user.username,
        avatar_url=None,
        locale=locale,
    )


async def user_profile(update: Update, context: Context) -> tuple[UserProfile, str]:
    """The sender's profile and locale; handlers are registered for messages with a sender."""
    user = update.effective_user
    if user is None:
        raise ValueError("the update has no sender")
    locale = await locale_of(update, context)
    return profile_of(user, locale), locale


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def reply(
    update: Update,
    context: Context,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    html: bool = False,
) -> Message | None:
    """Send `text` to the update's chat; HTML text must already be escaped."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(
        chat_id=chat.id,
        text=text,
        reply_markup=markup,
        parse_mode="HTML" if html else None,
    )


async def say(update: Update, context: Context, key: str, **values: Any) -> Message | None:
    """Send catalogue message `key` in the user's language."""
    locale = await locale_of(update, context)
    return await reply(update, context, translate(locale, key, **values))


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data) pairs."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def deep_link(context: Context, payload: str) -> str:
    """The t.me link that opens the private chat and sends `/start <payload>`."""
    return f"https://t.me/{context.bot.username}?start={payload}"


def private_only(payload: str) -> Callable[[Handler], Handler]:
    """Run the handler in private chats; in a group, reply with a link to the private chat."""

    def decorate(handler: Handler) -> Handler:
        async def wrapper(update: Update, context: Context) -> None:
            if is_private(update):
                await handler(update, context)
                return
            locale = await locale_of(update, context)
            button = InlineKeyboardButton(
                translate(locale, "button_open_private"), url=deep_link(context, payload)
            )
            await reply(
                update,
                context,
                translate(locale, "use_private_chat"),
                markup=InlineKeyboardMarkup([[button]]),
            )

        wrapper.__name__ = handler.__name__
        wrapper.__doc__ = handler.__doc__
        return wrapper

    return decorate


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split text at line breaks into chunks Telegram accepts (one line longer is cut)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        line = line[:limit]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
