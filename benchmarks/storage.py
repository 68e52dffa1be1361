"""Storage benchmark: export and erasure of a heavy user, and a large batched purge.

Run from the repository root: `.venv/bin/python benchmarks/storage.py` (or
`make bench`). It starts its own temporary PostgreSQL 15 cluster (see
tests/pgcluster.py) and uses a temporary SQLite file. Figures are printed next
to a baseline measured in the same run: a single-row read through the store.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bot.privacy import PrivacyService  # noqa: E402
from config.settings import Settings  # noqa: E402
from storage.base import Store, UserProfile  # noqa: E402
from storage.postgres import PostgresStore  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402
from tests.pgcluster import PgCluster  # noqa: E402

NOW = dt.datetime.now(dt.UTC)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


async def _timed(action: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await action()
    return time.perf_counter() - start


async def _populate(store: Store, platform_user_id: str, sessions: int, lines: int) -> None:
    user = await store.upsert_user(UserProfile("telegram", platform_user_id, "Bench", "bench"))
    await store.add_consent(user.id, "2026-03-01", NOW)
    for i in range(sessions):
        session = await store.create_session(
            user.id, "telegram", {"role": "dev", "i": i}, None, "chat", NOW
        )
        assert session is not None
        for j in range(lines):
            speaker = "candidate" if j % 2 else "interviewer"
            await store.add_transcript_message(session.id, speaker, f"Réponse {j} " * 8, NOW, NOW)
        await store.save_feedback(session.id, 4, {"criteria": [{"score": 4}], "i": i})
        await store.end_session(session.id, NOW + dt.timedelta(minutes=20), "completed")
        await store.log_action(user.id, "telegram", None, "interview_start", NOW)


async def bench_export_erase(
    store: Store, sessions: int, lines: int, repetitions: int
) -> dict[str, list[float]]:
    privacy = PrivacyService(store, Settings())
    await _populate(store, "heavy-0", sessions, lines)
    user = await store.get_user("telegram", "heavy-0")
    assert user is not None
    baseline = [await _timed(lambda: store.get_user_by_id(user.id)) for _ in range(200)]
    export = [
        await _timed(lambda: privacy.export("telegram", "heavy-0")) for _ in range(repetitions)
    ]
    erase = []
    for r in range(repetitions):
        key = f"heavy-{r}"
        if r:
            await _populate(store, key, sessions, lines)
        erase.append(await _timed(lambda key=key: privacy.erase("telegram", key)))  # type: ignore[misc]
    return {"single-row read (baseline)": baseline, "export": export, "erase": erase}


async def bench_purge(
    url: str, rows: int, batch_size: int, writer_seconds: float
) -> dict[str, Any]:
    store = PostgresStore(url)
    await store.connect()
    user = await store.upsert_user(UserProfile("telegram", "purge"))
    session = await store.create_session(user.id, "telegram", {}, None, None, NOW)
    assert session is not None
    start = time.perf_counter()
    await store.pool.execute(
        "INSERT INTO naromeet.transcript_messages (session_id, user_id, speaker, text,"
        " started_at, created_at, expires_at) SELECT $1, $2, 'candidate', 'expired line',"
        " now() - interval '20 days', now() - interval '20 days', now() - interval '5 days'"
        " FROM generate_series(1, $3)",
        session.id,
        user.id,
        rows,
    )
    await store.pool.execute("VACUUM ANALYZE naromeet.transcript_messages")
    fill_seconds = time.perf_counter() - start

    writer = await asyncpg.connect(url)
    insert = (
        "INSERT INTO naromeet.transcript_messages (session_id, user_id, speaker, text,"
        " started_at) VALUES ($1, $2, 'candidate', 'live line', now())"
    )

    async def write_until(done: Callable[[], bool]) -> list[float]:
        latencies = []
        while not done():
            t = time.perf_counter()
            await writer.execute(insert, session.id, user.id)
            latencies.append(time.perf_counter() - t)
        return latencies

    deadline = time.perf_counter() + writer_seconds
    alone = await write_until(lambda: time.perf_counter() > deadline)

    purge_task = asyncio.create_task(
        store.purge(dt.datetime.now(dt.UTC), NOW - dt.timedelta(days=30), batch_size)
    )
    t0 = time.perf_counter()
    during = await write_until(purge_task.done)
    counts = await purge_task
    purge_seconds = time.perf_counter() - t0
    batches = store.last_purge_batches["transcript_messages"]
    await writer.close()
    await store.close()
    return {
        "rows": rows,
        "fill_seconds": fill_seconds,
        "deleted": counts["transcript_messages"],
        "batches": batches,
        "purge_seconds": purge_seconds,
        "alone": alone,
        "during": during,
    }


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def _writer_line(label: str, values: list[float]) -> str:
    return (
        f"  {label:<14} median {_ms(statistics.median(values))} ms,"
        f" p99 {_ms(_p99(values))} ms, max {_ms(max(values))} ms (n={len(values)})"
    )


def _row(name: str, values: list[float], baseline: float) -> str:
    low, mid = min(values), statistics.median(values)
    return f"{name:<28} {_ms(low)} {_ms(mid)} {mid / baseline:10.0f}x  (n={len(values)})"


def _print_backend(backend: str, results: dict[str, list[float]]) -> None:
    baseline = statistics.median(results["single-row read (baseline)"])
    print(f"\n{backend}: {'':<20} {'min ms':>8} {'median ms':>9} {'median/baseline':>12}")
    for name, values in results.items():
        print(_row(name, values, baseline))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--purge-rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()

    print(
        f"Export and erase a user with {args.sessions} sessions x {args.lines} transcript lines"
        f" (+ feedback, consent, action log); {args.repetitions} repetitions."
    )
    cluster = PgCluster.start(cron_database="naromeet_bench")
    try:
        with tempfile.TemporaryDirectory() as folder:
            sqlite = SqliteStore(Path(folder) / "bench.sqlite3")
            await sqlite.connect()
            await sqlite.migrate()
            _print_backend(
                "SQLite",
                await bench_export_erase(sqlite, args.sessions, args.lines, args.repetitions),
            )
            await sqlite.close()

        postgres = PostgresStore(cluster.url())
        await postgres.connect()
        await postgres.migrate()
        _print_backend(
            "Postgres",
            await bench_export_erase(postgres, args.sessions, args.lines, args.repetitions),
        )
        await postgres.close()

        print(
            f"\nPostgres purge of {args.purge_rows:,} expired transcript rows, batch size"
            f" {args.batch_size}, while one writer inserts transcript lines:"
        )
        result = await bench_purge(cluster.url(), args.purge_rows, args.batch_size, 3.0)
        alone, during = result["alone"], result["during"]
        print(f"  fill (one INSERT ... generate_series): {result['fill_seconds']:.1f} s")
        print(
            f"  purge: deleted {result['deleted']:,} rows in {result['batches']} batches,"
            f" {result['purge_seconds']:.1f} s"
        )
        print(_writer_line("writer alone:", alone))
        print(_writer_line("during purge:", during))
        print(
            f"  longest stall during purge: {max(during) / statistics.median(alone):.0f}x the"
            f" median insert alone ({max(alone) / statistics.median(alone):.0f}x without purge)"
        )
    finally:
        cluster.stop()


if __name__ == "__main__":
    asyncio.run(main())
