"""A scriptable loopback stand-in for the Gemini Live API.

It serves the BidiGenerateContent WebSocket protocol over TLS on 127.0.0.1, so
the real google-genai client connects to it through `HttpOptions(base_url=...)`
and an SSL context that trusts `tests.standins.tls`. Facts it relies on, checked
with google-genai 3.3.0:

- the SDK forces `wss://` and connects to
  `/ws/google.ai.generativelanguage.{version}.GenerativeService.BidiGenerateContent`;
- the client sends camelCase top-level keys in `setup` and snake_case inside it
  and in `realtime_input`, so every received key is normalised to snake_case;
- every close, 1000 included, surfaces as `google.genai.errors.APIError` with the
  close code; a top-level key the SDK does not know crashes its parser, so only
  known keys are sent.

Each connection runs one script, an async function given the `LiveConnection`.
Scripts queued with `script()` are used in order; later connections run
`default_script`, which sends `setupComplete` and then only records input.

Usage in a test::

    async def first(conn: LiveConnection) -> None:
        await conn.send_setup_complete()
        await conn.send_go_away(5.0)

    gemini_live.script(first)
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest_asyncio
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.standins.tls import client_ssl_context, server_ssl_context

logger = logging.getLogger(__name__)

LIVE_PATH = re.compile(
    r"^/ws/google\.ai\.generativelanguage\.(v1|v1beta|v1alpha)"
    r"\.GenerativeService\.BidiGenerateContent$"
)
OUTPUT_MIME_TYPE = "audio/pcm;rate=24000"
QUOTA_REASON = "You exceeded your current quota, please check your plan and billing details."
WAIT_SECONDS = 10.0  # real seconds any wait may take before the test fails

Script = Callable[["LiveConnection"], Awaitable[None]]


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def normalise_keys(value: Any) -> Any:
    """Return `value` with every dictionary key converted to snake_case."""
    if isinstance(value, dict):
        return {_snake_case(key): normalise_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise_keys(item) for item in value]
    return value


@dataclass
class LiveConnection:
    """One client connection: what it received, and methods to script replies."""

    index: int
    path: str
    websocket: ServerConnection
    setup: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)
    audio_chunks: list[bytes] = field(default_factory=list)
    # time.perf_counter() when each audio chunk was parsed, for latency benchmarks
    audio_received_at: list[float] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    script_error: BaseException | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def resumption_handle(self) -> str | None:
        """The handle the client asked to resume, or None for a fresh session."""
        resumption = self.setup.get("session_resumption") or {}
        handle = resumption.get("handle")
        return str(handle) if handle else None

    @property
    def system_instruction(self) -> str:
        """The text parts of the setup's system instruction, joined."""
        instruction = self.setup.get("system_instruction") or {}
        return "".join(part.get("text", "") for part in instruction.get("parts", []))

    async def send(self, message: dict[str, Any]) -> None:
        """Send one raw server message (its top-level key must be one the SDK knows)."""
        await self.websocket.send(json.dumps(message))

    async def send_setup_complete(self) -> None:
        await self.send({"setupComplete": {}})

    async def send_audio(self, pcm24k: bytes, *, chunk_bytes: int = 4800) -> None:
        """Send `pcm24k` as model-turn inline data, `chunk_bytes` per message."""
        for start in range(0, len(pcm24k), chunk_bytes):
            data = base64.b64encode(pcm24k[start : start + chunk_bytes]).decode("ascii")
            part = {"inlineData": {"mimeType": OUTPUT_MIME_TYPE, "data": data}}
            await self.send({"serverContent": {"modelTurn": {"parts": [part]}}})

    async def send_output_transcription(self, text: str) -> None:
        await self.send({"serverContent": {"outputTranscription": {"text": text}}})

    async def send_input_transcription(self, text: str) -> None:
        await self.send({"serverContent": {"inputTranscription": {"text": text}}})

    async def send_interrupted(self) -> None:
        await self.send({"serverContent": {"interrupted": True}})

    async def send_generation_complete(self) -> None:
        await self.send({"serverContent": {"generationComplete": True}})

    async def send_turn_complete(self) -> None:
        await self.send({"serverContent": {"turnComplete": True}})

    async def send_go_away(self, time_left_seconds: float) -> None:
        await self.send({"goAway": {"timeLeft": f"{time_left_seconds:g}s"}})

    async def send_resumption_update(self, handle: str | None, *, resumable: bool = True) -> None:
        update: dict[str, Any] = {"resumable": resumable}
        if handle is not None:
            update["newHandle"] = handle
        await self.send({"sessionResumptionUpdate": update})

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the WebSocket with `code` and `reason` (reason at most 123 bytes)."""
        await self.websocket.close(code, reason)

    async def drop(self) -> None:
        """Drop the TCP connection without a close frame; the client sees 1006."""
        self.websocket.transport.abort()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Wait until `condition()` holds, failing after WAIT_SECONDS."""
        async with asyncio.timeout(WAIT_SECONDS):
            async with self._changed:
                await self._changed.wait_for(condition)

    async def wait_for_text(self, text: str) -> None:
        """Wait until a received text input contains `text`."""
        await self.wait_until(lambda: any(text in received for received in self.texts))

    async def wait_for_audio(self, byte_count: int) -> None:
        """Wait until at least `byte_count` bytes of input audio arrived."""
        await self.wait_until(lambda: len(self.audio) >= byte_count)

    async def wait_closed(self) -> None:
        """Wait until the WebSocket is closed, by either side."""
        async with asyncio.timeout(WAIT_SECONDS):
            await self.websocket.wait_closed()

    async def _record(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        realtime = message.get("realtime_input") or {}
        blobs = [realtime["audio"]] if "audio" in realtime else []
        blobs += realtime.get("media_chunks") or []
        for blob in blobs:
            if str(blob.get("mime_type", "")).startswith("audio/pcm"):
                # google-genai sends URL-safe base64; strict decoding of either alphabet.
                data = str(blob["data"]).replace("-", "+").replace("_", "/")
                chunk = base64.b64decode(data, validate=True)
                self.audio += chunk
                self.audio_chunks.append(chunk)
                self.audio_received_at.append(time.perf_counter())
        if realtime.get("text"):
            self.texts.append(realtime["text"])
        content = message.get("client_content") or {}
        for turn in content.get("turns") or []:
            self.texts.extend(part["text"] for part in turn.get("parts", []) if "text" in part)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


async def default_script(connection: LiveConnection) -> None:
    """Accept the setup and let the connection idle until the client closes it."""
    await connection.send_setup_complete()


class GeminiLiveStandIn:
    """The stand-in server; `base_url` and `client_ssl_context` reach it."""

    def __init__(self) -> None:
        self.connections: list[LiveConnection] = []
        self.default_script: Script = default_script
        # An HTTP status to reject every handshake with (429 for exhausted quota), or None.
        self.reject_handshakes: HTTPStatus | None = None
        self.rejected_handshakes = 0
        self._scripts: list[Script] = []
        self._server: Server | None = None
        self._connections_changed = asyncio.Condition()
        self.client_ssl_context = client_ssl_context()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the stand-in is not started"
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"https://127.0.0.1:{port}"

    def script(self, *scripts: Script) -> None:
        """Queue scripts for the next connections, one each, in order."""
        self._scripts.extend(scripts)

    def texts(self) -> list[str]:
        """Every text input received, across all connections, in order."""
        return [text for connection in self.connections for text in connection.texts]

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            ssl=server_ssl_context(),
            process_request=self._check_path,
            max_size=None,
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_for_connections(self, count: int) -> None:
        """Wait until `count` connections have sent their setup."""
        async with asyncio.timeout(WAIT_SECONDS):
            async with self._connections_changed:
                await self._connections_changed.wait_for(lambda: len(self.connections) >= count)

    def _check_path(self, connection: ServerConnection, request: Request) -> Response | None:
        status = HTTPStatus.NOT_FOUND
        if LIVE_PATH.match(request.path.split("?")[0]):
            if self.reject_handshakes is None:
                return None
            status = self.reject_handshakes
            self.rejected_handshakes += 1
        body = f"{status.phrase}\n".encode()
        headers = Headers([("Content-Length", str(len(body)))])
        return Response(status, status.phrase, headers, body)

    async def _handle(self, websocket: ServerConnection) -> None:
        try:
            first = json.loads(await websocket.recv())
        except ConnectionClosed:
            return
        path = websocket.request.path if websocket.request is not None else ""
        connection = LiveConnection(index=len(self.connections), path=path, websocket=websocket)
        connection.setup = normalise_keys(first).get("setup", {})
        script = self._scripts.pop(0) if self._scripts else self.default_script
        async with self._connections_changed:
            self.connections.append(connection)
            self._connections_changed.notify_all()
        reader = asyncio.create_task(self._read(connection))
        try:
            await script(connection)
            await reader
        except Exception as error:
            connection.script_error = error
            raise
        finally:
            reader.cancel()
            connection.closed.set()
            await connection._notify()

    async def _read(self, connection: LiveConnection) -> None:
        try:
            async for raw in connection.websocket:
                await connection._record(normalise_keys(json.loads(raw)))
        except ConnectionClosed:
            pass
        except Exception as error:
            # A message the stand-in cannot parse fails the test instead of going unread.
            connection.script_error = error
            await connection.websocket.close(1007, "stand-in could not parse a message")
            raise


@contextlib.asynccontextmanager
async def running_gemini_live() -> AsyncIterator[GeminiLiveStandIn]:
    """Run a stand-in for the duration of the block (for benchmarks and scripts)."""
    stand_in = GeminiLiveStandIn()
    await stand_in.start()
    try:
        yield stand_in
    finally:
        await stand_in.stop()


@pytest_asyncio.fixture
async def make_gemini_live() -> AsyncIterator[Callable[[], Awaitable[GeminiLiveStandIn]]]:
    """Fixture factory: each call starts another stand-in, all stopped after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def make() -> GeminiLiveStandIn:
            return await stack.enter_async_context(running_gemini_live())

        yield make


@pytest_asyncio.fixture
async def gemini_live(
    make_gemini_live: Callable[[], Awaitable[GeminiLiveStandIn]],
) -> GeminiLiveStandIn:
    """One running stand-in for the test."""
    return await make_gemini_live()
