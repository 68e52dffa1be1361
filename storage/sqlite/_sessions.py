"""Interview sessions, their transcripts and feedback on SQLite."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from storage import _records as records
from storage._userdata import iso
from storage.base import InterviewSession, TranscriptMessage
from storage.sqlite._connection import SqliteConnection, _now

_SESSION_COLUMNS = (
    "id, user_id, platform, spec, server_id, channel_id, started_at, ended_at,"
    " duration_seconds, rating, end_reason, state"
)
_TRANSCRIPT_COLUMNS = "id, session_id, speaker, text, started_at, ended_at, created_at, expires_at"


class SessionQueries(SqliteConnection):
    """The `interview_sessions`, `transcript_messages` and `feedback` tables."""

    async def create_session(
        self,
        user_id: int,
        platform: str,
        spec: dict[str, Any],
        server_id: str | None,
        channel_id: str | None,
        started_at: dt.datetime,
    ) -> InterviewSession | None:
        row = await self._fetchone(
            "INSERT INTO interview_sessions (user_id, platform, spec, server_id, channel_id,"
            f" started_at) SELECT id, ?, ?, ?, ?, ? FROM users WHERE id = ? RETURNING"
            f" {_SESSION_COLUMNS}",
            (platform, json.dumps(spec), server_id, channel_id, iso(started_at), user_id),
        )
        return records.session(row) if row else None

    async def get_session(self, session_id: int) -> InterviewSession | None:
        row = await self._fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM interview_sessions WHERE id = ?", (session_id,)
        )
        return records.session(row) if row else None

    async def active_session(self, user_id: int) -> InterviewSession | None:
        row = await self._fetchone(
            f"SELECT {_SESSION_COLUMNS} FROM interview_sessions"
            " WHERE user_id = ? AND ended_at IS NULL ORDER BY started_at DESC, id DESC LIMIT 1",
            (user_id,),
        )
        return records.session(row) if row else None

    async def active_sessions(self) -> list[InterviewSession]:
        rows = await self._fetchall(
            f"SELECT {_SESSION_COLUMNS} FROM interview_sessions WHERE ended_at IS NULL ORDER BY id"
        )
        return [records.session(r) for r in rows]

    async def update_session_state(self, session_id: int, state: dict[str, Any]) -> bool:
        changed = await self._execute(
            "UPDATE interview_sessions SET state = ? WHERE id = ?", (json.dumps(state), session_id)
        )
        return changed > 0

    async def end_session(
        self, session_id: int, ended_at: dt.datetime, end_reason: str
    ) -> InterviewSession | None:
        async with self._transaction() as db:
            async with db.execute(
                "SELECT started_at FROM interview_sessions WHERE id = ? AND ended_at IS NULL",
                (session_id,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None:
                started = dt.datetime.fromisoformat(row["started_at"])
                duration = max(0.0, (ended_at - started).total_seconds())
                await db.execute(
                    "UPDATE interview_sessions SET ended_at = ?, end_reason = ?,"
                    " duration_seconds = ? WHERE id = ?",
                    (iso(ended_at), end_reason, duration, session_id),
                )
        return await self.get_session(session_id)

    async def set_rating(self, session_id: int, rating: int) -> bool:
        records.check_rating(rating)
        changed = await self._execute(
            "UPDATE interview_sessions SET rating = ? WHERE id = ?", (rating, session_id)
        )
        return changed > 0

    async def list_sessions(self, user_id: int, limit: int = 20) -> list[InterviewSession]:
        rows = await self._fetchall(
            f"SELECT {_SESSION_COLUMNS} FROM interview_sessions WHERE user_id = ?"
            " ORDER BY started_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [records.session(r) for r in rows]

    # Transcripts and feedback

    async def add_transcript_message(
        self,
        session_id: int,
        speaker: str,
        text: str,
        started_at: dt.datetime,
        ended_at: dt.datetime | None,
        *,
        created_at: dt.datetime | None = None,
    ) -> TranscriptMessage | None:
        records.check_speaker(speaker)
        created = created_at or _now()
        row = await self._fetchone(
            "INSERT INTO transcript_messages (session_id, user_id, speaker, text, started_at,"
            " ended_at, created_at, expires_at) SELECT id, user_id, ?, ?, ?, ?, ?, ?"
            f" FROM interview_sessions WHERE id = ? RETURNING {_TRANSCRIPT_COLUMNS}",
            (
                speaker,
                text,
                iso(started_at),
                iso(ended_at) if ended_at else None,
                iso(created),
                iso(created + self.transcript_retention),
                session_id,
            ),
        )
        return records.transcript_message(row) if row else None

    async def transcript(self, session_id: int) -> list[TranscriptMessage]:
        rows = await self._fetchall(
            f"SELECT {_TRANSCRIPT_COLUMNS} FROM transcript_messages WHERE session_id = ?"
            " ORDER BY started_at, id",
            (session_id,),
        )
        return [records.transcript_message(r) for r in rows]

    async def save_feedback(
        self, session_id: int, overall_score: int | None, content: dict[str, Any]
    ) -> int | None:
        row = await self._fetchone(
            "INSERT INTO feedback (session_id, user_id, overall_score, content, created_at)"
            " SELECT id, user_id, ?, ?, ? FROM interview_sessions WHERE id = ?"
            " ON CONFLICT (session_id) DO UPDATE SET overall_score = excluded.overall_score,"
            " content = excluded.content, created_at = excluded.created_at RETURNING id",
            (overall_score, json.dumps(content), iso(_now()), session_id),
        )
        return row["id"] if row else None

    async def get_feedback(self, session_id: int) -> dict[str, Any] | None:
        row = await self._fetchone(
            "SELECT content FROM feedback WHERE session_id = ?", (session_id,)
        )
        return row["content"] if row else None
