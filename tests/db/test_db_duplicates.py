"""Issue 20, case 1 in the database (SQLite and PostgreSQL): an exact copy of a recording
under another name is on record as a duplicate of the call that holds the results,
counted once, and a stale failure of the copy is replaced; migration 0009 upgrades a
database that holds calls."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from call_qa import db as dbmod
from call_qa.domain import CallStatus
from db_samples import make_call_result


def _calls(db) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT call_id, status, duplicate_of FROM calls ORDER BY call_id"))]


def test_a_copy_is_recorded_as_a_duplicate_beside_its_original(db):
    original = make_call_result("2026-11-27_a", content_hash="c" * 64)
    dbmod.save_call_result(db, original)
    # the copy's stale failure from an earlier run (it was reported "ok" with the other's score)
    stale = dataclasses.replace(make_call_result("2026-11-28_b", content_hash="c" * 64),
                                status=CallStatus.FAILED, scorecard=None, errors=("old failure",))
    dbmod.save_call_result(db, stale)
    assert dbmod.find_original(db, "c" * 64) == ("2026-11-27_a", CallStatus.OK)

    dbmod.record_duplicate(db, "2026-11-28_b", "/rec/2026-11-28/b.wav", "c" * 64, original.settings_hash, "2026-11-27_a")
    assert _calls(db) == [("2026-11-27_a", "ok", None), ("2026-11-28_b", "ok", "2026-11-27_a")]
    (copy,) = [c for c in dbmod.list_calls(db) if c.call_id == "2026-11-28_b"]
    assert copy.errors == ("duplicate of 2026-11-27_a",) and copy.score is None  # its row says so; no results
    assert dbmod.stored_identity(db, "2026-11-28_b") == dbmod.StoredIdentity(
        "2026-11-28_b", "/rec/2026-11-28/b.wav", "c" * 64, "2026-11-27_a")
    # the duplicate is never the processed call of that content, and is no original
    assert dbmod.find_processed(db, "c" * 64, original.settings_hash) == "2026-11-27_a"
    assert dbmod.find_original(db, "c" * 64) == ("2026-11-27_a", CallStatus.OK)
    # recorded twice (a re-run): still one row
    dbmod.record_duplicate(db, "2026-11-28_b", "/rec/2026-11-28/b.wav", "c" * 64, original.settings_hash, "2026-11-27_a")
    assert len(_calls(db)) == 2
    # counted once in the aggregates, from the cells and from the calls
    for source in ("daily", "calls"):
        (row,) = dbmod.timing_summary(db, "agent", utc_offset=dt_offset(), source=source)
        assert (row.calls, row.failed_calls) == (1, 0), source


def dt_offset():
    import datetime as dt

    return dt.timedelta(minutes=420)


def test_processing_the_copy_itself_clears_duplicate_of(db):
    dbmod.save_call_result(db, make_call_result("a", content_hash="c" * 64))
    dbmod.record_duplicate(db, "b", "b.wav", "c" * 64, "s", "a")
    dbmod.save_call_result(db, make_call_result("b", content_hash="c" * 64))
    assert _calls(db) == [("a", "ok", None), ("b", "ok", None)]


def test_a_duplicate_of_an_unknown_call_is_refused(db):
    import pytest

    with pytest.raises(dbmod.NotFoundError):
        dbmod.record_duplicate(db, "b", "b.wav", "c" * 64, "s", "nope")
    assert _calls(db) == []


def test_migration_0009_upgrades_a_database_with_calls(db):
    dbmod.save_call_result(db, make_call_result("a", content_hash="c" * 64))
    dbmod.downgrade_schema(db, "0008")
    with db.engine.connect() as conn:
        assert "duplicate_of" not in {c["name"] for c in sa.inspect(conn).get_columns("calls")}
    dbmod.upgrade_schema(db)
    assert _calls(db) == [("a", "ok", None)]
    (row,) = dbmod.timing_summary(db, "agent", utc_offset=dt_offset(), source="daily")
    assert row.calls == 1  # call_daily refilled
