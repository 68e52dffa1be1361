"""`naromeet-bot run`: start the adapters and the purge schedule, stop on a signal."""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any, cast

from bot.core import Core, build_core
from config.settings import Settings
from storage.base import Store

logger = logging.getLogger(__name__)

# The core must not import adapters, so the entry point loads them by name. Each
# module provides `async def serve(core: Core, stop: asyncio.Event) -> None`, which
# returns once `stop` is set and its running sessions have ended cleanly.
ADAPTER_MODULES = {"telegram": "adapters.telegram.app", "discord": "adapters.discord.app"}

AdapterServe = Callable[[Core, asyncio.Event], Coroutine[Any, Any, None]]


def load_adapter(platform: str) -> AdapterServe:
    module = importlib.import_module(ADAPTER_MODULES[platform])
    return cast(AdapterServe, module.serve)


async def serve(settings: Settings, store: Store, platforms: list[str]) -> None:
    """Run the adapters for `platforms` until SIGINT or SIGTERM, then stop them cleanly."""
    core = build_core(settings, store)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    purge = asyncio.create_task(core.privacy.run_purge_schedule(), name="purge")
    adapters: list[asyncio.Task[None]] = [
        asyncio.create_task(load_adapter(name)(core, stop), name=f"adapter-{name}")
        for name in platforms
    ]
    logger.info("Bot started on %s with %s storage", ", ".join(platforms), store.backend)
    try:
        await asyncio.wait(
            [*adapters, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        stop.set()
        # Adapters end their sessions and tell candidates before they return.
        await asyncio.gather(*adapters, return_exceptions=True)
        for task in adapters:
            if task.done() and not task.cancelled() and task.exception() is not None:
                logger.error("Adapter %s failed", task.get_name(), exc_info=task.exception())
    finally:
        purge.cancel()
        await asyncio.gather(purge, return_exceptions=True)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        logger.info("Bot stopped")
