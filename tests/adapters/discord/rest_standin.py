"""A loopback stand-in for the Discord REST API routes the bot calls.

discord.py builds every URL from `discord.http.Route.BASE`; tests point it at
this server, so the real `HTTPClient` and webhook adapter send real HTTP
requests (interaction callbacks, follow-ups, channel messages, direct messages,
guild scheduled events).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 1001
APPLICATION_ID = 1001
WAIT_SECONDS = 10.0
# Discord's JSON error codes for the failures the stand-in reproduces.
MISSING_PERMISSIONS = 50013
UNKNOWN_SCHEDULED_EVENT = 10070


@dataclass
class RestCall:
    """One request the bot made: method, path, JSON body and attached files."""

    method: str
    path: str
    body: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
    }


class DiscordRestStandIn:
    """Records every call and answers with minimal valid payloads."""

    def __init__(self) -> None:
        self.calls: list[RestCall] = []
        self._ids = itertools.count(900_000)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.port = 0
        # Scheduled events by id, each with its guild id; PATCH merges into them.
        self.events: dict[int, dict[str, Any]] = {}
        # When set, creating a scheduled event fails with 403 Missing Permissions.
        self.reject_events = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def add_event(self, guild_id: int, channel_id: int, status: int = 1) -> int:
        """Store a voice-channel scheduled event made outside the bot; return its id."""
        event_id = next(self._ids)
        self.events[event_id] = _event(event_id, guild_id, {"channel_id": str(channel_id)})
        self.events[event_id]["status"] = status
        return event_id

    def find(self, method: str, path_part: str) -> list[RestCall]:
        return [c for c in self.calls if c.method == method and path_part in c.path]

    async def wait_for(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT_SECONDS):
            async with self._changed:
                await self._changed.wait_for(condition)

    async def _handle(self, request: web.Request) -> web.Response:
        call = RestCall(request.method, request.path)
        if request.content_type == "multipart/form-data":
            form = await request.post()
            for name, value in form.items():
                if name == "payload_json":
                    call.body = json.loads(str(value))
                elif isinstance(value, web.FileField):
                    call.files[value.filename or name] = value.file.read()
        elif request.can_read_body:
            call.body = await request.json()
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()
        return self._answer(call)

    def _answer(self, call: RestCall) -> web.Response:
        path = call.path.removeprefix("/api/v10")
        if path == "/users/@me":
            return _json(user_payload(BOT_ID, "naromeet", bot=True))
        if path == "/oauth2/applications/@me":
            return _json(_application())
        if path.endswith("/callback"):
            interaction_id = path.split("/")[2]
            return _json({"interaction": {"id": interaction_id, "type": 2}})
        if "/scheduled-events" in path:
            return self._scheduled_event(call, path.split("/"))
        if path == "/users/@me/channels":
            return _json({"id": str(next(self._ids)), "type": 1, "recipients": []})
        if call.method == "GET" and path.startswith("/users/") and path[7:].isdigit():
            user_id = int(path[7:])
            return _json(user_payload(user_id, f"user{user_id}"))
        if call.method in ("POST", "PATCH"):
            return _json(self._message(call))
        return _json({})

    def _scheduled_event(self, call: RestCall, parts: list[str]) -> web.Response:
        # parts: "", "guilds", guild id, "scheduled-events"[, event id]
        guild_id = int(parts[2])
        if len(parts) == 4 and call.method == "POST":
            if self.reject_events:
                return _json({"message": "Missing Permissions", "code": MISSING_PERMISSIONS}, 403)
            event_id = next(self._ids)
            self.events[event_id] = _event(event_id, guild_id, call.body)
            return _json(self.events[event_id])
        event = self.events.get(int(parts[4])) if len(parts) == 5 else None
        if event is None or event["guild_id"] != str(guild_id):
            error = {"message": "Unknown Guild Scheduled Event", "code": UNKNOWN_SCHEDULED_EVENT}
            return _json(error, 404)
        if call.method == "PATCH":
            event.update(call.body)
        return _json(event)

    def _message(self, call: RestCall) -> dict[str, Any]:
        return {
            "id": str(next(self._ids)),
            "channel_id": "1",
            "type": 0,
            "content": call.body.get("content") or "",
            "author": user_payload(BOT_ID, "naromeet", bot=True),
            "attachments": [],
            "embeds": call.body.get("embeds") or [],
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "mention_everyone": False,
            "tts": False,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "edited_timestamp": None,
            "flags": call.body.get("flags") or 0,
            "components": [],
        }


def _application() -> dict[str, Any]:
    return {
        "id": str(APPLICATION_ID),
        "name": "Naromeet",
        "icon": None,
        "description": "",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(4242, "owner"),
        "summary": "",
        "verify_key": "00",
        "flags": 0,
    }


def _event(event_id: int, guild_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """A scheduled event as Discord returns it, from a create request's fields."""
    return {
        "name": "Event",
        "description": None,
        "entity_type": 2,
        "privacy_level": 2,
        "scheduled_start_time": "2026-12-05T19:00:00+00:00",
        "scheduled_end_time": None,
        "entity_metadata": None,
        **body,
        "id": str(event_id),
        "guild_id": str(guild_id),
        "entity_id": None,
        "creator_id": str(BOT_ID),
        "status": 1,
    }


def _json(value: Any, status: int = 200) -> web.Response:
    # discord.py decodes a body only when Content-Type is exactly application/json.
    return web.Response(
        status=status,
        body=json.dumps(value).encode(),
        headers={"Content-Type": "application/json"},
    )
