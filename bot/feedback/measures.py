"""Speech measures computed locally from a timed transcript.

Definitions, all over the lines that have both a start and an end time unless
stated otherwise:

- words per minute: candidate words divided by candidate speaking minutes;
- fillers per minute: filler words and phrases (`config/fillers/{language}.json`)
  in candidate lines divided by candidate speaking minutes;
- longest pause: the longest silence before a candidate line, from the end of
  the line before it (either speaker) to the candidate line's start;
- talk-time ratio: candidate speaking time over candidate plus interviewer
  speaking time;
- interruptions: interviewer lines cut off by the candidate, either flagged
  `interrupted` or overlapped by the start of the next candidate line. A line
  that is both counts once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.feedback.text import words
from config.settings import CONFIG_DIR

FILLERS_DIR = CONFIG_DIR / "fillers"


class TranscriptLine(Protocol):
    """A transcript line; `storage.base.TranscriptMessage` satisfies it."""

    @property
    def speaker(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def started_at(self) -> dt.datetime: ...
    @property
    def ended_at(self) -> dt.datetime | None: ...


@dataclass(frozen=True, slots=True)
class SpeechMeasures:
    """Speech measures of one interview; a value is None when it cannot be computed."""

    candidate_words: int
    candidate_seconds: float
    interviewer_seconds: float
    words_per_minute: float | None
    filler_count: int | None
    fillers_per_minute: float | None
    longest_pause_seconds: float | None
    talk_time_ratio: float | None
    interruptions: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpeechMeasures:
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


@functools.cache
def load_fillers(language: str) -> tuple[tuple[str, ...], ...] | None:
    """Return the filler phrases of `language` as word tuples, longest first, or None."""
    primary = language.split("-")[0].lower()
    path = FILLERS_DIR / f"{primary}.json"
    if not primary.isalpha() or not path.is_file():
        return None
    phrases = json.loads(path.read_text("utf-8"))["fillers"]
    parsed = {tuple(words(phrase)) for phrase in phrases}
    return tuple(sorted((p for p in parsed if p), key=lambda p: (-len(p), p)))


def count_fillers(text: str, fillers: Sequence[tuple[str, ...]]) -> int:
    """Count non-overlapping filler phrases in `text`, matching longer phrases first."""
    tokens = words(text)
    count = 0
    index = 0
    while index < len(tokens):
        for phrase in fillers:
            if tuple(tokens[index : index + len(phrase)]) == phrase:
                count += 1
                index += len(phrase)
                break
        else:
            index += 1
    return count


def _seconds(line: TranscriptLine) -> float | None:
    if line.ended_at is None:
        return None
    return max((line.ended_at - line.started_at).total_seconds(), 0.0)


def _is_interrupted(line: TranscriptLine) -> bool:
    return bool(getattr(line, "interrupted", False))


def count_interruptions(lines: Sequence[TranscriptLine]) -> int:
    """Count interviewer lines the candidate cut off (see the module docstring)."""
    cut: set[int] = set()
    last_interviewer: int | None = None
    for index, line in enumerate(lines):
        if line.speaker == "interviewer":
            last_interviewer = index
            if _is_interrupted(line):
                cut.add(index)
        elif line.speaker == "candidate" and last_interviewer is not None:
            previous = lines[last_interviewer]
            if previous.ended_at is not None and line.started_at < previous.ended_at:
                cut.add(last_interviewer)
    return len(cut)


def longest_pause(lines: Sequence[TranscriptLine]) -> float | None:
    """Return the longest silence in seconds before a candidate line, or None."""
    pauses = []
    for previous, line in itertools.pairwise(lines):
        if line.speaker != "candidate" or previous.ended_at is None:
            continue
        pauses.append(max((line.started_at - previous.ended_at).total_seconds(), 0.0))
    return max(pauses) if pauses else None


def compute_measures(lines: Sequence[TranscriptLine], language: str) -> SpeechMeasures:
    """Compute the speech measures of a transcript, given in any order."""
    ordered = sorted(lines, key=lambda line: line.started_at)
    candidate = [line for line in ordered if line.speaker == "candidate"]
    fillers = load_fillers(language)

    candidate_seconds = 0.0
    timed_words = 0
    timed_fillers = 0
    for line in candidate:
        seconds = _seconds(line)
        if seconds is None:
            continue
        candidate_seconds += seconds
        timed_words += len(words(line.text))
        if fillers is not None:
            timed_fillers += count_fillers(line.text, fillers)
    interviewer_seconds = sum(
        _seconds(line) or 0.0 for line in ordered if line.speaker == "interviewer"
    )

    minutes = candidate_seconds / 60
    total_seconds = candidate_seconds + interviewer_seconds
    return SpeechMeasures(
        candidate_words=sum(len(words(line.text)) for line in candidate),
        candidate_seconds=candidate_seconds,
        interviewer_seconds=interviewer_seconds,
        words_per_minute=timed_words / minutes if minutes > 0 else None,
        filler_count=None if fillers is None else timed_fillers,
        fillers_per_minute=timed_fillers / minutes
        if fillers is not None and minutes > 0
        else None,
        longest_pause_seconds=longest_pause(ordered),
        talk_time_ratio=candidate_seconds / total_seconds if total_seconds > 0 else None,
        interruptions=count_interruptions(ordered),
    )
