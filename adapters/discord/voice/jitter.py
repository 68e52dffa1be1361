"""A small per-SSRC jitter buffer: reorder, drop duplicates, detect losses.

It is driven by packet arrival alone (no timer), so it adds no delay to packets
that arrive in order. A missing packet is declared lost once `depth` later
packets have arrived; the caller conceals one 20 ms frame per lost packet.

NOTE: with no timer, frames held behind a loss at the very end of a talk spurt
(at most `depth`) are released only when the sender's next packet arrives.
A flush on a receive timeout would release them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.discord.voice.rtp import sequence_add, sequence_diff, timestamp_diff

DEFAULT_DEPTH = 3
# A jump larger than this many packets (about 2 s), or a timestamp going backwards,
# means the sender restarted its stream: start over instead of concealing the gap.
MAX_CONCEALED_GAP = 100


@dataclass(frozen=True, slots=True)
class JitterFrame:
    """One 20 ms slot released in order: the Opus payload, or None when it was lost."""

    sequence: int
    timestamp: int
    payload: bytes | None


class JitterBuffer:
    """Orders the frames of one SSRC by RTP sequence number, across wraparound."""

    def __init__(self, depth: int = DEFAULT_DEPTH) -> None:
        self.depth = depth
        self.duplicates = 0
        self.late = 0
        self.lost = 0
        self.resets = 0
        self._next_sequence: int | None = None
        self._last_timestamp = 0
        self._pending: dict[int, tuple[int, bytes | None]] = {}

    def push(self, sequence: int, timestamp: int, payload: bytes | None) -> list[JitterFrame]:
        """Add one packet and return the frames now ready, in sequence order.

        A `payload` of None marks a packet that arrived but cannot be used (it failed
        decryption): it takes its slot and is released as lost.
        """
        if self._next_sequence is None or self._is_restart(sequence, timestamp):
            self._restart(sequence)
        assert self._next_sequence is not None
        ahead = sequence_diff(sequence, self._next_sequence)
        if ahead < 0:
            self.late += 1
            return []
        if sequence in self._pending:
            self.duplicates += 1
            return []
        self._pending[sequence] = (timestamp, payload)
        return self._release()

    def flush(self) -> list[JitterFrame]:
        """Release every held frame, concealing the gaps between them."""
        frames: list[JitterFrame] = []
        while self._pending:
            frames.extend(self._release(force=True))
        return frames

    def _is_restart(self, sequence: int, timestamp: int) -> bool:
        assert self._next_sequence is not None
        ahead = sequence_diff(sequence, self._next_sequence)
        if ahead > MAX_CONCEALED_GAP or ahead < -MAX_CONCEALED_GAP:
            return True
        return ahead >= 0 and timestamp_diff(timestamp, self._last_timestamp) < 0

    def _restart(self, sequence: int) -> None:
        if self._next_sequence is not None:
            self.resets += 1
        self._pending.clear()
        self._next_sequence = sequence

    def _release(self, force: bool = False) -> list[JitterFrame]:
        assert self._next_sequence is not None
        frames: list[JitterFrame] = []
        while self._pending:
            entry = self._pending.pop(self._next_sequence, None)
            if entry is not None:
                timestamp, payload = entry
                self._last_timestamp = timestamp
                frames.append(JitterFrame(self._next_sequence, timestamp, payload))
            elif force or self._span() >= self.depth:
                self.lost += 1
                frames.append(JitterFrame(self._next_sequence, self._last_timestamp, None))
            else:
                break
            self._next_sequence = sequence_add(self._next_sequence, 1)
        return frames

    def _span(self) -> int:
        assert self._next_sequence is not None
        start = self._next_sequence
        return max(sequence_diff(sequence, start) for sequence in self._pending)
