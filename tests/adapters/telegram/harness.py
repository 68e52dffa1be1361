"""A running Telegram bot behind the Bot API and Gemini REST stand-ins, for adapter tests.

This directory has no `__init__.py` on purpose: as a package named `telegram`
its tests would shadow python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import SecretStr

from adapters.telegram.app import build_application, run
from bot.audio import encode_voice_note
from bot.core import Core, build_core
from config.settings import Settings
from tests.standins.gemini_rest import GeminiRestStandIn, audio_reply, json_reply
from tests.standins.telegram_api import TOKEN, Call, TelegramApiStandIn, TelegramUser

TEXT_MODEL = "text-model"
TTS_MODEL = "tts-model"
FEEDBACK_MODEL = "feedback-model"
GEMINI_KEY = "gemini-test-key-do-not-log"
TESTDATA = Path(__file__).resolve().parents[3].parent / "shared" / "testdata"
CANDIDATE = TelegramUser(id=4242, first_name="Ada", username="ada", language_code="en")


def settings_for(
    telegram: TelegramApiStandIn, gemini: GeminiRestStandIn, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": SecretStr(TOKEN),
        "telegram_base_url": telegram.base_url,
        "telegram_base_file_url": telegram.base_file_url,
        "gemini_api_key": SecretStr(GEMINI_KEY),
        "gemini_base_url": gemini.base_url,
        "gemini_text_model": TEXT_MODEL,
        "gemini_tts_model": TTS_MODEL,
        "gemini_feedback_model": FEEDBACK_MODEL,
        "feedback_min_candidate_words": 0,
        "gemini_request_timeout_seconds": 10.0,
    }
    values.update(extra)
    return Settings(**values)


def speech_pcm(seconds: float, sample_rate: int = 24_000, frequency: float = 220.0) -> bytes:
    """A loud tone with a little noise, as s16le mono: the stand-in for a spoken answer."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    rng = np.random.default_rng(7)
    wave = 0.4 * np.sin(2 * math.pi * frequency * t) + 0.05 * rng.standard_normal(t.size)
    return (np.clip(wave, -1, 1) * 32767).astype("<i2").tobytes()


def synthesised_note(seconds: float = 2.0) -> bytes:
    """An OGG/Opus voice note encoded with PyAV from a synthesised tone."""
    return encode_voice_note(speech_pcm(seconds), 24_000).data


def silent_note(seconds: float = 2.0) -> bytes:
    return encode_voice_note(b"\x00\x00" * int(seconds * 24_000), 24_000).data


def script_turn(
    gemini: GeminiRestStandIn, reply: str, *, candidate: str = "", over: bool = False
) -> None:
    """Queue one interviewer turn: the text model's JSON, then the TTS audio."""
    gemini.script(
        TEXT_MODEL,
        json_reply(
            {"candidate_transcript": candidate, "interviewer_reply": reply, "interview_over": over}
        ),
    )
    gemini.script(TTS_MODEL, audio_reply(speech_pcm(1.5)))


def script_feedback(gemini: GeminiRestStandIn, quote: str) -> None:
    """Queue feedback for a technical interview whose evidence quotes `quote`."""
    criteria = [
        {"criterion_id": cid, "score": 7, "evidence_quote": quote}
        for cid in ("correctness", "depth", "problem_solving", "communication")
    ]
    gemini.script(
        FEEDBACK_MODEL,
        json_reply(
            {
                "overall_score": 70,
                "criteria": criteria,
                "strengths": ["Clear <structure> & examples"],
                "improvements": ["Quantify results"],
                "stronger_answer": "I would shard by tenant id.",
                "confidence": 0.8,
            }
        ),
    )


@dataclass
class Bot:
    """The running bot and its stand-ins."""

    telegram: TelegramApiStandIn
    gemini: GeminiRestStandIn
    core: Core
    stop: asyncio.Event
    task: asyncio.Task[None]

    def mark(self) -> int:
        """The index of the next recorded call, to wait only for what follows."""
        return len(self.telegram.calls)

    async def command(self, text: str, user: TelegramUser = CANDIDATE) -> Call:
        """Send a command and return the bot's first sendMessage in reply."""
        after = self.mark()
        self.telegram.send_text(user, text)
        return await self.telegram.wait_for_call(
            "sendMessage", lambda call: call.chat_id == user.id, after=after
        )

    async def press(self, call: Call, data: str, user: TelegramUser = CANDIDATE) -> int:
        after = self.mark()
        self.telegram.press_button(user, call, data)
        await self.telegram.wait_for_call("answerCallbackQuery", after=after)
        return after

    async def consent(self, user: TelegramUser = CANDIDATE) -> None:
        prompt = await self.command("/consent", user)
        after = await self.press(prompt, "consent:accept", user)
        await self.telegram.wait_for_call(
            "sendMessage", lambda call: "consent" in call.text.lower(), after=after
        )

    async def text_reply(self, after: int, fragment: str, user: TelegramUser = CANDIDATE) -> Call:
        return await self.telegram.wait_for_call(
            "sendMessage",
            lambda call: call.chat_id == user.id and fragment in call.text,
            after=after,
        )


def export_document(call: Call) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(call.files["document"].decode("utf-8"))
    return document


@asynccontextmanager
async def running_bot(store: Any, **settings: Any) -> AsyncIterator[Bot]:
    """Start the real Application against fresh stand-ins; stop it cleanly afterwards."""
    async with TelegramApiStandIn() as telegram, GeminiRestStandIn() as gemini:
        core = build_core(settings_for(telegram, gemini, **settings), store)
        application = build_application(core, read_timeout=2.0, network_backoff=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(run(application, core, stop))
        await telegram.wait_for_call("setMyCommands")
        await telegram.wait_for_call("deleteWebhook")
        bot = Bot(telegram, gemini, core, stop, task)
        try:
            yield bot
        finally:
            stop.set()
            await task
