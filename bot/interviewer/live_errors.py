"""How the Live interviewer reacts to each way a Gemini Live connection can fail."""

from __future__ import annotations

import enum

from google.genai import errors
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

QUOTA_MARKERS = ("quota", "resource_exhausted", "resource exhausted")


class SetupTimeoutError(TimeoutError):
    """The server did not send `setupComplete` in time."""


class Failure(enum.Enum):
    """The action a connection failure calls for."""

    QUOTA = "quota"  # exhausted quota: never retried
    RESUME_REJECTED = "resume_rejected"  # start a fresh session seeded with a summary
    RETRY = "retry"  # reconnect with backoff, resuming with the latest handle
    FATAL = "fatal"  # invalid request or credentials: retrying cannot help


def classify_failure(error: BaseException, *, resuming: bool) -> Failure:
    """Return the action for `error`, raised while connecting or receiving.

    Gemini reports exhausted quota as a WebSocket close 1011 whose reason names
    the quota, or as HTTP 429. It closes with 1007 or 1008 when it rejects the
    setup, which on a resumption attempt means the handle was not accepted.
    """
    if isinstance(error, InvalidStatus):
        status = error.response.status_code
        if status == 429:
            return Failure.QUOTA
        return Failure.RETRY if status >= 500 else Failure.FATAL
    if isinstance(error, errors.APIError):
        return _classify_close(error, resuming=resuming)
    if isinstance(error, ConnectionClosed | InvalidHandshake | OSError | TimeoutError):
        return Failure.RETRY
    return Failure.FATAL


def _classify_close(error: errors.APIError, *, resuming: bool) -> Failure:
    text = f"{error.status} {error.message} {error.details}".lower()
    if error.code == 429 or any(marker in text for marker in QUOTA_MARKERS):
        return Failure.QUOTA
    if error.code in (1007, 1008):
        return Failure.RESUME_REJECTED if resuming else Failure.FATAL
    if error.code in (1000, 1001, 1006, 1011, 1012, 1013, 1014) or error.code >= 500:
        return Failure.RETRY
    return Failure.FATAL


def describe(error: BaseException) -> str:
    """Return the error's class and close code, without the server's reason text."""
    code = getattr(error, "code", None)
    return f"{type(error).__name__} code={code}" if code is not None else type(error).__name__
