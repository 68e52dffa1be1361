"""Webhook mode: Telegram's secret header is required on every posted update."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from adapters.telegram.app import build_application, run
from bot.core import build_core
from storage.sqlite import SqliteStore
from tests.adapters.telegram.harness import CANDIDATE, settings_for
from tests.standins.gemini_rest import GeminiRestStandIn
from tests.standins.telegram_api import TelegramApiStandIn

SECRET = "webhook-secret-for-tests"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _help_update(update_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": CANDIDATE.id, "type": "private", "first_name": CANDIDATE.first_name},
            "from": CANDIDATE.to_dict(),
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def test_webhook_requires_secret_header(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "webhook.sqlite3")
    await store.connect()
    await store.migrate()
    port = _free_port()
    public_url = f"https://127.0.0.1:{port}/telegram-hook"
    async with TelegramApiStandIn() as telegram, GeminiRestStandIn() as gemini:
        settings = settings_for(
            telegram,
            gemini,
            telegram_webhook_url=public_url,
            telegram_webhook_secret=SecretStr(SECRET),
            telegram_webhook_listen="127.0.0.1",
            telegram_webhook_port=port,
        )
        core = build_core(settings, store)
        stop = asyncio.Event()
        task = asyncio.create_task(run(build_application(core, read_timeout=2.0), core, stop))
        try:
            registration = await telegram.wait_for_call("setWebhook")
            assert registration.params["url"] == public_url
            assert registration.params["secret_token"] == SECRET
            local_url = f"http://127.0.0.1:{port}/telegram-hook"
            async with aiohttp.ClientSession() as http:
                async with http.post(local_url, json=_help_update(1)) as response:
                    assert response.status == 403
                forged = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
                async with http.post(local_url, json=_help_update(2), headers=forged) as response:
                    assert response.status == 403
                assert telegram.calls_of("sendMessage") == []

                genuine = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                async with http.post(local_url, json=_help_update(3), headers=genuine) as response:
                    assert response.status == 200
            reply = await telegram.wait_for_call("sendMessage")
            assert reply.chat_id == CANDIDATE.id
            assert telegram.calls_of("getUpdates") == []
        finally:
            stop.set()
            await task
            await store.close()
