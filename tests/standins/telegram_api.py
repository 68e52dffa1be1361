"""A scriptable loopback stand-in for the Telegram Bot API.

It serves `/bot<token>/<method>` and `/file/bot<token>/<path>` on 127.0.0.1,
so the real python-telegram-bot `Application` reaches it through `base_url`
and `base_file_url`. Every call is recorded with its parameters (JSON-encoded
values decoded) and its uploaded files (multipart parts, as bytes).

Tests push updates with `push_update` (or the `send_*` helpers that build
them), and `getUpdates` hands them out as a long poll capped at
`poll_wait_seconds`, so a stopping bot never waits long. Failures are scripted
per method with `fail_next`: HTTP 429 with `retry_after`, 403 "bot was blocked
by the user", a 5xx, or a slow answer that makes the client time out.

Use it as an async context manager or through the `telegram_api` fixture::

    async with TelegramApiStandIn(token) as api:
        api.send_text(USER, "/start")
        await api.wait_for_call("sendMessage")
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

TOKEN = "123456:TEST-token-for-the-stand-in"
BOT_ID = 123456
BOT_USERNAME = "naromeet_test_bot"
# Parameters python-telegram-bot sends as JSON text inside a form; decoded when recorded.
_JSON_FIELDS = frozenset(
    {"reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates"}
)
POLL_INTERVAL_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class TelegramUser:
    """A Telegram user as it appears in the `from` field of an update."""

    id: int
    first_name: str = "Ada"
    last_name: str | None = "Lovelace"
    username: str | None = "ada"
    language_code: str | None = "en"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(slots=True)
class Call:
    """One Bot API request as the stand-in received it, and the result it returned."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    token: str
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Every inline keyboard button of the call's `reply_markup`, row by row."""
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass(slots=True)
class _Failure:
    kind: str  # "retry_after", "forbidden", "server_error" or "slow"
    retry_after: int = 1
    delay_seconds: float = 0.0


