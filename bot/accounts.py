"""Account queries adapters need: locale, past sessions, ratings and session owners.

Adapters never reach the store, so the few reads and writes a chat front end
needs beyond interviews and privacy live here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.privacy import PrivacyService
from storage.base import InterviewSession, Store, StoreError, UserProfile

logger = logging.getLogger(__name__)

# Store failures an adapter shows as "the database is unreachable"; adapters cannot
# import `storage`, so they catch this tuple instead.
DATABASE_ERRORS: tuple[type[Exception], ...] = (StoreError,)
RATING_RANGE = range(1, 6)

__all__ = ["DATABASE_ERRORS", "AccountService", "SessionSummary", "UserProfile"]


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One past interview as a history list shows it."""

    session_id: int
    started_at: datetime
    ended_at: datetime | None
    interview_type: str
    role: str
    overall_score: int | None
    rating: int | None


class AccountService:
    """Per-user preferences and history over a `Store`."""

    def __init__(self, store: Store, privacy: PrivacyService) -> None:
        self._store = store
        self._privacy = privacy

    async def has_consent(self, platform: str, platform_user_id: str) -> bool:
        """Whether the user has an account and consents to the current policy version."""
        user = await self._store.get_user(platform, platform_user_id)
        return user is not None and await self._privacy.has_consent(user.id)

    async def stored_locale(self, platform: str, platform_user_id: str) -> str | None:
        """The locale the user chose, or None when there is no account or no choice."""
        user = await self._store.get_user(platform, platform_user_id)
        return user.locale if user is not None else None

    async def set_locale(self, platform: str, platform_user_id: str, locale: str) -> bool:
        """Store the user's locale; False when there is no account to store it in."""
        user = await self._store.get_user(platform, platform_user_id)
        if user is None:
            return False
        await self._store.set_user_locale(user.id, locale)
        logger.info("User %d set locale %s", user.id, locale)
        return True

    async def has_active_interview(self, platform: str, platform_user_id: str) -> bool:
        user = await self._store.get_user(platform, platform_user_id)
        return user is not None and await self._store.active_session(user.id) is not None

    async def history(
        self, platform: str, platform_user_id: str, limit: int = 20
    ) -> list[SessionSummary]:
        """The user's ended interviews, newest first, with their overall scores."""
        user = await self._store.get_user(platform, platform_user_id)
        if user is None:
            return []
        summaries = []
        for session in await self._store.list_sessions(user.id, limit):
            if session.ended_at is None:
                continue
            feedback = await self._store.get_feedback(session.id)
            score = feedback.get("overall_score") if feedback else None
            summaries.append(_summary(session, score))
        return summaries

    async def last_ended_session(self, platform: str, platform_user_id: str) -> int | None:
        """The id of the user's most recent ended interview."""
        user = await self._store.get_user(platform, platform_user_id)
        if user is None:
            return None
        for session in await self._store.list_sessions(user.id, 20):
            if session.ended_at is not None:
                return session.id
        return None

    async def rate(
        self, platform: str, platform_user_id: str, session_id: int, rating: int
    ) -> bool:
        """Store the user's 1 to 5 rating of their own session's feedback."""
        if rating not in RATING_RANGE:
            raise ValueError(f"invalid rating {rating}: expected 1 to 5")
        user = await self._store.get_user(platform, platform_user_id)
        session = await self._store.get_session(session_id)
        if user is None or session is None or session.user_id != user.id:
            return False
        saved = await self._store.set_rating(session_id, rating)
        if saved:
            logger.info("User %d rated interview %d: %d", user.id, session_id, rating)
        return saved

    async def contact(self, user_id: int) -> tuple[str, str | None] | None:
        """Return the platform id and stored locale of an internal user id, to message them."""
        user = await self._store.get_user_by_id(user_id)
        return (user.platform_user_id, user.locale) if user is not None else None


def _summary(session: InterviewSession, score: int | None) -> SessionSummary:
    return SessionSummary(
        session_id=session.id,
        started_at=session.started_at,
        ended_at=session.ended_at,
        interview_type=str(session.spec.get("type", "")),
        role=str(session.spec.get("role", "")),
        overall_score=score,
        rating=session.rating,
    )
