"""Errors raised by the interviewer and the feedback generator."""

from __future__ import annotations


class InterviewerError(RuntimeError):
    """A Gemini call failed or returned output that could not be used."""


class QuotaExceededError(InterviewerError):
    """Gemini reported exhausted quota (HTTP 429 or RESOURCE_EXHAUSTED), so it is never retried."""
