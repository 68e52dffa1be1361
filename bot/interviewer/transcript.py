"""Transcript lines assembled from Gemini Live transcription fragments.

Gemini Live streams the candidate's speech (input transcription) and the
interviewer's speech (output transcription) as short fragments. The assembler
joins them into one line per speaker turn:

- an interviewer line ends at `turnComplete`, at `interrupted` (marked as
  interrupted, with only the text received so far) or when the connection ends
  in the middle of it;
- a candidate line ends when the interviewer starts speaking or at
  `turnComplete`.

Candidate fragments do not end the interviewer's line, because a candidate who
barges in is transcribed before the server reports `interrupted`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Speaker = Literal["candidate", "interviewer"]


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One speaker turn; times are seconds since the interview started."""

    speaker: Speaker
    text: str
    started_at: float
    ended_at: float
    interrupted: bool = False


@dataclass(slots=True)
class _PendingLine:
    started_at: float
    fragments: list[str] = field(default_factory=list)

    def close(self, speaker: Speaker, ended_at: float, interrupted: bool) -> TranscriptLine:
        # Fragments carry their own spacing (" world"), so they are concatenated
        # before runs of whitespace are collapsed.
        text = " ".join("".join(self.fragments).split())
        return TranscriptLine(speaker, text, self.started_at, ended_at, interrupted)


class TranscriptAssembler:
    """Join transcription fragments into `TranscriptLine`s.

    Every method returns the lines it closed, in the order they started. Lines
    with no text are dropped.
    """

    def __init__(self) -> None:
        self._pending: dict[Speaker, _PendingLine] = {}

    @property
    def interviewer_speaking(self) -> bool:
        """True while an interviewer line is open."""
        return "interviewer" in self._pending

    def add(self, speaker: Speaker, fragment: str, now: float) -> list[TranscriptLine]:
        """Append a fragment; an interviewer fragment closes the candidate's line."""
        closed: list[TranscriptLine] = []
        if speaker == "interviewer":
            closed = self._close(["candidate"], now, interrupted=False)
        pending = self._pending.setdefault(speaker, _PendingLine(started_at=now))
        pending.fragments.append(fragment)
        return closed

    def turn_complete(self, now: float) -> list[TranscriptLine]:
        """Close both speakers' lines at the end of the model's turn."""
        return self._close(["interviewer", "candidate"], now, interrupted=False)

    def interrupted(self, now: float) -> list[TranscriptLine]:
        """Cut the interviewer's line where it stopped."""
        return self._close(["interviewer"], now, interrupted=True)

    def connection_lost(self, now: float) -> list[TranscriptLine]:
        """Cut the interviewer's line; the candidate's continues on the next connection."""
        return self._close(["interviewer"], now, interrupted=True)

    def flush(self, now: float) -> list[TranscriptLine]:
        """Close every open line at the end of the interview."""
        return self._close(["interviewer", "candidate"], now, interrupted=False)

    def _close(
        self, speakers: list[Speaker], now: float, *, interrupted: bool
    ) -> list[TranscriptLine]:
        lines: list[TranscriptLine] = []
        for speaker in speakers:
            pending = self._pending.pop(speaker, None)
            if pending is None:
                continue
            line = pending.close(speaker, now, interrupted and speaker == "interviewer")
            if line.text:
                lines.append(line)
        lines.sort(key=lambda line: line.started_at)
        return lines


def summarize_transcript(lines: list[TranscriptLine], *, max_chars: int = 6000) -> str:
    """Return the transcript as "Speaker: text" lines, keeping the most recent `max_chars`."""
    rendered = [f"{line.speaker.capitalize()}: {line.text}" for line in lines]
    kept: list[str] = []
    total = 0
    for text in reversed(rendered):
        total += len(text) + 1
        if total > max_chars:
            break
        kept.append(text)
    kept.reverse()
    if len(kept) < len(rendered):
        kept.insert(0, "[earlier part of the interview omitted]")
    return "\n".join(kept)
