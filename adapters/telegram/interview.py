"""/interview (arguments or an inline-keyboard set-up), /stop and the interviewer's replies.

`/interview technical "Backend engineer" senior en 20` starts at once: type,
role, then optionally seniority, language and length in minutes. Without
arguments, the user picks each in turn; the draft lives in `user_data` until
the interview starts.
"""

from __future__ import annotations

import logging
import math
import shlex
from typing import Any

from pydantic import ValidationError
from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from adapters.telegram.common import (
    Context,
    core_of,
    keyboard,
    private_only,
    reply,
    say,
    user_profile,
)
from adapters.telegram.feedback import send_feedback
from bot.errors import ConsentRequiredError
from bot.i18n import translate
from bot.interviewer.spec import INTERVIEW_TYPES, SENIORITIES, InterviewSpec
from bot.interviews import TurnOutcome

logger = logging.getLogger(__name__)

DRAFT_KEY = "interview_draft"
ROLE_KEYS = ("role_software_engineer", "role_backend_engineer", "role_product_manager")
LANGUAGES = ("en", "fr")
LENGTHS = (10, 15, 20, 30)
MAX_CAPTION_CHARS = 1024
CALLBACK_PATTERN = r"^iv:"


@private_only("interview")
async def interview(update: Update, context: Context) -> None:
    """Start an interview from arguments, or begin the step-by-step set-up."""
    profile, locale = await user_profile(update, context)
    core = core_of(context)
    if not await core.accounts.has_consent(profile.platform, profile.platform_user_id):
        raise ConsentRequiredError()
    arguments = _arguments(update)
    if arguments:
        spec = _spec_from_arguments(arguments, locale)
        if spec is None:
            await say(update, context, "interview_usage")
            return
        await begin(update, context, spec)
        return
    _draft(context).clear()
    await _ask_type(update, context, locale)


def _arguments(update: Update) -> list[str]:
    text = update.effective_message.text if update.effective_message else None
    try:
        return shlex.split(text or "")[1:]
    except ValueError:  # an unclosed quote
        return (text or "").split()[1:]


def _spec_from_arguments(arguments: list[str], locale: str) -> InterviewSpec | None:
    """Build the spec from positional arguments; None when they are invalid."""
    if len(arguments) < 2 or len(arguments) > 5:
        return None
    fields: dict[str, Any] = {"type": arguments[0].lower(), "role": arguments[1]}
    if len(arguments) > 2:
        fields["seniority"] = arguments[2].lower()
    fields["language"] = arguments[3] if len(arguments) > 3 else locale
    if len(arguments) > 4:
        if not arguments[4].isdigit():
            return None
        fields["length_minutes"] = int(arguments[4])
    try:
        return InterviewSpec(**fields)
    except ValidationError:
        return None


def _draft(context: Context) -> dict[str, Any]:
    user_data = context.user_data if context.user_data is not None else {}
    draft: dict[str, Any] = user_data.setdefault(DRAFT_KEY, {})
    return draft


async def _ask_type(update: Update, context: Context, locale: str) -> None:
    rows = [[(translate(locale, f"type_{kind}"), f"iv:type:{kind}")] for kind in INTERVIEW_TYPES]
    await reply(update, context, translate(locale, "interview_choose_type"), markup=keyboard(rows))


