"""Bulk writes and reads for the hot paths (usage rating): many rows in few
round trips.

The ORM is right for business transactions; rating a million records needs
the driver's fastest path instead: on PostgreSQL, COPY for appends and one
statement over `unnest` of one array per column for inserts-if-missing and
updates (a temporary table per call cost a CREATE, a COPY and a DROP, each a
round trip and catalog churn, for what one statement does); on SQLite, the
driver's own executemany (SQLAlchemy's executemany spends more time
processing parameters than SQLite spends writing them). Long lists of keys go to the
database as one parameter (a JSON text read by json_each on SQLite, an array
on PostgreSQL) instead of thousands of IN lists.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from sqlalchemy import ARRAY, BigInteger, ColumnElement, Select, String, Table, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# Page cache of a connection writing in bulk (KiB). SQLite's default of 2 MiB
# makes every random index insert of a large batch spill pages to the WAL and
# read them back; the cache grows only as far as the batch needs it.
SQLITE_BULK_CACHE_KIB = 1024 * 1024


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_missing(session: Session, table: Table, rows: list[dict[str, Any]], key: Sequence[str]) -> None:
    """Insert rows whose unique key is not there yet; existing rows stay untouched
    (also when another transaction inserts the same key at the same moment)."""
    if not rows:
        return
    dialect = postgresql if _is_postgres(session) else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=list(key))
    session.execute(statement, rows)


def insert_missing_frame(session: Session, table: Table, frame: pl.DataFrame, key: Sequence[str]) -> None:
    """`insert_missing` for a frame (columns named as the table's), at bulk speed."""
    if frame.is_empty():
        return
    names = _names(frame.columns)
    conflict = f"ON CONFLICT ({_names(key)}) DO NOTHING"
    if _is_postgres(session):
        rows, params = _arrays(table, frame)
        _raw(session).execute(f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {rows} {conflict}', params)
        return
    _raw(session).executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({_marks(frame)}) {conflict}',
                              _sqlite_rows(frame))


def update_frame(session: Session, table: Table, frame: pl.DataFrame, key: Sequence[str]) -> None:
    """Set the frame's other columns on the rows matching its `key` columns."""
    if frame.is_empty():
        return
    values = [name for name in frame.columns if name not in key]
    if _is_postgres(session):
        rows, params = _arrays(table, frame)
        setters = ", ".join(f'"{name}" = s."{name}"' for name in values)
        match = " AND ".join(f't."{name}" = s."{name}"' for name in key)
        _raw(session).execute(f'UPDATE "{table.name}" AS t SET {setters} FROM {rows} WHERE {match}', params)
        return
    setters = ", ".join(f'"{name}" = ?' for name in values)
    match = " AND ".join(f'"{name}" = ?' for name in key)
    _raw(session).executemany(f'UPDATE "{table.name}" SET {setters} WHERE {match}',
                              _sqlite_rows(frame.select(*values, *key)))


def append_frame(session: Session, table: Table, frame: pl.DataFrame) -> None:
    """Append a frame's rows (columns named as the table's) fast: COPY on
    PostgreSQL, one executemany on SQLite. Datetime columns must be UTC."""
    if frame.is_empty():
        return
    if _is_postgres(session):
        _copy(session, table.name, frame)
        return
    _raw(session).executemany(f'INSERT INTO "{table.name}" ({_names(frame.columns)}) VALUES ({_marks(frame)})',
                              _sqlite_rows(frame))


def in_values(session: Session, column: ColumnElement, values: Iterable) -> ColumnElement[bool]:
    """`column IN values` for any number of values, sent as one parameter: one
    statement (and one index probe per value) instead of thousands of IN lists.
    Values must be all strings or all integers."""
    items = list(values)
    if _is_postgres(session):
        kind = BigInteger() if items and isinstance(items[0], int) else String()
        text = bindparam(f"values_{uuid.uuid4().hex[:8]}", _array_text(pl.Series(items)), type_=String())
        return column.in_(select(func.unnest(cast(text, ARRAY(kind)))).scalar_subquery())
    listed = func.json_each(json.dumps(items)).table_valued("value")
    return column.in_(select(listed.c.value))


def plain_rows(session: Session, statement: Select) -> list[tuple]:
    """The rows of a SELECT whose columns are all integers or text, fetched by
    the driver itself in the session's transaction. Rating reads hundreds of
    thousands of such rows (counters, line versions, record ids) per batch,
    and SQLAlchemy's row handling cost twice the query. Nothing is converted
    either way, so other column types are refused, and bind parameters must be
    plain too (in_values' are)."""
    for column in statement.selected_columns:
        if column.type.python_type not in (int, str):
            raise TypeError(f"plain_rows reads integers and text only, not {column.name}: {column.type}")
    compiled = statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    return _raw(session).execute(str(compiled), params).fetchall()


def chunked(values, size: int = 5000):
    """Slices of a collection small enough for one IN list on any database."""
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _raw(session: Session):
    """The driver's connection under the session's transaction (tuned for bulk on SQLite)."""
    pooled = session.connection().connection
    if not _is_postgres(session) and not pooled.info.get("bulk_cache"):
        pooled.driver_connection.execute(f"PRAGMA cache_size=-{SQLITE_BULK_CACHE_KIB}")
        pooled.info["bulk_cache"] = True
    return pooled.driver_connection


def _names(columns: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in columns)


def _marks(frame: pl.DataFrame) -> str:
    return ", ".join("?" for _ in frame.columns)


def _sqlite_rows(frame: pl.DataFrame) -> list[tuple]:
    """Rows as SQLite keeps them: UTC times as naive text in SQLAlchemy's format."""
    times = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
    return frame.with_columns(pl.col(times).dt.strftime("%Y-%m-%d %H:%M:%S.%6f")).rows()


def _copy(session: Session, table_name: str, frame: pl.DataFrame) -> None:
    times = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
    text = frame.with_columns(pl.col(times).dt.strftime("%Y-%m-%d %H:%M:%S%.f+00")).write_csv(include_header=False)
    with _raw(session).cursor() as cursor, cursor.copy(
            f'COPY "{table_name}" ({_names(frame.columns)}) FROM STDIN WITH (FORMAT csv)') as copy:
        copy.write(text)


def _arrays(table: Table, frame: pl.DataFrame) -> tuple[str, list[list]]:
    """A frame as a PostgreSQL row source, `unnest(%s::type[], ...) AS s(...)`
    typed as `table`'s columns, and its parameters: one array per column.
    Datetime columns must be UTC."""
    dialect = postgresql.dialect()
    casts = ", ".join(f"%s::{table.c[name].type.compile(dialect=dialect)}[]" for name in frame.columns)
    return f"unnest({casts}) AS s({_names(frame.columns)})", [_array_text(frame[name]) for name in frame.columns]


def _array_text(values: pl.Series) -> str:
    """A column as PostgreSQL's array text ('{1,NULL,"a\\"b"}'), cast to the
    column's array type in the statement. Built by Polars in one pass:
    psycopg's list dumper inspects every element in Python, which cost more
    than the statements it fed. Datetimes must be UTC."""
    if values.dtype == pl.Null or values.is_empty():
        return "{" + ",".join("NULL" for _ in range(values.len())) + "}"
    if isinstance(values.dtype, pl.Datetime):
        text = values.dt.strftime("%Y-%m-%d %H:%M:%S%.f+00")
    elif values.dtype == pl.Boolean:
        text = values.replace_strict({True: "t", False: "f"}, return_dtype=pl.Utf8)
    elif values.dtype.is_numeric():
        return "{" + values.cast(pl.Utf8).fill_null("NULL").str.join(",").item() + "}"
    else:
        text = values.cast(pl.Utf8)
    quoted = '"' + text.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True) + '"'
    return "{" + quoted.fill_null("NULL").str.join(",").item() + "}"
