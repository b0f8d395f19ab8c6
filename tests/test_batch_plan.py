"""Issue 20, case 1 against what is stored (SQLite and PostgreSQL): a call id that a
stored call of another recording holds is a collision, never stored over it; the same
file re-recorded is the same call; a copy of a stored call's recording is its duplicate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from call_qa import batch
from call_qa import db as dbmod
from call_qa.files import file_hash

sys.path.insert(0, str(Path(__file__).parent / "db"))
from db_backends import BACKENDS, isolated_database_url  # noqa: E402
from db_samples import make_call_result  # noqa: E402


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    yield from isolated_database_url(request.param, tmp_path, "call_qa_plan")


def test_identity_against_the_stored_calls(db_url, tmp_path):
    day = tmp_path / "2026-11-27"
    day.mkdir()
    (day / "x.wav").write_bytes(b"recorded again")
    (day / "y.wav").write_bytes(b"a copy of an earlier night's call")
    database = dbmod.shared_database(db_url)
    # x: stored from another place with other content (a reused id); y's content: stored as another call
    dbmod.save_call_result(database, make_call_result("2026-11-27_x", source="/elsewhere/x.wav", content_hash="a" * 64))
    dbmod.save_call_result(database, make_call_result(
        "2026-11-26_z", source=str(tmp_path / "2026-11-26" / "z.wav"), content_hash=file_hash(day / "y.wav")))
    items = batch.items_for_day(batch.PipelineSettings(), batch.parse_day("2026-11-27"), tmp_path)
    plan = batch.plan_batch(items, db_url)
    ((collision),) = plan.decided
    assert (collision.call_id, collision.outcome) == ("2026-11-27_x", batch.Outcome.COLLISION)
    assert "/elsewhere/x.wav" in collision.reason
    (copy,) = plan.duplicates
    assert (copy.call_id, copy.duplicate_of) == ("2026-11-27_y", "2026-11-26_z")
    assert plan.run == ()

    # the same path with new content (re-exported): the same call, processed again
    dbmod.save_call_result(database, make_call_result("2026-11-27_x", source=str(day / "x.wav"), content_hash="b" * 64))
    plan = batch.plan_batch(items, db_url)
    assert [i.call_id for i in plan.run] == ["2026-11-27_x"] and plan.decided == ()
    assert plan.run[0].content_hash == file_hash(day / "x.wav")
