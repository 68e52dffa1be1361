"""`naromeet-bot run --platform telegram` as a real process, stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from storage.sqlite import SqliteStore
from tests.adapters.telegram.harness import (
    CANDIDATE,
    FEEDBACK_MODEL,
    GEMINI_KEY,
    TEXT_MODEL,
    TTS_MODEL,
    script_turn,
    synthesised_note,
)
from tests.standins.gemini_rest import GeminiRestStandIn
from tests.standins.telegram_api import TOKEN, TelegramApiStandIn

GREETING = "Welcome to this mock interview about distributed caches."
ANSWER = "I invalidate entries with a write-through policy."
QUESTION = "What happens when a cache node fails?"
# The process must exit on its own well within this; it bounds the test, it measures nothing.
EXIT_WAIT_SECONDS = 60.0


def _environment(telegram: TelegramApiStandIn, gemini: GeminiRestStandIn, db: Path) -> dict:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GEMINI_", "TELEGRAM_", "DISCORD_", "DATABASE_"))
    }
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": telegram.base_url,
            "TELEGRAM_BASE_FILE_URL": telegram.base_file_url,
            "GEMINI_API_KEY": GEMINI_KEY,
            "GEMINI_BASE_URL": gemini.base_url,
            "GEMINI_TEXT_MODEL": TEXT_MODEL,
            "GEMINI_TTS_MODEL": TTS_MODEL,
            "GEMINI_FEEDBACK_MODEL": FEEDBACK_MODEL,
            "DATABASE_URL": f"sqlite:///{db}",
            "LOG_LEVEL": "DEBUG",
        }
    )
    return env


def _executable() -> str:
    return str(Path(sys.executable).parent / "naromeet-bot")


async def test_process_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    async with TelegramApiStandIn() as telegram, GeminiRestStandIn() as gemini:
        process = await asyncio.create_subprocess_exec(
            _executable(),
            "run",
            "--platform",
            "telegram",
            env=_environment(telegram, gemini, db),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await telegram.wait_for_call("deleteWebhook")
            after = len(telegram.calls)
            telegram.send_text(CANDIDATE, "/consent")
            prompt = await telegram.wait_for_call("sendMessage", after=after)
            after = len(telegram.calls)
            telegram.press_button(CANDIDATE, prompt, "consent:accept")
            await telegram.wait_for_call("sendMessage", after=after)

            script_turn(gemini, GREETING)
            after = len(telegram.calls)
            telegram.send_text(CANDIDATE, '/interview system_design "Platform engineer"')
            await telegram.wait_for_call("sendVoice", after=after)
            script_turn(gemini, QUESTION, candidate=ANSWER)
            after = len(telegram.calls)
            telegram.send_voice(CANDIDATE, synthesised_note())
            await telegram.wait_for_call("sendVoice", after=after)

            after = len(telegram.calls)
            process.send_signal(signal.SIGTERM)
            _, stderr_bytes = await asyncio.wait_for(process.communicate(), EXIT_WAIT_SECONDS)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, stderr_bytes.decode(errors="replace")[-2000:]
        notice = await telegram.wait_for_call("sendMessage", after=after, attempts=1)
        assert notice.chat_id == CANDIDATE.id
        assert "transcript is saved" in notice.text

    stderr = stderr_bytes.decode(errors="replace")
    assert "Telegram bot stopped" in stderr
    for secret in (TOKEN, TOKEN.split(":", 1)[1], GEMINI_KEY, GREETING, ANSWER, QUESTION):
        assert secret not in stderr, f"the log contains {secret!r}"

    store = SqliteStore(db)
    await store.connect()
    try:
        user = await store.get_user("telegram", str(CANDIDATE.id))
        assert user is not None
        [session] = await store.list_sessions(user.id)
        assert session.end_reason == "shutdown"
        lines = [line.text for line in await store.transcript(session.id)]
        assert ANSWER in lines
        assert GREETING in lines
    finally:
        await store.close()
