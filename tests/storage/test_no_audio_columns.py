"""No table can hold audio: the live schema has no binary column on either backend."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

BINARY_TYPES = {"blob", "bytea"}


async def _column_types(store: Any, tmp_path: Path) -> dict[str, str]:
    if store.backend == "postgres":
        rows = await store.pool.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'naromeet'"
        )
        return {f"{r['table_name']}.{r['column_name']}": r["data_type"].lower() for r in rows}
    types: dict[str, str] = {}
    with sqlite3.connect(tmp_path / "naromeet.sqlite3") as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            for column in connection.execute(f'PRAGMA table_info("{table}")'):
                # An undeclared type has BLOB affinity in SQLite.
                types[f"{table}.{column[1]}"] = (column[2] or "blob").lower()
    return types


async def test_schema_has_no_binary_column(store: Any, tmp_path: Path) -> None:
    types = await _column_types(store, tmp_path)
    assert "transcript_messages.text" in types
    binary = {column: kind for column, kind in types.items() if kind in BINARY_TYPES}
    assert binary == {}
