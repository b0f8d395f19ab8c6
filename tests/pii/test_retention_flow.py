"""The Prefect retention flow (flows/retention.py) on a real temporary Prefect server."""

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from call_qa import db as dbmod

from pii_call import scored_result

pytestmark = pytest.mark.slow


def test_retention_flow_deletes_and_records(prefect_harness, tmp_path):
    from flows.retention import retention

    audio = tmp_path / "old.wav"
    audio.write_bytes(b"RIFF" + b"\0" * 10)
    url = f"sqlite:///{tmp_path / 'flow.sqlite3'}"
    database = dbmod.open_database(url)
    dbmod.save_call_result(database, dataclasses.replace(scored_result(call_id="old"), source=str(audio)))
    with database.engine.begin() as conn:
        conn.execute(sa.text("UPDATE calls SET processed_at = :t"),
                     {"t": dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=120)})
    counts = retention(url, None)
    assert counts == {"originals": 1, "audio": 1}
    assert not audio.exists()
    assert dbmod.load_unredacted_utterances(database, "old") is None
    assert sorted(r.what for r in dbmod.retention_records(database)) == ["audio", "originals"]
    database.close()
