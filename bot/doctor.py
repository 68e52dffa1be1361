"""Checks behind `naromeet-bot doctor`: settings, database, codecs, platforms, Gemini."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx

from config.settings import Settings
from storage.base import StoreUnavailableError
from storage.factory import open_store

logger = logging.getLogger(__name__)

_REMOTE_TIMEOUT_SECONDS = 5.0
_DECODERS = ("libopus", "vorbis", "mp3", "aac", "flac")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    optional: bool = False


async def run_checks(settings: Settings) -> list[Check]:
    """Run every check; remote ones only for platforms and services that are configured."""
    checks = [*_settings_checks(settings), await _database_check(settings), _codec_check()]
    if settings.telegram_bot_token is not None:
        checks.append(await _telegram_check(settings))
    if settings.discord_bot_token is not None:
        checks.append(await _discord_check(settings))
    if settings.gemini_api_key is not None:
        checks.append(await _gemini_check(settings))
    return checks


def _settings_checks(settings: Settings) -> list[Check]:
    has_platform = (
        settings.telegram_bot_token is not None or settings.discord_bot_token is not None
    )
    return [
        Check(
            "platform token",
            has_platform,
            "set" if has_platform else "neither DISCORD_BOT_TOKEN nor TELEGRAM_BOT_TOKEN is set",
            "set at least one in the environment or .env",
        ),
        Check(
            "GEMINI_API_KEY",
            settings.gemini_api_key is not None,
            "set" if settings.gemini_api_key is not None else "not set",
            "create a key in Google AI Studio and set GEMINI_API_KEY",
        ),
    ]


async def _database_check(settings: Settings) -> Check:
    try:
        store = open_store(settings)
        await store.connect()
    except StoreUnavailableError as error:
        return Check("database", False, str(error), "check DATABASE_URL and that the server runs")
    try:
        pending = await store.pending_migrations()
    finally:
        await store.close()
    if pending:
        return Check(
            "database",
            False,
            f"{store.backend}: {len(pending)} migration(s) pending",
            "run `naromeet-bot migrate`",
        )
    return Check("database", True, f"{store.backend}: reachable, schema up to date")


def _codec_check() -> Check:
    import av

    missing = [name for name in _DECODERS if name not in av.codecs_available]
    if "libopus" not in av.codecs_available:
        missing.append("libopus encoder")
    if missing:
        return Check(
            "codecs",
            False,
            "PyAV lacks " + ", ".join(missing),
            "reinstall PyAV from its binary wheel: pip install --force-reinstall av",
        )
    return Check("codecs", True, f"PyAV {av.__version__} with Opus, Vorbis, MP3, AAC and FLAC")


async def _telegram_check(settings: Settings) -> Check:
    assert settings.telegram_bot_token is not None
    base = settings.telegram_base_url or "https://api.telegram.org/bot"
    url = f"{base}{settings.telegram_bot_token.get_secret_value()}/getMe"
    try:
        async with httpx.AsyncClient(timeout=_REMOTE_TIMEOUT_SECONDS) as client:
            response = await client.get(url)
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        return _unreachable("Telegram Bot API", error, optional=True)
    if not body.get("ok"):
        return Check(
            "Telegram",
            False,
            f"token rejected ({body.get('description', response.status_code)})",
            "copy the token from @BotFather into TELEGRAM_BOT_TOKEN",
        )
    return Check("Telegram", True, f"bot @{body['result'].get('username')}")


async def _discord_check(settings: Settings) -> Check:
    assert settings.discord_bot_token is not None
    headers = {"Authorization": f"Bot {settings.discord_bot_token.get_secret_value()}"}
    try:
        async with httpx.AsyncClient(timeout=_REMOTE_TIMEOUT_SECONDS) as client:
            response = await client.get("https://discord.com/api/v10/users/@me", headers=headers)
    except httpx.HTTPError as error:
        return _unreachable("Discord API", error, optional=True)
    if response.status_code == 401:
        return Check(
            "Discord",
            False,
            "token rejected (401)",
            "copy the bot token from the Developer Portal into DISCORD_BOT_TOKEN",
        )
    return Check("Discord", response.is_success, f"HTTP {response.status_code}")


async def _gemini_check(settings: Settings) -> Check:
    from google.genai import errors

    from bot.gemini import make_client

    client = make_client(settings)
    try:
        model = await asyncio.wait_for(
            client.aio.models.get(model=settings.gemini_text_model), _REMOTE_TIMEOUT_SECONDS
        )
    except errors.APIError as error:
        return Check(
            "Gemini",
            False,
            f"{settings.gemini_text_model}: HTTP {error.code} {error.status}",
            "check GEMINI_API_KEY and the model names in .env",
        )
    except (TimeoutError, httpx.HTTPError, OSError) as error:
        return _unreachable("Gemini API", error, optional=True)
    return Check("Gemini", True, f"model {model.name} available")


def _unreachable(service: str, error: BaseException, *, optional: bool) -> Check:
    return Check(
        service,
        False,
        f"not reachable ({type(error).__name__})",
        "check the network or the base URL setting",
        optional=optional,
    )
