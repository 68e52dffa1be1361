"""/export, /delete, /privacy and /language.

The export is built in memory and sent as a document in the private chat; it
is never written to disk. Erasure asks for confirmation first.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from adapters.telegram.common import (
    LOCALE_KEY,
    Context,
    core_of,
    keyboard,
    private_only,
    reply,
    say,
    user_profile,
)
from bot.i18n import available_languages, translate

logger = logging.getLogger(__name__)

EXPORT_FILENAME = "naromeet-data.json"
DELETE_PATTERN = r"^delete:(yes|no)$"
LANGUAGE_PATTERN = r"^language:[a-z]{2}$"
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


@private_only("export")
async def export(update: Update, context: Context) -> None:
    """Send everything stored about the user as a JSON document."""
    profile, locale = await user_profile(update, context)
    chat = update.effective_chat
    if chat is None:
        return
    document = await core_of(context).privacy.export_json(
        profile.platform, profile.platform_user_id
    )
    await context.bot.send_document(
        chat_id=chat.id,
        document=document,
        filename=EXPORT_FILENAME,
        caption=translate(locale, "export_ready"),
    )


@private_only("delete")
async def delete(update: Update, context: Context) -> None:
    """Ask for confirmation before erasing the user's data."""
    _, locale = await user_profile(update, context)
    buttons = keyboard(
        [
            [
                (translate(locale, "button_delete_confirm"), "delete:yes"),
                (translate(locale, "button_cancel"), "delete:no"),
            ]
        ]
    )
    await reply(update, context, translate(locale, "delete_confirm"), markup=buttons)


async def on_delete_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    if query.data == "delete:no":
        await say(update, context, "delete_cancelled")
        return
    profile, _ = await user_profile(update, context)
    counts = await core_of(context).privacy.erase(profile.platform, profile.platform_user_id)
    if context.user_data is not None:
        context.user_data.clear()
    if not any(counts.values()):
        await say(update, context, "delete_nothing")
        return
    listed = ", ".join(f"{table}: {count}" for table, count in sorted(counts.items()))
    await say(update, context, "delete_done", counts=listed)


async def privacy(update: Update, context: Context) -> None:
    settings = core_of(context).settings
    await say(
        update,
        context,
        "privacy",
        transcript_days=settings.transcript_retention_days,
        action_log_days=settings.action_log_retention_days,
        controller=settings.controller_name,
        contact=settings.controller_contact,
        authority=settings.supervisory_authority,
    )


async def language(update: Update, context: Context) -> None:
    """Set the language from an argument (`/language fr`) or offer one button per language."""
    if context.args:
        await _set_language(update, context, context.args[0].lower())
        return
    _, locale = await user_profile(update, context)
    rows = [
        [(LANGUAGE_NAMES.get(code, code), f"language:{code}") for code in available_languages()]
    ]
    await reply(update, context, translate(locale, "language_choose"), markup=keyboard(rows))


async def on_language_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await _set_language(update, context, query.data.split(":", 1)[1])


async def _set_language(update: Update, context: Context, code: str) -> None:
    if code not in available_languages():
        await say(update, context, "language_unknown", languages=", ".join(available_languages()))
        return
    profile, _ = await user_profile(update, context)
    if context.user_data is not None:
        context.user_data[LOCALE_KEY] = code
    # Without an account the choice stays in memory and is stored with the consent.
    await core_of(context).accounts.set_locale(profile.platform, profile.platform_user_id, code)
    await say(update, context, "language_set")


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("export", export),
        CommandHandler("delete", delete),
        CommandHandler("privacy", privacy),
        CommandHandler("language", language),
        CallbackQueryHandler(on_delete_button, pattern=DELETE_PATTERN),
        CallbackQueryHandler(on_language_button, pattern=LANGUAGE_PATTERN),
    ]
