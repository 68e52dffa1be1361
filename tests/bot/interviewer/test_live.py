"""LiveInterviewer against the Gemini Live stand-in: setup, audio, transcript, limits."""

from __future__ import annotations

from http import HTTPStatus

from google import genai

from bot.interviewer.live import LiveInterviewer
from bot.interviewer.live_config import TIME_WARNING_PROMPT
from bot.interviewer.prompts import greeting_prompt
from bot.interviewer.spec import InterviewSpec
from config.settings import Settings
from tests.bot.interviewer.conftest import LIVE_MODEL, RecordingEvents, ScaledClock
from tests.standins.gemini_live import QUOTA_REASON, GeminiLiveStandIn, LiveConnection

SPEECH = (3000).to_bytes(2, "little", signed=True) * 320  # 20 ms at 16 kHz, loud enough
SILENCE = bytes(640)


def make_interviewer(
    settings: Settings,
    client: genai.Client,
    spec: InterviewSpec,
    events: RecordingEvents,
    scale: float = 100.0,
) -> tuple[LiveInterviewer, ScaledClock]:
    clock = ScaledClock(scale)
    return LiveInterviewer(settings, client, spec, events, clock=clock), clock


async def test_setup_carries_session_config(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    await gemini_live.wait_for_connections(1)
    setup = gemini_live.connections[0].setup
    await interviewer.stop()

    assert setup["model"] == f"models/{LIVE_MODEL}"
    assert setup["generation_config"]["response_modalities"] == ["AUDIO"]
    voice = setup["generation_config"]["speech_config"]["voice_config"]
    assert voice["prebuilt_voice_config"]["voice_name"] == "Puck"
    assert "Backend engineer" in gemini_live.connections[0].system_instruction
    assert setup["input_audio_transcription"] == {}
    assert setup["output_audio_transcription"] == {}
    detection = setup["realtime_input_config"]["automatic_activity_detection"]
    assert detection["end_of_speech_sensitivity"] == "END_SENSITIVITY_LOW"
    assert detection["silence_duration_ms"] == 1500
    assert detection["prefix_padding_ms"] == live_settings.gemini_prefix_padding_ms
    assert "sliding_window" in setup["context_window_compression"]
    assert "session_resumption" in setup
    assert gemini_live.connections[0].resumption_handle is None
    assert gemini_live.connections[0].path.endswith(
        "generativelanguage.v1.GenerativeService.BidiGenerateContent"
    )


async def test_start_greets_once(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    await gemini_live.wait_for_connections(1)
    greeting = greeting_prompt(live_spec)
    await gemini_live.connections[0].wait_for_text(greeting)
    await interviewer.stop()

    assert gemini_live.texts() == [greeting]
    assert live_events.closed == ["completed"]


async def test_audio_reaches_socket_in_order(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    chunks = [bytes([index]) * 640 for index in range(50)]
    for chunk in chunks:
        await interviewer.send_audio(chunk)
    await gemini_live.wait_for_connections(1)
    connection = gemini_live.connections[0]
    await connection.wait_for_audio(640 * 50)
    await interviewer.stop()

    assert connection.audio_chunks == chunks
    mime_types = [
        message["realtime_input"]["audio"]["mime_type"]
        for message in connection.messages
        if "audio" in message.get("realtime_input", {})
    ]
    assert set(mime_types) == {"audio/pcm;rate=16000"}


async def test_server_turn_becomes_audio_and_lines(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    pcm24k = bytes(range(256)) * 30

    async def script(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.send_output_transcription("Hello and")
        await connection.send_audio(pcm24k, chunk_bytes=1920)
        await connection.send_output_transcription(" welcome.")
        await connection.send_turn_complete()
        await connection.send_input_transcription("Thank")
        await connection.send_input_transcription(" you.")
        await connection.send_output_transcription("First question.")
        await connection.send_turn_complete()

    gemini_live.script(script)
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    await live_events.wait_until(lambda: live_events.turns_complete == 2)
    await interviewer.stop()

    assert bytes(live_events.audio) == pcm24k
    spoken = [(line.speaker, line.text, line.interrupted) for line in live_events.lines]
    assert spoken == [
        ("interviewer", "Hello and welcome.", False),
        ("candidate", "Thank you.", False),
        ("interviewer", "First question.", False),
    ]
    for line in live_events.lines:
        assert 0.0 <= line.started_at <= line.ended_at


async def test_interrupted_cuts_interviewer_line(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    async def script(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.send_output_transcription("Tell me about")
        await connection.send_audio(bytes(4800))
        await connection.send_input_transcription("Sorry,")
        await connection.send_interrupted()
        await connection.send_output_transcription(" your last project.")  # never spoken
        await connection.send_turn_complete()

    gemini_live.script(script)
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    await live_events.wait_until(lambda: live_events.turns_complete == 1)
    await interviewer.stop()

    assert live_events.interruptions == 1
    assert live_events.calls.index("interrupted") < live_events.calls.index("turn_complete")
    first = live_events.lines[0]
    assert first.speaker == "interviewer"
    assert first.text == "Tell me about"
    assert first.interrupted is True
    assert ("candidate", "Sorry,") in [(line.speaker, line.text) for line in live_events.lines]


async def test_setup_timeout_closes(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    async def no_setup(connection: LiveConnection) -> None:
        await connection.wait_closed()

    gemini_live.script(no_setup)
    settings = live_settings.model_copy(update={"gemini_setup_timeout_seconds": 15.0})
    interviewer, clock = make_interviewer(settings, live_client, live_spec, live_events)
    await interviewer.start()

    assert live_events.closed == ["setup_timeout"]
    assert 15.0 in clock.sleeps
    assert len(gemini_live.connections) == 1
    assert gemini_live.texts() == []


async def test_quota_close_is_not_retried(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    async def quota(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.wait_for_text("interview")
        await connection.close(1011, QUOTA_REASON)

    gemini_live.script(quota)
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()

    assert await live_events.wait_closed() == "quota"
    assert live_events.closed == ["quota"]
    assert len(gemini_live.connections) == 1


async def test_http_429_is_not_retried(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    gemini_live.reject_handshakes = HTTPStatus.TOO_MANY_REQUESTS
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()

    assert live_events.closed == ["quota"]
    assert gemini_live.rejected_handshakes == 1


async def test_candidate_silence_closes(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    settings = live_settings.model_copy(update={"candidate_silence_timeout_seconds": 30.0})
    interviewer, clock = make_interviewer(settings, live_client, live_spec, live_events)
    await interviewer.start()
    for _ in range(20):
        await interviewer.send_audio(SILENCE)  # silence does not count as speech

    assert await live_events.wait_closed() == "candidate_silent"
    assert clock.monotonic() >= 30.0


async def test_candidate_speech_defers_silence_close(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    settings = live_settings.model_copy(update={"candidate_silence_timeout_seconds": 30.0})
    interviewer, clock = make_interviewer(settings, live_client, live_spec, live_events)
    await interviewer.start()
    last_speech = 0.0
    while clock.monotonic() < 90.0:
        await interviewer.send_audio(SPEECH)
        last_speech = clock.monotonic()
        await clock.sleep(5.0)
    assert live_events.closed == []

    assert await live_events.wait_closed() == "candidate_silent"
    assert clock.monotonic() >= last_speech + 30.0


async def test_time_limit_warns_then_closes(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_events: RecordingEvents,
) -> None:
    spec = InterviewSpec(role="Data analyst", length_minutes=5)
    interviewer, clock = make_interviewer(live_settings, live_client, spec, live_events, 1000.0)
    await interviewer.start()
    await live_events.wait_until(lambda: bool(live_events.warnings))
    warned_at = clock.monotonic()
    await gemini_live.connections[0].wait_for_text(TIME_WARNING_PROMPT)

    assert await live_events.wait_closed() == "time_limit"
    assert live_events.warnings == ["time_warning"]
    assert 180.0 <= warned_at < 300.0
    assert clock.monotonic() >= 300.0
    assert gemini_live.texts().count(TIME_WARNING_PROMPT) == 1


async def test_stop_closes_once(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    await gemini_live.wait_for_connections(1)
    await interviewer.stop()
    await interviewer.stop("failed")
    await interviewer.send_audio(SPEECH)
    await gemini_live.connections[0].wait_closed()

    assert live_events.closed == ["completed"]
    assert gemini_live.connections[0].audio == bytearray()
