"""Errors raised by the interviewer and the feedback generator, and their mapping
from google-genai and transport errors."""

from __future__ import annotations

import aiohttp
import httpx
from google.genai import errors as genai_errors

# Exceptions a google-genai REST call can raise: API errors, and transport errors
# from aiohttp (used for async calls when installed) or httpx.
GEMINI_CALL_ERRORS: tuple[type[BaseException], ...] = (
    genai_errors.APIError,
    aiohttp.ClientError,
    httpx.HTTPError,
    TimeoutError,
    OSError,
)


class InterviewerError(RuntimeError):
    """A Gemini call failed or returned output that could not be used."""


class QuotaExceededError(InterviewerError):
    """Gemini reported exhausted quota (HTTP 429 or RESOURCE_EXHAUSTED), so it is never retried."""


def is_quota_error(exc: BaseException) -> bool:
    """Return whether `exc` is Gemini's exhausted-quota error."""
    if not isinstance(exc, genai_errors.APIError):
        return False
    return exc.code == 429 or exc.status == "RESOURCE_EXHAUSTED"


def to_interviewer_error(exc: BaseException, call: str) -> InterviewerError:
    """Return the error to raise for a failed Gemini `call` ("turn", "speech", "feedback")."""
    if is_quota_error(exc):
        return QuotaExceededError(f"Gemini quota exhausted during the {call} request")
    if isinstance(exc, genai_errors.APIError):
        return InterviewerError(f"Gemini {call} request failed: HTTP {exc.code} {exc.status}")
    return InterviewerError(f"Gemini {call} request failed: {type(exc).__name__}")
