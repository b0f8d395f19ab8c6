"""What every reading or writing function of the database layer does around its session.

Below the repository, the aggregates, the daily totals, accounts, personal data and the
web app's queries, all of which use these; this module imports none of them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Iterator

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from call_qa.db.engine import Database
from call_qa.db.errors import DatabaseError, first_line


@contextlib.contextmanager
def database_errors(db: Database, action: str) -> Iterator[None]:
    """Turn a SQLAlchemy error inside the block into a :class:`DatabaseError` that says
    which ``action`` failed on which database and what to check, so no caller needs to
    import SQLAlchemy."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"Could not {action} in the database {db.url}: {first_line(exc)}. "
            "Nothing was changed by this step; check that the database is reachable "
            "and its schema is current (open it with call-qa to upgrade)."
        ) from exc


def consistent_snapshot(db: Database, session: Session) -> None:
    """Make every SELECT of ``session`` read one snapshot of the database (call before
    the first one)."""
    # A reader issues several SELECTs; on PostgreSQL's default READ COMMITTED a save
    # committing between them could pair the new call row with old children.
    # REPEATABLE READ gives all of them one snapshot. SQLite is serialisable already.
    if db.dialect == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def as_utc(value: dt.datetime) -> dt.datetime:
    """A timestamp read from the database, as an aware UTC datetime."""
    # SQLite stores timestamps without their zone; everything call-qa writes is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)
