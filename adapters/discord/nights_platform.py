"""The Discord side of mock-interview nights: the core's `NightPlatform` callbacks.

The bot joins the night's voice channel when the first candidate is
interviewed and stays there until the night ends. For each candidate it moves
the receive path's SSRC focus with `set_candidate`, so every other voice in the
channel is dropped before any cryptography. Voice state updates tell the core
when the current candidate joins or leaves.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from adapters.discord.feedback_embed import feedback_embed, rating_view
from adapters.discord.night_events import NightScheduledEvents
from adapters.discord.texts import say
from adapters.discord.voice import InterviewerAudioSource, ReceivingVoiceClient
from bot.audio import InterviewerStream
from bot.live_sessions_bridge import LiveOutcome, LiveSession
from bot.nights_model import Candidate, NewNight, NightEvent, NightSummary

if TYPE_CHECKING:
    from adapters.discord.app import NaromeetBot

logger = logging.getLogger(__name__)


class NightVoice:
    """The interviewer's voice in a night's channel; a `LivePlayback` per candidate."""

    def __init__(self, voice: ReceivingVoiceClient) -> None:
        self.voice = voice
        self.stream = InterviewerStream()
        self.source = InterviewerAudioSource(self.stream)
        if not voice.is_playing():
            voice.play(self.source)

    async def on_audio(self, pcm24k: bytes) -> None:
        self.stream.feed(pcm24k)

    async def on_interrupted(self) -> None:
        self.source.interrupt()

    async def on_turn_complete(self) -> None:
        self.stream.end_of_turn()

    async def on_warning(self, kind: str) -> None:
        return None  # the night warns from its own slot clock

    async def on_closed(self, outcome: LiveOutcome) -> None:
        self.voice.set_candidate(None)
        self.voice.set_audio_sink(None)
        self.source.interrupt()


class DiscordNightPlatform:
    """`NightPlatform` for Discord, one per bot."""

    def __init__(self, bot: NaromeetBot) -> None:
        self.bot = bot
        self.events = NightScheduledEvents(bot)
        self._voices: dict[int, NightVoice] = {}
        # Voice channel id to night id, for voice state updates.
        self._channels: dict[int, int] = {}

    # Where things are

    def _guild(self, night: NightEvent) -> discord.Guild | None:
        return self.bot.get_guild(int(night.server_id))

    def _text_channel(self, night: NightEvent) -> discord.abc.Messageable | None:
        guild = self._guild(night)
        if guild is None or night.text_channel_id is None:
            return None
        channel = guild.get_channel(int(night.text_channel_id))
        return channel if isinstance(channel, discord.abc.Messageable) else None

    async def _post(self, night: NightEvent, content: str, **kwargs: Any) -> bool:
        channel = self._text_channel(night)
        if channel is None:
            logger.warning("Night %d: text channel not found", night.id)
            return False
        try:
            await channel.send(content, **kwargs)
        except discord.HTTPException as error:
            logger.warning("Night %d: message failed (%s)", night.id, error.status)
            return False
        return True

    async def _direct(self, user_id: str, content: str | None = None, **kwargs: Any) -> None:
        try:
            user = self.bot.get_user(int(user_id)) or await self.bot.fetch_user(int(user_id))
            await user.send(content, **kwargs)
        except discord.HTTPException as error:
            logger.warning("Direct message failed (%s)", error.status)

    # NightPlatform

    async def call_candidate(self, night: NightEvent, candidate: Candidate) -> None:
        self._channels[int(night.voice_channel_id)] = night.id
        grace = self.bot.core.nights.timings.call_grace_seconds
        message = say(
            candidate.profile.locale,
            "night_call",
            mention=f"<@{candidate.profile.platform_user_id}>",
            channel=f"<#{night.voice_channel_id}>",
            minutes=max(1, round(grace / 60)),
        )
        mentions = discord.AllowedMentions(users=True, roles=False, everyone=False)
        await self._post(night, message, allowed_mentions=mentions)

    async def is_present(self, night: NightEvent, candidate: Candidate) -> bool:
        guild = self._guild(night)
        channel = guild.get_channel(int(night.voice_channel_id)) if guild else None
        if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            return False
        return int(candidate.profile.platform_user_id) in channel.voice_states

    async def open_voice_interview(self, night: NightEvent, candidate: Candidate) -> NightVoice:
        current = self._voices.get(night.id)
        if current is not None and current.voice.is_connected():
            return current
        guild = self._guild(night)
        channel = guild.get_channel(int(night.voice_channel_id)) if guild else None
        if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            raise RuntimeError(f"voice channel {night.voice_channel_id} not found")
        voice = await self.bot.connect_voice(channel)
        self._voices[night.id] = NightVoice(voice)
        return self._voices[night.id]

    async def voice_interview_started(
        self, night: NightEvent, candidate: Candidate, session: LiveSession
    ) -> None:
        voice = self._voices[night.id].voice
        live = self.bot.core.live
        voice.set_audio_sink(lambda pcm16k: live.push_candidate_audio(session, pcm16k))
        voice.set_candidate(int(candidate.profile.platform_user_id))
        voice.start_receiving()

    async def stop_voice_interview(self, night: NightEvent, candidate: Candidate) -> None:
        current = self._voices.get(night.id)
        if current is not None:
            current.voice.set_candidate(None)
            current.voice.set_audio_sink(None)

    async def warn_slot_ending(
        self, night: NightEvent, candidate: Candidate, seconds_left: float
    ) -> None:
        message = say(
            candidate.profile.locale,
            "night_slot_warning",
            mention=f"<@{candidate.profile.platform_user_id}>",
            minutes=max(1, round(seconds_left / 60)),
        )
        await self._post(night, message)

    async def post_feedback(
        self, night: NightEvent, candidate: Candidate, outcome: LiveOutcome, public: bool
    ) -> None:
        locale = candidate.profile.locale
        user_id = candidate.profile.platform_user_id
        if outcome.feedback is None:
            await self._direct(user_id, say(locale, "discord_feedback_unavailable"))
            return
        embed = feedback_embed(outcome.feedback, night.role, locale)
        view = rating_view(outcome.session_id)
        if public:
            intro = say(locale, "night_feedback_public", mention=f"<@{user_id}>")
            if await self._post(night, intro, embed=embed):
                return
        await self._direct(user_id, say(locale, "discord_feedback_rate"), embed=embed, view=view)

    async def send_summary(self, night: NightEvent, summary: NightSummary) -> None:
        await self._leave(night)
        if night.host_user_id is None:
            return  # the host was erased
        host = await self.bot.core.accounts.contact(night.host_user_id)
        if host is None:
            return
        host_id, locale = host
        await self._direct(host_id, embed=summary_embed(summary, locale))

    async def create_scheduled_event(self, night: NewNight) -> str:
        return await self.events.create(night)

    async def check_scheduled_event(self, server_id: str, event_id: str) -> None:
        await self.events.check(server_id, event_id)

    async def set_scheduled_event_status(self, night: NightEvent, status: str) -> None:
        await self.events.set_status(night, status)

    # Voice state updates

    def on_voice_state(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Tell the core when someone joins or leaves a night's voice channel."""
        for channel in (before.channel, after.channel):
            if channel is None or channel.id not in self._channels:
                continue
            present = after.channel is not None and after.channel.id == channel.id
            self.bot.core.nights.presence_changed(
                self._channels[channel.id], str(member.id), present
            )

    async def _leave(self, night: NightEvent) -> None:
        self._channels.pop(int(night.voice_channel_id), None)
        current = self._voices.pop(night.id, None)
        if current is None:
            return
        current.source.close()
        try:
            await current.voice.disconnect(force=True)
        except Exception:
            logger.warning("Night %d: leaving the voice channel failed", night.id, exc_info=True)


def summary_embed(summary: NightSummary, locale: str | None) -> discord.Embed:
    """Build the host's private summary, with only the scores candidates chose to share."""
    average = summary.average_slot_seconds
    body = say(
        locale,
        "night_summary_body",
        interviewed=summary.interviewed,
        no_shows=summary.no_shows,
        left=summary.left,
        skipped=summary.skipped,
        not_reached=summary.not_reached,
        average="-" if average is None else f"{average / 60:.1f} min",
    )
    if summary.shared_scores:
        lines = [
            say(locale, "night_summary_score_line", user=f"<@{user}>", score=score or "-")
            for user, score in summary.shared_scores
        ]
        body += "\n\n" + say(locale, "night_summary_scores") + "\n" + "\n".join(lines)
    title = say(locale, "night_summary_title", night_id=summary.night_id)
    return discord.Embed(title=title, description=body)
