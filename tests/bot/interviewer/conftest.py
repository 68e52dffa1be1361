"""Fixtures shared by the interviewer tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from google import genai
from pydantic import SecretStr

from bot.gemini import make_client
from bot.interviewer.spec import InterviewSpec
from bot.interviewer.transcript import TranscriptLine
from config.settings import Settings
from tests.standins.gemini_live import GeminiLiveStandIn, gemini_live, make_gemini_live
from tests.standins.gemini_rest import GeminiRestStandIn, gemini_rest

__all__ = ["gemini_rest"]

TEXT_MODEL = "text-model"
TTS_MODEL = "tts-model"
FEEDBACK_MODEL = "feedback-model"


@pytest.fixture
def rest_settings(gemini_rest: GeminiRestStandIn) -> Settings:
    """Settings that point every Gemini REST call at the loopback stand-in."""
    return Settings(
        gemini_api_key=SecretStr("test-key"),
        gemini_base_url=gemini_rest.base_url,
        gemini_text_model=TEXT_MODEL,
        gemini_tts_model=TTS_MODEL,
        gemini_feedback_model=FEEDBACK_MODEL,
        gemini_voice="Kore",
    )


@pytest.fixture
def rest_client(rest_settings: Settings) -> genai.Client:
    """The real google-genai client, aimed at the stand-in."""
    return make_client(rest_settings)


# Gemini Live: the stand-in, a compressed clock and an events recorder.
__all__ += ["gemini_live", "make_gemini_live"]

LIVE_MODEL = "live-model"
RECORDER_WAIT_SECONDS = 10.0  # real seconds a recorder wait may take before the test fails


class ScaledClock:
    """A clock running `scale` times faster than real time, recording every sleep."""

    def __init__(self, scale: float) -> None:
        self._scale = scale
        self._origin = time.monotonic()
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return (time.monotonic() - self._origin) * self._scale

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(seconds / self._scale)


@dataclass
class RecordingEvents:
    """A `LiveEvents` sink that records every call."""

    audio: bytearray = field(default_factory=bytearray)
    interruptions: int = 0
    lines: list[TranscriptLine] = field(default_factory=list)
    turns_complete: int = 0
    warnings: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def _record(self, call: str) -> None:
        self.calls.append(call)
        self._changed.set()

    async def on_audio(self, pcm24k: bytes) -> None:
        self.audio += pcm24k
        self._record("audio")

    async def on_interrupted(self) -> None:
        self.interruptions += 1
        self._record("interrupted")

    async def on_transcript(self, line: TranscriptLine) -> None:
        self.lines.append(line)
        self._record("transcript")

    async def on_turn_complete(self) -> None:
        self.turns_complete += 1
        self._record("turn_complete")

    async def on_warning(self, kind: str) -> None:
        self.warnings.append(kind)
        self._record("warning")

    async def on_closed(self, reason: str) -> None:
        self.closed.append(reason)
        self._record("closed")

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Wait until `condition()` holds after a call, failing after RECORDER_WAIT_SECONDS."""
        async with asyncio.timeout(RECORDER_WAIT_SECONDS):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def wait_closed(self) -> str:
        await self.wait_until(lambda: bool(self.closed))
        return self.closed[0]


@pytest.fixture
def live_settings(gemini_live: GeminiLiveStandIn) -> Settings:
    """Settings aimed at the Live stand-in, with time limits a compressed clock can meet."""
    return Settings(
        gemini_api_key=SecretStr("test-key"),
        gemini_base_url=gemini_live.base_url,
        gemini_live_model=LIVE_MODEL,
        gemini_voice="Puck",
        gemini_setup_timeout_seconds=600.0,
        gemini_reconnect_budget_seconds=600.0,
        gemini_max_reconnect_attempts=4,
        candidate_silence_timeout_seconds=100_000.0,
        silence_duration_ms=1500,
    )


@pytest.fixture
def live_client(live_settings: Settings, gemini_live: GeminiLiveStandIn) -> genai.Client:
    """The real google-genai client, trusting the stand-in's test certificate."""
    return make_client(live_settings, ssl_context=gemini_live.client_ssl_context)


@pytest.fixture
def live_spec() -> InterviewSpec:
    return InterviewSpec(role="Backend engineer", length_minutes=15)


@pytest.fixture
def live_events() -> RecordingEvents:
    return RecordingEvents()
