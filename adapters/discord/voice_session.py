"""One live interview in a voice channel: playback, candidate audio and its life cycle.

`VoiceSession` is the core's `LivePlayback` for Discord. It feeds the
interviewer's speech to an `InterviewerAudioSource`, flushes it on barge-in,
and ends the interview when the candidate leaves for longer than the grace
period, when the bot is disconnected or moved (voice close 4014), or when the
voice connection stays down longer than `discord_voice_reconnect_seconds`.

discord.py 2.7.1 reconnects by itself: it resumes after close 4015, and after
codes it has no rule for (4006 "session no longer valid", 4017 "DAVE protocol
required" among them) it opens a new voice session after a random delay of up
to 2, 4, 8, ... seconds. That backoff has no end of its own, so the session
bounds it: past the limit it ends the interview, and leaving the channel
cancels the reconnect loop. After each reconnection the session registers the
receive listener again; the receive path reads the DAVE session that the new
voice session's handshake set up on every packet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import discord

from adapters.discord.feedback_embed import feedback_embed, rating_view
from adapters.discord.voice import InterviewerAudioSource, ReceivingVoiceClient
from bot.audio import InterviewerStream
from bot.core import Core
from bot.i18n import translate
from bot.live_sessions import LiveOutcome, LiveSession

logger = logging.getLogger(__name__)

WATCH_INTERVAL_SECONDS = 0.5
END_MESSAGES = {
    "candidate_left": "discord_end_candidate_left",
    "voice_lost": "discord_end_voice_lost",
    "time_limit": "discord_end_time_limit",
    "candidate_silent": "discord_end_candidate_silent",
    "quota": "error_gemini_quota",
    "failed": "error_gemini",
    "setup_timeout": "error_gemini",
    "consent_withdrawn": "consent_withdrawn",
    "erased": "discord_end_erased",
    "shutdown": "interview_shutdown",
}

Send = Callable[..., Awaitable[object]]


class VoiceSession:
    """A live interview's Discord side; see the module docstring."""

    def __init__(
        self,
        core: Core,
        client: discord.Client,
        voice: ReceivingVoiceClient,
        candidate: discord.Member | discord.User,
        locale: str,
        reply: Send,
        public_channel: discord.abc.Messageable | None = None,
    ) -> None:
        self.core = core
        self.client = client
        self.voice = voice
        self.candidate = candidate
        self.channel_id = voice.channel.id
        self.locale = locale
        self.reply = reply  # private follow-up of the latest interaction
        self.public_channel = public_channel
        self.stream = InterviewerStream()
        self.source = InterviewerAudioSource(self.stream)
        self.live: LiveSession | None = None
        self.closed = asyncio.Event()
        self._grace: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None

    # Start

    def start_playback(self) -> None:
        """Start playing the interviewer (silence until Gemini speaks)."""
        if not self.voice.is_playing():
            self.voice.play(self.source)

    def attach(self, live: LiveSession) -> None:
        """Start hearing the candidate and watching the connection, once the core started."""
        self.live = live
        self.voice.set_audio_sink(self._on_candidate_audio)
        self.voice.set_candidate(self.candidate.id)
        self._watch = asyncio.create_task(self._watch_connection())

    def _on_candidate_audio(self, pcm16k: bytes) -> None:
        if self.live is not None:
            self.core.live.push_candidate_audio(self.live, pcm16k)

    # LivePlayback

    async def on_audio(self, pcm24k: bytes) -> None:
        self.stream.feed(pcm24k)

    async def on_interrupted(self) -> None:
        self.source.interrupt()

    async def on_turn_complete(self) -> None:
        self.stream.end_of_turn()

    async def on_warning(self, kind: str) -> None:
        if kind == "time_warning":
            await self._tell(translate(self.locale, "discord_time_warning"))

    async def on_closed(self, outcome: LiveOutcome) -> None:
        self.voice.set_candidate(None)
        self.voice.set_audio_sink(None)
        for task in (self._grace, self._watch):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self.source.close()
        await self._tell(
            translate(self.locale, END_MESSAGES.get(outcome.reason, "interview_stopped"))
        )
        await self._deliver_feedback(outcome)
        self.closed.set()
        await self._leave_voice()

    # Life cycle

    async def end(self, reason: str) -> LiveOutcome | None:
        """End the interview (idempotent); returns None when it was not running."""
        if self.live is None:
            return None
        return await self.core.live.stop(self.live, reason)

    def on_voice_state(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Start or cancel the leave grace period as the candidate leaves or comes back."""
        if member.id != self.candidate.id:
            return
        inside = after.channel is not None and after.channel.id == self.channel_id
        if inside and self._grace is not None:
            self._grace.cancel()
            self._grace = None
            logger.info("Candidate back in channel %s", self.channel_id)
        elif not inside and self._grace is None:
            logger.info("Candidate left channel %s; waiting before ending", self.channel_id)
            self._grace = asyncio.create_task(self._end_after_grace())

    async def _end_after_grace(self) -> None:
        await asyncio.sleep(self.core.settings.discord_leave_grace_seconds)
        await self.end("candidate_left")

    async def _watch_connection(self) -> None:
        """End on disconnection or move; keep the receive listener registered on reconnects."""
        lost_since: float | None = None
        limit = self.core.settings.discord_voice_reconnect_seconds
        while True:
            await asyncio.sleep(WATCH_INTERVAL_SECONDS)
            if self.voice not in self.client.voice_clients:
                logger.info("Voice connection in channel %s closed", self.channel_id)
                break
            channel = self.voice.channel
            if channel is None or channel.id != self.channel_id:
                logger.info("Bot moved out of channel %s", self.channel_id)
                break
            if self.voice.is_connected():
                if lost_since is not None:
                    logger.info("Voice connection in channel %s restored", self.channel_id)
                lost_since = None
                self.voice.start_receiving()
                continue
            if lost_since is None:
                lost_since = time.monotonic()
                logger.info("Voice connection in channel %s lost; reconnecting", self.channel_id)
            if time.monotonic() - lost_since > limit:
                logger.warning(
                    "Voice reconnection in channel %s failed for %g s; ending the interview",
                    self.channel_id,
                    limit,
                )
                break
        await self.end("voice_lost")

    async def _leave_voice(self) -> None:
        self.source.close()
        if self.voice in self.client.voice_clients:
            try:
                await self.voice.disconnect(force=True)
            except Exception:
                logger.warning("Leaving voice channel %s failed", self.channel_id, exc_info=True)

    async def _tell(self, message: str) -> None:
        """Send the candidate a private message: a follow-up, else a direct message."""
        try:
            await self.reply(message, ephemeral=True)
            return
        except discord.HTTPException as error:
            logger.info("Follow-up failed (%s); sending a direct message", error.status)
        with contextlib.suppress(discord.HTTPException):
            await self.candidate.send(message)

    async def _deliver_feedback(self, outcome: LiveOutcome) -> None:
        if outcome.erased:
            return
        if outcome.feedback is None:
            await self._tell(translate(self.locale, "discord_feedback_unavailable"))
            return
        role = self.live.spec.role if self.live is not None else ""
        embed = feedback_embed(outcome.feedback, role, self.locale)
        view = rating_view(outcome.session_id)
        content = translate(self.locale, "discord_feedback_rate")
        if self.public_channel is not None:
            try:
                await self.public_channel.send(content, embed=embed, view=view)
                return
            except discord.HTTPException as error:
                logger.warning("Public feedback post failed (%s); sending privately", error.status)
        try:
            await self.reply(content, embed=embed, view=view, ephemeral=True)
        except discord.HTTPException:
            with contextlib.suppress(discord.HTTPException):
                await self.candidate.send(content, embed=embed, view=view)
