"""Errors the core raises to adapters; each maps to a catalogue message."""

from __future__ import annotations

from bot.ratelimit import Limited


class UserFacingError(Exception):
    """An expected failure; `message_key` names the catalogue message to show."""

    message_key = "error_internal"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.message_key)


class ConsentRequiredError(UserFacingError):
    message_key = "consent_required"


class InterviewRunningError(UserFacingError):
    message_key = "interview_already_running"


class NoInterviewError(UserFacingError):
    message_key = "no_interview_running"


class DatabaseUnavailableError(UserFacingError):
    message_key = "error_database"


class GeminiQuotaError(UserFacingError):
    message_key = "error_gemini_quota"


class GeminiUnavailableError(UserFacingError):
    message_key = "error_gemini"


class LimitedError(UserFacingError):
    """A rate limit, quota or capacity cap applied; `limited` says which and until when."""

    def __init__(self, limited: Limited) -> None:
        super().__init__(limited.reason)
        self.limited = limited
        self.message_key = {
            "rate": "rate_limited",
            "quota_interviews": "quota_interviews",
            "quota_minutes": "quota_minutes",
            "capacity": "capacity_full",
        }[limited.reason]

    def message_values(self) -> dict[str, object]:
        retry_at = self.limited.retry_at
        return {
            "seconds": int(self.limited.retry_after_seconds),
            "limit": self.limited.limit,
            "retry_at": retry_at.strftime("%H:%M") if retry_at else "",
        }
