"""Bulk loading of prepared rows, for benchmarks and data migrations only.

Repository functions convert domain values one call at a time; seeding 100,000 calls
that way takes an hour. :func:`bulk_load` inserts plain dict rows straight into the
named tables (executemany, one transaction per table batch), bypassing the domain
conversion, so the caller must give complete, valid rows (the CHECK constraints
still apply).

Derived tables are not kept in step row by row during a bulk load: the triggers of
the loaded tables (``call_timing`` from ``call_metrics``, the SQLite search index from
``utterances``) are switched off inside its transaction, and :func:`finish_bulk_load`
rebuilds ``call_timing``, the search index and ``call_daily`` once at the end — call it
after the last batch. PostgreSQL rows go in with ``COPY``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import func, select

from call_qa.db.engine import Database
from call_qa.db.models import Base
from call_qa.db.session_utils import database_errors


def bulk_load(db: Database, rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Insert ``rows[table]`` into each named table, in the mapping's order (parents
    first), in one transaction."""
    unknown = set(rows) - set(Base.metadata.tables)
    if unknown:
        raise ValueError(f"unknown table(s) {sorted(unknown)}")
    sqlite = db.dialect == "sqlite"
    loaded = [name for name, table_rows in rows.items() if table_rows]
    with database_errors(db, "bulk-load rows"), db.engine.begin() as connection:
        triggers = _suspend_triggers(connection, sqlite, loaded)
        for name in loaded:
            table_rows = rows[name]
            columns = list(table_rows[0])
            # Driver level: SQLAlchemy's per-row bind processing costs more than the
            # insert itself at this volume. Values are converted the way the column
            # types would: JSON as text, SQLite timestamps as naive UTC text.
            values = [tuple(_value(row[c], sqlite) for c in columns) for row in table_rows]
            if sqlite:
                connection.exec_driver_sql(
                    f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", values
                )
            else:
                cursor = connection.connection.driver_connection.cursor()
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
        _resume_triggers(connection, sqlite, loaded, triggers)


def _suspend_triggers(connection: Any, sqlite: bool, tables: Sequence[str]) -> list[str]:
    """Switch off the triggers of ``tables`` for this transaction; returns what
    :func:`_resume_triggers` needs (SQLite: the triggers' SQL, to create them again)."""
    if not tables:
        return []
    if not sqlite:
        for name in tables:
            connection.exec_driver_sql(f"ALTER TABLE {name} DISABLE TRIGGER USER")
        return []
    marks = ", ".join("?" for _ in tables)
    found = connection.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})", tuple(tables)
    ).all()
    for name, _ in found:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    return [sql for _, sql in found]


def _resume_triggers(connection: Any, sqlite: bool, tables: Sequence[str], triggers: list[str]) -> None:
    if not sqlite:
        for name in tables:
            connection.exec_driver_sql(f"ALTER TABLE {name} ENABLE TRIGGER USER")
        return
    for sql in triggers:
        connection.exec_driver_sql(sql)


def _value(value: Any, sqlite: bool) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, dt.datetime):
        if sqlite:
            utc = value.astimezone(dt.timezone.utc) if value.tzinfo else value
            return utc.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value
    return value


def max_ids(db: Database, tables: Iterable[str]) -> dict[str, int]:
    """The largest ``id`` of each table (0 when empty), to number new bulk rows."""
    with database_errors(db, "read the largest ids"), db.engine.connect() as connection:
        return {
            name: connection.execute(select(func.coalesce(func.max(Base.metadata.tables[name].c.id), 0))).scalar_one()
            for name in tables
        }


def finish_bulk_load(db: Database) -> None:
    """After the last :func:`bulk_load`: rebuild the derived tables (``call_timing``,
    the SQLite search index, ``call_daily``), move PostgreSQL's id sequences past the
    loaded ids (or the next ordinary insert collides), and refresh the planner's
    statistics."""
    from sqlalchemy.orm import Session

    from call_qa.db import daily
    from call_qa.db.rollup import ROLLUP_METRICS
    from call_qa.db.search import CALLS_FTS_TABLE, FTS_TABLE

    with database_errors(db, "finish the bulk load"), db.engine.begin() as connection:
        names = ", ".join(f"'{n}'" for n in ROLLUP_METRICS)
        pivot = ", ".join(f"MAX(CASE WHEN name = '{n}' THEN value END)" for n in ROLLUP_METRICS)
        connection.exec_driver_sql("DELETE FROM call_timing")
        connection.exec_driver_sql(
            f"INSERT INTO call_timing (call_pk, {', '.join(ROLLUP_METRICS)}) SELECT call_pk, {pivot} "
            f"FROM call_metrics WHERE name IN ({names}) GROUP BY call_pk"
        )
        if db.dialect == "sqlite":
            for fts in (FTS_TABLE, CALLS_FTS_TABLE):
                connection.exec_driver_sql(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")
        with Session(bind=connection) as session:
            daily.rebuild(session, db.dialect)
        if db.dialect == "postgresql":
            for name, table in Base.metadata.tables.items():
                if "id" in table.c and table.c.id.primary_key:
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                    )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # PostgreSQL: VACUUM too, so index-only scans need not visit the fresh heap.
        connection.exec_driver_sql("ANALYZE" if db.dialect == "sqlite" else "VACUUM ANALYZE")
