"""Scored feedback as an HTML message, its 1 to 5 rating buttons, and /feedback."""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from adapters.telegram.common import (
    Context,
    core_of,
    keyboard,
    private_only,
    reply,
    say,
    split_message,
    user_profile,
)
from bot.feedback.model import Feedback
from bot.i18n import translate

logger = logging.getLogger(__name__)

CALLBACK_PATTERN = r"^rate:\d+:[1-5]$"


def render_feedback(locale: str, feedback: Feedback) -> str:
    """Feedback as Telegram HTML; every model-written text is escaped."""
    lines = [_heading(locale, feedback)]
    lines.append("")
    lines.append(f"<b>{html.escape(translate(locale, 'feedback_criteria'))}</b>")
    for criterion in feedback.criteria:
        score = "–" if criterion.score is None else f"{criterion.score}/10"
        lines.append(f"• <b>{html.escape(criterion.name)}</b>: {score}")
        if criterion.evidence:
            lines.append(f"  <i>“{html.escape(criterion.evidence)}”</i>")
    lines.extend(_bullets(locale, "feedback_strengths", feedback.strengths))
    lines.extend(_bullets(locale, "feedback_improvements", feedback.improvements))
    if feedback.stronger_answer:
        lines.append("")
        lines.append(f"<b>{html.escape(translate(locale, 'feedback_stronger_answer'))}</b>")
        lines.append(html.escape(feedback.stronger_answer))
    lines.append("")
    lines.append(html.escape(_measures(locale, feedback)))
    lines.append(
        html.escape(
            translate(locale, "feedback_confidence", percent=round(feedback.confidence * 100))
        )
    )
    return "\n".join(lines)


def _heading(locale: str, feedback: Feedback) -> str:
    if feedback.overall_score is None:
        return f"<b>{html.escape(translate(locale, 'feedback_no_score'))}</b>"
    text = translate(locale, "feedback_heading", score=feedback.overall_score)
    return f"<b>{html.escape(text)}</b>"


def _bullets(locale: str, key: str, items: tuple[str, ...]) -> list[str]:
    if not items:
        return []
    return [
        "",
        f"<b>{html.escape(translate(locale, key))}</b>",
        *(f"• {html.escape(item)}" for item in items),
    ]


def _measures(locale: str, feedback: Feedback) -> str:
    measures = feedback.measures

    def number(value: float | None, digits: int = 0) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    talk = measures.talk_time_ratio
    return translate(
        locale,
        "feedback_measures",
        words_per_minute=number(measures.words_per_minute),
        fillers_per_minute=number(measures.fillers_per_minute, 1),
        longest_pause=number(measures.longest_pause_seconds, 1),
        talk_time=number(None if talk is None else talk * 100),
        interruptions=measures.interruptions,
    )


async def send_feedback(
    update: Update, context: Context, session_id: int, feedback: Feedback | None
) -> None:
    """Send feedback and its rating buttons, or say it is not ready (Gemini failed)."""
    _, locale = await user_profile(update, context)
    if feedback is None:
        await say(update, context, "feedback_unavailable")
        return
    for chunk in split_message(render_feedback(locale, feedback)):
        await reply(update, context, chunk, html=True)
    buttons = keyboard([[(str(n), f"rate:{session_id}:{n}") for n in range(1, 6)]])
    await reply(update, context, translate(locale, "feedback_rate_prompt"), markup=buttons)


@private_only("feedback")
async def last_feedback(update: Update, context: Context) -> None:
    """Send the feedback of the user's last finished interview again."""
    profile, _ = await user_profile(update, context)
    core = core_of(context)
    session_id = await core.accounts.last_ended_session(profile.platform, profile.platform_user_id)
    if session_id is None:
        await say(update, context, "no_feedback")
        return
    feedback = await core.turns.feedback_for(session_id)
    if feedback is None:
        await say(update, context, "no_feedback")
        return
    await send_feedback(update, context, session_id, feedback)


async def on_rating(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    _, session_id, rating = query.data.split(":")
    profile, _ = await user_profile(update, context)
    saved = await core_of(context).accounts.rate(
        profile.platform, profile.platform_user_id, int(session_id), int(rating)
    )
    if saved:
        await query.edit_message_reply_markup(reply_markup=None)
        await say(update, context, "rating_saved", rating=rating)
    else:
        await say(update, context, "rating_failed")


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("feedback", last_feedback),
        CallbackQueryHandler(on_rating, pattern=CALLBACK_PATTERN),
    ]