@dataclass
class TelegramApiStandIn:
    """An aiohttp server on 127.0.0.1 that answers Bot API methods and records them."""

    token: str = TOKEN
    poll_wait_seconds: float = 0.3
    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _port: int = 0

    # Addresses

    @property
    def origin(self) -> str:
        if self._runner is None:
            raise RuntimeError("the Telegram stand-in is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """The value for TELEGRAM_BASE_URL (python-telegram-bot appends the token)."""
        return f"{self.origin}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.origin}/file/bot"

    # Lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
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

    async def __aenter__(self) -> TelegramApiStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # Scripting

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update (its `update_id` is assigned here); return the id."""
        update = {"update_id": next(self._ids), **update}
        self._updates.append(update)
        self._new_update.set()
        return int(update["update_id"])

    def add_file(self, data: bytes) -> str:
        """Store bytes that getFile and the file URL will serve; return the file id."""
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return file_id

    def fail_next(
        self, method: str, kind: str, *, count: int = 1, retry_after: int = 1, delay: float = 0.0
    ) -> None:
        """Make the next `count` calls of `method` fail with `kind` (see the module doc)."""
        if kind not in ("retry_after", "forbidden", "server_error", "slow"):
            raise ValueError(f"unknown failure kind {kind!r}")
        queue = self._failures.setdefault(method, deque())
        queue.extend(_Failure(kind, retry_after, delay) for _ in range(count))

    # Updates a user sends

    def _message(self, user: TelegramUser, chat: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat or {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.to_dict(),
        }

    def send_text(
        self, user: TelegramUser, text: str, *, chat: dict[str, Any] | None = None
    ) -> int:
        """Push a text message; a leading "/word" is marked as a bot command entity."""
        message = self._message(user, chat)
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push_update({"message": message})

    def send_voice(
        self, user: TelegramUser, data: bytes, *, duration: int = 3, file_size: int | None = None
    ) -> int:
        """Push a voice note whose bytes getFile serves; `file_size` may claim another size."""
        message = self._message(user, None)
        file_id = self.add_file(data)
        message["voice"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data) if file_size is None else file_size,
        }
        return self.push_update({"message": message})

    def send_audio(self, user: TelegramUser, data: bytes, *, mime_type: str) -> int:
        message = self._message(user, None)
        file_id = self.add_file(data)
        message["audio"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "duration": 2,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self.push_update({"message": message})

    def send_sticker(self, user: TelegramUser) -> int:
        message = self._message(user, None)
        message["sticker"] = {
            "file_id": "sticker-1",
            "file_unique_id": "usticker-1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.push_update({"message": message})

    def send_photo(self, user: TelegramUser) -> int:
        message = self._message(user, None)
        message["photo"] = [
            {"file_id": "photo-1", "file_unique_id": "uphoto-1", "width": 90, "height": 90}
        ]
        return self.push_update({"message": message})

    def press_button(self, user: TelegramUser, call: Call, data: str) -> int:
        """Push the callback query of pressing the button with `data` on a sent message."""
        if data not in [button.get("callback_data") for button in call.buttons]:
            raise AssertionError(f"no button {data!r} on {call.method}: {call.buttons}")
        message = dict(self._result_message(call))
        message["reply_markup"] = call.params.get("reply_markup")
        query = {
            "id": str(next(self._ids)),
            "from": user.to_dict(),
            "chat_instance": "ci-1",
            "data": data,
            "message": message,
        }
        return self.push_update({"callback_query": query})

    # Inspection

    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == method and (chat_id is None or call.chat_id == chat_id)
        ]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        after: int = 0,
        attempts: int = 1000,
    ) -> Call:
        """Return the first call of `method` at index >= `after` that matches `predicate`.

        Polls every POLL_INTERVAL_SECONDS, `attempts` times at most, then fails.
        """
        for _ in range(attempts):
            for call in self.calls[after:]:
                if call.method == method and (predicate is None or predicate(call)):
                    return call
            await asyncio.sleep(POLL_INTERVAL_SECONDS)
        seen = [(call.method, call.text[:80]) for call in self.calls[after:]]
        raise AssertionError(f"no {method} call arrived; calls since {after}: {seen}")

    async def wait_until_polled(self, attempts: int = 1000) -> None:
        """Wait until every pushed update was handed out by getUpdates."""
        for _ in range(attempts):
            if not self._updates:
                return
            await asyncio.sleep(POLL_INTERVAL_SECONDS)
        raise AssertionError(f"{len(self._updates)} update(s) were never fetched")

    # Handlers

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params = await request.json()
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = value.file.read()
                else:
                    params[name] = str(value)
        for name in list(params):
            if name in _JSON_FIELDS and isinstance(params[name], str):
                params[name] = json.loads(params[name])
        return params, files

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        token, method = request.match_info["token"], request.match_info["method"]
        params, files = await self._params(request)
        if token != self.token:
            return _error(401, "Unauthorized")
        call = Call(method, params, files, token)
        if method != "getUpdates":
            self.calls.append(call)
        failure = self._take_failure(method)
        if failure is not None:
            response = await self._failure_response(failure)
            if response is not None:
                return response
        if method == "getFile" and str(params.get("file_id")) not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        handler = getattr(self, f"_api_{method}", None)
        call.result = self._sent_message(params) if handler is None else await handler(params)
        return _ok(call.result)

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None

    async def _failure_response(self, failure: _Failure) -> web.Response | None:
        if failure.kind == "retry_after":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {failure.retry_after}",
                    "parameters": {"retry_after": failure.retry_after},
                },
                status=429,
            )
        if failure.kind == "forbidden":
            return _error(403, "Forbidden: bot was blocked by the user")
        if failure.kind == "server_error":
            return _error(502, "Bad Gateway")
        # "slow": answer late, so the client times out (and the call may still count).
        await asyncio.sleep(failure.delay_seconds)
        return None

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        data = self.files.get(file_id)
        if data is None:
            return web.Response(status=404)
        self.calls.append(Call("downloadFile", {"file_id": file_id}, {}, self.token))
        return web.Response(body=data, content_type="application/octet-stream")

    # Bot API methods with specific results

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Naromeet",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        self._updates = [update for update in self._updates if update["update_id"] >= offset]
        if not self._updates and float(params.get("timeout") or 0) > 0:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), self.poll_wait_seconds)
            except TimeoutError:
                pass
        return list(self._updates)

    async def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"voice/{file_id}",
        }

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_sendVoice(self, params: dict[str, Any]) -> Any:
        message = self._sent_message(params)
        message["voice"] = {
            "file_id": f"sent-voice-{message['message_id']}",
            "file_unique_id": f"usent-voice-{message['message_id']}",
            "duration": int(params.get("duration") or 0),
        }
        return message

    async def _api_sendDocument(self, params: dict[str, Any]) -> Any:
        message = self._sent_message(params)
        message["document"] = {
            "file_id": f"sent-doc-{message['message_id']}",
            "file_unique_id": f"usent-doc-{message['message_id']}",
        }
        return message

    async def _api_sendPhoto(self, params: dict[str, Any]) -> Any:
        message = self._sent_message(params)
        message["photo"] = [
            {"file_id": "sent-photo", "file_unique_id": "usent-photo", "width": 1, "height": 1}
        ]
        return message

    def _sent_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id") or 0)
        message: dict[str, Any] = {
            "message_id": int(params.get("message_id") or next(self._ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Naromeet"},
        }
        if "text" in params:
            message["text"] = params["text"]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _result_message(self, call: Call) -> dict[str, Any]:
        """The message a recorded send returned, for a callback query on it."""
        if isinstance(call.result, dict):
            return call.result
        return self._sent_message(call.params)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": status, "description": description}, status=status
    )


@pytest.fixture
async def telegram_api() -> AsyncIterator[TelegramApiStandIn]:
    """A started Telegram Bot API stand-in, stopped after the test."""
    async with TelegramApiStandIn() as standin:
        yield standin
