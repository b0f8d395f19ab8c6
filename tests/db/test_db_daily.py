"""call_daily (migration 0004, call_qa/db/daily.py) stays equal to a direct
computation from the calls after every kind of write, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from call_qa import db as dbmod
from db_daily_reference import assert_cells_match, stored_cells
from db_samples import make_call_result, make_failed_call

WIB = dt.timezone(dt.timedelta(hours=7))


def fill(database: dbmod.Database) -> None:
    """Four calls over two agents, two teams and two WIB days, one failed, one without
    an agent, one near midnight WIB (16:59 UTC = 23:59 WIB)."""
    dbmod.save_call_result(database, make_call_result("a1"))
    dbmod.save_call_result(database, make_call_result("a2", metrics={"agent_talk_s": 30.0, "hold_count": 2,
                                                                     "hold_longest_s": 99.0}))
    dbmod.save_call_result(database, make_failed_call("a3"))
    dbmod.save_call_result(database, make_call_result("a4", scorecard=None))
    dbmod.set_call_metadata(database, "a1", agent_id="sari", team="alpha",
                            recorded_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=WIB))
    dbmod.set_call_metadata(database, "a2", agent_id="sari", team="alpha",
                            recorded_at=dt.datetime(2026, 11, 20, 23, 59, tzinfo=WIB))
    dbmod.set_call_metadata(database, "a3", agent_id="budi", team="beta",
                            recorded_at=dt.datetime(2026, 11, 21, 8, 0, tzinfo=WIB))


def test_cells_follow_inserts_and_metadata(db):
    assert stored_cells(db) == {}
    fill(db)
    assert_cells_match(db)
    cells = stored_cells(db)
    sari = cells[(dt.date(2026, 11, 20), "sari", "alpha")]
    assert (sari["calls"], sari["failed_calls"], sari["hold_count"], sari["hold_longest_s"]) == (2, 0, 3, 99.0)
    assert cells[(dt.date(2026, 11, 21), "budi", "beta")]["failed_calls"] == 1
    # moving a call to another agent and day empties its old cell's share
    dbmod.set_call_metadata(db, "a2", agent_id="budi", team="beta",
                            recorded_at=dt.datetime(2026, 11, 21, 0, 1, tzinfo=WIB))
    assert_cells_match(db)
    assert stored_cells(db)[(dt.date(2026, 11, 20), "sari", "alpha")]["calls"] == 1


def test_cells_follow_overrides(db):
    fill(db)
    before = stored_cells(db)[(dt.date(2026, 11, 20), "sari", "alpha")]["items_awaiting_review"]
    assert before == 2  # one needs_review item in each of a1 and a2
    dbmod.add_override(db, "a1", "accurate_information", "pass", "checked", "alice")
    assert_cells_match(db)
    assert stored_cells(db)[(dt.date(2026, 11, 20), "sari", "alpha")]["items_awaiting_review"] == 1
    dbmod.add_override(db, "a1", "opening_greeting", "needs_review", "unsure", "alice")
    assert_cells_match(db)
    assert stored_cells(db)[(dt.date(2026, 11, 20), "sari", "alpha")]["items_awaiting_review"] == 2


def test_cells_follow_reprocessing_and_swaps(db):
    fill(db)
    dbmod.add_override(db, "a1", "accurate_information", "fail", "wrong", "alice")
    # a re-processing (or the web app's role swap, which saves the same way) with new
    # metrics and score; overrides stay, the call keeps its agent and day
    call = make_call_result("a1")
    swapped = dataclasses.replace(
        call,
        metrics={**call.metrics, "agent_interruptions": 0, "customer_interruptions": 1, "agent_talk_s": 61.0},
        scorecard=dataclasses.replace(call.scorecard, score=40.0),
    )
    dbmod.save_call_result(db, swapped)
    assert_cells_match(db)
    # a call that now fails
    dbmod.save_call_result(db, dataclasses.replace(make_failed_call("a2")))
    assert_cells_match(db)
    # a call without recorded_at moves with processed_at on re-processing
    dbmod.save_call_result(db, make_call_result("a4"))
    assert_cells_match(db)


def test_cells_follow_deletes(db):
    fill(db)
    assert dbmod.delete_call(db, "a2") is True
    assert dbmod.delete_call(db, "a2") is False
    assert_cells_match(db)
    for call_id in ("a1", "a3", "a4"):
        dbmod.delete_call(db, call_id)
    assert stored_cells(db) == {}


def test_rebuild_at_another_offset_and_after_hand_written_sql(db):
    fill(db)
    assert dbmod.ensure_daily_offset(db, dt.timedelta(hours=7)) is False  # 420 min: the default
    assert dbmod.ensure_daily_offset(db, dt.timedelta(0)) is True
    assert_cells_match(db, dt.timedelta(0))
    # a2 at 23:59 WIB is 16:59 UTC: same day in UTC; a3 at 08:00 WIB is 01:00 UTC
    assert (dt.date(2026, 11, 21), "budi", "beta") in stored_cells(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE calls SET team = 'gamma' WHERE call_id = 'a1'"))
    dbmod.rebuild_daily(db)
    assert_cells_match(db, dt.timedelta(0))


@pytest.mark.parametrize("group_by", ["agent", "team", "day", "agent_day", "team_day"])
def test_summary_from_cells_equals_summary_from_calls(db, group_by):
    fill(db)
    dbmod.add_override(db, "a1", "accurate_information", "pass", "checked", "alice")
    offset = dt.timedelta(hours=7)
    for kwargs in ({}, {"start": dt.date(2026, 11, 21)}, {"agent_id": "sari"}, {"team": "beta"}):
        from_cells = dbmod.timing_summary(db, group_by, utc_offset=offset, source="daily", **kwargs)
        from_calls = dbmod.timing_summary(db, group_by, utc_offset=offset, source="calls", **kwargs)
        assert _same_rows(from_cells, from_calls)
    with pytest.raises(ValueError, match="cut at"):
        dbmod.timing_summary(db, group_by, utc_offset=dt.timedelta(0), source="daily")


def _same_rows(a: list, b: list) -> bool:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        for field in dataclasses.fields(x):
            vx, vy = getattr(x, field.name), getattr(y, field.name)
            if isinstance(vx, float):
                assert vx == pytest.approx(vy, rel=1e-12), field.name
            else:
                assert vx == vy, field.name
    return True
