"""Application commands and buttons through discord.py, the core and a REST stand-in.

Interactions are built from INTERACTION_CREATE payloads and dispatched by
discord.py's own parser; their responses travel over HTTP to the loopback
Discord REST stand-in, where the tests read them.
"""

from __future__ import annotations

import json

from adapters.discord.privacy_commands import CONSENT_ACCEPT, DELETE_CONFIRM
from bot.accounts import UserProfile
from tests.adapters.discord.harness import (
    CANDIDATE_ID,
    SPECTATOR_ID,
    Harness,
    button_payload,
    command_payload,
    harness,
)
from tests.standins.gemini_live import gemini_live, make_gemini_live

__all__ = ["gemini_live", "harness", "make_gemini_live"]

EPHEMERAL = 64


async def test_consent_shows_summary_and_buttons(harness: Harness) -> None:
    harness.dispatch(command_payload("consent"))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("POST", "/callback")))

    body = harness.rest.find("POST", "/callback")[0].body
    assert body["type"] == 4
    assert body["data"]["flags"] == EPHEMERAL
    assert "15 days" in body["data"]["content"]
    buttons = body["data"]["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == [CONSENT_ACCEPT, "naromeet:consent:decline"]


async def test_accept_button_records_consent(harness: Harness) -> None:
    harness.dispatch(button_payload(CONSENT_ACCEPT))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("POST", "/callback")))

    body = harness.rest.find("POST", "/callback")[0].body
    assert body["type"] == 7  # update the message that held the buttons
    assert await harness.core.accounts.has_consent("discord", str(CANDIDATE_ID))


async def test_consent_in_french(harness: Harness) -> None:
    harness.dispatch(command_payload("consent", locale="fr"))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("POST", "/callback")))

    body = harness.rest.find("POST", "/callback")[0].body
    labels = [b["label"] for b in body["data"]["components"][0]["components"]]
    assert labels == ["Accepter", "Refuser"]


async def test_export_arrives_as_ephemeral_file(harness: Harness) -> None:
    await harness.core.privacy.record_consent(UserProfile("discord", str(CANDIDATE_ID)))
    harness.dispatch(command_payload("export"))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("POST", "/webhooks/")))

    deferral = harness.rest.find("POST", "/callback")[0].body
    assert deferral["type"] == 5
    assert deferral["data"]["flags"] == EPHEMERAL
    followup = harness.rest.find("POST", "/webhooks/")[0]
    assert followup.body["flags"] == EPHEMERAL
    document = json.loads(followup.files["naromeet-export.json"])
    assert document["user"]["platform_user_id"] == str(CANDIDATE_ID)
    assert len(document["consents"]) == 1


async def test_delete_asks_then_erases(harness: Harness) -> None:
    await harness.core.privacy.record_consent(UserProfile("discord", str(CANDIDATE_ID)))
    harness.dispatch(command_payload("delete"))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("POST", "/callback")))
    prompt = harness.rest.find("POST", "/callback")[0].body
    assert prompt["data"]["flags"] == EPHEMERAL
    assert await harness.store.get_user("discord", str(CANDIDATE_ID)) is not None

    harness.dispatch(button_payload(DELETE_CONFIRM))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("PATCH", "/messages/@original")))

    assert await harness.store.get_user("discord", str(CANDIDATE_ID)) is None
    edit = harness.rest.find("PATCH", "/messages/@original")[0].body
    assert "erased" in edit["content"]


async def test_start_without_consent_is_refused(harness: Harness) -> None:
    harness.voice_rig()
    harness.dispatch(command_payload("interview", _start_options()))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("POST", "/webhooks/")))

    message = harness.rest.find("POST", "/webhooks/")[0].body["content"]
    assert "/consent" in message
    assert harness.core.live.sessions == []


async def test_second_interview_in_channel_refused(harness: Harness) -> None:
    for user_id in (CANDIDATE_ID, SPECTATOR_ID):
        await harness.core.privacy.record_consent(UserProfile("discord", str(user_id)))
    harness.voice_rig()
    harness.dispatch(command_payload("interview", _start_options()))
    await harness.rest.wait_for(lambda: len(harness.core.live.sessions) == 1)

    harness.dispatch(command_payload("interview", _start_options(), user_id=SPECTATOR_ID))
    await harness.rest.wait_for(
        lambda: any(
            "already running in this voice channel" in str(c.body)
            for c in harness.rest.find("POST", "/callback")
        )
    )

    assert len(harness.core.live.sessions) == 1


def _start_options() -> list[dict[str, object]]:
    return [
        {
            "type": 1,
            "name": "start",
            "options": [{"type": 3, "name": "role", "value": "Backend engineer"}],
        }
    ]
