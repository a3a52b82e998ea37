"""A lean executemany INSERT for large batches (100,000 issues in one run).

SQLAlchemy converts every bound value of every row through its column type (datetimes to the driver's
form, JSON to text, ...). In a run's batch most of those values repeat on every row (the run's time, its
id, the entity), so here each column's conversion is applied once per distinct value and the statement is
built on an untyped view of the table, which SQLAlchemy passes through untouched (JSON columns excepted:
their binding is the driver's business). Same SQL, same stored
values, a fraction of the Python work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Connection, Table, column, table

_UNCACHEABLE = object()


def bulk_insert(conn: Connection, target: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys, as Python values of ``target``'s column types)."""
    if not rows:
        return
    names = list(rows[0])
    dialect = conn.dialect
    converters: dict[str, Callable[[Any], Any]] = {}
    columns = []
    for name in names:
        kind = target.c[name].type
        if isinstance(kind, JSON):
            # JSON binding is driver specific (psycopg wraps values, SQLite takes text): leave it typed.
            columns.append(column(name, kind))
            continue
        columns.append(column(name))
        process = kind.bind_processor(dialect)
        if process is not None:
            converters[name] = _memoized(process)
    prepared = rows if not converters else [_convert(row, converters) for row in rows]
    conn.execute(table(target.name, *columns, schema=target.schema).insert(), prepared)


def _convert(row: dict[str, Any], converters: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    out = dict(row)
    for name, convert in converters.items():
        value = out[name]
        if value is not None:
            out[name] = convert(value)
    return out


def _memoized(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            hit = cache.get(value, _UNCACHEABLE)
        except TypeError:  # unhashable (a JSON dict): convert every time
            return process(value)
        if hit is _UNCACHEABLE:
            hit = cache[value] = process(value)
        return hit

    return convert
