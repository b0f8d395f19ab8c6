"""Kill the nightly batch with SIGKILL mid-way, run it again: every call ends stored
exactly once, complete, and what was stored before the kill is not redone.

Real parts throughout: the `call-qa backfill` command in a subprocess (its own Prefect
temporary server), Whisper tiny.en, eight-second pieces of the bundled sample calls,
an SQLite file; the database is inspected with plain SQL.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sample_truth import ROOT

pytestmark = pytest.mark.slow

DAY = "2026-11-27"
N_CALLS = 6
RUBRIC_ITEMS = 18  # configs/rubrics/phone_inbound.yaml


def fast_config(folder: Path) -> Path:
    """The shipped settings with Whisper tiny.en (English, 1 thread, greedy)."""
    raw = yaml.safe_load((ROOT / "configs" / "pipeline.yaml").read_text())
    raw["language"] = "en"
    raw["asr"] |= {"models": {"default": "bundled:tiny.en"}, "beam_size": 1, "cpu_threads": 1}
    path = folder / "fast.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def make_day(root: Path) -> list[str]:
    """Six different 8-second calls (distinct content hashes) in recordings/<DAY>/."""
    day = root / DAY
    day.mkdir(parents=True)
    names = []
    for i in range(N_CALLS):
        source = ROOT / "sample_audio" / ("en_stereo_interrupt.flac" if i % 2 == 0 else "en_mono_transfer.flac")
        name = f"{i:04d}"
        subprocess.run(["sox", str(source), str(day / f"{name}.wav"), "trim", str(8 * (i // 2)), "8"], check=True)
        names.append(f"{DAY}_{name}")
    return names


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def backfill(tmp: Path, config: Path, db: Path) -> subprocess.Popen:
    env = dict(os.environ, PREFECT_HOME=str(tmp / "prefect"), CALL_QA_RETRY_BASE_S="0.1")
    cmd = [
        sys.executable, "-m", "call_qa.cli", "backfill", "--from", DAY, "--recordings", str(tmp / "recordings"),
        "--config", str(config), "--db", f"sqlite:///{db}", "--no-progress",
    ]
    # its own session, so the kill reaches the temporary Prefect server it starts too
    return subprocess.Popen(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def test_sigkill_mid_batch_then_rerun_processes_every_call_exactly_once(tmp_path):
    config = fast_config(tmp_path)
    call_ids = make_day(tmp_path / "recordings")
    db = tmp_path / "calls.sqlite3"

    first = backfill(tmp_path, config, db)
    deadline = time.monotonic() + 400
    saved = 0
    while time.monotonic() < deadline and first.poll() is None:
        if db.exists():
            try:
                saved = rows(db, "SELECT COUNT(*) FROM calls")[0][0]
            except sqlite3.OperationalError:  # schema not created yet / locked
                saved = 0
        if saved >= 2:
            break
        time.sleep(0.1)
    assert first.poll() is None, f"the batch ended before it could be killed:\n{first.stdout.read()}"
    assert saved >= 2, "no calls were saved in time"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL

    before = dict(rows(db, "SELECT call_id, processed_at FROM calls"))
    assert 2 <= len(before) < N_CALLS, "the kill must land mid-batch"

    # the killed run's flow runs were left Running in its Prefect database (issue 20)
    prefect_db = tmp_path / "prefect" / "prefect.db"
    states = lambda: rows(prefect_db, "SELECT name, state_type FROM flow_run")  # noqa: E731
    assert any(state == "RUNNING" for _name, state in states()), states()

    second = backfill(tmp_path, config, db)
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    # ... the next run marked them Crashed (their process is gone); its own run completed
    assert not any(state == "RUNNING" for _name, state in states()), states()
    assert sum(state == "CRASHED" for _name, state in states()) >= 1, states()

    # every call exactly once, each complete
    calls = rows(db, "SELECT call_id, status, processed_at, id FROM calls ORDER BY call_id")
    assert [c[0] for c in calls] == call_ids
    assert all(c[1] == "ok" for c in calls), calls
    scorecards = dict(rows(db, "SELECT call_pk, COUNT(*) FROM scorecards GROUP BY call_pk"))
    items = dict(rows(db, "SELECT s.call_pk, COUNT(*) FROM item_results i JOIN scorecards s ON s.id = i.scorecard_id GROUP BY s.call_pk"))
    metrics = dict(rows(db, "SELECT call_pk, COUNT(*) FROM call_metrics GROUP BY call_pk"))
    for _call_id, _status, _at, pk in calls:
        assert scorecards.get(pk) == 1 and items.get(pk) == RUBRIC_ITEMS and metrics.get(pk, 0) > 0
    # what was stored before the kill was skipped, not redone
    after = {c[0]: c[2] for c in calls}
    assert {k: after[k] for k in before} == before
    n_before = len(before)
    assert f"{N_CALLS} calls: {N_CALLS - n_before} processed, 0 failed, {n_before} skipped" in out, out

    # a third run finds nothing to do
    third = backfill(tmp_path, config, db)
    out, _ = third.communicate(timeout=600)
    assert f"{N_CALLS} calls: 0 processed, 0 failed, {N_CALLS} skipped" in out, out
    assert rows(db, "SELECT COUNT(*) FROM calls")[0][0] == N_CALLS
