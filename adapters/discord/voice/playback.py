"""`InterviewerAudioSource`: plays the interviewer's voice into the voice channel.

The source hands discord.py's `AudioPlayer` Opus packets (`is_opus()` is True),
so the player sends them as they are. It encodes only while interviewer audio
is queued and returns the 3-byte Opus silence frame otherwise. A PCM source
would make discord.py 2.7.1 encode every 20 ms frame, silence included, for
the whole interview.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import discord
from discord.opus import OPUS_SILENCE

from adapters.discord.voice.health import RateLimitedLog
from bot.audio import OpusEncoder

if TYPE_CHECKING:
    from bot.audio import InterviewerStream

_log = logging.getLogger(__name__)

OPUS_SILENCE_FRAME = OPUS_SILENCE
"""The Opus packet sent while the interviewer is quiet (discord.py's `OPUS_SILENCE`)."""


class InterviewerAudioSource(discord.AudioSource):
    """An Opus source that encodes 20 ms frames from an `InterviewerStream`.

    `read()` runs on the player thread and returns one Opus packet per call:
    the encoded next frame while the stream has a whole frame queued, or
    `OPUS_SILENCE_FRAME` while it is empty, so discord.py's player keeps
    running for the whole interview. It returns b"", which ends playback, only
    after `close()`. `interrupt()` drops the queued interviewer audio at once,
    for barge-in.

    Args:
        stream: the interviewer's audio, fed on the event loop.
        bit_rate: Opus bit rate in bits per second. The default, 64 kb/s, is
            the default bit rate of a Discord voice channel.
    """

    def __init__(self, stream: InterviewerStream, *, bit_rate: int = 64000) -> None:
        self._stream = stream
        self._bit_rate = bit_rate
        # Made on the first frame of speech, so a source that never speaks costs no encoder.
        self._encoder: OpusEncoder | None = None
        self._closed = threading.Event()
        self._errors = RateLimitedLog(_log)

    def read(self) -> bytes:
        if self._closed.is_set():
            return b""
        try:
            # A partial frame waits for more audio or for `end_of_turn` to pad it.
            if not self._stream.buffered_frames:
                return OPUS_SILENCE_FRAME
            frame = self._stream.read_frame()
            if self._encoder is None:
                self._encoder = OpusEncoder(self._bit_rate)
            return self._encoder.encode(frame)
        except Exception:
            # The player thread stops on an exception; keep the channel alive instead.
            self._errors.warning("read", "Interviewer audio read or encode failed")
            _log.debug("Interviewer audio read error", exc_info=True)
            return OPUS_SILENCE_FRAME

    def is_opus(self) -> bool:
        return True

    def interrupt(self) -> None:
        """Drop the interviewer audio queued for playback (the candidate barged in)."""
        self._stream.interrupt()

    def close(self) -> None:
        """End playback at the next read: the player then stops and calls `cleanup()`."""
        self._closed.set()

    def cleanup(self) -> None:
        self._closed.set()
