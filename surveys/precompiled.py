"""Statements on the submission path, compiled once per database and run on the driver directly.

A submission runs the same few statements every time. Through ``Connection.execute`` each one
costs SQLAlchemy a cache-key walk of the statement, parameter processing and result set-up, which
on SQLite took longer than the statement itself, inside the database's single write lock. Here a
statement is compiled once per (dialect, name) and run with ``exec_driver_sql``: parameters go to
the driver as they are (str, int, bool, None, and dates as ISO text on SQLite, as SQLAlchemy
stores them there), so only plain values may be passed, and result rows come back as the driver
gives them (SQLite: booleans as 0/1, dates as ISO text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Connection, CursorResult

_COMPILED: dict[tuple[str, object], tuple[str, bool, tuple[str, ...]]] = {}


def execute(connection: Connection, name: object, build: Callable[[Any], Any], params: Mapping[str, Any], *,
            rowcount: bool = False) -> CursorResult:
    """Run the statement ``build(dialect)`` (bound parameters by name) under the cache key ``name``;
    ``rowcount``: the result's ``rowcount`` is wanted."""
    dialect = connection.dialect
    key = (dialect.name, name)
    found = _COMPILED.get(key)
    if found is None:
        compiled = build(dialect).compile(dialect=dialect)
        names = tuple(compiled.positiontup) if compiled.positional else tuple(dict.fromkeys(compiled.bind_names.values()))
        found = _COMPILED[key] = (compiled.string, compiled.positional, names)
    sql, positional, names = found
    if dialect.name == "sqlite":
        params = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in params.items()}
    # The row count is read after the driver's cursor is closed: keep it (PostgreSQL loses it).
    options = {"preserve_rowcount": True} if rowcount else None
    values = tuple(params[n] for n in names) if positional else {n: params[n] for n in names}
    return connection.exec_driver_sql(sql, values, execution_options=options)


def as_date(value) -> dt.date:
    """A date column's value as read by :func:`execute` (ISO text on SQLite)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
