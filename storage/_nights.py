"""Night records from database rows, and the checks both backends share."""

from __future__ import annotations

from storage._records import Row
from storage.base import NIGHT_STATES, QUEUE_STATUSES, NightEvent, QueueEntry

NIGHT_COLUMNS = (
    "id, platform, server_id, voice_channel_id, text_channel_id, host_user_id, starts_at,"
    " slot_minutes, interview_type, role, max_candidates, scheduled_event_id, state,"
    " current_position, created_at, started_at, ended_at"
)
QUEUE_COLUMNS = (
    "id, night_id, user_id, position, status, share_score, session_id, joined_at,"
    " called_at, started_at, ended_at"
)
# The time column a queue status sets; "queued" sets none.
STATUS_TIME_COLUMNS = {
    "called": "called_at",
    "interviewing": "started_at",
    "done": "ended_at",
    "no_show": "ended_at",
    "left": "ended_at",
    "skipped": "ended_at",
}


def night(row: Row) -> NightEvent:
    return NightEvent(**{name: row[name] for name in NIGHT_COLUMNS.split(", ")})


def queue_entry(row: Row) -> QueueEntry:
    values = {name: row[name] for name in QUEUE_COLUMNS.split(", ")}
    values["share_score"] = bool(values["share_score"])
    return QueueEntry(**values)


def check_state(state: str) -> None:
    if state not in NIGHT_STATES:
        raise ValueError(f"night state must be one of {', '.join(NIGHT_STATES)}, got {state!r}")


def check_status(status: str) -> None:
    if status not in QUEUE_STATUSES:
        raise ValueError(
            f"queue status must be one of {', '.join(QUEUE_STATUSES)}, got {status!r}"
        )


def state_time_column(state: str) -> str | None:
    """Return the night column that a change to `state` stamps with its time."""
    return {"running": "started_at", "ended": "ended_at"}.get(state)
