"""Bounded-rate logging for errors that repeat in a hot path."""

from __future__ import annotations

import logging
import time


class RateLimitedLog:
    """Count repeated errors and log them at most once per interval.

    A bad packet can arrive every 20 ms, so each error is counted and the
    count since the previous line is logged, never one line per packet.
    """

    def __init__(self, logger: logging.Logger, message: str, interval: float = 10.0) -> None:
        self._logger = logger
        self._message = message
        self._interval = interval
        self._count = 0
        self._total = 0
        self._last_logged = -interval

    @property
    def total(self) -> int:
        """Number of errors recorded since this object was made."""
        return self._total

    def record(self, error: BaseException) -> None:
        """Count one error and log the count when the interval has passed."""
        self._count += 1
        self._total += 1
        now = time.monotonic()
        if now - self._last_logged < self._interval:
            return
        self._logger.warning(
            "%s: %d in the last period (latest: %s)", self._message, self._count, error
        )
        self._count = 0
        self._last_logged = now
