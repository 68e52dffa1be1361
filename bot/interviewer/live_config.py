"""The Gemini Live session configuration, the clock and the model nudges."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from google.genai import types

from config.settings import Settings

INPUT_MIME_TYPE = "audio/pcm;rate=16000"
INPUT_BYTES_PER_SECOND = 16_000 * 2  # 16 kHz mono s16le
TIME_WARNING_SECONDS = 120.0

# NOTE: these nudges are English instructions to the model, which speaks the
# interview language set by the system instruction. Move them to
# config/prompts/ if they need translating.
TIME_WARNING_PROMPT = (
    "About two minutes of the interview remain. Finish the current topic, ask at most "
    "one short final question, then thank the candidate and close the interview."
)
RESUME_PROMPT = (
    "The connection was restored. Continue the interview from where it stopped, without "
    "greeting the candidate again: if your last question was cut off, ask it again briefly."
)


class Clock(Protocol):
    """A monotonic time source and a sleep; tests inject one that runs faster."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def build_connect_config(
    settings: Settings, system_instruction: str, resumption_handle: str | None
) -> types.LiveConnectConfig:
    """Build the Live session configuration.

    End-of-speech sensitivity is low and the silence before end of speech comes
    from `silence_duration_ms`, so a candidate's thinking pause does not end
    their turn. The sliding window keeps an audio session alive past the
    context limit, and `resumption_handle` resumes an earlier session.
    """
    voice = types.VoiceConfig(
        prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=settings.gemini_voice)
    )
    activity_detection = types.AutomaticActivityDetection(
        start_of_speech_sensitivity=types.StartSensitivity.START_SENSITIVITY_HIGH,
        end_of_speech_sensitivity=types.EndSensitivity.END_SENSITIVITY_LOW,
        prefix_padding_ms=settings.gemini_prefix_padding_ms,
        silence_duration_ms=settings.silence_duration_ms,
    )
    return types.LiveConnectConfig(
        response_modalities=[types.Modality.AUDIO],
        speech_config=types.SpeechConfig(voice_config=voice),
        system_instruction=system_instruction,
        input_audio_transcription=types.AudioTranscriptionConfig(),
        output_audio_transcription=types.AudioTranscriptionConfig(),
        realtime_input_config=types.RealtimeInputConfig(
            automatic_activity_detection=activity_detection
        ),
        context_window_compression=types.ContextWindowCompressionConfig(
            sliding_window=types.SlidingWindow()
        ),
        session_resumption=types.SessionResumptionConfig(handle=resumption_handle),
    )


def parse_duration(value: str | None) -> float | None:
    """Return the seconds in a protobuf JSON duration ("7.5s"), or None if unreadable."""
    if not value or not value.endswith("s"):
        return None
    try:
        return float(value[:-1])
    except ValueError:
        return None
