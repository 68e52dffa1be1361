"""Faults: bounded retries of Bot API calls and the application's error handler.

python-telegram-bot 22 retries `RetryAfter` (HTTP 429) inside `AIORateLimiter`,
which also keeps the bot under Telegram's global and per-group send limits.
`RetryingRateLimiter` adds bounded retries with backoff for `TimedOut` and
`NetworkError` (but not `BadRequest`, a `NetworkError` subclass that a retry
cannot fix). Polling (`getUpdates`) bypasses rate limiters and is retried by
the `Updater` itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

from adapters.telegram.common import Context, core_of, locale_of, profile_of, reply
from bot.accounts import DATABASE_ERRORS
from bot.audio import AudioDecodeError
from bot.errors import LimitedError, NoInterviewError, UserFacingError
from bot.i18n import translate

logger = logging.getLogger(__name__)

MAX_RETRY_AFTER_RETRIES = 3
MAX_NETWORK_RETRIES = 3
FIRST_BACKOFF_SECONDS = 0.5

RequestCallback = Callable[..., Coroutine[Any, Any, Any]]


class RetryingRateLimiter(AIORateLimiter):
    """`AIORateLimiter` that also retries timeouts and network errors a bounded number of times.

    NOTE: a timed-out send may have reached Telegram, so a retry can deliver a
    message twice; a duplicate is preferred to a lost interviewer reply.
    """

    def __init__(
        self,
        max_network_retries: int = MAX_NETWORK_RETRIES,
        first_backoff_seconds: float = FIRST_BACKOFF_SECONDS,
    ) -> None:
        super().__init__(max_retries=MAX_RETRY_AFTER_RETRIES)
        self._max_network_retries = max_network_retries
        self._first_backoff = first_backoff_seconds

    async def process_request(
        self,
        callback: RequestCallback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        backoff = self._first_backoff
        for attempt in range(self._max_network_retries + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:
                if attempt == self._max_network_retries:
                    logger.warning(
                        "Bot API %s failed after %d retries: %s",
                        endpoint,
                        attempt,
                        type(error).__name__,
                    )
                    raise
                logger.info(
                    "Bot API %s failed (%s); retry %d in %.1f s",
                    endpoint,
                    type(error).__name__,
                    attempt + 1,
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff *= 2
        raise AssertionError("unreachable: the loop returns or raises")


def message_for(error: BaseException) -> tuple[str, dict[str, Any]] | None:
    """The catalogue key and values that explain `error` to a user; None for unknown faults."""
    if isinstance(error, LimitedError):
        return error.message_key, error.message_values()
    if isinstance(error, UserFacingError):
        return error.message_key, {}
    if isinstance(error, DATABASE_ERRORS):
        return "error_database", {}
    if isinstance(error, AudioDecodeError):
        return "voice_invalid", {}
    return None


async def on_error(update: object, context: Context) -> None:
    """Tell the user what failed, end the session of a user who blocked the bot, log the rest."""
    error = context.error
    if error is None:
        return
    if not isinstance(update, Update):
        logger.warning("Telegram fault outside an update: %s", type(error).__name__)
        return
    if isinstance(error, Forbidden):
        await _end_for_blocked_user(update, context)
        return
    if isinstance(error, RetryAfter | NetworkError):
        # Retries are spent and Telegram is unreachable, so a reply would fail too.
        logger.warning(
            "Update %d: Bot API unreachable: %s", update.update_id, type(error).__name__
        )
        return
    explained = message_for(error)
    if explained is None:
        logger.error("Update %d failed", update.update_id, exc_info=error)
        key, values = "error_internal", dict[str, Any]()
    else:
        key, values = explained
        logger.info("Update %d: %s", update.update_id, type(error).__name__)
    await _tell(update, context, key, values)


async def _tell(update: Update, context: Context, key: str, values: dict[str, Any]) -> None:
    try:
        locale = await locale_of(update, context)
        await reply(update, context, translate(locale, key, **values))
    except TelegramError as error:
        logger.warning(
            "Update %d: could not send %s: %s", update.update_id, key, type(error).__name__
        )


async def _end_for_blocked_user(update: Update, context: Context) -> None:
    """End the interview of a user who blocked the bot; the transcript stays for /feedback."""
    user = update.effective_user
    if user is None:
        return
    core = core_of(context)
    try:
        await core.turns.stop(
            profile_of(user, core.settings.default_locale), "blocked", with_feedback=False
        )
        logger.info("Update %d: the user blocked the bot; interview ended", update.update_id)
    except NoInterviewError:
        logger.info("Update %d: the user blocked the bot", update.update_id)
    except DATABASE_ERRORS as error:
        logger.warning("Update %d: could not end the interview: %s", update.update_id, error)
