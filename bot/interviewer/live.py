"""The streaming interviewer: one interview held over Gemini Live.

`LiveInterviewer` keeps one interview going across the connections Gemini Live
imposes: it reconnects on `goAway` and on unexpected closes, resuming with the
latest resumable handle, and falls back to a fresh session seeded with a
transcript summary when a resumption is rejected. The candidate is greeted once,
on the first connection only. Exhausted quota is never retried.

Everything the interview produces reaches the caller through `LiveEvents`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass

from google import genai
from google.genai import types
from google.genai.live import AsyncSession
from websockets.exceptions import ConnectionClosed

from bot.interviewer.live_config import (
    INPUT_BYTES_PER_SECOND,
    INPUT_MIME_TYPE,
    RESUME_PROMPT,
    TIME_WARNING_PROMPT,
    TIME_WARNING_SECONDS,
    Clock,
    SystemClock,
    build_connect_config,
    parse_duration,
)
from bot.interviewer.live_errors import Failure, SetupTimeoutError, classify_failure, describe
from bot.interviewer.live_events import LiveEvents
from bot.interviewer.live_outbox import Outbox, is_speech
from bot.interviewer.prompts import build_system_instruction, greeting_prompt
from bot.interviewer.spec import InterviewSpec
from bot.interviewer.transcript import (
    Speaker,
    TranscriptAssembler,
    TranscriptLine,
    summarize_transcript,
)
from config.settings import Settings

__all__ = ["LiveEvents", "LiveInterviewer", "TranscriptLine"]

logger = logging.getLogger(__name__)

WATCH_INTERVAL_SECONDS = 1.0
GO_AWAY_MARGIN_SECONDS = 2.0  # reconnect this long before the server's deadline
INITIAL_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
CLOSING_GRACE_SECONDS = 20.0  # at the time limit, how long the interviewer may finish
ERROR_LOG_INTERVAL = 100


@dataclass
class _Connection:
    session: AsyncSession
    exit_stack: contextlib.AsyncExitStack
    resumed: bool


class LiveInterviewer:
    """One interview over Gemini Live; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        client: genai.Client,
        spec: InterviewSpec,
        events: LiveEvents,
        *,
        clock: Clock | None = None,
    ) -> None:
        self._settings = settings
        self._client = client
        self._spec = spec
        self._events = events
        self._clock = clock or SystemClock()
        max_audio_bytes = int(settings.gemini_audio_buffer_seconds * INPUT_BYTES_PER_SECOND)
        self._outbox = Outbox(max_audio_bytes)
        self._assembler = TranscriptAssembler()
        self._lines: list[TranscriptLine] = []
        self._connection: _Connection | None = None
        self._handle: str | None = None
        self._greeting: str | None = None
        self._greeting_sent = False
        self._closed = False
        self._started_at = 0.0
        self._last_activity = 0.0
        self._model_turn_active = False
        self._swap_requested = asyncio.Event()
        self._swap_timer: asyncio.Task[None] | None = None
        self._receive_task: asyncio.Task[None] | None = None
        self._dispatching = False
        self._receive_stop_requested = False
        self._tasks: list[asyncio.Task[None]] = []
        self._send_errors = 0
        self._callback_errors = 0

    @property
    def lines(self) -> list[TranscriptLine]:
        """The transcript lines delivered so far."""
        return list(self._lines)

    @property
    def closed(self) -> bool:
        return self._closed

    async def start(self) -> None:
        """Connect, wait for `setupComplete` and ask the model to greet the candidate.

        A failure to connect is reported through `on_closed`, not raised.
        """
        self._started_at = self._clock.monotonic()
        self._last_activity = self._started_at
        if not await self._connect(immediate=True):
            return
        # Queued once: if the connection fails before it is sent, the next one sends it.
        self._greeting = greeting_prompt(self._spec)
        self._outbox.put_text(self._greeting)
        for work in (self._run(), self._send_loop(), self._watch()):
            self._tasks.append(asyncio.create_task(work))
        logger.info("Live interview started (model %s)", self._settings.gemini_live_model)

    async def send_audio(self, pcm16k: bytes) -> None:
        """Queue candidate audio (16 kHz mono s16le); returns without waiting for the socket."""
        if self._closed:
            return
        if is_speech(pcm16k):
            self._last_activity = self._clock.monotonic()
        self._outbox.put_audio(pcm16k)

    async def stop(self, reason: str = "completed") -> None:
        """End the interview; `on_closed(reason)` is called once."""
        await self._finish(reason)

    # Connections

    async def _connect(self, *, immediate: bool) -> bool:
        """Open a connection, retrying with backoff inside the reconnection budget."""
        deadline = self._clock.monotonic() + self._settings.gemini_reconnect_budget_seconds
        delay = 0.0 if immediate else INITIAL_BACKOFF_SECONDS
        attempts = max(1, self._settings.gemini_max_reconnect_attempts)
        for attempt in range(1, attempts + 1):
            remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                break
            if delay > 0:
                await self._clock.sleep(min(delay, remaining))
            try:
                await self._open()
                return True
            except SetupTimeoutError:
                logger.warning("Live setup timed out (attempt %d)", attempt)
                await self._finish("setup_timeout")
                return False
            except Exception as error:
                failure = classify_failure(error, resuming=self._handle is not None)
                logger.warning(
                    "Live connection attempt %d failed (%s): %s",
                    attempt,
                    failure.value,
                    describe(error),
                )
                if failure is Failure.QUOTA:
                    await self._finish("quota")
                    return False
                if failure is Failure.FATAL:
                    await self._finish("failed")
                    return False
                if failure is Failure.RESUME_REJECTED:
                    self._handle = None
                    delay = 0.0
                else:
                    delay = min(max(delay * 2, INITIAL_BACKOFF_SECONDS), MAX_BACKOFF_SECONDS)
        logger.warning("Live reconnection budget exhausted")
        await self._finish("failed")
        return False

    async def _open(self) -> None:
        """Open one connection.

        A connection without a resumption handle after the greeting was sent gets
        a fresh session seeded with the transcript so far, which tells the model
        not to greet again.
        """
        resumed = self._handle is not None
        summary = None
        if self._greeting_sent and not resumed:
            summary = summarize_transcript(self._lines)
        instruction = build_system_instruction(self._spec, resume_summary=summary)
        config = build_connect_config(self._settings, instruction, self._handle)
        connect = self._client.aio.live.connect(
            model=self._settings.gemini_live_model, config=config
        )
        exit_stack = contextlib.AsyncExitStack()
        session = await self._wait_for_setup(exit_stack.enter_async_context(connect))
        if session.setup_complete is None:
            await exit_stack.aclose()
            raise ConnectionError("Live server sent another message before setupComplete")
        self._connection = _Connection(session, exit_stack, resumed)
        if summary is not None:
            self._outbox.put_text(RESUME_PROMPT)
        self._outbox.wake()
        logger.info("Live connection open (resumed=%s, seeded=%s)", resumed, summary is not None)

    async def _wait_for_setup(self, entering: Awaitable[AsyncSession]) -> AsyncSession:
        # The SDK's connect returns once the server's first message arrived.
        setup = asyncio.ensure_future(entering)
        timer = asyncio.ensure_future(
            self._clock.sleep(self._settings.gemini_setup_timeout_seconds)
        )
        try:
            await asyncio.wait({setup, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        if setup.done():
            return setup.result()
        setup.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await setup
        raise SetupTimeoutError

    async def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        self._model_turn_active = False
        if connection is None:
            return
        with contextlib.suppress(Exception):
            await connection.exit_stack.aclose()

    # The receive side

    async def _run(self) -> None:
        """Receive from each connection in turn and replace it when it ends."""
        while (connection := self._connection) is not None:
            self._receive_stop_requested = False
            self._receive_task = asyncio.create_task(self._receive(connection.session))
            swap = asyncio.create_task(self._swap_requested.wait())
            try:
                await asyncio.wait({self._receive_task, swap}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                swap.cancel()
            failure = None
            if self._swap_requested.is_set():
                self._swap_requested.clear()
                await self._stop_receiving()
                logger.info("Live connection swap after goAway")
            elif self._receive_task.cancelled():
                return
            else:
                error = self._receive_task.exception() or ConnectionError("receive ended")
                failure = classify_failure(error, resuming=connection.resumed)
                logger.warning("Live connection ended (%s): %s", failure.value, describe(error))
            await self._close_connection()
            await self._emit(self._assembler.connection_lost(self._now()))
            if failure is Failure.QUOTA:
                await self._finish("quota")
                return
            if failure is Failure.FATAL:
                await self._finish("failed")
                return
            if failure is Failure.RESUME_REJECTED:
                self._handle = None
            immediate = failure in (None, Failure.RESUME_REJECTED)
            if not await self._connect(immediate=immediate):
                return

    async def _receive(self, session: AsyncSession) -> None:
        """Dispatch messages until the connection fails; only ends by raising."""
        while True:
            async for message in session.receive():
                self._dispatching = True
                try:
                    await self._dispatch(message)
                finally:
                    self._dispatching = False
                if self._receive_stop_requested:
                    return

    async def _stop_receiving(self) -> None:
        """Stop the receive task between two messages, so no message is half handled."""
        task = self._receive_task
        if task is None or task.done():
            return
        if task is asyncio.current_task():
            # Called from an event callback: return once the message is handled.
            self._receive_stop_requested = True
            return
        if self._dispatching:
            self._receive_stop_requested = True
        else:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    async def _dispatch(self, message: types.LiveServerMessage) -> None:
        update = message.session_resumption_update
        if update is not None and update.resumable and update.new_handle:
            self._handle = update.new_handle
        if message.go_away is not None:
            self._schedule_swap(parse_duration(message.go_away.time_left))
        content = message.server_content
        if content is None:
            return
        now = self._now()
        if content.input_transcription and content.input_transcription.text:
            self._last_activity = self._clock.monotonic()
            await self._add_fragment("candidate", content.input_transcription.text, now)
        if content.output_transcription and content.output_transcription.text:
            self._model_turn_active = True
            await self._add_fragment("interviewer", content.output_transcription.text, now)
        if content.model_turn and content.model_turn.parts:
            await self._play(content.model_turn.parts)
        if content.interrupted:
            self._model_turn_active = False
            await self._call(self._events.on_interrupted())
            await self._emit(self._assembler.interrupted(now))
        if content.turn_complete:
            self._model_turn_active = False
            self._last_activity = self._clock.monotonic()
            await self._emit(self._assembler.turn_complete(now))
            await self._call(self._events.on_turn_complete())

    async def _add_fragment(self, speaker: Speaker, text: str, now: float) -> None:
        await self._emit(self._assembler.add(speaker, text, now))

    async def _play(self, parts: list[types.Part]) -> None:
        for part in parts:
            if part.inline_data is not None and part.inline_data.data:
                self._model_turn_active = True
                self._last_activity = self._clock.monotonic()
                await self._call(self._events.on_audio(part.inline_data.data))

    async def _emit(self, lines: list[TranscriptLine]) -> None:
        for line in lines:
            self._lines.append(line)
            await self._call(self._events.on_transcript(line))

    def _schedule_swap(self, time_left: float | None) -> None:
        if self._swap_timer is not None and not self._swap_timer.done():
            return
        self._swap_timer = asyncio.create_task(self._swap_before(time_left or 0.0))
        self._tasks.append(self._swap_timer)

    async def _swap_before(self, time_left: float) -> None:
        """Request a swap once the interviewer's turn ends, or just before the deadline."""
        deadline = self._clock.monotonic() + max(0.0, time_left - GO_AWAY_MARGIN_SECONDS)
        while self._model_turn_active and (remaining := deadline - self._clock.monotonic()) > 0:
            await self._clock.sleep(min(0.1, remaining))
        self._swap_requested.set()

    # The send side and the timers

    async def _send_loop(self) -> None:
        """Send queued texts and audio whenever a connection is open."""
        while True:
            await self._outbox.wait()
            while (connection := self._connection) is not None:
                item = self._outbox.pop()
                if item is None:
                    break
                try:
                    if isinstance(item, str):
                        await connection.session.send_realtime_input(text=item)
                        self._greeting_sent = self._greeting_sent or item == self._greeting
                    else:
                        blob = types.Blob(data=item, mime_type=INPUT_MIME_TYPE)
                        await connection.session.send_realtime_input(audio=blob)
                except (ConnectionClosed, OSError) as error:
                    # Kept for the next connection, which wakes this loop when ready.
                    self._outbox.push_back(item)
                    self._send_errors += 1
                    if self._send_errors % ERROR_LOG_INTERVAL == 1:
                        logger.warning(
                            "Live send failed (%d so far): %r", self._send_errors, error
                        )
                    break

    async def _watch(self) -> None:
        """End the interview on candidate silence or at the time limit, warning before it."""
        limit = self._spec.length_minutes * 60.0
        warn_at = self._started_at + max(0.0, limit - TIME_WARNING_SECONDS)
        end_at = self._started_at + limit
        silence_timeout = self._settings.candidate_silence_timeout_seconds
        warned = False
        while True:
            now = self._clock.monotonic()
            if not warned and now >= warn_at:
                warned = True
                await self._call(self._events.on_warning("time_warning"))
                self._outbox.put_text(TIME_WARNING_PROMPT)
            if now >= end_at:
                await self._close_at_time_limit()
                return
            if now - self._last_activity >= silence_timeout:
                await self._finish("candidate_silent")
                return
            next_check = min(end_at, self._last_activity + silence_timeout)
            if not warned:
                next_check = min(next_check, warn_at)
            await self._clock.sleep(min(WATCH_INTERVAL_SECONDS, max(0.0, next_check - now)))

    async def _close_at_time_limit(self) -> None:
        deadline = self._clock.monotonic() + CLOSING_GRACE_SECONDS
        while self._model_turn_active and (remaining := deadline - self._clock.monotonic()) > 0:
            await self._clock.sleep(min(0.1, remaining))
        await self._finish("time_limit")

    async def _finish(self, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        await self._stop_receiving()
        await self._close_connection()
        await self._emit(self._assembler.flush(self._now()))
        logger.info("Live interview closed: %s", reason)
        await self._call(self._events.on_closed(reason))

    async def _call(self, callback: Awaitable[None]) -> None:
        """Await an event callback; an exception there is logged, never propagated."""
        try:
            await callback
        except Exception:
            self._callback_errors += 1
            if self._callback_errors % ERROR_LOG_INTERVAL == 1:
                logger.exception("Live event callback failed (%d so far)", self._callback_errors)

    def _now(self) -> float:
        return self._clock.monotonic() - self._started_at
