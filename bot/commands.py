"""Implementations of the operator commands behind `naromeet-bot`."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.cli import print_counts
from bot.clierrors import CliError, MissingSettingError
from bot.privacy import PrivacyService
from config.settings import Settings
from storage.base import Store, StoreUnavailableError
from storage.factory import open_store

logger = logging.getLogger(__name__)

TOKEN_SETTINGS = {"discord": "DISCORD_BOT_TOKEN", "telegram": "TELEGRAM_BOT_TOKEN"}


@asynccontextmanager
async def opened_store(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Store]:
    """Open and migrate the configured store; turn connection failures into one CLI line."""
    try:
        store = open_store(settings)
        await store.connect()
    except StoreUnavailableError as error:
        raise CliError(str(error)) from None
    try:
        if migrate:
            await store.migrate()
        yield store
    except StoreUnavailableError as error:
        raise CliError(str(error)) from None
    finally:
        await store.close()


def platforms_to_run(settings: Settings, choice: str) -> list[str]:
    """Resolve `--platform` to the platforms to serve, or raise naming what is missing."""
    tokens = {"discord": settings.discord_bot_token, "telegram": settings.telegram_bot_token}
    missing: list[str] = []
    if choice == "all":
        platforms = [name for name, token in tokens.items() if token is not None]
        if not platforms:
            missing.append("DISCORD_BOT_TOKEN or TELEGRAM_BOT_TOKEN")
    else:
        platforms = [choice]
        if tokens[choice] is None:
            missing.append(TOKEN_SETTINGS[choice])
    if settings.gemini_api_key is None:
        missing.append("GEMINI_API_KEY")
    if missing:
        raise MissingSettingError(missing)
    return platforms


async def run(settings: Settings, choice: str) -> int:
    platforms = platforms_to_run(settings, choice)
    from bot.runtime import serve

    async with opened_store(settings) as store:
        await serve(settings, store, platforms)
    return 0


async def migrate(settings: Settings) -> int:
    async with opened_store(settings, migrate=False) as store:
        applied = await store.migrate()
        await PrivacyService(store, settings).schedule_database_purge()
    if applied:
        for name in applied:
            print(f"applied {name}")
    else:
        print(f"{store.backend} schema is up to date")
    return 0


async def purge(settings: Settings, *, dry_run: bool) -> int:
    async with opened_store(settings) as store:
        counts = await PrivacyService(store, settings).purge(dry_run=dry_run)
    if dry_run:
        print("dry run: nothing was deleted")
    print_counts(counts)
    return 0


async def export(settings: Settings, platform: str, user_id: str, output: Path | None) -> int:
    async with opened_store(settings) as store:
        document = await PrivacyService(store, settings).export(platform, user_id)
    if document["user"] is None:
        # A mistyped id must not pass for an empty account silently.
        print(f"no {platform} user {user_id} is stored: the export is empty", file=sys.stderr)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        await asyncio.to_thread(_write_private, output, text)
    except OSError as error:
        raise CliError(f"cannot write {output}: {error.strerror}") from None
    print(f"wrote {output}", file=sys.stderr)
    return 0


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by the owner only, because an export is personal data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(text)


async def delete(settings: Settings, platform: str, user_id: str) -> int:
    async with opened_store(settings) as store:
        counts = await PrivacyService(store, settings).erase(platform, user_id)
    if not any(counts.values()):
        print(f"no {platform} user {user_id} is stored: nothing was erased", file=sys.stderr)
    print_counts(counts)
    return 0


async def doctor(settings: Settings) -> int:
    from bot.doctor import run_checks

    failures = 0
    for check in await run_checks(settings):
        if check.ok:
            status = "ok"
        elif check.optional:
            status = "warn"
        else:
            status = "FAIL"
        line = f"[{status}] {check.name}: {check.detail}"
        if not check.ok and check.fix:
            line += f" -> {check.fix}"
        print(line)
        if not check.ok and not check.optional:
            failures += 1
    print(f"checked at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC: {failures} problem(s)")
    return 1 if failures else 0
