"""Feedback as a Discord embed, with rating buttons 1 to 5."""

from __future__ import annotations

import discord

from bot.feedback.model import Feedback
from bot.i18n import translate

RATE_PREFIX = "naromeet:rate:"
EMBED_COLOUR = 0x3B82F6
_FIELD_LIMIT = 1024  # Discord's maximum characters in an embed field value


def feedback_embed(feedback: Feedback, role: str, locale: str | None) -> discord.Embed:
    """Build the embed: overall score, per-criterion scores, strengths, improvements."""
    embed = discord.Embed(
        title=translate(locale, "discord_feedback_title", role=role)[:256], colour=EMBED_COLOUR
    )
    if feedback.overall_score is None:
        overall = translate(locale, "discord_feedback_not_scored")
    else:
        overall = f"{feedback.overall_score}/100"
    embed.add_field(
        name=translate(locale, "discord_feedback_overall"), value=overall, inline=False
    )
    for criterion in feedback.criteria[:10]:
        score = f"{criterion.score}/10" if criterion.score is not None else "-"
        value = score if not criterion.evidence else f"{score}: \u201c{criterion.evidence}\u201d"
        embed.add_field(name=criterion.name[:256], value=_clip(value), inline=False)
    _add_list(embed, translate(locale, "discord_feedback_strengths"), feedback.strengths)
    _add_list(embed, translate(locale, "discord_feedback_improvements"), feedback.improvements)
    if feedback.stronger_answer:
        name = translate(locale, "discord_feedback_stronger_answer")
        embed.add_field(name=name, value=_clip(feedback.stronger_answer), inline=False)
    embed.add_field(
        name=translate(locale, "discord_feedback_speech"),
        value=_speech(feedback, locale),
        inline=False,
    )
    return embed


def rating_view(session_id: int) -> discord.ui.View:
    """Buttons 1 to 5; clicks are handled by custom id, so they work after a restart."""
    view = discord.ui.View(timeout=None)
    for rating in range(1, 6):
        view.add_item(
            discord.ui.Button(
                label=str(rating),
                style=discord.ButtonStyle.secondary,
                custom_id=f"{RATE_PREFIX}{session_id}:{rating}",
            )
        )
    return view


def parse_rating(custom_id: str) -> tuple[int, int] | None:
    """Return (session id, rating) from a rating button's custom id."""
    if not custom_id.startswith(RATE_PREFIX):
        return None
    session_id, _, rating = custom_id.removeprefix(RATE_PREFIX).partition(":")
    if not (session_id.isdigit() and rating.isdigit() and 1 <= int(rating) <= 5):
        return None
    return int(session_id), int(rating)


def _add_list(embed: discord.Embed, name: str, items: tuple[str, ...]) -> None:
    if items:
        embed.add_field(name=name, value=_clip("\n".join(f"- {i}" for i in items)), inline=False)


def _speech(feedback: Feedback, locale: str | None) -> str:
    measures = feedback.measures

    def number(value: float | None, digits: int = 0) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    talk = None if measures.talk_time_ratio is None else measures.talk_time_ratio * 100
    return translate(
        locale,
        "discord_feedback_speech_value",
        wpm=number(measures.words_per_minute),
        fillers=number(measures.fillers_per_minute, 1),
        pause=number(measures.longest_pause_seconds, 1),
        talk=number(talk),
        interruptions=measures.interruptions,
    )


def _clip(value: str) -> str:
    return value if len(value) <= _FIELD_LIMIT else value[: _FIELD_LIMIT - 1] + "\u2026"
