"""Where a user's data lives, derived from the live schema.

Both backends read their catalogue (table columns and foreign keys) and pass it
here. A table contains data about a user when it has a `user_id` column or a
foreign key chain that ends at `users`. The plan gives, for each such table,
a predicate selecting the user's rows and an order in which deleting them never
leaves a child behind its parent, so a new table is exported and erased without
anyone listing it by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

USERS = "users"


@dataclass(frozen=True, slots=True)
class ForeignKey:
    table: str
    column: str
    parent: str
    parent_column: str
    on_delete: str = "CASCADE"  # the ON DELETE action, as SQL spells it


@dataclass(frozen=True, slots=True)
class UserTable:
    name: str
    # SQL condition on the table's rows; `{user}` stands for the user id parameter.
    predicate: str
    # Distance from `users`; deeper tables are deleted first.
    depth: int
    # The column an erasure sets to NULL instead of deleting the row: a reference
    # to the user declared ON DELETE SET NULL keeps rows that belong to others.
    nullify: str | None = None


def plan_user_tables(
    columns: Mapping[str, Iterable[str]],
    foreign_keys: Iterable[ForeignKey],
    quote: Callable[[str], str],
) -> list[UserTable]:
    """Return every table about a user, deepest first and `users` last.

    `quote` turns a table name into the identifier used in SQL (schema-qualified
    on Postgres).
    """
    if USERS not in columns:
        return []
    fks = list(foreign_keys)
    found: dict[str, UserTable] = {USERS: UserTable(USERS, "id = {user}", 0)}
    for table, cols in columns.items():
        if table != USERS and "user_id" in set(cols):
            found[table] = UserTable(table, "user_id = {user}", 1)
    for fk in fks:
        if fk.parent == USERS and fk.on_delete == "SET NULL" and fk.table not in found:
            found[fk.table] = UserTable(fk.table, f"{fk.column} = {{user}}", 1, fk.column)
    changed = True
    while changed:
        changed = False
        for fk in fks:
            parent = found.get(fk.parent)
            # A nullified table's children belong to other users, not to this one.
            if parent is None or parent.nullify is not None or fk.table == fk.parent:
                continue
            depth = parent.depth + 1
            if depth > len(columns):  # a foreign key cycle: stop deepening
                continue
            current = found.get(fk.table)
            if current is not None and (current.depth >= depth or current.nullify is not None):
                continue
            predicate = (
                current.predicate
                if current is not None
                else (
                    f"{fk.column} IN (SELECT {fk.parent_column} FROM {quote(fk.parent)}"
                    f" WHERE {parent.predicate})"
                )
            )
            found[fk.table] = UserTable(fk.table, predicate, depth)
            changed = True
    return sorted(found.values(), key=lambda t: (-t.depth, t.name))


def iso(value: dt.datetime) -> str:
    """ISO 8601 in UTC with microseconds, so text comparison orders correctly."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: store times must be timezone-aware UTC")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def json_friendly(value: Any) -> Any:
    """Turn a database value into something `json.dumps` accepts."""
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
