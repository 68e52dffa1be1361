"""Interview sessions, their transcripts and feedback on Postgres."""

from __future__ import annotations

import datetime as dt
from typing import Any

from storage import _records as records
from storage.base import InterviewSession, TranscriptMessage
from storage.postgres._connection import SCHEMA, PostgresConnection, _rowcount

_SESSION_COLUMNS = (
    "id, user_id, platform, spec, server_id, channel_id, started_at, ended_at,"
    " duration_seconds, rating, end_reason, state"
)
_TRANSCRIPT_COLUMNS = "id, session_id, speaker, text, started_at, ended_at, created_at, expires_at"


class SessionQueries(PostgresConnection):
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
        row = await self._insert_if_parent(
            f"INSERT INTO {SCHEMA}.interview_sessions (user_id, platform, spec, server_id,"
            f" channel_id, started_at) SELECT id, $2, $3, $4, $5, $6 FROM {SCHEMA}.users"
            f" WHERE id = $1 RETURNING {_SESSION_COLUMNS}",
            user_id,
            platform,
            spec,
            server_id,
            channel_id,
            started_at,
        )
        return records.session(row) if row else None

    async def get_session(self, session_id: int) -> InterviewSession | None:
        row = await self.pool.fetchrow(
            f"SELECT {_SESSION_COLUMNS} FROM {SCHEMA}.interview_sessions WHERE id = $1",
            session_id,
        )
        return records.session(row) if row else None

    async def active_session(self, user_id: int) -> InterviewSession | None:
        row = await self.pool.fetchrow(
            f"SELECT {_SESSION_COLUMNS} FROM {SCHEMA}.interview_sessions"
            " WHERE user_id = $1 AND ended_at IS NULL ORDER BY started_at DESC, id DESC LIMIT 1",
            user_id,
        )
        return records.session(row) if row else None

    async def active_sessions(self) -> list[InterviewSession]:
        rows = await self.pool.fetch(
            f"SELECT {_SESSION_COLUMNS} FROM {SCHEMA}.interview_sessions"
            " WHERE ended_at IS NULL ORDER BY id"
        )
        return [records.session(r) for r in rows]

    async def update_session_state(self, session_id: int, state: dict[str, Any]) -> bool:
        status = await self.pool.execute(
            f"UPDATE {SCHEMA}.interview_sessions SET state = $2 WHERE id = $1", session_id, state
        )
        return _rowcount(status) > 0

    async def end_session(
        self, session_id: int, ended_at: dt.datetime, end_reason: str
    ) -> InterviewSession | None:
        await self.pool.execute(
            f"UPDATE {SCHEMA}.interview_sessions SET ended_at = $2, end_reason = $3,"
            " duration_seconds = GREATEST(0, EXTRACT(EPOCH FROM ($2 - started_at)))::float8"
            " WHERE id = $1 AND ended_at IS NULL",
            session_id,
            ended_at,
            end_reason,
        )
        return await self.get_session(session_id)

    async def set_rating(self, session_id: int, rating: int) -> bool:
        records.check_rating(rating)
        status = await self.pool.execute(
            f"UPDATE {SCHEMA}.interview_sessions SET rating = $2 WHERE id = $1",
            session_id,
            rating,
        )
        return _rowcount(status) > 0

    async def list_sessions(self, user_id: int, limit: int = 20) -> list[InterviewSession]:
        rows = await self.pool.fetch(
            f"SELECT {_SESSION_COLUMNS} FROM {SCHEMA}.interview_sessions WHERE user_id = $1"
            " ORDER BY started_at DESC, id DESC LIMIT $2",
            user_id,
            limit,
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
        created = created_at or dt.datetime.now(dt.UTC)
        row = await self._insert_if_parent(
            f"INSERT INTO {SCHEMA}.transcript_messages (session_id, user_id, speaker, text,"
            " started_at, ended_at, created_at, expires_at)"
            f" SELECT id, user_id, $2, $3, $4, $5, $6, $7 FROM {SCHEMA}.interview_sessions"
            f" WHERE id = $1 RETURNING {_TRANSCRIPT_COLUMNS}",
            session_id,
            speaker,
            text,
            started_at,
            ended_at,
            created,
            created + self.transcript_retention,
        )
        return records.transcript_message(row) if row else None

    async def transcript(self, session_id: int) -> list[TranscriptMessage]:
        rows = await self.pool.fetch(
            f"SELECT {_TRANSCRIPT_COLUMNS} FROM {SCHEMA}.transcript_messages"
            " WHERE session_id = $1 ORDER BY started_at, id",
            session_id,
        )
        return [records.transcript_message(r) for r in rows]

    async def save_feedback(
        self, session_id: int, overall_score: int | None, content: dict[str, Any]
    ) -> int | None:
        row = await self._insert_if_parent(
            f"INSERT INTO {SCHEMA}.feedback (session_id, user_id, overall_score, content)"
            f" SELECT id, user_id, $2, $3 FROM {SCHEMA}.interview_sessions WHERE id = $1"
            " ON CONFLICT (session_id) DO UPDATE SET overall_score = excluded.overall_score,"
            " content = excluded.content, created_at = excluded.created_at RETURNING id",
            session_id,
            overall_score,
            content,
        )
        return int(row["id"]) if row else None

    async def get_feedback(self, session_id: int) -> dict[str, Any] | None:
        row = await self.pool.fetchrow(
            f"SELECT content FROM {SCHEMA}.feedback WHERE session_id = $1", session_id
        )
        return dict(row["content"]) if row else None
