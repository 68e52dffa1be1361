"""`/setup`, `/history`, `/feedback`, `/language`, rating buttons and rate limits.

Interactions are dispatched by discord.py's own parser and answered over HTTP
to the loopback Discord REST stand-in, where the tests read the replies.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.accounts import UserProfile
from bot.feedback.measures import SpeechMeasures
from bot.feedback.model import CriterionScore, Feedback
from bot.ratelimit import CommandLimiter
from tests.adapters.discord.harness import (
    CANDIDATE_ID,
    GUILD_ID,
    HOST_ROLE_ID,
    MEMBER_PERMISSIONS,
    SPECTATOR_ID,
    Harness,
    button_payload,
    command_payload,
    harness,
)
from tests.standins.gemini_live import gemini_live, make_gemini_live

__all__ = ["gemini_live", "harness", "make_gemini_live"]

EPHEMERAL = 64
STARTED_AT = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)


def sample_feedback(score: int) -> Feedback:
    measures = SpeechMeasures(
        candidate_words=120,
        candidate_seconds=60.0,
        interviewer_seconds=40.0,
        words_per_minute=120.0,
        filler_count=2,
        fillers_per_minute=2.0,
        longest_pause_seconds=1.5,
        talk_time_ratio=0.6,
        interruptions=0,
    )
    criterion = CriterionScore("impact", "Impact", score, "I led our billing migration.", True)
    return Feedback(
        interview_type="behavioural",
        language="en",
        overall_score=score,
        criteria=(criterion,),
        strengths=("Clear structure",),
        improvements=("Quantify the results",),
        stronger_answer=None,
        confidence=0.8,
        measures=measures,
    )


async def ended_interview(harness: Harness, score: int = 72) -> int:
    """Store an ended interview of the candidate with scored feedback; return its id."""
    await harness.core.privacy.record_consent(UserProfile("discord", str(CANDIDATE_ID)))
    user = await harness.store.get_user("discord", str(CANDIDATE_ID))
    assert user is not None
    spec = {"type": "behavioural", "role": "Backend engineer", "seniority": "mid"}
    session = await harness.store.create_session(
        user.id, "discord", spec, str(GUILD_ID), None, STARTED_AT
    )
    assert session is not None
    await harness.store.end_session(session.id, STARTED_AT + dt.timedelta(minutes=15), "stopped")
    await harness.store.save_feedback(session.id, score, sample_feedback(score).to_dict())
    return session.id


def replies(harness: Harness) -> list[dict[str, Any]]:
    """The data of every interaction reply, first responses and follow-ups alike."""
    bodies = []
    for call in harness.rest.calls:
        if call.method != "POST":
            continue
        if call.path.endswith("/callback"):
            bodies.append(call.body.get("data") or {})
        elif "/webhooks/" in call.path:
            bodies.append(call.body)
    return bodies


async def wait_for_replies(harness: Harness, count: int) -> list[dict[str, Any]]:
    await harness.rest.wait_for(
        lambda: len([r for r in replies(harness) if r.get("content") or r.get("embeds")]) >= count
    )
    return [r for r in replies(harness) if r.get("content") or r.get("embeds")]


def setup_options(**values: object) -> list[dict[str, object]]:
    kinds = {"night_host_role": 8, "max_minutes": 4, "reset": 5}
    return [{"type": kinds[name], "name": name, "value": value} for name, value in values.items()]


def resolved_host_role() -> dict[str, Any]:
    role = {
        "id": str(HOST_ROLE_ID),
        "name": "Night hosts",
        "permissions": "0",
        "position": 1,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }
    return {"roles": {str(HOST_ROLE_ID): role}}


async def test_setup_stores_server_settings(harness: Harness) -> None:
    options = setup_options(max_minutes=20, night_host_role=str(HOST_ROLE_ID))
    harness.dispatch(command_payload("setup", options, resolved=resolved_host_role()))
    [answer] = await wait_for_replies(harness, 1)

    stored = await harness.store.get_server_settings("discord", str(GUILD_ID))
    assert stored["max_interview_minutes"] == 20
    assert stored["night_host_role_ids"] == [str(HOST_ROLE_ID)]
    assert answer["flags"] == EPHEMERAL
    assert "Server settings saved" in answer["content"]
    assert f"<@&{HOST_ROLE_ID}>" in answer["content"]


async def test_setup_rejects_non_manager(harness: Harness) -> None:
    harness.dispatch(
        command_payload("setup", setup_options(max_minutes=20), permissions=MEMBER_PERMISSIONS)
    )
    [answer] = await wait_for_replies(harness, 1)

    assert "Manage Server permission" in answer["content"]
    assert await harness.store.get_server_settings("discord", str(GUILD_ID)) == {}


async def test_history_lists_ended_interviews(harness: Harness) -> None:
    harness.dispatch(command_payload("history"))
    [empty] = await wait_for_replies(harness, 1)
    assert "no past interviews" in empty["content"]

    await ended_interview(harness, score=72)
    harness.dispatch(command_payload("history"))
    [_, listing] = await wait_for_replies(harness, 2)

    description = listing["embeds"][0]["description"]
    assert "Backend engineer" in description
    assert "score 72" in description
    assert listing["flags"] == EPHEMERAL


async def test_feedback_sends_last_feedback(harness: Harness) -> None:
    session_id = await ended_interview(harness, score=64)
    harness.dispatch(command_payload("feedback"))
    await harness.rest.wait_for(lambda: bool(harness.rest.find("POST", "/webhooks/")))

    followup = harness.rest.find("POST", "/webhooks/")[0].body
    assert followup["flags"] == EPHEMERAL
    assert "64" in str(followup["embeds"][0])
    buttons = followup["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == [
        f"naromeet:rate:{session_id}:{n}" for n in range(1, 6)
    ]


async def test_language_changes_later_replies(harness: Harness) -> None:
    await harness.core.privacy.record_consent(UserProfile("discord", str(CANDIDATE_ID)))
    harness.dispatch(command_payload("language", [{"type": 3, "name": "language", "value": "fr"}]))
    [chosen] = await wait_for_replies(harness, 1)
    harness.dispatch(command_payload("history", locale="en-US"))
    [_, later] = await wait_for_replies(harness, 2)

    assert chosen["content"] == "Langue réglée sur le français."
    assert await harness.core.accounts.stored_locale("discord", str(CANDIDATE_ID)) == "fr"
    assert later["content"] == "Vous n'avez pas encore d'entretien passé."


async def test_rating_button_stores_rating(harness: Harness) -> None:
    session_id = await ended_interview(harness)
    harness.dispatch(button_payload(f"naromeet:rate:{session_id}:4"))
    [saved] = await wait_for_replies(harness, 1)

    session = await harness.store.get_session(session_id)
    assert session is not None and session.rating == 4
    assert "rating of 4 is saved" in saved["content"]


async def test_rating_by_other_user_rejected(harness: Harness) -> None:
    session_id = await ended_interview(harness)
    await harness.core.privacy.record_consent(UserProfile("discord", str(SPECTATOR_ID)))
    harness.dispatch(button_payload(f"naromeet:rate:{session_id}:1", user_id=SPECTATOR_ID))
    [answer] = await wait_for_replies(harness, 1)

    session = await harness.store.get_session(session_id)
    assert session is not None and session.rating is None
    assert "Only the candidate" in answer["content"]


async def test_rate_limited_user_told_retry(harness: Harness) -> None:
    harness.core.commands = CommandLimiter(2, 100)
    for _ in range(3):
        harness.dispatch(command_payload("privacy"))
    answers = await wait_for_replies(harness, 3)

    limited = [a["content"] for a in answers if "too fast" in a["content"]]
    assert len(limited) == 1
    match = re.search(r"Try again in (\d+) s", limited[0])
    assert match is not None
    assert 1 <= int(match.group(1)) <= 60
