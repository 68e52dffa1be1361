"""`InterviewerAudioSource`: plays the interviewer's voice into the voice channel."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bot.audio import InterviewerStream

_log = logging.getLogger(__name__)

FRAME_BYTES = 3840  # 20 ms of 48 kHz stereo s16le, what discord.py's player reads
SILENCE_FRAME = bytes(FRAME_BYTES)


class InterviewerAudioSource(discord.AudioSource):
    """A PCM source that reads 20 ms frames from an `InterviewerStream`.

    `read()` returns silence while the interviewer is quiet, so discord.py's
    player keeps running for the whole interview. It returns b"", which ends
    playback, only after `close()`. `interrupt()` drops the queued interviewer
    audio at once, for barge-in.
    """

    def __init__(self, stream: InterviewerStream) -> None:
        self._stream = stream
        self._closed = threading.Event()
        self._read_errors = 0

    def read(self) -> bytes:
        if self._closed.is_set():
            return b""
        try:
            frame = self._stream.read_frame()
        except Exception:
            # The player thread stops on an exception; keep the channel alive instead.
            self._read_errors += 1
            if self._read_errors == 1 or self._read_errors % 500 == 0:
                _log.exception("Interviewer stream read failed (%d times)", self._read_errors)
            return SILENCE_FRAME
        if len(frame) != FRAME_BYTES:
            return (frame + SILENCE_FRAME)[:FRAME_BYTES]
        return frame

    def is_opus(self) -> bool:
        return False

    def interrupt(self) -> None:
        """Drop the interviewer audio queued for playback (the candidate barged in)."""
        self._stream.interrupt()

    def close(self) -> None:
        """End playback at the next read: the player then stops and calls `cleanup()`."""
        self._closed.set()

    def cleanup(self) -> None:
        self._closed.set()
