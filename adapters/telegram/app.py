"""The Telegram adapter: build the python-telegram-bot `Application` and serve it.

`serve(core, stop)` is what `naromeet-bot run` calls. It polls for updates, or
receives them on a webhook when TELEGRAM_WEBHOOK_URL is set, until `stop` is
set. It then stops taking updates, ends the running interviews (their
transcripts stay) and sends each candidate a notice before it returns.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from adapters.telegram import answers, consent, feedback, history, interview, privacy
from adapters.telegram.common import CORE_KEY, PLATFORM
from adapters.telegram.faults import RetryingRateLimiter, on_error
from adapters.telegram.gate import gate_handlers, help_handlers
from bot.accounts import DATABASE_ERRORS
from bot.core import Core
from bot.i18n import available_languages, translate

logger = logging.getLogger(__name__)

COMMANDS = (
    "start",
    "consent",
    "interview",
    "stop",
    "feedback",
    "history",
    "export",
    "delete",
    "privacy",
    "language",
    "help",
)
# Bot API read timeout for ordinary calls; uploads use python-telegram-bot's media timeout.
READ_TIMEOUT_SECONDS = 10.0
POLL_TIMEOUT_SECONDS = 10


def build_application(
    core: Core, *, read_timeout: float = READ_TIMEOUT_SECONDS, network_backoff: float = 0.5
) -> Application:
    """Build the application with the settings' token and Bot API URLs and every handler."""
    settings = core.settings
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder: ApplicationBuilder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .rate_limiter(RetryingRateLimiter(first_backoff_seconds=network_backoff))
        .concurrent_updates(True)
        .read_timeout(read_timeout)
        .get_updates_read_timeout(POLL_TIMEOUT_SECONDS + read_timeout)
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    application = builder.build()
    application.bot_data[CORE_KEY] = core
    for group, group_handlers in enumerate(
        (
            gate_handlers(),
            [
                *consent.handlers(),
                *interview.handlers(),
                *feedback.handlers(),
                *history.handlers(),
                *privacy.handlers(),
                *help_handlers(),
                *answers.handlers(),
            ],
        ),
        start=-1,
    ):
        application.add_handlers(group_handlers, group=group)
    application.add_error_handler(on_error)
    return application


async def register_commands(application: Application) -> None:
    """Publish the command list in every catalogue language (English as the default)."""
    for language in available_languages():
        commands = [BotCommand(name, translate(language, f"command_{name}")) for name in COMMANDS]
        code = None if language == "en" else language
        await application.bot.set_my_commands(commands, language_code=code)


def hold_library_logs() -> None:
    """Keep python-telegram-bot's DEBUG records out of the log, whatever LOG_LEVEL says.

    Those records contain Bot API URLs, which embed the bot token, and request
    parameters, which contain interview text.
    """
    library = logging.getLogger("telegram")
    if library.getEffectiveLevel() < logging.INFO:
        library.setLevel(logging.INFO)


async def serve(core: Core, stop: asyncio.Event) -> None:
    """Run the bot until `stop` is set, then end running interviews cleanly."""
    hold_library_logs()
    application = build_application(core)
    await run(application, core, stop)


async def run(
    application: Application,
    core: Core,
    stop: asyncio.Event,
) -> None:
    """Serve an application built by `build_application` until `stop` is set."""
    settings = core.settings
    async with application:
        updater = application.updater
        if updater is None:
            raise RuntimeError("the application has no updater")
        await register_commands(application)
        if settings.telegram_webhook_url:
            await _start_webhook(application, core)
        else:
            await updater.start_polling(
                timeout=POLL_TIMEOUT_SECONDS, allowed_updates=Update.ALL_TYPES
            )
        await application.start()
        logger.info("Telegram bot @%s started", application.bot.username)
        await stop.wait()
        logger.info("Telegram bot stopping")
        await updater.stop()
        # Waits for the updates being handled, such as a voice note on its way to Gemini.
        await application.stop()
        await end_interviews(application, core)
    logger.info("Telegram bot stopped")


async def _start_webhook(application: Application, core: Core) -> None:
    settings = core.settings
    url = settings.telegram_webhook_url or ""
    secret = settings.telegram_webhook_secret
    if secret is None:
        raise ValueError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
    updater = application.updater
    assert updater is not None
    await updater.start_webhook(
        listen=settings.telegram_webhook_listen,
        port=settings.telegram_webhook_port,
        url_path=urlsplit(url).path.lstrip("/"),
        webhook_url=url,
        secret_token=secret.get_secret_value(),
        allowed_updates=Update.ALL_TYPES,
    )


async def end_interviews(application: Application, core: Core) -> None:
    """End the running Telegram interviews and tell each candidate their transcript is kept."""
    try:
        ended = await core.turns.end_all("shutdown", platform=PLATFORM)
    except DATABASE_ERRORS as error:
        logger.error("Could not end running interviews at shutdown: %s", error)
        return
    for session in ended:
        try:
            contact = await core.accounts.contact(session.user_id)
            if contact is None:
                continue
            chat_id, locale = contact
            text = translate(locale, "interview_shutdown")
            await application.bot.send_message(chat_id=int(chat_id), text=text)
        except TelegramError as error:
            logger.warning(
                "Could not tell user %d about the shutdown: %s",
                session.user_id,
                type(error).__name__,
            )
        except DATABASE_ERRORS as error:
            logger.warning("Could not find user %d: %s", session.user_id, error)
