"""The live session manager against a real store and the Gemini Live stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

import pytest

from bot.core import Core, build_core
from bot.errors import ConsentRequiredError, GeminiQuotaError, InterviewRunningError
from bot.interviewer.spec import InterviewSpec
from bot.interviewer.transcript import TranscriptLine
from bot.live_sessions import ChannelBusyError, LiveOutcome, LiveSession
from bot.live_sessions_bridge import SessionEvents
from config.settings import Settings
from storage.base import Store, UserProfile
from tests.standins.gemini_live import (
    GeminiLiveStandIn,
    LiveConnection,
    gemini_live,
    make_gemini_live,
)

__all__ = ["gemini_live", "make_gemini_live"]

WAIT_SECONDS = 10.0
SPEECH = (b"\x00\x10" * 1600) + (b"\x00\xf0" * 1600)  # 0.2 s of loud 16 kHz square wave


@dataclass
class RecordingPlayback:
    """A `LivePlayback` that records what the adapter would play and show."""

    audio: bytearray = field(default_factory=bytearray)
    interruptions: int = 0
    turns: int = 0
    warnings: list[str] = field(default_factory=list)
    closed: list[LiveOutcome] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_audio(self, pcm24k: bytes) -> None:
        self.audio += pcm24k
        self._changed.set()

    async def on_interrupted(self) -> None:
        self.interruptions += 1
        self._changed.set()

    async def on_turn_complete(self) -> None:
        self.turns += 1
        self._changed.set()

    async def on_warning(self, kind: str) -> None:
        self.warnings.append(kind)

    async def on_closed(self, outcome: LiveOutcome) -> None:
        self.closed.append(outcome)
        self._changed.set()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT_SECONDS):
            while not condition():
                self._changed.clear()
                await self._changed.wait()


def live_core(store: Store, stand_in: GeminiLiveStandIn) -> Core:
    settings = Settings(
        gemini_api_key="test-key",
        gemini_base_url=stand_in.base_url,
        gemini_live_model="live-model",
        gemini_setup_timeout_seconds=10.0,
        gemini_reconnect_budget_seconds=5.0,
        gemini_max_reconnect_attempts=1,
    )
    return build_core(settings, store, ssl_context=stand_in.client_ssl_context)


async def consenting(core: Core, user_id: str = "501") -> UserProfile:
    profile = UserProfile("discord", user_id, name="Ada", locale="en-US")
    await core.privacy.record_consent(profile)
    return profile


async def answer_once(connection: LiveConnection) -> None:
    """Greet, wait for the candidate's speech, then complete one exchange."""
    await connection.send_setup_complete()
    await connection.wait_for_audio(len(SPEECH))
    await connection.send_input_transcription("I led the database migration at my last job.")
    await connection.send_output_transcription("Why did you choose that approach?")
    await connection.send_audio(b"\x01\x00" * 2400)
    await connection.send_turn_complete()


SPEC = InterviewSpec(role="Backend engineer", length_minutes=15)


@pytest.mark.parametrize("store", ["sqlite", "postgres"], indirect=True)
async def test_session_persists_transcript_and_feedback(
    store: Store, gemini_live: GeminiLiveStandIn
) -> None:
    core = live_core(store, gemini_live)
    profile = await consenting(core)
    playback = RecordingPlayback()
    gemini_live.script(answer_once)

    session = await core.live.start(profile, SPEC, "guild-1", "channel-1", playback)
    assert await core.live.forward_candidate_audio(session, SPEECH)
    await playback.wait_until(lambda: playback.turns >= 1)
    outcome = await core.live.stop(session)

    assert bytes(gemini_live.connections[0].audio[: len(SPEECH)]) == SPEECH
    assert len(playback.audio) == 4800
    lines = await store.transcript(session.id)
    assert [line.speaker for line in lines] == ["candidate", "interviewer"]
    assert lines[0].text == "I led the database migration at my last job."
    assert outcome.reason == "stopped"
    assert outcome.feedback is not None
    assert await store.get_feedback(session.id) == outcome.feedback.to_dict()
    row = await store.get_session(session.id)
    assert row is not None and row.end_reason == "stopped"
    assert playback.closed == [outcome]
    assert core.live.sessions == []
    assert core.slots.in_use == 0


