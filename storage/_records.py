"""Build the store's records from database rows (any mapping of column to value).

Each backend decodes its own column types first (SQLite keeps times and JSON as
text, asyncpg returns native values), then both share these constructors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage.base import Consent, InterviewSession, TranscriptMessage, User

Row = Mapping[str, Any]


def user(row: Row) -> User:
    return User(
        id=row["id"],
        platform=row["platform"],
        platform_user_id=row["platform_user_id"],
        name=row["name"],
        username=row["username"],
        avatar_url=row["avatar_url"],
        locale=row["locale"],
        created_at=row["created_at"],
    )


def consent(row: Row) -> Consent:
    return Consent(
        id=row["id"],
        user_id=row["user_id"],
        policy_version=row["policy_version"],
        accepted_at=row["accepted_at"],
        withdrawn_at=row["withdrawn_at"],
    )


def session(row: Row) -> InterviewSession:
    return InterviewSession(
        id=row["id"],
        user_id=row["user_id"],
        platform=row["platform"],
        spec=row["spec"],
        server_id=row["server_id"],
        channel_id=row["channel_id"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        duration_seconds=row["duration_seconds"],
        rating=row["rating"],
        end_reason=row["end_reason"],
        state=row["state"] or {},
    )


def transcript_message(row: Row) -> TranscriptMessage:
    return TranscriptMessage(
        id=row["id"],
        session_id=row["session_id"],
        speaker=row["speaker"],
        text=row["text"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


def check_rating(rating: int) -> None:
    if not 1 <= rating <= 5:
        raise ValueError(f"rating must be between 1 and 5, got {rating}")


def check_speaker(speaker: str) -> None:
    if speaker not in ("candidate", "interviewer"):
        raise ValueError(f"speaker must be 'candidate' or 'interviewer', got {speaker!r}")
