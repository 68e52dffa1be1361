"""The per-turn interviewer used for voice notes.

Each candidate voice note is one request to the text model: the note (WAV in
memory), the interview state as quoted JSON, and the system instruction. The
model returns JSON with the candidate's transcript and the interviewer's reply,
and a TTS model voices the reply as 24 kHz mono s16le PCM.

The interview state is a JSON-friendly dict that the caller stores in the
session's `state`, so a restart between two notes loses nothing. Elapsed time is
the audio exchanged so far (candidate notes plus interviewer replies), because a
voice-note interview may span hours of wall-clock time.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import wave
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google import genai
from google.genai import types
from pydantic import BaseModel, ValidationError

from bot.interviewer.errors import (
    GEMINI_CALL_ERRORS,
    InterviewerError,
    is_quota_error,
    to_interviewer_error,
)
from bot.interviewer.prompts import (
    build_system_instruction,
    greeting_prompt,
    json_data_block,
    turn_mode_instruction,
)
from bot.interviewer.spec import InterviewSpec
from config.settings import Settings

logger = logging.getLogger(__name__)

STATE_VERSION = 1
INPUT_SAMPLE_RATE = 16_000
# Speech generation and response schemas are served on v1beta, while google-genai
# 3.3.0 defaults to v1. NOTE: not yet checked against the live API whether v1 accepts them.
API_VERSION = "v1beta"
OUTPUT_SAMPLE_RATE = 24_000
# Speaking rate used to estimate a reply's duration when it could not be voiced.
_ESTIMATED_WORDS_PER_SECOND = 2.5


class _TurnOutput(BaseModel):
    """The JSON object the text model returns for every turn."""

    candidate_transcript: str
    interviewer_reply: str
    interview_over: bool


@dataclass(frozen=True, slots=True)
class TurnResult:
    """One interviewer turn.

    `silent` is true when the note held no intelligible speech: `candidate_text`
    is then "" and the reply requests the note again. `voice_error` is
    "quota_exceeded" or "failed" when the reply could not be voiced, and
    `reply_pcm24k` is then empty, so the caller sends `reply_text` as text.
    """

    candidate_text: str
    reply_text: str
    reply_pcm24k: bytes
    interview_over: bool
    new_state: dict[str, Any]
    silent: bool = False
    voice_error: str | None = None


def pcm16k_to_wav(pcm: bytes) -> bytes:
    """Wrap 16 kHz mono s16le PCM in a WAV header, in memory."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(INPUT_SAMPLE_RATE)
        wav.writeframes(pcm)
    return buffer.getvalue()


