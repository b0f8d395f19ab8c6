"""Database-level entry points of :mod:`call_qa.db.daily` (each one transaction)."""

from __future__ import annotations

import datetime as dt
import logging

from call_qa.db import daily
from call_qa.db.engine import Database
from call_qa.db.session_utils import database_errors

log = logging.getLogger("call_qa")


def rebuild_daily(db: Database, utc_offset: dt.timedelta | None = None) -> None:
    """Recompute every cell of ``call_daily`` (at ``utc_offset``, else at its current
    offset): after rows were written by hand in SQL or by :mod:`call_qa.db.bulk`."""
    with database_errors(db, "rebuild the per-day totals"), db.session() as session, session.begin():
        daily.rebuild(session, db.dialect, utc_offset)


def ensure_daily_offset(db: Database, utc_offset: dt.timedelta) -> bool:
    """Make ``call_daily`` cut days at ``utc_offset`` (the web app's time zone),
    rebuilding it when it is cut elsewhere. Returns True when it rebuilt."""
    with database_errors(db, "read the per-day totals' offset"), db.session() as session:
        if daily.stored_offset(session) == utc_offset:
            return False
    log.info("rebuilding call_daily for UTC offset %s", utc_offset)
    rebuild_daily(db, utc_offset)
    return True
