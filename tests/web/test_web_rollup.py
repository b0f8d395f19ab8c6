"""call_timing (migration 0002) follows call_metrics through its triggers on SQLite
and PostgreSQL: saving, re-processing and deleting a call."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from call_qa import db as dbmod
from call_qa.db.rollup import ROLLUP_METRICS
from db_samples import make_call_result, make_failed_call


def timing_row(database: dbmod.Database, call_id: str) -> dict | None:
    with database.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT t.* FROM call_timing t JOIN calls c ON c.id = t.call_pk WHERE c.call_id = :c"),
            {"c": call_id},
        ).mappings().one_or_none()
    return None if row is None else {k: row[k] for k in ROLLUP_METRICS}


def test_call_timing_follows_call_metrics(db_url):
    database = dbmod.open_database(db_url)
    try:
        call = make_call_result()
        dbmod.save_call_result(database, call)
        expected = {name: None for name in ROLLUP_METRICS}
        expected.update({k: float(v) for k, v in call.metrics.items() if k in ROLLUP_METRICS})
        assert timing_row(database, call.call_id) == expected
        # the sample has agent_interruptions 1, hold_total_s 35.2, no dead_air_count
        assert expected["agent_interruptions"] == 1.0 and expected["dead_air_count"] is None

        # re-processing replaces the metrics: old values go, new ones come
        changed = {"agent_talk_s": 12.5, "hold_count": 3}
        dbmod.save_call_result(database, dataclasses.replace(call, metrics=changed))
        assert timing_row(database, call.call_id) == {
            name: (float(changed[name]) if name in changed else None) for name in ROLLUP_METRICS
        }

        # a failed call has no metrics, hence no values
        dbmod.save_call_result(database, make_failed_call())
        assert timing_row(database, make_failed_call().call_id) in (None, {n: None for n in ROLLUP_METRICS})

        # deleting a call deletes its row
        with database.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM calls WHERE call_id = :c"), {"c": call.call_id})
            assert conn.execute(sa.text("SELECT COUNT(*) FROM call_timing")).scalar_one() <= 1
        assert timing_row(database, call.call_id) is None
    finally:
        database.close()


@pytest.fixture
def settings(settings, tmp_path):
    """Originals kept with a site key, so the swapped call can be re-run (test_web_swap.py)."""
    from call_qa.crypto import new_keyring, write_keyring

    write_keyring(tmp_path / "site.key", new_keyring())
    privacy = settings.privacy.model_copy(update={"keep_originals": True, "key_file": str(tmp_path / "site.key")})
    return settings.model_copy(update={"privacy": privacy})


def test_call_daily_follows_http_overrides_and_swaps(qa, database, settings):
    """The web app's writes (an override, a role swap) keep the per-day totals equal
    to a direct computation (days in UTC: the test settings' offset)."""
    import datetime as dt

    from db_daily_reference import assert_cells_match, stored_cells
    from web_support import CALL, csrf_of

    utc = dt.timedelta(0)
    assert_cells_match(database, utc)  # rebuilt at UTC when the app started
    cell = (dt.date(2026, 11, 20), "sari", "alpha")
    assert stored_cells(database)[cell]["items_awaiting_review"] == 1
    response = qa.post(f"/calls/{CALL}/override", data={
        "csrf_token": csrf_of(qa), "item_id": "solution_accuracy", "verdict": "pass", "reason": "checked"})
    assert response.status_code == 303
    assert_cells_match(database, utc)
    assert stored_cells(database)[cell]["items_awaiting_review"] == 0
    # a call that can be swapped (what was heard is kept): its caller interrupts once
    from call_qa.compose import conclude
    from test_web_swap import SWAP_CALL, heard
    from web_samples import RECORDED

    dbmod.save_call_result(database, conclude(heard(), settings, SWAP_CALL))
    dbmod.set_call_metadata(database, SWAP_CALL, agent_id="sari", team="alpha", recorded_at=RECORDED)
    before = stored_cells(database)[cell]
    assert qa.post(f"/calls/{SWAP_CALL}/swap-roles", data={"csrf_token": csrf_of(qa), "confirm": "yes"}).status_code == 303
    assert_cells_match(database, utc)
    after = stored_cells(database)[cell]
    assert after["customer_interruptions"] == before["customer_interruptions"] - 1
    assert after["agent_interruptions"] == before["agent_interruptions"] + 1
