"""Supervisor aggregates (db.timing_summary) on SQLite and PostgreSQL.

Six hand-made calls: agents sari and budi in team alpha, dewi in team beta, over two
days (UTC). Every expected value below is worked out by hand from the METRICS table,
written as the arithmetic that gives it.

    call  agent  team   day (UTC)          status  notes
    c1    sari   alpha  D1 10:00           ok      1 item awaiting review
    c2    sari   alpha  D2 03:00           ok
    c3    budi   alpha  D1 02:00           ok      no score, 2 items awaiting review
    c4    dewi   beta   D1 23:30           ok      D2 in WIB (UTC+7); 1 item awaiting
    c5    dewi   beta   D2 04:00           failed
    c6    sari   alpha  (processed D2 08:00) ok    no recorded_at, no wpm, two metrics missing
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from call_qa import db as dbmod
from call_qa.domain import ItemResult, Scorecard, Verdict
from db_samples import make_call_result, make_failed_call

D1, D2 = dt.date(2026, 11, 26), dt.date(2026, 11, 27)
UTC = dt.timezone.utc
WIB = dt.timezone(dt.timedelta(hours=7))

METRICS = {
    "c1": dict(duration_s=3000.0, agent_talk_s=1800.0, customer_talk_s=900.0, overtalk_s=30.0,
               agent_interruptions=3, customer_interruptions=1,
               hold_count=2, hold_total_s=200.0, hold_longest_s=150.0, hold_over_limit=1, hold_unannounced=0,
               transfer_count=0, dead_air_count=2, dead_air_total_s=10.0, dead_air_longest_s=6.0,
               agent_wpm=120.0, customer_wpm=110.0),
    "c2": dict(duration_s=4000.0, agent_talk_s=1800.0, customer_talk_s=1800.0, overtalk_s=60.0,
               agent_interruptions=1, customer_interruptions=2,
               hold_count=1, hold_total_s=100.0, hold_longest_s=100.0, hold_over_limit=0, hold_unannounced=1,
               transfer_count=1, dead_air_count=0, dead_air_total_s=0.0, dead_air_longest_s=0.0,
               agent_wpm=150.0, customer_wpm=130.0),
    "c3": dict(duration_s=5000.0, agent_talk_s=3600.0, customer_talk_s=1200.0, overtalk_s=40.0,
               agent_interruptions=0, customer_interruptions=0,
               hold_count=0, hold_total_s=0.0, hold_longest_s=0.0, hold_over_limit=0, hold_unannounced=0,
               transfer_count=2, dead_air_count=1, dead_air_total_s=4.0, dead_air_longest_s=4.0,
               agent_wpm=100.0, customer_wpm=90.0),
    "c4": dict(duration_s=2000.0, agent_talk_s=900.0, customer_talk_s=900.0, overtalk_s=9.0,
               agent_interruptions=2, customer_interruptions=1,
               hold_count=1, hold_total_s=130.0, hold_longest_s=130.0, hold_over_limit=1, hold_unannounced=1,
               transfer_count=0, dead_air_count=3, dead_air_total_s=15.0, dead_air_longest_s=7.0,
               agent_wpm=160.0, customer_wpm=140.0),
    # An older call: no hold_over_limit / hold_unannounced rows; no agent words (wpm None).
    "c6": dict(duration_s=900.0, agent_talk_s=360.0, customer_talk_s=360.0, overtalk_s=0.0,
               agent_interruptions=1, customer_interruptions=0,
               hold_count=0, hold_total_s=0.0, hold_longest_s=0.0,
               transfer_count=0, dead_air_count=1, dead_air_total_s=3.5, dead_air_longest_s=3.5,
               agent_wpm=None, customer_wpm=None),
}
# (score, items awaiting review)
SCORES = {"c1": (80.0, 1), "c2": (90.0, 0), "c3": (None, 2), "c4": (70.0, 1), "c6": (100.0, 0)}
META = {
    "c1": ("sari", "alpha", dt.datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
    "c2": ("sari", "alpha", dt.datetime(2026, 11, 27, 10, 0, tzinfo=WIB)),  # 03:00 UTC
    "c3": ("budi", "alpha", dt.datetime(2026, 11, 26, 2, 0, tzinfo=UTC)),
    "c4": ("dewi", "beta", dt.datetime(2026, 11, 26, 23, 30, tzinfo=UTC)),
    "c5": ("dewi", "beta", dt.datetime(2026, 11, 27, 4, 0, tzinfo=UTC)),
    "c6": ("sari", "alpha", None),
}
C6_PROCESSED_AT = dt.datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def scorecard(score: float | None, awaiting: int) -> Scorecard:
    base = make_call_result().scorecard
    assert base is not None
    items = [
        ItemResult("opening_greeting", "courtesy", Verdict.PASS, 3.75, 3.75, 0.9),
        ItemResult("closing", "courtesy", Verdict.FAIL, 0.0, 3.75, 0.9),
    ] + [
        ItemResult(f"review_{i}", "solution", Verdict.NEEDS_REVIEW, 0.0, 5.0, 0.3)
        for i in range(awaiting)
    ]
    return dataclasses.replace(base, score=score, needs_review=awaiting, items=tuple(items))


@pytest.fixture
def calls(db: dbmod.Database) -> dbmod.Database:
    for call_id, metrics in METRICS.items():
        score, awaiting = SCORES[call_id]
        result = make_call_result(
            call_id,
            duration_s=metrics["duration_s"],
            metrics=metrics,
            scorecard=scorecard(score, awaiting),
        )
        dbmod.save_call_result(db, result)
    dbmod.save_call_result(db, make_failed_call("c5"))
    for call_id, (agent, team, recorded_at) in META.items():
        dbmod.set_call_metadata(db, call_id, agent_id=agent, team=team, recorded_at=recorded_at)
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE calls SET processed_at = :t WHERE call_id = 'c6'"),
            {"t": C6_PROCESSED_AT},
        )
    # A write by hand in SQL bypasses the per-day totals' upkeep (call_qa/db/daily.py).
    # Cut in UTC, so the tests below at UTC read call_daily and the others the calls.
    dbmod.rebuild_daily(db, dt.timedelta(0))
    return db


def by_key(rows: list[dbmod.TimingSummaryRow], key: str) -> dict:
    return {getattr(r, key): r for r in rows}


def test_per_agent(calls):
    rows = dbmod.timing_summary(calls, "agent")
    assert [r.agent_id for r in rows] == ["budi", "dewi", "sari"]
    assert all(r.team is None and r.day is None for r in rows)
    sari, budi, dewi = (by_key(rows, "agent_id")[a] for a in ("sari", "budi", "dewi"))

    # sari: c1 + c2 + c6
    assert (sari.calls, sari.failed_calls) == (3, 0)
    assert sari.call_hours == pytest.approx((3000 + 4000 + 900) / 3600)
    assert sari.agent_talk_hours == pytest.approx((1800 + 1800 + 360) / 3600)  # 1.1 h
    assert sari.talk_hours == pytest.approx((1800 + 900 + 1800 + 1800 + 360 + 360) / 3600)
    assert sari.agent_interruptions == 3 + 1 + 1
    assert sari.agent_interruptions_per_call == pytest.approx(5 / 3)
    assert sari.agent_interruptions_per_agent_talk_hour == pytest.approx(5 / 1.1)
    assert sari.customer_interruptions == 1 + 2 + 0
    assert sari.customer_interruptions_per_call == pytest.approx(1.0)
    assert sari.customer_interruptions_per_agent_talk_hour == pytest.approx(3 / 1.1)
    assert sari.overtalk_s == pytest.approx(30 + 60 + 0)
    assert sari.overtalk_pct == pytest.approx(100 * 90 / 7900)
    assert sari.hold_count == 3 and isinstance(sari.hold_count, int)
    assert sari.holds_per_call == pytest.approx(1.0)
    assert sari.hold_total_s == pytest.approx(300.0)
    assert sari.hold_longest_s == pytest.approx(150.0)
    assert sari.hold_over_limit == 1  # c6 has no row: counted as 0
    assert sari.hold_unannounced == 1
    assert sari.transfer_count == 1
    assert sari.transfers_per_call == pytest.approx(1 / 3)
    assert sari.dead_air_count == 3
    assert sari.dead_air_per_call == pytest.approx(1.0)
    assert sari.dead_air_total_s == pytest.approx(10 + 0 + 3.5)
    assert sari.dead_air_longest_s == pytest.approx(6.0)
    # talk-weighted pace; c6 (no wpm) carries no weight
    assert sari.agent_wpm == pytest.approx((120 * 1800 + 150 * 1800) / (1800 + 1800))
    assert sari.scored_calls == 3
    assert sari.mean_score == pytest.approx((80 + 90 + 100) / 3)
    assert sari.items_awaiting_review == 1

    # budi: c3 only, which has no score
    assert (budi.calls, budi.failed_calls) == (1, 0)
    assert budi.agent_interruptions == 0
    assert budi.agent_interruptions_per_agent_talk_hour == 0.0
    assert budi.transfers_per_call == pytest.approx(2.0)
    assert budi.agent_wpm == pytest.approx(100.0)
    assert (budi.scored_calls, budi.mean_score) == (0, None)
    assert budi.items_awaiting_review == 2

    # dewi: c4 ok, c5 failed: the failure is counted, but is in no metric
    assert (dewi.calls, dewi.failed_calls) == (1, 1)
    assert dewi.call_hours == pytest.approx(2000 / 3600)
    assert dewi.agent_interruptions_per_call == pytest.approx(2.0)
    assert dewi.agent_interruptions_per_agent_talk_hour == pytest.approx(2 / 0.25)
    assert dewi.overtalk_pct == pytest.approx(100 * 9 / 2000)
    assert (dewi.hold_count, dewi.hold_over_limit, dewi.hold_unannounced) == (1, 1, 1)
    assert dewi.hold_longest_s == pytest.approx(130.0)
    assert dewi.dead_air_longest_s == pytest.approx(7.0)
    assert dewi.mean_score == pytest.approx(70.0)


def test_per_team(calls):
    rows = dbmod.timing_summary(calls, "team")
    assert [r.team for r in rows] == ["alpha", "beta"]
    assert all(r.agent_id is None for r in rows)
    alpha, beta = rows

    # alpha: sari (c1, c2, c6) + budi (c3)
    assert (alpha.calls, alpha.failed_calls) == (4, 0)
    agent_h = (1800 + 1800 + 360 + 3600) / 3600  # 2.1 h
    assert alpha.agent_talk_hours == pytest.approx(agent_h)
    assert alpha.agent_interruptions == 5
    assert alpha.agent_interruptions_per_call == pytest.approx(5 / 4)
    assert alpha.agent_interruptions_per_agent_talk_hour == pytest.approx(5 / agent_h)
    assert alpha.customer_interruptions_per_agent_talk_hour == pytest.approx(3 / agent_h)
    assert alpha.overtalk_pct == pytest.approx(100 * (30 + 60 + 0 + 40) / (3000 + 4000 + 900 + 5000))
    assert alpha.hold_longest_s == pytest.approx(150.0)
    assert alpha.transfer_count == 3
    assert alpha.transfers_per_call == pytest.approx(3 / 4)
    assert alpha.dead_air_count == 4
    assert alpha.dead_air_total_s == pytest.approx(17.5)
    assert alpha.agent_wpm == pytest.approx((120 * 1800 + 150 * 1800 + 100 * 3600) / 7200)
    assert alpha.scored_calls == 3  # c3 has no score: left out of the mean
    assert alpha.mean_score == pytest.approx(90.0)
    assert alpha.items_awaiting_review == 1 + 2

    assert (beta.calls, beta.failed_calls) == (1, 1)
    assert beta.hold_total_s == pytest.approx(130.0)


def test_per_day_utc_and_with_offset(calls):
    rows = dbmod.timing_summary(calls, "day")
    assert [r.day for r in rows] == [D1, D2]
    assert all(isinstance(r.day, dt.date) and not isinstance(r.day, dt.datetime) for r in rows)
    d1, d2 = rows
    # D1: c1, c3, c4.  D2: c2, c6 (day of processed_at), c5 failed.
    assert (d1.calls, d1.failed_calls) == (3, 0)
    assert (d2.calls, d2.failed_calls) == (2, 1)
    assert d1.agent_interruptions == 3 + 0 + 2
    assert d1.hold_over_limit == 2
    assert d1.hold_longest_s == pytest.approx(150.0)
    assert d1.dead_air_longest_s == pytest.approx(7.0)
    assert d1.mean_score == pytest.approx((80 + 70) / 2)
    assert d2.agent_talk_hours == pytest.approx((1800 + 360) / 3600)
    assert d2.agent_interruptions_per_agent_talk_hour == pytest.approx(2 / 0.6)
    assert d2.mean_score == pytest.approx((90 + 100) / 2)

    # In WIB (UTC+7), c4 (23:30 UTC on D1) falls on D2; nothing else moves.
    wib = by_key(dbmod.timing_summary(calls, "day", utc_offset=dt.timedelta(hours=7)), "day")
    assert set(wib) == {D1, D2}
    assert (wib[D1].calls, wib[D1].failed_calls) == (2, 0)
    assert (wib[D2].calls, wib[D2].failed_calls) == (3, 1)
    assert wib[D2].hold_over_limit == 1
    # At UTC-9, c3 (02:00 UTC on D1) falls on the day before; c2, c6 and the failed c5
    # (03:00, 08:00, 04:00 UTC on D2) fall on D1.
    west = by_key(dbmod.timing_summary(calls, "day", utc_offset=dt.timedelta(hours=-9)), "day")
    assert {d: (r.calls, r.failed_calls) for d, r in west.items()} == {
        D1 - dt.timedelta(days=1): (1, 0),
        D1: (4, 1),
    }


def test_agent_day_and_team_day(calls):
    rows = dbmod.timing_summary(calls, "agent_day")
    assert [(r.agent_id, r.day, r.calls, r.failed_calls) for r in rows] == [
        ("budi", D1, 1, 0),
        ("dewi", D1, 1, 0),
        ("dewi", D2, 0, 1),  # only a failed call: counted, no metrics
        ("sari", D1, 1, 0),
        ("sari", D2, 2, 0),
    ]
    failed_only = rows[2]
    assert failed_only.agent_interruptions == 0
    assert failed_only.agent_interruptions_per_call is None
    assert failed_only.agent_interruptions_per_agent_talk_hour is None
    assert failed_only.overtalk_pct is None
    assert failed_only.agent_wpm is None and failed_only.mean_score is None
    sari_d2 = rows[4]
    assert sari_d2.hold_unannounced == 1
    assert sari_d2.dead_air_per_call == pytest.approx(1 / 2)
    assert sari_d2.agent_wpm == pytest.approx(150.0)

    rows = dbmod.timing_summary(calls, "team_day")
    assert [(r.team, r.day, r.calls, r.failed_calls) for r in rows] == [
        ("alpha", D1, 2, 0),
        ("alpha", D2, 2, 0),
        ("beta", D1, 1, 0),
        ("beta", D2, 0, 1),
    ]
    assert rows[0].agent_talk_hours == pytest.approx((1800 + 3600) / 3600)
    assert rows[0].transfer_count == 2


def test_filters(calls):
    rows = dbmod.timing_summary(calls, "agent", start=D2, end=D2)
    assert [(r.agent_id, r.calls, r.failed_calls) for r in rows] == [("dewi", 0, 1), ("sari", 2, 0)]
    assert dbmod.timing_summary(calls, "agent", start=D2) == rows
    rows = dbmod.timing_summary(calls, "agent", end=D1)
    assert [(r.agent_id, r.calls) for r in rows] == [("budi", 1), ("dewi", 1), ("sari", 1)]
    assert dbmod.timing_summary(calls, "day", start=D2 + dt.timedelta(days=1)) == []

    rows = dbmod.timing_summary(calls, "day", team="alpha")
    assert [(r.day, r.calls) for r in rows] == [(D1, 2), (D2, 2)]
    rows = dbmod.timing_summary(calls, "day", agent_id="sari", start=D1, end=D1)
    assert [(r.day, r.calls, r.agent_interruptions) for r in rows] == [(D1, 1, 3)]

    # An agent with no calls has no row.
    assert dbmod.timing_summary(calls, "agent", agent_id="nobody") == []
    assert dbmod.timing_summary(calls, "agent", agent_id="budi", start=D2) == []


def test_overrides_resolve_items_awaiting_review(calls):
    dbmod.add_override(calls, "c3", "review_0", Verdict.PASS, "checked the recording", "qa1")
    dbmod.add_override(calls, "c4", "review_0", Verdict.FAIL, "wrong answer", "qa1")
    dbmod.add_override(calls, "c4", "review_0", Verdict.NEEDS_REVIEW, "ask the team lead", "qa2")
    rows = by_key(dbmod.timing_summary(calls, "agent"), "agent_id")
    assert rows["budi"].items_awaiting_review == 1  # 2 - 1 decided
    assert rows["dewi"].items_awaiting_review == 1  # latest decision sends it back to review
    assert rows["budi"].mean_score is None  # automatic score: overrides not applied


def test_calls_without_metadata_form_a_none_group_last(calls):
    dbmod.save_call_result(calls, make_call_result("unassigned"))
    rows = dbmod.timing_summary(calls, "agent")
    assert [r.agent_id for r in rows] == ["budi", "dewi", "sari", None]
    assert rows[-1].calls == 1


def test_session_time_zone_does_not_move_days(calls):
    if calls.dialect != "postgresql":
        pytest.skip("SQLite has no session time zone")

    def far_east(dbapi_connection, _record):
        dbapi_connection.execute("SET TIME ZONE 'Pacific/Kiritimati'")  # UTC+14
        dbapi_connection.commit()

    calls.close()  # new pooled connections get the listener
    sa.event.listen(calls.engine, "connect", far_east)
    with calls.engine.connect() as conn:
        assert conn.execute(sa.text("SHOW TIME ZONE")).scalar_one() == "Pacific/Kiritimati"
    rows = dbmod.timing_summary(calls, "day")
    assert [(r.day, r.calls) for r in rows] == [(D1, 3), (D2, 2)]


def test_set_call_metadata(db, sample_call):
    dbmod.save_call_result(db, sample_call)
    call_id = sample_call.call_id
    dbmod.set_call_metadata(
        db, call_id, agent_id="sari", team="alpha",
        recorded_at=dt.datetime(2026, 11, 27, 6, 30, tzinfo=WIB),  # 2026-11-26 23:30 UTC
    )
    dbmod.set_call_metadata(db, call_id, team="beta")  # others kept
    dbmod.save_call_result(db, sample_call)  # re-processing keeps the metadata
    [row] = dbmod.timing_summary(db, "agent_day")
    assert (row.agent_id, row.day) == ("sari", D1)
    assert dbmod.timing_summary(db, "team")[0].team == "beta"

    dbmod.set_call_metadata(db, call_id, agent_id=None)
    assert dbmod.timing_summary(db, "agent")[0].agent_id is None

    with pytest.raises(ValueError, match="time zone"):
        dbmod.set_call_metadata(db, call_id, recorded_at=dt.datetime(2026, 11, 27, 9, 0))
    with pytest.raises(dbmod.NotFoundError):
        dbmod.set_call_metadata(db, "no-such-call", agent_id="sari")


def test_bad_arguments(db):
    with pytest.raises(ValueError, match="group_by"):
        dbmod.timing_summary(db, "week")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="utc_offset"):
        dbmod.timing_summary(db, "day", utc_offset=dt.timedelta(hours=15))
    assert dbmod.timing_summary(db, "team") == []


@pytest.mark.parametrize("hours", [0, 7, -9])
def test_daily_totals_give_the_figures_computed_from_the_calls(calls, hours):
    offset = dt.timedelta(hours=hours)
    dbmod.ensure_daily_offset(calls, offset)
    dbmod.add_override(calls, "c1", "review_0", "pass", "checked", "alice")
    for group_by in ("agent", "team", "day", "agent_day", "team_day"):
        for kwargs in ({}, {"start": D2}, {"end": D1}, {"agent_id": "sari"}, {"team": "beta"}):
            from_cells = dbmod.timing_summary(calls, group_by, utc_offset=offset, source="daily", **kwargs)
            from_calls = dbmod.timing_summary(calls, group_by, utc_offset=offset, source="calls", **kwargs)
            assert len(from_cells) == len(from_calls)
            for a, b in zip(from_cells, from_calls):
                for name, value in vars(b).items():
                    assert getattr(a, name) == (pytest.approx(value, rel=1e-12) if isinstance(value, float)
                                                else value), (group_by, kwargs, name)
