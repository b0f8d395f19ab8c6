"""Bulk loading of prepared rows, for benchmarks and data migrations only.

Repository functions convert domain values one call at a time; seeding 100,000 calls
that way takes an hour. :func:`bulk_load` inserts plain dict rows straight into the
named tables (executemany, one transaction per table batch), bypassing the domain
conversion, so the caller must give complete, valid rows (the CHECK constraints
still apply).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import func, select

from call_qa.db.engine import Database
from call_qa.db.models import Base
from call_qa.db.repository import _database_errors


def bulk_load(db: Database, rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Insert ``rows[table]`` into each named table, in the mapping's order (parents
    first), in one transaction."""
    unknown = set(rows) - set(Base.metadata.tables)
    if unknown:
        raise ValueError(f"unknown table(s) {sorted(unknown)}")
    sqlite = db.dialect == "sqlite"
    mark = "?" if sqlite else "%s"
    with _database_errors(db, "bulk-load rows"), db.engine.begin() as connection:
        for name, table_rows in rows.items():
            if not table_rows:
                continue
            columns = list(table_rows[0])
            # Driver-level executemany: SQLAlchemy's per-row bind processing costs more
            # than the insert itself at this volume. Values are converted the way the
            # column types would: JSON as text, SQLite timestamps as naive UTC text.
            sql = (
                f"INSERT INTO {name} ({', '.join(columns)}) "
                f"VALUES ({', '.join(mark for _ in columns)})"
            )
            connection.exec_driver_sql(
                sql, [tuple(_value(row[c], sqlite) for c in columns) for row in table_rows]
            )


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
    with _database_errors(db, "read the largest ids"), db.engine.connect() as connection:
        return {
            name: connection.execute(select(func.coalesce(func.max(Base.metadata.tables[name].c.id), 0))).scalar_one()
            for name in tables
        }


def finish_bulk_load(db: Database) -> None:
    """After loading rows with explicit ids: move PostgreSQL's id sequences past them
    (or the next ordinary insert collides), and refresh the planner's statistics."""
    with _database_errors(db, "finish the bulk load"), db.engine.begin() as connection:
        if db.dialect == "postgresql":
            for name, table in Base.metadata.tables.items():
                if "id" in table.c and table.c.id.primary_key:
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                    )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")
