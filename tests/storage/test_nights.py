"""Night events and their queues, on SQLite and on Postgres."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.base import Store
from tests.storage.helpers import NOW, make_user, new_night

LATER = NOW + dt.timedelta(minutes=30)


async def test_night_created_and_listed(store: Store) -> None:
    host = await make_user(store)
    night = await store.create_night(new_night(host.id, "guild-1"), NOW)
    assert night is not None
    await store.create_night(new_night(host.id, "guild-2"), NOW)

    assert night.state == "scheduled"
    assert night.host_user_id == host.id
    assert night.starts_at == NOW
    assert night.current_position is None
    assert await store.get_night(night.id) == night
    assert await store.open_nights("discord", "guild-1") == [night]
    assert len(await store.open_nights()) == 2
    assert await store.open_nights("telegram") == []


async def test_night_state_changes_stamp_times(store: Store) -> None:
    host = await make_user(store)
    night = await store.create_night(new_night(host.id), NOW)
    assert night is not None

    running = await store.update_night(night.id, state="running", current_position=2, at=NOW)
    paused = await store.update_night(night.id, state="paused")
    resumed = await store.update_night(night.id, state="running", at=LATER)
    ended = await store.update_night(night.id, state="ended", at=LATER)

    assert running is not None and running.started_at == NOW
    assert running.current_position == 2
    assert paused is not None and paused.state == "paused"
    assert resumed is not None and resumed.started_at == NOW  # the first start is kept
    assert ended is not None and ended.ended_at == LATER
    assert await store.open_nights() == []
    with pytest.raises(ValueError, match="night state"):
        await store.update_night(night.id, state="over")


async def test_queue_positions_and_rejoin(store: Store) -> None:
    host = await make_user(store)
    night = await store.create_night(new_night(host.id), NOW)
    assert night is not None
    first = await make_user(store, "2001")
    second = await make_user(store, "2002")

    a = await store.enqueue(night.id, first.id, False, NOW)
    b = await store.enqueue(night.id, second.id, True, NOW)
    duplicate = await store.enqueue(night.id, first.id, True, NOW)
    assert a is not None and b is not None
    assert (a.position, b.position) == (1, 2)
    assert b.share_score is True
    assert a.share_score is False
    assert duplicate is None

    left = await store.set_queue_status(a.id, "left", LATER)
    assert left is not None and left.ended_at == LATER
    again = await store.enqueue(night.id, first.id, True, LATER)
    assert again is not None
    assert again.position == 3
    assert again.status == "queued"
    assert again.ended_at is None
    assert [e.user_id for e in await store.night_queue(night.id)] == [second.id, first.id]


async def test_queue_status_times_and_session(store: Store) -> None:
    host = await make_user(store)
    night = await store.create_night(new_night(host.id), NOW)
    candidate = await make_user(store, "2001")
    assert night is not None
    entry = await store.enqueue(night.id, candidate.id, False, NOW)
    session = await store.create_session(candidate.id, "discord", {}, "s", "voice", NOW)
    assert entry is not None and session is not None

    called = await store.set_queue_status(entry.id, "called", NOW)
    started = await store.set_queue_status(entry.id, "interviewing", LATER, session_id=session.id)
    done = await store.set_queue_status(entry.id, "done", LATER)

    assert called is not None and called.called_at == NOW
    assert started is not None and started.started_at == LATER
    assert started.session_id == session.id
    assert done is not None and done.session_id == session.id
    assert done.status == "done"
    with pytest.raises(ValueError, match="queue status"):
        await store.set_queue_status(entry.id, "gone", LATER)


async def test_erasing_host_keeps_night(store: Store) -> None:
    host = await make_user(store)
    candidate = await make_user(store, "2001")
    night = await store.create_night(new_night(host.id), NOW)
    assert night is not None
    assert await store.enqueue(night.id, candidate.id, False, NOW) is not None

    exported = await store.export_rows(host.id)
    assert [row["id"] for row in exported["night_events"]] == [night.id]
    counts = await store.erase_user(host.id)

    assert counts["night_events"] == 1
    kept = await store.get_night(night.id)
    assert kept is not None
    assert kept.host_user_id is None
    assert [e.user_id for e in await store.night_queue(night.id)] == [candidate.id]
    assert await store.create_night(new_night(host.id), NOW) is None


async def test_erasing_candidate_removes_entries(store: Store) -> None:
    host = await make_user(store)
    candidate = await make_user(store, "2001")
    night = await store.create_night(new_night(host.id), NOW)
    assert night is not None
    assert await store.enqueue(night.id, candidate.id, False, NOW) is not None

    counts = await store.erase_user(candidate.id)

    assert counts["night_queue"] == 1
    assert await store.night_queue(night.id) == []
    assert await store.get_night(night.id) is not None
    assert await store.enqueue(night.id, candidate.id, False, NOW) is None


async def test_enqueue_unknown_night(store: Store) -> None:
    candidate = await make_user(store, "2001")
    assert await store.enqueue(987654, candidate.id, False, NOW) is None
    assert await store.update_night(987654, state="ended", at=NOW) is None
    assert await store.set_queue_status(987654, "done", NOW) is None
