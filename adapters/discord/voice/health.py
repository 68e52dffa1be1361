"""Counters of the receive path and a rate-limited logger for its hot path."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReceiveHealth:
    """Counters of one voice connection's receive path.

    The socket reader thread writes them; the event loop reads them through
    `snapshot()`. Spectator packets are counted in `dropped["not_candidate"]`
    before any cryptography, so `transport_decrypts` counts only packets of the
    candidate (or of an SSRC that SPEAKING later mapped to the candidate).
    """

    packets_received: int = 0
    transport_decrypts: int = 0
    dave_decrypts: int = 0
    decoded: int = 0
    concealed: int = 0
    chunks_delivered: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    decrypt_failures: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def drop(self, reason: str) -> None:
        """Count one packet dropped for `reason`."""
        with self._lock:
            self.dropped[reason] += 1

    def decrypt_failed(self, reason: str) -> None:
        """Count one frame that failed transport or DAVE decryption."""
        with self._lock:
            self.decrypt_failures[reason] += 1

    def snapshot(self) -> dict[str, Any]:
        """Return a consistent copy of every counter, for logs and health checks."""
        with self._lock:
            return {
                "packets_received": self.packets_received,
                "transport_decrypts": self.transport_decrypts,
                "dave_decrypts": self.dave_decrypts,
                "decoded": self.decoded,
                "concealed": self.concealed,
                "chunks_delivered": self.chunks_delivered,
                "dropped": dict(self.dropped),
                "decrypt_failures": dict(self.decrypt_failures),
            }


class RateLimitedLog:
    """Log a repeated hot-path event once, then at most once per `interval` seconds per key.

    Each line after the first reports how many occurrences were suppressed since.
    """

    def __init__(self, logger: logging.Logger, interval: float = 10.0) -> None:
        self._logger = logger
        self._interval = interval
        self._last: dict[str, float] = {}
        self._suppressed: Counter[str] = Counter()

    def warning(self, key: str, message: str, *args: object) -> None:
        """Log `message` % `args` at WARNING unless `key` was logged within the interval."""
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            self._suppressed[key] += 1
            return
        suppressed = self._suppressed.pop(key, 0)
        self._last[key] = now
        if suppressed:
            text = message % args
            self._logger.warning("%s (%d more since the last report)", text, suppressed)
        else:
            self._logger.warning(message, *args)
