"""Voice notes and audio files as interview answers, and other messages in the private chat."""

from __future__ import annotations

import logging
import math
from typing import Any

from telegram import Audio, Document, Update, Voice
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, MessageHandler, filters

from adapters.telegram import interview
from adapters.telegram.common import Context, core_of, keyboard, reply, say, user_profile
from bot.audio import AudioDecodeError
from bot.errors import NoInterviewError
from bot.i18n import translate
from bot.interviews import SilentNoteError

logger = logging.getLogger(__name__)

BYTES_PER_MEGABYTE = 1024 * 1024


def _audio_of(update: Update) -> Voice | Audio | Document | None:
    message = update.effective_message
    if message is None:
        return None
    if message.voice is not None:
        return message.voice
    if message.audio is not None:
        return message.audio
    document = message.document
    if document is not None and (document.mime_type or "").startswith("audio/"):
        return document
    return None


async def on_voice(update: Update, context: Context) -> None:
    """Check, download and run one voice note through the interview; report every rejection."""
    media = _audio_of(update)
    if media is None:
        return
    profile, locale = await user_profile(update, context)
    core = core_of(context)
    limit = core.settings.max_voice_note_bytes
    # Checked before any download: the Bot API serves files up to 20 MB only.
    if media.file_size is not None and media.file_size > limit:
        await say(update, context, "voice_too_large", max_mb=limit // BYTES_PER_MEGABYTE)
        return
    wait = await core.voice_notes.try_acquire(f"{profile.platform}:{profile.platform_user_id}")
    if wait is not None:
        await say(update, context, "voice_rate_limited", seconds=math.ceil(wait))
        return
    if not await core.accounts.has_active_interview(profile.platform, profile.platform_user_id):
        await offer_interview(update, context, locale)
        return
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat_id=chat.id, action=ChatAction.RECORD_VOICE)
    telegram_file = await media.get_file()
    note = bytes(await telegram_file.download_as_bytearray())
    try:
        outcome = await core.turns.answer(profile, note)
    except AudioDecodeError:
        await say(update, context, "voice_invalid")
        return
    except SilentNoteError:
        await say(update, context, "voice_silent")
        return
    except NoInterviewError:
        await offer_interview(update, context, locale)
        return
    await interview.send_turn(update, context, outcome)


async def offer_interview(update: Update, context: Context, locale: str) -> None:
    buttons = keyboard([[(translate(locale, "button_start_interview"), "iv:new")]])
    await reply(update, context, translate(locale, "voice_no_interview"), markup=buttons)


async def on_other_message(update: Update, context: Context) -> None:
    """Text, stickers, photos and the like: steer the user back to voice notes."""
    if interview.awaiting_role(context):
        await interview.on_role_text(update, context)
        return
    profile, _ = await user_profile(update, context)
    core = core_of(context)
    if await core.accounts.has_active_interview(profile.platform, profile.platform_user_id):
        await say(update, context, "voice_expected")
    else:
        await say(update, context, "not_a_command")


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    private = filters.ChatType.PRIVATE
    audio = filters.VOICE | filters.AUDIO | filters.Document.AUDIO
    other = (
        filters.TEXT & ~filters.COMMAND
        | filters.Sticker.ALL
        | filters.PHOTO
        | filters.VIDEO
        | filters.VIDEO_NOTE
        | filters.ANIMATION
        | filters.Document.ALL & ~filters.Document.AUDIO
    )
    return [
        MessageHandler(private & audio, on_voice),
        MessageHandler(private & other, on_other_message),
    ]
