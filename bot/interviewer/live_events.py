"""The callbacks through which a Live interview reports what happens."""

from __future__ import annotations

from typing import Protocol

from bot.interviewer.transcript import TranscriptLine


class LiveEvents(Protocol):
    """What the interview produces; the session layer implements it."""

    async def on_audio(self, pcm24k: bytes) -> None:
        """Interviewer speech, 24 kHz mono s16le, to be played back."""

    async def on_interrupted(self) -> None:
        """The candidate barged in: flush queued playback now."""

    async def on_transcript(self, line: TranscriptLine) -> None:
        """A finished transcript line, delivered once."""

    async def on_turn_complete(self) -> None:
        """The interviewer finished its turn."""

    async def on_warning(self, kind: str) -> None:
        """A warning to show the candidate, such as "time_warning"."""

    async def on_closed(self, reason: str) -> None:
        """The interview ended: "completed", "time_limit", "quota", "candidate_silent",
        "setup_timeout", "failed" or the reason given to `stop`."""
