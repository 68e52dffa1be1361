"""Consent, export, erasure and retention: the GDPR rules the bot enforces.

The export document and the erasure are both driven by the store's
`user_tables()`, which reads the live schema, so a table added later is
exported and erased without being listed here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from config.settings import Settings
from storage.base import Consent, Store, StoreError, UserProfile

logger = logging.getLogger(__name__)

EXPORT_FORMAT_VERSION = 1
ErasureListener = Callable[[int], Awaitable[object]]
# How long an erasure waits for each listener (stopping an interview) before going on.
LISTENER_TIMEOUT_SECONDS = 10.0

# Export sections filled from a table; anything else lands in "other_records".
_SECTION_TABLES = frozenset(
    {
        "users",
        "consents",
        "interview_sessions",
        "transcript_messages",
        "feedback",
        "action_logs",
        "night_events",
        "night_queue",
    }
)
# Columns that only repeat the owner or the enclosing record.
_NESTED_KEYS = ("user_id", "session_id")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PrivacyService:
    """Consent records, data export, erasure and scheduled purging over a `Store`."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._erasure_listeners: list[ErasureListener] = []

    # Consent

    async def record_consent(self, profile: UserProfile) -> Consent:
        """Record that the user accepts the current policy version."""
        user = await self.store.upsert_user(profile)
        consent = await self.store.add_consent(user.id, self.settings.policy_version, _now())
        if consent is None:  # erased between the two statements
            raise StoreError("the user was erased while consent was being recorded")
        logger.info("User %s consented to policy %s", user.id, consent.policy_version)
        return consent

    async def withdraw_consent(self, platform: str, platform_user_id: str) -> bool:
        """Withdraw every open consent; True when there was one."""
        user = await self.store.get_user(platform, platform_user_id)
        if user is None:
            return False
        withdrawn = await self.store.withdraw_consent(user.id, _now())
        if withdrawn:
            logger.info("User %s withdrew consent", user.id)
        return withdrawn > 0

    async def has_consent(self, user_id: int) -> bool:
        """True when the user's latest consent is to the current policy and not withdrawn."""
        consent = await self.store.latest_consent(user_id)
        return (
            consent is not None
            and consent.withdrawn_at is None
            and consent.policy_version == self.settings.policy_version
        )

    # Export

    def retention(self) -> dict[str, str]:
        return {
            "account": "until the account is deleted",
            "consents": "while the account exists",
            "transcripts": f"{self.settings.transcript_retention_days} days",
            "feedback": "while the account exists",
            "action_logs": f"{self.settings.action_log_retention_days} days",
            "voice_audio": "never stored",
        }

    async def export(self, platform: str, platform_user_id: str) -> dict[str, Any]:
        """Everything stored about the user, as one JSON-serialisable document."""
        document: dict[str, Any] = {
            "format_version": EXPORT_FORMAT_VERSION,
            "exported_at": _now().isoformat(timespec="seconds"),
            "controller": {
                "name": self.settings.controller_name,
                "contact": self.settings.controller_contact,
                "supervisory_authority": self.settings.supervisory_authority,
            },
            "retention": self.retention(),
            "user": None,
            "consents": [],
            "sessions": [],
            "action_logs": [],
        }
        user = await self.store.get_user(platform, platform_user_id)
        if user is None:
            return document
        rows = await self.store.export_rows(user.id)
        document.update(_sections(rows))
        logger.info("Exported the data of user %s", user.id)
        return document

    async def export_json(self, platform: str, platform_user_id: str) -> bytes:
        document = await self.export(platform, platform_user_id)
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")

    # Erasure

    def add_erasure_listener(self, listener: ErasureListener) -> None:
        """Call `listener(user_id)` before each erasure, e.g. to stop an active interview."""
        self._erasure_listeners.append(listener)

    async def erase(self, platform: str, platform_user_id: str) -> dict[str, int]:
        """Delete everything about the user in one transaction; return counts per table."""
        user = await self.store.get_user(platform, platform_user_id)
        if user is None:
            return dict.fromkeys(await self.store.user_tables(), 0)
        await self._notify_erasure(user.id)
        counts = await self.store.erase_user(user.id)
        logger.info("Erased user %s: %s", user.id, counts)
        return counts

    async def _notify_erasure(self, user_id: int) -> None:
        for listener in list(self._erasure_listeners):
            try:
                await asyncio.wait_for(listener(user_id), LISTENER_TIMEOUT_SECONDS)
            except Exception:
                logger.exception("Erasure listener failed for user %s; erasing anyway", user_id)

    # Retention

    async def purge(self, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
        """Delete expired transcripts and old action logs (count them only when dry_run)."""
        now = now or _now()
        cutoff = now - dt.timedelta(days=self.settings.action_log_retention_days)
        counts = await self.store.purge(now, cutoff, self.settings.purge_batch_size, dry_run)
        logger.info("Purge%s: %s", " (dry run)" if dry_run else "", counts)
        return counts

    async def schedule_database_purge(self) -> bool:
        """Give the in-database purge job (pg_cron) the configured batch size and retention."""
        return await self.store.schedule_database_purge(
            self.settings.purge_batch_size, self.settings.action_log_retention_days
        )

    async def run_purge_schedule(self) -> None:
        """Purge now and every PURGE_INTERVAL_SECONDS until cancelled; errors are logged."""
        try:
            await self.schedule_database_purge()
        except Exception:
            logger.exception("Scheduling the database purge failed; the bot's purge still runs")
        while True:
            try:
                await self.purge()
            except Exception:
                logger.exception("Scheduled purge failed; retrying at the next interval")
            await asyncio.sleep(self.settings.purge_interval_seconds)


def _strip(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in keys}


def _sections(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Arrange the store's rows into the export document's sections."""
    users = rows.get("users", [])
    user = _strip(users[0], "id") if users else None
    transcripts: dict[int, list[dict[str, Any]]] = {}
    for line in rows.get("transcript_messages", []):
        transcripts.setdefault(line["session_id"], []).append(_strip(line, *_NESTED_KEYS))
    feedback = {f["session_id"]: _strip(f, *_NESTED_KEYS) for f in rows.get("feedback", [])}
    sessions = []
    for session in rows.get("interview_sessions", []):
        item = _strip(session, "user_id")
        item["transcript"] = transcripts.get(session["id"], [])
        item["feedback"] = feedback.get(session["id"])
        item["overall_score"] = item["feedback"]["overall_score"] if item["feedback"] else None
        sessions.append(item)
    out: dict[str, Any] = {
        "user": user,
        "consents": [_strip(c, "user_id") for c in rows.get("consents", [])],
        "sessions": sessions,
        "action_logs": [_strip(a, "user_id") for a in rows.get("action_logs", [])],
        # Mock-interview nights the user hosted, and their own places in night queues.
        "nights_hosted": rows.get("night_events", []),
        "night_queue": [_strip(q, "user_id") for q in rows.get("night_queue", [])],
    }
    other = {table: data for table, data in rows.items() if table not in _SECTION_TABLES}
    if other:
        out["other_records"] = other
    return out
