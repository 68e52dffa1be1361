"""The bounded queue between the caller's audio and the Gemini Live socket."""

from __future__ import annotations

import asyncio
import logging
from collections import deque

import numpy as np

logger = logging.getLogger(__name__)

SPEECH_PEAK = 1000  # s16 sample peak above which a chunk counts as the candidate speaking
DROP_LOG_INTERVAL = 500  # log the first dropped chunk, then one line per this many


class Outbox:
    """Audio chunks and text inputs waiting for the socket, in arrival order per kind.

    Audio is bounded by `max_audio_bytes`: when full, the oldest chunk is
    dropped, so a long reconnection costs the start of the candidate's speech,
    never memory. Texts (nudges to the model) are few and never dropped.
    """

    def __init__(self, max_audio_bytes: int) -> None:
        self._max_audio_bytes = max_audio_bytes
        self._audio: deque[bytes] = deque()
        self._audio_bytes = 0
        self._texts: deque[str] = deque()
        self._ready = asyncio.Event()
        self.dropped_chunks = 0

    def put_audio(self, chunk: bytes) -> None:
        self._audio.append(chunk)
        self._audio_bytes += len(chunk)
        while self._audio_bytes > self._max_audio_bytes and len(self._audio) > 1:
            self._audio_bytes -= len(self._audio.popleft())
            self.dropped_chunks += 1
            if self.dropped_chunks % DROP_LOG_INTERVAL == 1:
                logger.warning("Live audio buffer full: %d chunks dropped", self.dropped_chunks)
        self._ready.set()

    def put_text(self, text: str) -> None:
        self._texts.append(text)
        self._ready.set()

    def wake(self) -> None:
        """Wake the sender, for instance after a new connection is ready."""
        self._ready.set()

    async def wait(self) -> None:
        """Wait until something was queued or `wake` was called."""
        await self._ready.wait()
        self._ready.clear()

    def pop(self) -> str | bytes | None:
        """Return the next item, texts first, or None when empty."""
        if self._texts:
            return self._texts.popleft()
        if self._audio:
            chunk = self._audio.popleft()
            self._audio_bytes -= len(chunk)
            return chunk
        return None

    def push_back(self, item: str | bytes) -> None:
        """Put an item that could not be sent back at the front."""
        if isinstance(item, str):
            self._texts.appendleft(item)
        else:
            self._audio.appendleft(item)
            self._audio_bytes += len(item)


def is_speech(pcm16k: bytes) -> bool:
    samples = np.frombuffer(pcm16k, dtype="<i2", count=len(pcm16k) // 2)
    return samples.size > 0 and int(np.abs(samples.astype(np.int32)).max()) > SPEECH_PEAK