def new_state(now: dt.datetime) -> dict[str, Any]:
    """Return the state of an interview that has not started."""
    return {
        "version": STATE_VERSION,
        "started_at": now.isoformat(),
        "spoken_seconds": 0.0,
        "turns": [],
        "interview_over": False,
    }


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TurnInterviewer:
    """Runs a voice-note interview one turn at a time through Gemini REST calls."""

    def __init__(
        self,
        client: genai.Client,
        settings: Settings,
        *,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._settings = settings
        self._clock = clock

    async def open(self, spec: InterviewSpec) -> TurnResult:
        """Generate and voice the greeting and first question of a new interview."""
        state = new_state(self._clock())
        prompt = greeting_prompt(spec)
        parts = [types.Part(text=f"{prompt}\n\n{self._state_block(spec, state)}")]
        output = await self._generate_turn(spec, parts)
        return await self._finish_turn(state, None, 0.0, output)

    async def take_turn(
        self, spec: InterviewSpec, state: dict[str, Any], audio_pcm16k: bytes
    ) -> TurnResult:
        """Send one candidate voice note and return the interviewer's voiced reply.

        Raises QuotaExceededError on exhausted quota (no retry), InterviewerError on
        any other failure of the text model, and ValueError on empty audio.
        """
        pcm = audio_pcm16k[: len(audio_pcm16k) - len(audio_pcm16k) % 2]
        if not pcm:
            raise ValueError("the voice note contains no audio samples")
        candidate_seconds = len(pcm) / (2 * INPUT_SAMPLE_RATE)
        parts = [
            types.Part(text=self._state_block(spec, state, candidate_seconds)),
            types.Part.from_bytes(data=pcm16k_to_wav(pcm), mime_type="audio/wav"),
        ]
        output = await self._generate_turn(spec, parts)
        return await self._finish_turn(
            state, output.candidate_transcript, candidate_seconds, output
        )

    def _state_block(
        self, spec: InterviewSpec, state: dict[str, Any], note_seconds: float = 0.0
    ) -> str:
        elapsed = (float(state.get("spoken_seconds", 0.0)) + note_seconds) / 60
        data = {
            "transcript": [
                {"speaker": turn["speaker"], "text": turn["text"]} for turn in state["turns"]
            ],
            "elapsed_minutes": round(elapsed, 1),
            "remaining_minutes": round(max(spec.length_minutes - elapsed, 0.0), 1),
            "planned_minutes": spec.length_minutes,
        }
        return json_data_block("interview_state", data)

    def _config(self, spec: InterviewSpec) -> types.GenerateContentConfig:
        instruction = f"{build_system_instruction(spec)}\n\n{turn_mode_instruction(spec)}"
        return types.GenerateContentConfig(
            system_instruction=instruction,
            response_mime_type="application/json",
            response_schema=_TurnOutput,
            http_options=request_options(self._settings),
        )

    async def _generate_turn(self, spec: InterviewSpec, parts: list[types.Part]) -> _TurnOutput:
        config = self._config(spec)
        contents = [types.Content(role="user", parts=parts)]
        for attempt in (1, 2):
            try:
                response = await self._client.aio.models.generate_content(
                    model=self._settings.gemini_text_model, contents=contents, config=config
                )
            except GEMINI_CALL_ERRORS as exc:
                logger.warning("Interviewer turn request failed: %s", type(exc).__name__)
                raise to_interviewer_error(exc, "turn") from exc
            output = _parse_output(response)
            if output is not None:
                return output
            logger.warning("Interviewer turn returned invalid output (attempt %d of 2)", attempt)
        raise InterviewerError("Gemini returned invalid interviewer output twice")

    async def _finish_turn(
        self,
        state: dict[str, Any],
        candidate_text: str | None,
        candidate_seconds: float,
        output: _TurnOutput,
    ) -> TurnResult:
        reply_text = output.interviewer_reply.strip()
        pcm, voice_error = await synthesize_speech(self._client, self._settings, reply_text)
        if pcm:
            reply_seconds = len(pcm) / (2 * OUTPUT_SAMPLE_RATE)
        else:
            reply_seconds = len(reply_text.split()) / _ESTIMATED_WORDS_PER_SECOND

        updated = dict(state)
        turns = list(state["turns"])
        now = self._clock().isoformat()
        silent = candidate_text is not None and not candidate_text.strip()
        if candidate_text is not None and not silent:
            turns.append({"speaker": "candidate", "text": candidate_text.strip(), "at": now})
        turns.append({"speaker": "interviewer", "text": reply_text, "at": now})
        updated["turns"] = turns
        updated["spoken_seconds"] = (
            float(state.get("spoken_seconds", 0.0)) + candidate_seconds + reply_seconds
        )
        updated["interview_over"] = output.interview_over
        logger.info(
            "Interviewer turn %d done (silent=%s, over=%s)",
            len(turns),
            silent,
            output.interview_over,
        )
        return TurnResult(
            candidate_text="" if candidate_text is None else candidate_text.strip(),
            reply_text=reply_text,
            reply_pcm24k=pcm,
            interview_over=output.interview_over,
            new_state=updated,
            silent=silent,
            voice_error=voice_error,
        )


def request_options(settings: Settings) -> types.HttpOptions:
    """Return the per-request HTTP options: the API version and the timeout in milliseconds."""
    return types.HttpOptions(
        api_version=API_VERSION,
        timeout=int(settings.gemini_request_timeout_seconds * 1000),
    )


def _parse_output(response: types.GenerateContentResponse) -> _TurnOutput | None:
    try:
        text = response.text
    except ValueError:
        return None
    if not text:
        return None
    try:
        output = _TurnOutput.model_validate_json(text)
    except ValidationError:
        return None
    if not output.interviewer_reply.strip():
        return None
    return output


async def synthesize_speech(
    client: genai.Client, settings: Settings, text: str
) -> tuple[bytes, str | None]:
    """Voice `text` with the TTS model as 24 kHz mono s16le PCM.

    Returns the PCM and None, or empty bytes and "quota_exceeded" or "failed".
    A failure here is reported, not raised, because the turn's text is already
    decided and must still reach the candidate and the stored state.
    """
    config = types.GenerateContentConfig(
        response_modalities=["AUDIO"],
        speech_config=types.SpeechConfig(
            voice_config=types.VoiceConfig(
                prebuilt_voice_config=types.PrebuiltVoiceConfig(voice_name=settings.gemini_voice)
            )
        ),
        http_options=request_options(settings),
    )
    try:
        response = await client.aio.models.generate_content(
            model=settings.gemini_tts_model, contents=text, config=config
        )
    except GEMINI_CALL_ERRORS as exc:
        logger.warning("Speech request failed: %s", type(exc).__name__)
        return b"", "quota_exceeded" if is_quota_error(exc) else "failed"
    try:
        pcm = _response_pcm(response)
    except InterviewerError as exc:
        logger.warning("Speech response unusable: %s", exc)
        return b"", "failed"
    return pcm, None


def _response_pcm(response: types.GenerateContentResponse) -> bytes:
    """Return the 24 kHz PCM in a TTS response; raise InterviewerError if there is none."""
    chunks = []
    for candidate in response.candidates or []:
        for part in (candidate.content.parts if candidate.content else None) or []:
            blob = part.inline_data
            if blob is None or not blob.data:
                continue
            _check_pcm_mime_type(blob.mime_type or "")
            chunks.append(blob.data)
    pcm = b"".join(chunks)
    if not pcm:
        raise InterviewerError("the speech response contains no audio")
    return pcm[: len(pcm) - len(pcm) % 2]


def _check_pcm_mime_type(mime_type: str) -> None:
    # Gemini TTS models return "audio/L16;codec=pcm;rate=24000" (raw s16le samples).
    kind = mime_type.split(";")[0].strip().lower()
    if kind not in ("audio/l16", "audio/pcm"):
        raise InterviewerError(f"unexpected speech mime type {mime_type!r}: expected raw PCM")
    match = re.search(r"rate=(\d+)", mime_type)
    if match and int(match.group(1)) != OUTPUT_SAMPLE_RATE:
        raise InterviewerError(
            f"unexpected speech sample rate {match.group(1)} Hz: expected {OUTPUT_SAMPLE_RATE}"
        )
