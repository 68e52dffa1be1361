"""Persistence: the store interface and its SQLite and Postgres backends."""

from storage.base import (
    Consent,
    InterviewSession,
    Store,
    StoreError,
    StoreUnavailableError,
    TranscriptMessage,
    User,
    UserProfile,
)

__all__ = [
    "Consent",
    "InterviewSession",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "TranscriptMessage",
    "User",
    "UserProfile",
]