async def test_start_requires_consent(store: Store, gemini_live: GeminiLiveStandIn) -> None:
    core = live_core(store, gemini_live)
    profile = UserProfile("discord", "777")

    with pytest.raises(ConsentRequiredError):
        await core.live.start(profile, SPEC, "guild-1", "channel-1", RecordingPlayback())

    assert gemini_live.connections == []


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
async def test_one_interview_per_channel_and_user(
    store: Store, gemini_live: GeminiLiveStandIn
) -> None:
    core = live_core(store, gemini_live)
    first = await consenting(core, "501")
    second = await consenting(core, "502")
    session = await core.live.start(first, SPEC, "guild-1", "channel-1", RecordingPlayback())

    with pytest.raises(ChannelBusyError):
        await core.live.start(second, SPEC, "guild-1", "channel-1", RecordingPlayback())
    with pytest.raises(InterviewRunningError):
        await core.live.start(first, SPEC, "guild-1", "channel-2", RecordingPlayback())

    await core.live.stop(session)
    assert core.live.in_channel("channel-1") is None


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
async def test_withdrawal_stops_forwarding_at_once(
    store: Store, gemini_live: GeminiLiveStandIn
) -> None:
    core = live_core(store, gemini_live)
    profile = await consenting(core)
    playback = RecordingPlayback()
    session = await core.live.start(profile, SPEC, "guild-1", "channel-1", playback)
    assert await core.live.forward_candidate_audio(session, SPEECH)
    await gemini_live.connections[0].wait_for_audio(len(SPEECH))

    withdrawal = asyncio.create_task(
        core.live.withdraw_consent("discord", profile.platform_user_id)
    )
    await asyncio.sleep(0)  # the withdrawal has started but not finished
    forwarded = await core.live.forward_candidate_audio(session, SPEECH)
    assert await withdrawal

    assert not forwarded
    assert len(gemini_live.connections[0].audio) == len(SPEECH)
    assert [outcome.reason for outcome in playback.closed] == ["consent_withdrawn"]
    assert not await core.privacy.has_consent(session.user_id)


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
async def test_erasure_ends_session_and_leaves_no_rows(
    store: Store, gemini_live: GeminiLiveStandIn
) -> None:
    core = live_core(store, gemini_live)
    profile = await consenting(core)
    playback = RecordingPlayback()
    gemini_live.script(answer_once)
    session = await core.live.start(profile, SPEC, "guild-1", "channel-1", playback)
    await core.live.forward_candidate_audio(session, SPEECH)
    await playback.wait_until(lambda: playback.turns >= 1)

    counts = await core.privacy.erase("discord", profile.platform_user_id)
    late = SessionEvents(session, store, _never_closed)
    await late.on_transcript(TranscriptLine("candidate", "A late line.", 1.0, 2.0))

    assert counts["transcript_messages"] == 2
    assert await store.get_user("discord", profile.platform_user_id) is None
    assert await store.get_session(session.id) is None
    assert await store.transcript(session.id) == []
    assert [outcome.erased for outcome in playback.closed] == [True]
    assert not await core.live.forward_candidate_audio(session, SPEECH)


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
async def test_quota_at_start_raises_and_ends(
    store: Store, gemini_live: GeminiLiveStandIn
) -> None:
    core = live_core(store, gemini_live)
    profile = await consenting(core)
    gemini_live.reject_handshakes = HTTPStatus.TOO_MANY_REQUESTS
    playback = RecordingPlayback()

    with pytest.raises(GeminiQuotaError):
        await core.live.start(profile, SPEC, "guild-1", "channel-1", playback)

    user = await store.get_user("discord", profile.platform_user_id)
    assert user is not None
    sessions = await store.list_sessions(user.id)
    assert [s.end_reason for s in sessions] == ["quota"]
    assert core.live.sessions == []
    assert core.slots.in_use == 0
    assert playback.closed == []


async def _never_closed(session: LiveSession, reason: str) -> None:
    raise AssertionError(f"unexpected close of interview {session.id}: {reason}")
