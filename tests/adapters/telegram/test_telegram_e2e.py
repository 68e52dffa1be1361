"""The main job end to end: consent, a voice-note interview, feedback, rating, export, erasure.

The real python-telegram-bot Application polls the Bot API stand-in, the real
google-genai client calls the Gemini REST stand-in, and the store is SQLite or
a real PostgreSQL 15 (the `store` fixture runs both).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import av

from tests.adapters.telegram.harness import (
    CANDIDATE,
    TESTDATA,
    Bot,
    export_document,
    running_bot,
    script_feedback,
    script_turn,
    synthesised_note,
)
from tests.standins.telegram_api import Call

ANSWER_ONE = "I would start with a load balancer in front of stateless services."
ANSWER_TWO = "Then I would cache hot reads and shard the database by tenant."


def _notes() -> list[bytes]:
    """Real voice notes: the recorded Telegram note when present, and synthesised ones."""
    notes = [synthesised_note(2.0), synthesised_note(3.0)]
    recorded = TESTDATA / "telegram_voice_note.ogg"
    if recorded.is_file():
        notes[0] = recorded.read_bytes()
    return notes


def _assert_voice_note(call: Call) -> None:
    """The upload decodes as mono Ogg Opus, and its `duration` matches the audio."""
    data = call.files["voice"]
    with av.open(io.BytesIO(data)) as container:
        assert container.format.name == "ogg"
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        assert stream.codec_context.channels == 1
        samples = sum(frame.samples for frame in container.decode(stream))
        seconds = samples / stream.codec_context.sample_rate
    declared = int(call.params["duration"])
    assert declared >= 1
    assert abs(declared - seconds) <= 1.0
    assert len(data) < 1024 * 1024


async def _interview(bot: Bot) -> int:
    """Consent, start, answer twice; return the index of the last reply."""
    await bot.consent()
    script_turn(bot.gemini, "Hello! Design a URL shortener. Where do you start?")
    after = bot.mark()
    bot.telegram.send_text(CANDIDATE, '/interview technical "Backend engineer" senior en 20')
    greeting = await bot.telegram.wait_for_call("sendVoice", after=after)
    assert "URL shortener" in greeting.text
    _assert_voice_note(greeting)

    for note, answer, question in zip(
        _notes(),
        (ANSWER_ONE, ANSWER_TWO),
        ("How do you scale reads?", "Any trade-offs?"),
        strict=True,
    ):
        script_turn(bot.gemini, question, candidate=answer)
        after = bot.mark()
        bot.telegram.send_voice(CANDIDATE, note)
        reply = await bot.telegram.wait_for_call("sendVoice", after=after)
        assert reply.text == question
        _assert_voice_note(reply)
    audio_parts = bot.gemini.requests_for("text-model")[-1].inline_data
    assert audio_parts[0][0] == "audio/wav"
    return bot.mark()


async def _stop_and_rate(bot: Bot) -> None:
    script_feedback(bot.gemini, ANSWER_TWO)
    after = bot.mark()
    bot.telegram.send_text(CANDIDATE, "/stop")
    feedback = await bot.text_reply(after, "/100")
    assert feedback.params["parse_mode"] == "HTML"
    assert "70/100" in feedback.text
    assert "Clear &lt;structure&gt; &amp; examples" in feedback.text
    prompt = await bot.telegram.wait_for_call(
        "sendMessage", lambda call: len(call.buttons) == 5, after=after
    )
    after = await bot.press(prompt, prompt.buttons[3]["callback_data"])
    await bot.text_reply(after, "4")


async def _table_rows(store: Any, user_id: int) -> dict[str, int]:
    rows = await store.export_rows(user_id)
    return {table: len(rows.get(table, [])) for table in await store.user_tables()}


async def test_interview_end_to_end(store: Any) -> None:
    async with running_bot(store) as bot:
        await _interview(bot)
        await _stop_and_rate(bot)

        user = await store.get_user("telegram", str(CANDIDATE.id))
        assert user is not None
        [session] = await store.list_sessions(user.id)
        assert session.rating == 4
        assert session.end_reason == "stopped"
        lines = [line.text for line in await store.transcript(session.id)]
        assert ANSWER_ONE in lines
        assert ANSWER_TWO in lines

        after = bot.mark()
        bot.telegram.send_text(CANDIDATE, "/history")
        listing = await bot.text_reply(after, "Backend engineer")
        assert "70" in listing.text

        after = bot.mark()
        bot.telegram.send_text(CANDIDATE, "/export")
        upload = await bot.telegram.wait_for_call("sendDocument", after=after)
        document = export_document(upload)
        assert document["user"]["platform_user_id"] == str(CANDIDATE.id)
        [exported] = document["sessions"]
        assert exported["rating"] == 4
        assert ANSWER_ONE in [line["text"] for line in exported["transcript"]]

        confirm = await bot.command("/delete")
        after = await bot.press(confirm, "delete:yes")
        done = await bot.text_reply(after, "transcript_messages")
        assert "interview_sessions: 1" in done.text
        assert await store.get_user("telegram", str(CANDIDATE.id)) is None
        counts = await _table_rows(store, user.id)
        assert set(counts) >= {"users", "consents", "interview_sessions", "transcript_messages"}
        assert all(count == 0 for count in counts.values()), counts


async def test_transcript_retention(store: Any) -> None:
    async with running_bot(store) as bot:
        await _interview(bot)
        user = await store.get_user("telegram", str(CANDIDATE.id))
        [session] = await store.list_sessions(user.id)
        now = dt.datetime.now(dt.UTC)
        for days, text in ((16, "aged sixteen days"), (14, "aged fourteen days")):
            created = now - dt.timedelta(days=days)
            await store.add_transcript_message(
                session.id, "candidate", text, created, created, created_at=created
            )
        await bot.core.privacy.purge(now)
        lines = [line.text for line in await store.transcript(session.id)]
        assert "aged fourteen days" in lines
        assert "aged sixteen days" not in lines
        assert ANSWER_ONE in lines
