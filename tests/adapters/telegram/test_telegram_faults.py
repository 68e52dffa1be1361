"""Bad input and faults: each is told to the user, and the bot keeps running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage.sqlite import SqliteStore
from tests.adapters.telegram.harness import (
    CANDIDATE,
    TEXT_MODEL,
    Bot,
    running_bot,
    script_turn,
    silent_note,
    synthesised_note,
)
from tests.standins.gemini_rest import quota_reply


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "faults.sqlite3")
    await store.connect()
    await store.migrate()
    yield store
    await store.close()


async def _start_interview(bot: Bot) -> None:
    await bot.consent()
    script_turn(bot.gemini, "Tell me about a project you are proud of.")
    after = bot.mark()
    bot.telegram.send_text(CANDIDATE, '/interview behavioural "Data analyst"')
    await bot.telegram.wait_for_call("sendVoice", after=after)


async def _active_session(store: SqliteStore) -> Any:
    user = await store.get_user("telegram", str(CANDIDATE.id))
    assert user is not None
    return await store.active_session(user.id)


async def test_oversized_note_rejected_before_download(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store) as bot:
        await _start_interview(bot)
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, b"tiny", file_size=21 * 1024 * 1024)
        await bot.text_reply(after, "too large")
        assert not [c for c in bot.telegram.calls[after:] if c.method == "getFile"]


async def test_corrupt_note(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store) as bot:
        await _start_interview(bot)
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, b"OggS but not really audio" * 40)
        await bot.text_reply(after, "could not read")
        assert await _active_session(sqlite_store) is not None


async def test_silent_note(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store) as bot:
        await _start_interview(bot)
        calls_before = len(bot.gemini.requests)
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, silent_note())
        await bot.text_reply(after, "could not hear")
        assert len(bot.gemini.requests) == calls_before


async def test_note_without_interview_offers_one(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store) as bot:
        await bot.consent()
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, synthesised_note())
        offer = await bot.text_reply(after, "No interview is running")
        assert [button["callback_data"] for button in offer.buttons] == ["iv:new"]
        after = await bot.press(offer, "iv:new")
        await bot.text_reply(after, "Which kind of interview")


async def test_sticker_and_photo_during_interview(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store) as bot:
        await _start_interview(bot)
        for send in (bot.telegram.send_sticker, bot.telegram.send_photo):
            after = bot.mark()
            send(CANDIDATE)
            await bot.text_reply(after, "voice note")


async def test_note_flood_is_rate_limited(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store, voice_notes_per_user_per_minute=1) as bot:
        await _start_interview(bot)
        script_turn(bot.gemini, "Go on.", candidate="First answer.")
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, synthesised_note())
        await bot.telegram.wait_for_call("sendVoice", after=after)
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, synthesised_note())
        limited = await bot.text_reply(after, "too fast")
        assert "Try again in" in limited.text


@pytest.mark.parametrize("kind", ["retry_after", "slow", "server_error"])
async def test_send_retried_after_fault(sqlite_store: SqliteStore, kind: str) -> None:
    async with running_bot(sqlite_store) as bot:
        bot.telegram.fail_next("sendMessage", kind, retry_after=1, delay=3.0)
        after = bot.mark()
        bot.telegram.send_text(CANDIDATE, "/help")
        await bot.telegram.wait_for_call(
            "sendMessage", lambda call: call.result is not None, after=after
        )
        sends = bot.telegram.calls_of("sendMessage")[-2:]
        assert len(sends) == 2
        assert sends[0].text == sends[1].text
        assert "/interview" in sends[1].text


async def test_blocked_user_ends_session(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store) as bot:
        await _start_interview(bot)
        session = await _active_session(sqlite_store)
        script_turn(bot.gemini, "Thanks. Next question.", candidate="My proud project.")
        bot.telegram.fail_next("sendVoice", "forbidden")
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, synthesised_note())
        await bot.telegram.wait_for_call("sendVoice", after=after)
        for _ in range(200):
            ended = await sqlite_store.get_session(session.id)
            if ended is not None and ended.ended_at is not None:
                break
            await asyncio.sleep(0.02)
        assert ended is not None
        assert ended.end_reason == "blocked"
        lines = [line.text for line in await sqlite_store.transcript(session.id)]
        assert "My proud project." in lines


async def test_gemini_quota_keeps_session(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store) as bot:
        await _start_interview(bot)
        bot.gemini.script(TEXT_MODEL, quota_reply())
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, synthesised_note())
        await bot.text_reply(after, "quota")
        assert await _active_session(sqlite_store) is not None
        script_turn(bot.gemini, "Let us continue.", candidate="Here I am again.")
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, synthesised_note())
        reply = await bot.telegram.wait_for_call("sendVoice", after=after)
        assert reply.text == "Let us continue."


async def test_database_down_keeps_bot_running(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store) as bot:
        await bot.consent()
        await sqlite_store.close()
        after = bot.mark()
        bot.telegram.send_text(CANDIDATE, "/history")
        await bot.text_reply(after, "cannot reach its database")
        await sqlite_store.connect()
        after = bot.mark()
        bot.telegram.send_text(CANDIDATE, "/history")
        await bot.text_reply(after, "no past interviews")


async def test_group_commands_need_the_bot_name(sqlite_store: SqliteStore) -> None:
    group = {"id": -1001, "type": "supergroup", "title": "Mock nights"}
    async with running_bot(sqlite_store) as bot:
        bot.telegram.send_text(CANDIDATE, "/help", chat=group)
        after = bot.mark()
        bot.telegram.send_text(CANDIDATE, "/interview@naromeet_test_bot", chat=group)
        link = await bot.telegram.wait_for_call("sendMessage", after=after)
        assert link.chat_id == -1001
        assert link.buttons[0]["url"] == "https://t.me/naromeet_test_bot?start=interview"
        assert len(bot.telegram.calls_of("sendMessage", chat_id=-1001)) == 1


async def test_unknown_command(sqlite_store: SqliteStore) -> None:
    async with running_bot(sqlite_store) as bot:
        reply = await bot.command("/dance")
        assert "Unknown command" in reply.text
