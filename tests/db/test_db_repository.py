"""Repository functions on SQLite and PostgreSQL: round trips, replacement, atomicity,
listing, skip look-ups and QA overrides."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from call_qa import db as dbmod
from call_qa.db import repository
from call_qa.domain import (
    CallStatus, DeadAirDetails, Event, EventType, HoldDetails, InterruptionDetails, Layout, Role, SoundKind,
    TransferDetails, Utterance, Verdict,
)

from db_samples import make_call_result, make_failed_call


def test_round_trip_equals_original(db, sample_call):
    dbmod.save_call_result(db, sample_call)
    loaded = dbmod.load_call_result(db, sample_call.call_id)
    assert loaded == sample_call
    # Equality alone would accept 1 == 1.0 and "agent" == Role.AGENT; the JSON
    # document built from a loaded call must look exactly like the original one.
    assert type(loaded.metrics["agent_interruptions"]) is int
    assert type(loaded.metrics["agent_talk_s"]) is float
    assert loaded.metrics["agent_wpm"] == 142.00000000000003
    assert loaded.speakers[1].role_confidence == 0.1 + 0.2
    assert list(loaded.metrics) == list(sample_call.metrics)
    assert isinstance(loaded.utterances[0].role, Role)
    assert isinstance(loaded.layout, Layout)
    assert isinstance(loaded.scorecard.items[0].evidence[0].role, Role)
    assert {e.type for e in loaded.events} == set(EventType)


def test_load_unknown_call_is_none(db):
    assert dbmod.load_call_result(db, "no-such-call") is None


def test_failed_call_round_trips(db, failed_call):
    dbmod.save_call_result(db, failed_call)
    loaded = dbmod.load_call_result(db, failed_call.call_id)
    assert loaded == failed_call
    assert loaded.status is CallStatus.FAILED
    assert loaded.scorecard is None
    assert loaded.layout is None


def test_saving_again_replaces_instead_of_duplicating(db, sample_call, row_counts):
    dbmod.save_call_result(db, sample_call)
    before = row_counts()
    dbmod.save_call_result(db, sample_call)
    assert row_counts() == before
    assert dbmod.load_call_result(db, sample_call.call_id) == sample_call

    # Re-processing with other results: the new ones replace the old, nothing mixes.
    shorter = dataclasses.replace(
        sample_call,
        utterances=sample_call.utterances[:1],
        events=(),
        metrics={"agent_talk_s": 10.0},
        settings_hash="d" * 64,
    )
    dbmod.save_call_result(db, shorter)
    assert dbmod.load_call_result(db, sample_call.call_id) == shorter
    after = row_counts()
    assert after["calls"] == 1
    assert after["utterances"] == 1
    assert after["events"] == 0
    assert after["call_metrics"] == 1


def test_failed_reprocessing_replaces_scorecard(db, sample_call, row_counts):
    dbmod.save_call_result(db, sample_call)
    failed = dataclasses.replace(
        make_failed_call(sample_call.call_id), content_hash=sample_call.content_hash
    )
    dbmod.save_call_result(db, failed)
    assert dbmod.load_call_result(db, sample_call.call_id) == failed
    counts = row_counts()
    assert counts["scorecards"] == counts["item_results"] == counts["utterances"] == 0


def test_database_failure_midway_keeps_previous_results(db, sample_call, row_counts):
    dbmod.save_call_result(db, sample_call)
    before = row_counts()
    # A NOT NULL violation in the last utterance fails the write at the database,
    # after the previous results were already deleted in the same transaction.
    broken = Utterance(9.0, 10.0, "ch0", Role.CUSTOMER, None)  # type: ignore[arg-type]
    bad = dataclasses.replace(sample_call, utterances=sample_call.utterances + (broken,))
    with pytest.raises(dbmod.DatabaseError, match="save call"):
        dbmod.save_call_result(db, bad)
    assert row_counts() == before
    assert dbmod.load_call_result(db, sample_call.call_id) == sample_call


def test_python_failure_midway_keeps_previous_results(db, sample_call, row_counts, monkeypatch):
    dbmod.save_call_result(db, sample_call)
    before = row_counts()

    def explode(*args, **kwargs):
        raise RuntimeError("injected failure while writing item results")

    monkeypatch.setattr(repository, "_item_rows", explode)
    changed = dataclasses.replace(sample_call, duration_s=1.0, utterances=())
    with pytest.raises(RuntimeError, match="injected"):
        dbmod.save_call_result(db, changed)
    assert row_counts() == before
    assert dbmod.load_call_result(db, sample_call.call_id) == sample_call


def test_deleting_a_call_cascades_to_everything(db, sample_call, row_counts):
    dbmod.save_call_result(db, sample_call)
    dbmod.add_override(db, sample_call.call_id, "closing", Verdict.PASS, "said goodbye", "qa1")
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM calls"))
    assert set(row_counts().values()) == {0}


def test_list_calls(db, sample_call, failed_call):
    dbmod.save_call_result(db, sample_call)
    dbmod.save_call_result(db, failed_call)
    ok, failed = dbmod.list_calls(db)
    assert ok.call_id == sample_call.call_id
    assert ok.status is CallStatus.OK
    assert ok.score == 82.5
    assert ok.needs_review == 1
    assert ok.layout is Layout.STEREO
    assert ok.language == "id"
    assert ok.duration_s == 184.2
    assert ok.metrics == sample_call.metrics
    assert ok.rubric_id == "phone_inbound"
    assert ok.errors == ()
    assert ok.processed_at.tzinfo is not None
    assert failed.status is CallStatus.FAILED
    assert failed.score is None and failed.needs_review is None
    assert failed.errors == failed_call.errors
    assert failed.metrics == {}

    only = dbmod.list_calls(db, [failed_call.call_id])
    assert [s.call_id for s in only] == [failed_call.call_id]
    assert dbmod.list_calls(db, []) == []


def test_find_processed(db, sample_call, failed_call):
    assert dbmod.find_processed(db, sample_call.content_hash, sample_call.settings_hash) is None
    dbmod.save_call_result(db, sample_call)
    dbmod.save_call_result(db, failed_call)
    found = dbmod.find_processed(db, sample_call.content_hash, sample_call.settings_hash)
    assert found == sample_call.call_id
    assert dbmod.find_processed(db, sample_call.content_hash, "other") is None
    # Failed calls are retried unless asked for.
    assert dbmod.find_processed(db, failed_call.content_hash, failed_call.settings_hash) is None
    assert (
        dbmod.find_processed(
            db, failed_call.content_hash, failed_call.settings_hash, include_failed=True
        )
        == failed_call.call_id
    )


def test_overrides_are_new_rows_and_latest_wins(db, sample_call, row_counts):
    dbmod.save_call_result(db, sample_call)
    call_id = sample_call.call_id
    assert dbmod.latest_verdicts(db, call_id) == {}

    first = dbmod.add_override(db, call_id, "closing", Verdict.PARTIAL, "closing was rushed", "qa1")
    dbmod.add_override(db, call_id, "accurate_information", "pass", "checked the regulation", "qa1")
    second = dbmod.add_override(db, call_id, "closing", Verdict.PASS, "heard it on replay", "sup1")

    assert second.id > first.id
    assert first.verdict is Verdict.PARTIAL and first.user == "qa1"
    assert first.created_at.tzinfo is not None
    assert row_counts()["item_overrides"] == 3
    assert dbmod.latest_verdicts(db, call_id) == {
        "closing": Verdict.PASS,
        "accurate_information": Verdict.PASS,
    }
    # The computed scorecard is never edited.
    assert dbmod.load_call_result(db, call_id) == sample_call


def test_overrides_survive_reprocessing(db, sample_call):
    dbmod.save_call_result(db, sample_call)
    dbmod.add_override(db, sample_call.call_id, "closing", Verdict.PASS, "ok on replay", "qa1")
    dbmod.save_call_result(db, sample_call)
    assert dbmod.latest_verdicts(db, sample_call.call_id) == {"closing": Verdict.PASS}
    with db.engine.connect() as conn:
        # The computed result it was made against is gone; the decision is not.
        assert conn.execute(sa.text("SELECT item_result_id FROM item_overrides")).scalar_one() is None


def test_override_of_unknown_call_or_item(db, sample_call, failed_call):
    dbmod.save_call_result(db, sample_call)
    dbmod.save_call_result(db, failed_call)
    with pytest.raises(dbmod.NotFoundError, match="No call"):
        dbmod.add_override(db, "nope", "closing", Verdict.PASS, "", "qa1")
    with pytest.raises(dbmod.NotFoundError, match="no_such_item"):
        dbmod.add_override(db, sample_call.call_id, "no_such_item", Verdict.PASS, "", "qa1")
    with pytest.raises(dbmod.NotFoundError):
        dbmod.add_override(db, failed_call.call_id, "closing", Verdict.PASS, "", "qa1")
    with pytest.raises(ValueError):
        dbmod.add_override(db, sample_call.call_id, "closing", "great", "", "qa1")
    assert dbmod.latest_verdicts(db, "nope") == {}


def test_settings_with_tuples_and_typed_details_are_stored_as_json(db, sample_call):
    # Mappings and tuples are not JSON; they come back as dicts and lists. Event details
    # are stored as their JSON form and come back as the same typed value (enums too).
    details = (
        InterruptionDetails(Role.CUSTOMER, Role.AGENT, "ch0", "ch1", False, 0.75, "tunggu", "jadi begini"),
        HoldDetails(SoundKind.TONE, announced=False, thanked=True, over_limit=True, duration_s=130.5),
        TransferDetails(None, warm=True, announced=False, new_voice=True, ringback=True),
        DeadAirDetails(4.25),
    )
    types = (EventType.INTERRUPTION, EventType.HOLD, EventType.TRANSFER, EventType.DEAD_AIR)
    call = dataclasses.replace(
        sample_call,
        settings={"languages": ("id", "en"), "layout": Layout.MONO},
        events=tuple(Event(t, 1.0 + i, 20.0 + i, d) for i, (t, d) in enumerate(zip(types, details))),
    )
    dbmod.save_call_result(db, call)
    loaded = dbmod.load_call_result(db, call.call_id)
    assert loaded.settings == {"languages": ["id", "en"], "layout": "mono"}
    assert tuple(e.details for e in loaded.events) == details
    assert loaded.events[1].details.kind is SoundKind.TONE and loaded.events[0].details.by is Role.CUSTOMER


def test_many_calls_stay_separate(db):
    calls = [make_call_result(f"call-{i}", content_hash=f"{i:064d}") for i in range(3)]
    for call in calls:
        dbmod.save_call_result(db, call)
    for call in calls:
        assert dbmod.load_call_result(db, call.call_id) == call
    assert [s.call_id for s in dbmod.list_calls(db)] == ["call-0", "call-1", "call-2"]
