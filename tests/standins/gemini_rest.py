"""A scriptable loopback stand-in for the Gemini REST `generateContent` method.

It serves `POST /{version}/models/{model}:generateContent` on 127.0.0.1 for any
API version (google-genai 3.3.0 sends `v1` by default, `v1beta` when a request
sets it), records every request, and replies from a script of replies queued
per model or for any model. A request with nothing scripted gets HTTP 500 with
a body that says so, and the test sees it in `requests`.

Use it as an async context manager::

    async with GeminiRestStandIn() as standin:
        standin.script("text-model", json_reply({"a": 1}))
        ... Settings(gemini_base_url=standin.base_url, ...) ...

or through the `gemini_rest` pytest fixture.
"""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

# The mime type Gemini TTS models return with their 24 kHz mono s16le audio.
TTS_MIME_TYPE = "audio/L16;codec=pcm;rate=24000"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the stand-in received it."""

    version: str
    model: str
    method: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def text(self) -> str:
        """All text parts of the request, system instruction included, joined by newlines."""
        return "\n".join([*_texts(self.system_instruction_parts), *_texts(self.content_parts)])

    @property
    def system_instruction_parts(self) -> list[dict[str, Any]]:
        instruction = self.body.get("systemInstruction") or self.body.get("system_instruction")
        if not instruction:
            return []
        parts: list[dict[str, Any]] = instruction.get("parts", [])
        return parts

    @property
    def system_instruction(self) -> str:
        return "\n".join(_texts(self.system_instruction_parts))

    @property
    def content_parts(self) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        for content in self.body.get("contents", []):
            parts.extend(content.get("parts", []))
        return parts

    @property
    def contents_text(self) -> str:
        return "\n".join(_texts(self.content_parts))

    @property
    def inline_data(self) -> list[tuple[str, bytes]]:
        """The (mime type, decoded bytes) of every inline data part in `contents`."""
        blobs = []
        for part in self.content_parts:
            blob = part.get("inlineData") or part.get("inline_data")
            if blob:
                mime = blob.get("mimeType") or blob.get("mime_type") or ""
                blobs.append((mime, _decode_base64(blob["data"])))
        return blobs

    @property
    def generation_config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.body.get("generationConfig") or {}
        return config


def _decode_base64(data: str) -> bytes:
    # google-genai 3.3.0 sends bytes as URL-safe base64, which the API accepts
    # alongside the standard alphabet.
    return base64.b64decode(data.replace("-", "+").replace("_", "/"), validate=True)


def _texts(parts: list[dict[str, Any]]) -> list[str]:
    return [part["text"] for part in parts if isinstance(part.get("text"), str)]


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted HTTP response: a status and a body (JSON object or raw text)."""

    status: int
    body: dict[str, Any] | str


def _candidate_body(parts: list[dict[str, Any]], model: str = "") -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": parts},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 10,
            "candidatesTokenCount": 5,
            "totalTokenCount": 15,
        },
        "modelVersion": model,
    }


def text_reply(text: str) -> Reply:
    """Return a reply whose candidate has one text part (any text, valid JSON or not)."""
    return Reply(200, _candidate_body([{"text": text}]))


def json_reply(value: Any) -> Reply:
    """Return a reply whose candidate text is `value` serialised as JSON."""
    return text_reply(json.dumps(value, ensure_ascii=False))


def audio_reply(pcm: bytes, mime_type: str = TTS_MIME_TYPE) -> Reply:
    """Return a TTS reply carrying `pcm` as base64 inline data."""
    blob = {"mimeType": mime_type, "data": base64.b64encode(pcm).decode("ascii")}
    return Reply(200, _candidate_body([{"inlineData": blob}]))


def empty_reply() -> Reply:
    """Return a reply with no candidates, as Gemini sends when it blocks a prompt."""
    return Reply(200, {"promptFeedback": {"blockReason": "OTHER"}})


def error_reply(code: int, status: str, message: str) -> Reply:
    """Return a Google API error body (`{"error": {code, message, status}}`) with HTTP `code`."""
    return Reply(code, {"error": {"code": code, "message": message, "status": status}})


def quota_reply() -> Reply:
    """Return the HTTP 429 RESOURCE_EXHAUSTED error Gemini sends when quota runs out."""
    return error_reply(
        429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."
    )


def server_error_reply() -> Reply:
    """Return an HTTP 500 INTERNAL error."""
    return error_reply(500, "INTERNAL", "An internal error has occurred.")


@dataclass
class GeminiRestStandIn:
    """An aiohttp server on 127.0.0.1 that serves `generateContent` from a script."""

    requests: list[RecordedRequest] = field(default_factory=list)
    _by_model: dict[str, deque[Reply]] = field(default_factory=dict)
    _any_model: deque[Reply] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _port: int = 0

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the Gemini REST stand-in is not started")
        return f"http://127.0.0.1:{self._port}"

    def script(self, model: str | None, *replies: Reply) -> None:
        """Queue replies for requests to `model`, or to any model when `model` is None."""
        queue = self._any_model if model is None else self._by_model.setdefault(model, deque())
        queue.extend(replies)

    def requests_for(self, model: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.model == model]

    @property
    def pending(self) -> int:
        """The number of scripted replies not yet sent."""
        return len(self._any_model) + sum(len(queue) for queue in self._by_model.values())

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/{version}/models/{target}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> GeminiRestStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _next_reply(self, model: str) -> Reply:
        queue = self._by_model.get(model)
        if queue:
            return queue.popleft()
        if self._any_model:
            return self._any_model.popleft()
        return error_reply(500, "INTERNAL", f"stand-in: no scripted reply for model {model!r}")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        model, _, method = request.match_info["target"].partition(":")
        if method != "generateContent":
            return web.json_response(
                {
                    "error": {
                        "code": 404,
                        "message": f"unknown method {method!r}",
                        "status": "NOT_FOUND",
                    }
                },
                status=404,
            )
        body = await request.json()
        self.requests.append(
            RecordedRequest(
                version=request.match_info["version"],
                model=model,
                method=method,
                body=body,
                headers=dict(request.headers),
            )
        )
        reply = self._next_reply(model)
        if isinstance(reply.body, str):
            return web.Response(status=reply.status, text=reply.body, content_type="text/plain")
        return web.json_response(reply.body, status=reply.status)


@pytest.fixture
async def gemini_rest() -> AsyncIterator[GeminiRestStandIn]:
    """A started Gemini REST stand-in, stopped after the test."""
    async with GeminiRestStandIn() as standin:
        yield standin
