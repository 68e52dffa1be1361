"""/start, /consent and the Accept, Decline and Withdraw buttons."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from adapters.telegram.common import (
    Context,
    Handler,
    core_of,
    keyboard,
    private_only,
    reply,
    say,
    user_profile,
)
from bot.errors import NoInterviewError
from bot.i18n import translate

logger = logging.getLogger(__name__)

CALLBACK_PATTERN = r"^consent:(accept|decline|withdraw)$"


async def start(update: Update, context: Context) -> None:
    """Greet the user; a deep-link payload (`/start export`) runs that command next."""
    payload = context.args[0] if context.args else ""
    follow_up = _deep_link_handlers().get(payload)
    profile, locale = await user_profile(update, context)
    core = core_of(context)
    consented = await core.accounts.has_consent(profile.platform, profile.platform_user_id)
    if follow_up is not None and (consented or payload in ("delete", "export", "consent")):
        await follow_up(update, context)
        return
    await reply(update, context, translate(locale, "welcome", name=profile.name or ""))
    if not consented:
        await send_consent_prompt(update, context)


def _deep_link_handlers() -> dict[str, Handler]:
    # Imported here because those modules import this one for the consent prompt.
    from adapters.telegram import feedback, history, interview, privacy

    return {
        "consent": consent,
        "interview": interview.interview,
        "export": privacy.export,
        "delete": privacy.delete,
        "history": history.history,
        "feedback": feedback.last_feedback,
    }


async def send_consent_prompt(update: Update, context: Context) -> None:
    """Send the privacy summary with Accept and Decline buttons."""
    _, locale = await user_profile(update, context)
    settings = core_of(context).settings
    summary = translate(
        locale,
        "consent_summary",
        transcript_days=settings.transcript_retention_days,
        policy_version=settings.policy_version,
        controller=settings.controller_name,
        contact=settings.controller_contact,
        authority=settings.supervisory_authority,
    )
    buttons = keyboard(
        [
            [
                (translate(locale, "button_accept"), "consent:accept"),
                (translate(locale, "button_decline"), "consent:decline"),
            ]
        ]
    )
    await reply(update, context, summary, markup=buttons)


@private_only("consent")
async def consent(update: Update, context: Context) -> None:
    """Show the privacy summary, or offer withdrawal when consent is already given."""
    profile, locale = await user_profile(update, context)
    core = core_of(context)
    if not await core.accounts.has_consent(profile.platform, profile.platform_user_id):
        await send_consent_prompt(update, context)
        return
    text = translate(locale, "consent_already", policy_version=core.settings.policy_version)
    buttons = keyboard([[(translate(locale, "button_withdraw"), "consent:withdraw")]])
    await reply(update, context, text, markup=buttons)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    action = query.data.split(":", 1)[1]
    profile, _ = await user_profile(update, context)
    core = core_of(context)
    if action == "accept":
        consent_record = await core.privacy.record_consent(profile)
        await query.edit_message_reply_markup(reply_markup=None)
        await say(
            update, context, "consent_accepted", policy_version=consent_record.policy_version
        )
        await say(update, context, "consent_next_step")
    elif action == "decline":
        await query.edit_message_reply_markup(reply_markup=None)
        await say(update, context, "consent_declined")
    else:
        await withdraw(update, context)


async def withdraw(update: Update, context: Context) -> None:
    """Stop any running interview without sending its transcript anywhere, then withdraw."""
    profile, _ = await user_profile(update, context)
    core = core_of(context)
    try:
        await core.turns.stop(profile, "consent_withdrawn", with_feedback=False)
    except NoInterviewError:
        pass
    withdrawn = await core.privacy.withdraw_consent(profile.platform, profile.platform_user_id)
    await say(update, context, "consent_withdrawn" if withdrawn else "consent_not_given")


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("start", private_only("welcome")(start)),
        CommandHandler("consent", consent),
        CallbackQueryHandler(on_button, pattern=CALLBACK_PATTERN),
    ]
