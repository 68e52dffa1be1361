"""The privacy service: consent, export document, erasure, purging."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest

from bot.privacy import PrivacyService
from config.settings import Settings
from storage.base import Store, UserProfile
from tests.storage.helpers import NOW, POPULATE, make_user, populate

PROFILE = UserProfile("telegram", "1001", "Zoé", "zoe", "https://a/x.png", "fr")


@pytest.fixture
def settings() -> Settings:
    return Settings(policy_version="2026-03-01", purge_batch_size=2)


@pytest.fixture
def privacy(store: Store, settings: Settings) -> PrivacyService:
    return PrivacyService(store, settings)


async def test_consent_follows_the_current_policy(store: Store, settings: Settings) -> None:
    privacy = PrivacyService(store, settings)
    consent = await privacy.record_consent(PROFILE)
    assert consent.policy_version == "2026-03-01"
    assert await privacy.has_consent(consent.user_id)

    newer = PrivacyService(store, Settings(policy_version="2027-01-01"))
    assert not await newer.has_consent(consent.user_id)

    assert await privacy.withdraw_consent("telegram", "1001")
    assert not await privacy.has_consent(consent.user_id)
    assert not await privacy.withdraw_consent("telegram", "1001")
    assert not await privacy.withdraw_consent("telegram", "unknown")


async def test_export_document(privacy: PrivacyService, store: Store) -> None:
    user = await make_user(store)
    await populate(store, user)
    session = (await store.list_sessions(user.id, limit=100))[-1]
    await store.set_rating(session.id, 4)

    document = await privacy.export("telegram", "1001")
    decoded = json.loads((await privacy.export_json("telegram", "1001")).decode("utf-8"))
    assert decoded["user"] == document["user"]

    assert document["format_version"] == 1
    exported_at = dt.datetime.fromisoformat(document["exported_at"])
    assert exported_at.utcoffset() == dt.timedelta(0)
    assert document["controller"] == {
        "name": "Naromeet",
        "contact": "contact@naromeet.com",
        "supervisory_authority": "CNIL",
    }
    assert document["retention"]["transcripts"] == "15 days"
    assert document["retention"]["action_logs"] == "30 days"
    assert document["retention"]["voice_audio"] == "never stored"
    assert document["user"] == {
        "platform": "telegram",
        "platform_user_id": "1001",
        "name": "Zoé",
        "username": "zoe",
        "avatar_url": "https://a/x.png",
        "locale": "fr",
        "created_at": document["user"]["created_at"],
    }
    assert len(document["consents"]) == 1
    assert len(document["action_logs"]) == 1
    assert "other_records" not in document
    with_transcript = [s for s in document["sessions"] if s["transcript"]]
    with_feedback = [s for s in document["sessions"] if s["feedback"]]
    assert with_transcript[0]["transcript"][0]["text"] == "Bonjour"
    assert with_feedback[0]["feedback"]["content"] == {"strengths": ["clarté"]}
    assert with_feedback[0]["overall_score"] == 4
    assert [s["rating"] for s in document["sessions"] if s["id"] == session.id] == [4]
    # Every table about a user shows up in the document.
    sections = {
        "users": document["user"],
        "consents": document["consents"],
        "interview_sessions": document["sessions"],
        "transcript_messages": with_transcript,
        "feedback": with_feedback,
        "action_logs": document["action_logs"],
        "night_events": document["nights_hosted"],
        "night_queue": document["night_queue"],
    }
    assert set(sections) == set(await store.user_tables()) == set(POPULATE)
    assert all(sections.values())


async def test_export_of_an_unknown_user_is_valid(privacy: PrivacyService) -> None:
    document = json.loads(await privacy.export_json("discord", "nobody"))
    assert document["format_version"] == 1
    assert document["user"] is None
    assert document["consents"] == document["sessions"] == document["action_logs"] == []
    assert document["controller"]["name"] == "Naromeet"


async def test_erase_calls_listeners_first(
    privacy: PrivacyService, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    user = await make_user(store)
    await populate(store, user)
    seen: list[tuple[int, int]] = []

    async def stop_interview(user_id: int) -> None:
        # The data is still there when the listener runs.
        seen.append((user_id, len(await store.list_sessions(user_id, limit=100))))

    async def broken(user_id: int) -> None:
        raise RuntimeError("listener broke")

    privacy.add_erasure_listener(broken)
    privacy.add_erasure_listener(stop_interview)
    counts = await privacy.erase("telegram", "1001")
    assert seen == [(user.id, 3)]
    assert counts["users"] == 1
    assert counts["transcript_messages"] == 1
    assert "Erasure listener failed" in caplog.text
    assert set((await privacy.erase("telegram", "1001")).values()) == {0}
    assert (await privacy.export("telegram", "1001"))["user"] is None


async def test_purge_uses_settings(privacy: PrivacyService, store: Store) -> None:
    user = await make_user(store)
    session = await store.create_session(user.id, "telegram", {}, None, None, NOW)
    assert session is not None
    for age in (16, 16, 16, 14):
        created = NOW - dt.timedelta(days=age)
        await store.add_transcript_message(
            session.id, "candidate", "x", created, None, created_at=created
        )
    await store.log_action(user.id, "telegram", None, "old", NOW - dt.timedelta(days=31))

    expected = {"transcript_messages": 3, "action_logs": 1, "interview_sessions": 0}
    assert await privacy.purge(now=NOW, dry_run=True) == expected
    assert await privacy.purge(now=NOW) == expected
    assert store.last_purge_batches["transcript_messages"] == 2  # batch size 2 from settings
    assert len(await store.transcript(session.id)) == 1


async def test_purge_schedule_keeps_running_after_errors(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    class FlakyStore:
        async def purge(self, *args: Any, **kwargs: Any) -> dict[str, int]:
            calls.append(len(calls))
            if len(calls) == 1:
                raise RuntimeError("database down")
            return {"transcript_messages": 0, "action_logs": 0}

    privacy = PrivacyService(FlakyStore(), Settings())  # type: ignore[arg-type]
    sleeps: list[float] = []

    async def fast_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) >= 3:
            raise asyncio.CancelledError

    monkeypatch.setattr("bot.privacy.asyncio.sleep", fast_sleep)
    with pytest.raises(asyncio.CancelledError):
        await privacy.run_purge_schedule()
    assert len(calls) == 3
    assert sleeps == [3600, 3600, 3600]
    assert "Scheduled purge failed" in caplog.text
