"""/history: past interviews with their scores, and a chart of the score trend."""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from adapters.telegram.common import Context, core_of, private_only, reply, say, user_profile
from bot.accounts import SessionSummary
from bot.charts import score_trend_png
from bot.i18n import translate

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 20


def render_history(locale: str, sessions: list[SessionSummary]) -> str:
    """The list of past interviews as Telegram HTML, newest first."""
    lines = [f"<b>{html.escape(translate(locale, 'history_heading'))}</b>"]
    for session in sessions:
        score = "–" if session.overall_score is None else str(session.overall_score)
        rating = "–" if session.rating is None else f"{session.rating}/5"
        line = translate(
            locale,
            "history_line",
            date=session.started_at.strftime("%Y-%m-%d"),
            type=translate(locale, f"type_{session.interview_type}"),
            role=session.role,
            score=score,
            rating=rating,
        )
        lines.append(html.escape(line))
    return "\n".join(lines)


@private_only("history")
async def history(update: Update, context: Context) -> None:
    """List past interviews; draw the trend when two or more have a score."""
    profile, locale = await user_profile(update, context)
    core = core_of(context)
    sessions = await core.accounts.history(
        profile.platform, profile.platform_user_id, HISTORY_LIMIT
    )
    if not sessions:
        await say(update, context, "no_history")
        return
    await reply(update, context, render_history(locale, sessions), html=True)
    points = [
        (session.started_at, session.overall_score)
        for session in sessions
        if session.overall_score is not None
    ]
    chat = update.effective_chat
    if len(points) < 2 or chat is None:
        return
    png = await asyncio.to_thread(
        score_trend_png,
        points,
        title=translate(locale, "history_chart_title"),
        y_label=translate(locale, "history_chart_axis"),
    )
    await context.bot.send_photo(chat_id=chat.id, photo=png, filename="score-trend.png")


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [CommandHandler("history", history)]
