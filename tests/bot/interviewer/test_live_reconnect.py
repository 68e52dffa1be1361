"""LiveInterviewer across reconnections: goAway, drops, rejected resumes, long interviews."""

from __future__ import annotations

import asyncio
import contextlib
import itertools

from google import genai

from bot.interviewer.live import LiveInterviewer
from bot.interviewer.live_config import RESUME_PROMPT
from bot.interviewer.prompts import greeting_prompt
from bot.interviewer.spec import InterviewSpec
from config.settings import Settings
from tests.bot.interviewer.conftest import RecordingEvents, ScaledClock
from tests.standins.gemini_live import GeminiLiveStandIn, LiveConnection

SPEECH = (3000).to_bytes(2, "little", signed=True) * 320  # 20 ms at 16 kHz


def make_interviewer(
    settings: Settings,
    client: genai.Client,
    spec: InterviewSpec,
    events: RecordingEvents,
    scale: float = 100.0,
) -> tuple[LiveInterviewer, ScaledClock]:
    clock = ScaledClock(scale)
    return LiveInterviewer(settings, client, spec, events, clock=clock), clock


async def test_go_away_resumes_with_latest_handle(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    async def first(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.send_resumption_update("handle-1")
        await connection.send_resumption_update("handle-2")
        await connection.send_resumption_update(None, resumable=False)
        await connection.send_go_away(10.0)
        await connection.wait_closed()

    gemini_live.script(first)
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    await gemini_live.wait_for_connections(2)
    await gemini_live.connections[0].wait_closed()
    await interviewer.stop()

    assert gemini_live.connections[1].resumption_handle == "handle-2"
    assert gemini_live.texts().count(greeting_prompt(live_spec)) == 1
    assert RESUME_PROMPT not in gemini_live.texts()
    assert live_events.closed == ["completed"]


async def test_go_away_waits_for_turn_end(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    released = asyncio.Event()

    async def first(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.send_resumption_update("handle-1")
        await connection.send_output_transcription("A long question")
        await connection.send_go_away(600.0)
        await released.wait()
        await connection.send_output_transcription(" about caching.")
        await connection.send_turn_complete()
        await connection.wait_closed()

    gemini_live.script(first)
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    await gemini_live.connections[0].wait_for_text("interview")
    await asyncio.sleep(0.05)  # 5 s on the interview clock: no swap while speaking
    assert len(gemini_live.connections) == 1
    released.set()
    await gemini_live.wait_for_connections(2)
    await interviewer.stop()

    assert [line.text for line in live_events.lines] == ["A long question about caching."]
    assert live_events.lines[0].interrupted is False


async def test_audio_during_swap_arrives_after_reconnect(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    setup_allowed = asyncio.Event()
    before, during, after = b"\x01" * 640, b"\x02" * 640, b"\x03" * 640

    async def first(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.send_resumption_update("handle-1")
        await connection.wait_for_audio(len(before))
        await connection.send_go_away(30.0)
        await connection.wait_closed()

    async def second(connection: LiveConnection) -> None:
        await setup_allowed.wait()
        await connection.send_setup_complete()

    gemini_live.script(first, second)
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    await interviewer.send_audio(before)
    await gemini_live.wait_for_connections(2)
    await gemini_live.connections[0].wait_closed()
    await interviewer.send_audio(during)
    setup_allowed.set()
    await interviewer.send_audio(after)
    await gemini_live.connections[1].wait_for_audio(2 * 640)
    await interviewer.stop()

    assert gemini_live.connections[0].audio_chunks == [before]
    assert gemini_live.connections[1].audio_chunks == [during, after]
    assert gemini_live.connections[1].resumption_handle == "handle-1"


async def test_unexpected_close_retries_with_backoff(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    clock = ScaledClock(100.0)
    opened_at: list[float] = []

    async def internal_error(connection: LiveConnection) -> None:
        opened_at.append(clock.monotonic())
        await connection.send_setup_complete()
        await connection.send_resumption_update("handle-1")
        await connection.wait_for_text("interview")
        await connection.close(1011, "Internal error encountered.")

    async def dropped_before_setup(connection: LiveConnection) -> None:
        opened_at.append(clock.monotonic())
        await connection.drop()

    async def accepted(connection: LiveConnection) -> None:
        opened_at.append(clock.monotonic())
        await connection.send_setup_complete()

    gemini_live.script(internal_error, dropped_before_setup, dropped_before_setup, accepted)
    interviewer = LiveInterviewer(live_settings, live_client, live_spec, live_events, clock=clock)
    await interviewer.start()
    await gemini_live.wait_for_connections(4)
    await interviewer.stop()

    handles = [connection.resumption_handle for connection in gemini_live.connections]
    assert handles == [None, "handle-1", "handle-1", "handle-1"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(opened_at[1:])]
    assert gaps[0] >= 1.0  # the second retry waits twice the first delay
    assert gaps[1] >= 2.0
    assert gemini_live.texts().count(greeting_prompt(live_spec)) == 1
    assert live_events.closed == ["completed"]


async def test_reconnect_gives_up_after_attempts(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    async def accepted_then_dropped(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.drop()

    async def dropped(connection: LiveConnection) -> None:
        await connection.drop()

    gemini_live.script(accepted_then_dropped)
    gemini_live.default_script = dropped
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()

    assert await live_events.wait_closed() == "failed"
    attempts = live_settings.gemini_max_reconnect_attempts
    assert len(gemini_live.connections) == 1 + attempts


async def test_rejected_resume_starts_seeded_session(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    async def first(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        await connection.wait_for_text("interview")
        await connection.send_output_transcription("What did you build last year?")
        await connection.send_turn_complete()
        await connection.send_input_transcription("A billing service.")
        await connection.send_resumption_update("handle-1")
        await connection.drop()

    async def rejected(connection: LiveConnection) -> None:
        await connection.close(1008, "Invalid session resumption handle.")

    gemini_live.script(first, rejected)
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()
    await gemini_live.wait_for_connections(3)
    fresh = gemini_live.connections[2]
    await fresh.wait_for_text(RESUME_PROMPT)
    await interviewer.stop()

    assert gemini_live.connections[1].resumption_handle == "handle-1"
    assert fresh.resumption_handle is None
    assert "What did you build last year?" in fresh.system_instruction
    assert "Do not greet" in fresh.system_instruction
    assert greeting_prompt(live_spec) not in fresh.texts
    assert gemini_live.texts().count(greeting_prompt(live_spec)) == 1
    spoken = [(line.speaker, line.text) for line in live_events.lines]
    assert spoken == [
        ("interviewer", "What did you build last year?"),
        ("candidate", "A billing service."),
    ]


async def test_invalid_setup_is_not_retried(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_spec: InterviewSpec,
    live_events: RecordingEvents,
) -> None:
    async def invalid(connection: LiveConnection) -> None:
        await connection.close(1007, "Request contains an invalid argument.")

    gemini_live.script(invalid)
    interviewer, _ = make_interviewer(live_settings, live_client, live_spec, live_events)
    await interviewer.start()

    assert live_events.closed == ["failed"]
    assert len(gemini_live.connections) == 1


ROUND_SECONDS = 30.0  # interview-clock seconds per question and answer
ROUNDS_PER_CONNECTION = 8
DROPPED_CONNECTION = 3


async def test_interview_of_45_minutes(
    gemini_live: GeminiLiveStandIn,
    live_settings: Settings,
    live_client: genai.Client,
    live_events: RecordingEvents,
) -> None:
    spec = InterviewSpec(role="Site reliability engineer", length_minutes=45)
    clock = ScaledClock(1000.0)
    sent: list[tuple[str, str]] = []
    last_handles: list[str | None] = []
    rounds = iter(range(1, 10_000))

    async def rounds_then_leave(connection: LiveConnection) -> None:
        await connection.send_setup_complete()
        handle = None
        for _ in range(ROUNDS_PER_CONNECTION):
            number = next(rounds)
            sent.append(("interviewer", f"Question {number}."))
            await connection.send_output_transcription(f"Question {number}.")
            await connection.send_audio(bytes(960))
            await connection.send_turn_complete()
            sent.append(("candidate", f"Answer {number}."))
            await connection.send_input_transcription(f"Answer {number}.")
            handle = f"handle-{connection.index}-{number}"
            await connection.send_resumption_update(handle)
            await clock.sleep(ROUND_SECONDS)
        last_handles.append(handle)
        if connection.index == DROPPED_CONNECTION:
            await connection.drop()
        else:
            await connection.send_go_away(10.0)
            await connection.wait_closed()

    async def script(connection: LiveConnection) -> None:
        with contextlib.suppress(Exception):  # the interview may end mid-round
            await rounds_then_leave(connection)

    gemini_live.default_script = script
    interviewer = LiveInterviewer(live_settings, live_client, spec, live_events, clock=clock)
    await interviewer.start()
    while not live_events.closed:
        await interviewer.send_audio(SPEECH)
        await clock.sleep(10.0)

    assert await live_events.wait_closed() == "time_limit"
    assert clock.monotonic() >= 45 * 60
    connections = gemini_live.connections
    assert len(connections) >= 10
    for index, connection in enumerate(connections[1:]):
        assert connection.resumption_handle == last_handles[index]
    assert gemini_live.texts().count(greeting_prompt(spec)) == 1
    assert live_events.warnings == ["time_warning"]
    delivered = [(line.speaker, line.text) for line in live_events.lines]
    assert len(set(delivered)) == len(delivered)
    assert delivered == sent[: len(delivered)]
    assert len(sent) - len(delivered) <= 2  # only the round cut by the time limit
    assert not any(line.interrupted for line in live_events.lines)
    received = sum(len(connection.audio) for connection in connections)
    assert received >= 200 * len(SPEECH)