async def on_button(update: Update, context: Context) -> None:
    """Advance the set-up by one choice, editing the set-up message in place."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    parts = query.data.split(":", 2)
    step = parts[1] if len(parts) > 1 else ""
    value = parts[2] if len(parts) > 2 else ""
    _, locale = await user_profile(update, context)
    draft = _draft(context)
    if step == "new":
        draft.clear()
        await _ask_type(update, context, locale)
        return
    if step == "type":
        draft.clear()
        draft["type"] = value
        draft["awaiting_role"] = True
        rows = [[(translate(locale, key), f"iv:role:{key}")] for key in ROLE_KEYS]
        await query.edit_message_text(translate(locale, "interview_choose_role"))
        await reply(
            update, context, translate(locale, "interview_role_hint"), markup=keyboard(rows)
        )
    elif step == "role":
        await _set_role(update, context, translate(locale, value))
    elif step == "sen":
        draft["seniority"] = value
        rows = [[(language.upper(), f"iv:lang:{language}") for language in LANGUAGES]]
        await query.edit_message_text(
            translate(locale, "interview_choose_language"), reply_markup=keyboard(rows)
        )
    elif step == "lang":
        draft["language"] = value
        rows = [[(str(minutes), f"iv:len:{minutes}") for minutes in LENGTHS]]
        await query.edit_message_text(
            translate(locale, "interview_choose_length"), reply_markup=keyboard(rows)
        )
    elif step == "len":
        await query.edit_message_reply_markup(reply_markup=None)
        await _finish_draft(update, context, int(value))


async def on_role_text(update: Update, context: Context) -> None:
    """Take a typed role while the set-up waits for one."""
    message = update.effective_message
    if message is None or not message.text:
        return
    await _set_role(update, context, message.text.strip())


async def _set_role(update: Update, context: Context, role: str) -> None:
    _, locale = await user_profile(update, context)
    draft = _draft(context)
    if "type" not in draft:
        return
    draft["role"] = role[:100]
    draft.pop("awaiting_role", None)
    rows = [
        [(translate(locale, f"seniority_{level}"), f"iv:sen:{level}")] for level in SENIORITIES
    ]
    text = translate(locale, "interview_choose_seniority")
    await reply(update, context, text, markup=keyboard(rows))


async def _finish_draft(update: Update, context: Context, minutes: int) -> None:
    draft = _draft(context)
    try:
        spec = InterviewSpec(
            type=draft.get("type", "behavioural"),
            role=draft.get("role", ""),
            seniority=draft.get("seniority", "mid"),
            language=draft.get("language", "en"),
            length_minutes=minutes,
        )
    except ValidationError:
        draft.clear()
        await say(update, context, "interview_usage")
        return
    draft.clear()
    await begin(update, context, spec)


async def begin(update: Update, context: Context, spec: InterviewSpec) -> None:
    """Open the interview and send the interviewer's greeting."""
    profile, locale = await user_profile(update, context)
    core = core_of(context)
    await _show_recording(update, context)
    role = spec.role
    await reply(update, context, translate(locale, "interview_starting", role=role))
    outcome = await core.turns.start(profile, spec)
    await send_turn(update, context, outcome)


async def _show_recording(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat_id=chat.id, action=ChatAction.RECORD_VOICE)


async def send_turn(update: Update, context: Context, outcome: TurnOutcome) -> None:
    """Send the interviewer's reply as a voice note (as text when it could not be voiced)."""
    chat = update.effective_chat
    if chat is None:
        return
    if outcome.reply_voice is None:
        await reply(update, context, outcome.reply_text)
    else:
        await context.bot.send_voice(
            chat_id=chat.id,
            voice=outcome.reply_voice.data,
            duration=max(1, math.ceil(outcome.reply_voice.duration)),
            caption=outcome.reply_text[:MAX_CAPTION_CHARS],
            filename="interviewer.ogg",
        )
    if outcome.interview_over:
        await say(update, context, "interview_finished")
        await send_feedback(update, context, outcome.session_id, outcome.feedback)


@private_only("stop")
async def stop(update: Update, context: Context) -> None:
    """End the running interview and send its feedback."""
    profile, _ = await user_profile(update, context)
    core = core_of(context)
    _draft(context).clear()
    await say(update, context, "interview_stopped")
    feedback = await core.turns.stop(profile)
    session_id = await core.accounts.last_ended_session(profile.platform, profile.platform_user_id)
    if session_id is not None:
        await send_feedback(update, context, session_id, feedback)


def awaiting_role(context: Context) -> bool:
    """Whether the user's interview set-up waits for a typed role."""
    return bool(_draft(context).get("awaiting_role"))


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("interview", interview),
        CommandHandler("stop", stop),
        CallbackQueryHandler(on_button, pattern=CALLBACK_PATTERN),
    ]
