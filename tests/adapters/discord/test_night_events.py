"""A night's Discord scheduled event, through discord.py and the REST stand-in."""

from __future__ import annotations

from typing import Any

from storage.base import UserProfile
from tests.adapters.discord.harness import (
    CANDIDATE_ID,
    GUILD_ID,
    SPECTATOR_ID,
    VOICE_CHANNEL_ID,
    Harness,
    command_payload,
    harness,
    voice_state,
)
from tests.adapters.discord.rest_standin import RestCall
from tests.bot.nights_rig import eventually
from tests.standins.gemini_live import gemini_live
from tests.standins.gemini_live import make_gemini_live as make_gemini_live

__all__ = ["gemini_live", "harness"]

HOST_ID = SPECTATOR_ID
OTHER_GUILD_ID = 1_180_000_000_000_000_999
EVENTS_PATH = f"/api/v10/guilds/{GUILD_ID}/scheduled-events"


def create_command(**extra: object) -> dict[str, Any]:
    """`/night create` by a host with Manage Events, with `extra` options."""
    options: list[dict[str, object]] = [
        {"type": 7, "name": "voice_channel", "value": str(VOICE_CHANNEL_ID)},
        {"type": 3, "name": "start_time", "value": "2026-12-05 19:00"},
        {"type": 3, "name": "role", "value": "Backend engineer"},
    ]
    for name, value in extra.items():
        options.append({"type": 5 if isinstance(value, bool) else 3, "name": name, "value": value})
    channel = {
        "id": str(VOICE_CHANNEL_ID),
        "type": 2,
        "name": "Interview room",
        "guild_id": str(GUILD_ID),
        "permissions": "0",
    }
    return command_payload(
        "night",
        [{"type": 1, "name": "create", "options": options}],
        user_id=HOST_ID,
        resolved={"channels": {str(VOICE_CHANNEL_ID): channel}},
    )


def night_command(name: str, user_id: int = HOST_ID) -> dict[str, Any]:
    return command_payload("night", [{"type": 1, "name": name, "options": []}], user_id=user_id)


def replies(harness: Harness) -> list[str]:
    """Texts of every interaction reply: first responses and deferred follow-ups."""
    texts = []
    for call in harness.rest.calls:
        if call.method != "POST":
            continue
        if call.path.endswith("/callback"):
            content = call.body.get("data", {}).get("content")
        elif call.path.startswith("/api/v10/webhooks/"):
            content = call.body.get("content")
        else:
            continue
        if content:
            texts.append(str(content))
    return texts


def event_patches(harness: Harness) -> list[RestCall]:
    return harness.rest.find("PATCH", EVENTS_PATH)


async def run(harness: Harness, payload: dict[str, Any]) -> str:
    """Dispatch a command and return the text of its reply."""
    count = len(replies(harness))
    harness.dispatch(payload)
    await eventually(lambda: len(replies(harness)) > count)
    return replies(harness)[count]


async def test_created_event_follows_night(harness: Harness) -> None:
    reply = await run(harness, create_command(create_event=True))

    [post] = harness.rest.find("POST", EVENTS_PATH)
    assert post.path == EVENTS_PATH
    assert post.body["name"] == "Mock-interview night: Backend engineer"
    assert post.body["entity_type"] == 2
    assert post.body["privacy_level"] == 2
    assert post.body["channel_id"] == VOICE_CHANNEL_ID
    assert post.body["scheduled_start_time"] == "2026-12-05T19:00:00+00:00"
    assert "Behavioural" in post.body["description"]
    assert "15 minutes" in post.body["description"]
    [event_id] = harness.rest.events
    [night] = await harness.store.open_nights("discord", str(GUILD_ID))
    assert night.scheduled_event_id == str(event_id)
    assert "starts, ends or is cancelled with the night" in reply

    # The queued candidate is away, so the night waits for them until it ends.
    harness.state.parse_voice_state_update(voice_state(CANDIDATE_ID, None))
    await harness.core.privacy.record_consent(UserProfile("discord", str(CANDIDATE_ID)))
    await harness.core.nights.join(night.id, UserProfile("discord", str(CANDIDATE_ID)), False)
    assert "has started" in await run(harness, night_command("start"))
    assert [(c.path, c.body) for c in event_patches(harness)] == [
        (f"{EVENTS_PATH}/{event_id}", {"status": 2})
    ]

    assert "is over" in await run(harness, night_command("end"))
    assert [c.body for c in event_patches(harness)] == [{"status": 2}, {"status": 3}]
    assert harness.rest.events[event_id]["status"] == 3


async def test_night_ended_unstarted_cancels_event(harness: Harness) -> None:
    await run(harness, create_command(create_event=True))
    [event_id] = harness.rest.events

    assert "is over" in await run(harness, night_command("end"))

    assert [(c.path, c.body) for c in event_patches(harness)] == [
        (f"{EVENTS_PATH}/{event_id}", {"status": 4})
    ]


async def test_empty_night_completes_event(harness: Harness) -> None:
    await run(harness, create_command(create_event=True))

    assert "has started" in await run(harness, night_command("start"))
    # The queue is empty, so the run loop ends the night at once.
    await harness.rest.wait_for(lambda: len(event_patches(harness)) == 2)

    assert [c.body for c in event_patches(harness)] == [{"status": 2}, {"status": 3}]
    assert await harness.store.open_nights("discord", str(GUILD_ID)) == []


async def test_event_forbidden_keeps_night(harness: Harness) -> None:
    harness.rest.reject_events = True

    reply = await run(harness, create_command(create_event=True))

    assert len(harness.rest.find("POST", EVENTS_PATH)) == 1
    assert harness.rest.events == {}
    [night] = await harness.store.open_nights("discord", str(GUILD_ID))
    assert night.scheduled_event_id is None
    assert f"Mock-interview night {night.id} opens" in reply
    assert "needs the Manage Events permission" in reply
    assert "has started" in await run(harness, night_command("start"))
    assert event_patches(harness) == []


async def test_foreign_event_id_rejected(harness: Harness) -> None:
    foreign = harness.rest.add_event(OTHER_GUILD_ID, VOICE_CHANNEL_ID)
    missing = foreign + 1000

    for event_id in (foreign, missing):
        reply = await run(harness, create_command(scheduled_event=str(event_id)))
        assert "No scheduled event with that ID exists in this server" in reply

    fetches = [c.path for c in harness.rest.find("GET", EVENTS_PATH)]
    assert fetches == [f"{EVENTS_PATH}/{foreign}", f"{EVENTS_PATH}/{missing}"]
    assert await harness.store.open_nights("discord", str(GUILD_ID)) == []
    assert harness.rest.events[foreign]["status"] == 1


async def test_linked_event_starts_with_night(harness: Harness) -> None:
    event_id = harness.rest.add_event(GUILD_ID, VOICE_CHANNEL_ID)
    harness.state.parse_voice_state_update(voice_state(CANDIDATE_ID, None))

    reply = await run(harness, create_command(scheduled_event=str(event_id)))
    [night] = await harness.store.open_nights("discord", str(GUILD_ID))
    await harness.core.privacy.record_consent(UserProfile("discord", str(CANDIDATE_ID)))
    await harness.core.nights.join(night.id, UserProfile("discord", str(CANDIDATE_ID)), False)
    await run(harness, night_command("start"))

    assert night.scheduled_event_id == str(event_id)
    assert "starts, ends or is cancelled with the night" in reply
    assert harness.rest.find("POST", EVENTS_PATH) == []
    assert [(c.path, c.body) for c in event_patches(harness)] == [
        (f"{EVENTS_PATH}/{event_id}", {"status": 2})
    ]
    await run(harness, night_command("end"))


async def test_event_update_failure_keeps_night(harness: Harness) -> None:
    event_id = harness.rest.add_event(GUILD_ID, VOICE_CHANNEL_ID)
    harness.state.parse_voice_state_update(voice_state(CANDIDATE_ID, None))
    await run(harness, create_command(scheduled_event=str(event_id)))
    [night] = await harness.store.open_nights("discord", str(GUILD_ID))
    await harness.core.privacy.record_consent(UserProfile("discord", str(CANDIDATE_ID)))
    await harness.core.nights.join(night.id, UserProfile("discord", str(CANDIDATE_ID)), False)
    # The event is deleted in Discord after the night linked it.
    del harness.rest.events[event_id]

    assert "has started" in await run(harness, night_command("start"))
    running = await harness.store.get_night(night.id)
    assert running is not None
    assert running.state == "running"
    assert "is over" in await run(harness, night_command("end"))

    assert event_patches(harness) == []
    assert len(harness.rest.find("GET", f"{EVENTS_PATH}/{event_id}")) == 3
    ended = await harness.store.get_night(night.id)
    assert ended is not None
    assert ended.state == "ended"
