"""Issue 20, cases 1, 4, 5 and 7 through the real flows (Prefect test server, no
Whisper: every recording here fails, is a copy, collides or is no recording at all,
each decided before any model would load).

A day folder as an operator meets it: a broken file and an exact copy of it under
another name, the same name in two queues, two paths that make the same id, a FIFO,
a folder named like a recording, a dangling link, a link loop, a file that cannot be
opened and a 250-byte name. Every one must end on record (a row with the reason, a
duplicate row, or a counted skip), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from call_qa.config import PipelineSettings

sys.path.insert(0, str(Path(__file__).parent / "db"))
from db_backends import BACKENDS, isolated_database_url  # noqa: E402

pytestmark = pytest.mark.slow

DAY = "2026-11-27"
LONG = "x" * 246 + ".wav"  # 250 bytes: <stem>.events.json would be 258, over NAME_MAX


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    yield from isolated_database_url(request.param, tmp_path, "call_qa_acct")


def make_day(root: Path) -> Path:
    day = root / DAY
    for name, content in {
        "broken.wav": b"RIFF\x24\x00\x00\x00WAVEfmt garbage, the recorder crashed",
        "copy-of-broken.wav": b"RIFF\x24\x00\x00\x00WAVEfmt garbage, the recorder crashed",
        "queue-a/call1.wav": b"not audio a",
        "queue-b/call1.wav": b"not audio b",
        "a/b_c.wav": b"not audio c",  # id 2026-11-27_a_b_c ...
        "a_b/c.wav": b"not audio d",  # ... the same id from another path: a collision
        "locked.wav": b"cannot be opened",
        LONG: b"not audio e",
    }.items():
        (day / name).parent.mkdir(parents=True, exist_ok=True)
        (day / name).write_bytes(content)
    os.mkfifo(day / "pipe.wav")
    (day / "folder.wav").mkdir()
    (day / "gone.wav").symlink_to(day / "deleted-before-the-run.wav")
    (day / "loop.wav").symlink_to(day / "loop.wav")
    return day


@pytest.fixture
def locked(monkeypatch):
    """locked.wav cannot be opened (tests run as root, where chmod 000 opens anyway)."""
    real_open = os.open

    def deny(path, *args, **kwargs):
        if os.fspath(path).endswith("locked.wav"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)


def rows(url: str) -> dict[str, tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {r[0]: tuple(r[1:]) for r in conn.execute(sa.text("SELECT call_id, status, duplicate_of, errors FROM calls"))}
    finally:
        engine.dispose()


def test_every_input_of_a_day_is_accounted_for(prefect_harness, db_url, tmp_path, locked):
    from flows.process import run_process_day

    day = make_day(tmp_path / "rec")
    out = tmp_path / "out"
    summary = run_process_day(DAY, PipelineSettings(), db_url, str(out), str(tmp_path / "rec"), progress=False)

    stored = rows(db_url)
    long_id = next(c for c in stored if c.startswith(f"{DAY}_xxxx"))
    assert len(long_id.encode()) <= 200
    failed = {
        f"{DAY}_a_b_c": "cannot be decoded",
        f"{DAY}_broken": "cannot be decoded",
        f"{DAY}_queue-a_call1": "cannot be decoded",
        f"{DAY}_queue-b_call1": "cannot be decoded",
        f"{DAY}_pipe": "not a regular file (a FIFO)",
        f"{DAY}_gone": "broken symbolic link",
        f"{DAY}_loop": "symbolic link loop",
        f"{DAY}_locked": "cannot be opened (Permission denied)",
        long_id: "cannot be decoded",
    }
    assert set(stored) == set(failed) | {f"{DAY}_copy-of-broken"}
    for call_id, why in failed.items():
        status, duplicate_of, errors = stored[call_id]
        assert status == "failed" and duplicate_of is None and why in str(errors), (call_id, errors)
    # the copy: its own row, saying whose results stand for it
    assert stored[f"{DAY}_copy-of-broken"][:2] == ("failed", f"{DAY}_broken")
    assert "duplicate of 2026-11-27_broken" in str(stored[f"{DAY}_copy-of-broken"][2])
    # the collision was not stored over a/b_c.wav: the stored row is that recording
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        source = conn.execute(sa.text("SELECT source FROM calls WHERE call_id = :c"), {"c": f"{DAY}_a_b_c"}).scalar_one()
    engine.dispose()
    assert source == str(day / "a" / "b_c.wav")

    # the summary counts all 12 entries: 11 recordings and the folder named like one
    assert (summary.processed, len(summary.failed), summary.skipped) == (0, 9, 0)
    assert summary.duplicates == ((f"{DAY}_copy-of-broken", f"{DAY}_broken"),)
    ((collided, reason),) = summary.collisions
    assert collided == f"{DAY}_a_b_c" and str(day / "a" / "b_c.wav") in reason
    ((entry, why),) = summary.not_calls
    assert entry == str(day / "folder.wav") and "folder" in why
    assert summary.total == 11
    assert "11 calls: 0 processed, 9 failed, 0 skipped, 1 duplicate, 1 id collision; 1 other entry skipped" in summary.log_line()

    # JSON documents: one per stored call with results of its own, owner-only
    docs = sorted(p.name for p in out.iterdir())
    assert docs == sorted(f"{c}.json" for c in failed)
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o600}

    # a re-run: failures are tried again, nothing is lost or doubled
    again = run_process_day(DAY, PipelineSettings(), db_url, None, str(tmp_path / "rec"), progress=False)
    assert set(rows(db_url)) == set(stored)
    assert (len(again.failed), len(again.duplicates), len(again.collisions), len(again.not_calls)) == (9, 1, 1, 1)


def test_the_database_password_never_reaches_prefect(prefect_harness, tmp_path):
    """The URL goes in by reference: Prefect's own database holds the reference, never
    the password (grepped in the server's SQLite file after a real flow run)."""
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    from flows.process import run_process_calls

    for plain in isolated_database_url("postgresql", tmp_path, "call_qa_secret"):
        # trust auth ignores the password, but it is in the URL like a site's would be
        url = make_url(plain).set(password="s3cret-pw").render_as_string(hide_password=False)
        bad = tmp_path / "bad.wav"
        bad.write_bytes(b"not audio")
        (result,) = run_process_calls([str(bad)], PipelineSettings(), url, None, progress=False)
        assert result.status.value == "failed"  # the flow ran and stored the call in that database
        assert rows(plain)["bad"][0] == "failed"

    prefect_db = Path(make_url(PREFECT_API_DATABASE_CONNECTION_URL.value()).database)
    stored = b"".join(p.read_bytes() for p in prefect_db.parent.glob(prefect_db.name + "*"))
    assert b"process-calls" in stored and b"env:CALL_QA_DB_" in stored  # the right database, with the reference
    assert b"s3cret-pw" not in stored


def test_a_deployment_refuses_a_password_and_keeps_the_reference():
    from flows.schedule import deployment_parameters

    with pytest.raises(ValueError, match="password"):
        deployment_parameters(None, "postgresql+psycopg://qa:s3cret-pw@db:5432/calls")
    assert deployment_parameters(None, "env:CALL_QA_DATABASE_URL") == {"database": "env:CALL_QA_DATABASE_URL"}
    assert deployment_parameters(None, None) == {}


def test_a_schedule_with_a_password_in_db_is_a_usage_error(capsys, monkeypatch):
    from call_qa.cli import EXIT_USAGE, main

    monkeypatch.setattr("flows.schedule.server_configured", lambda: True)
    assert main(["schedule", "--db", "postgresql+psycopg://qa:s3cret-pw@db:5432/calls"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "password" in err and "s3cret-pw" not in err


def test_runs_left_running_by_a_dead_process_are_marked_crashed(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.states import Running

    from flows.process import process_day, run_process_day

    dead = subprocess.Popen(["true"])
    dead.wait()
    host = socket.gethostname()
    with get_client(sync_client=True) as client:
        killed = client.create_flow_run(process_day, parameters={}, state=Running(),
                                        tags=[f"call-qa-pid:{host}:{dead.pid}"])
        alive = client.create_flow_run(process_day, parameters={}, state=Running(),
                                       tags=[f"call-qa-pid:{host}:{os.getpid()}"])
        elsewhere = client.create_flow_run(process_day, parameters={}, state=Running(),
                                           tags=[f"call-qa-pid:other-host:{dead.pid}"])
    run_process_day("2026-11-01", PipelineSettings(), f"sqlite:///{tmp_path / 'x.sqlite3'}", None, str(tmp_path), False)
    with get_client(sync_client=True) as client:
        states = {name: client.read_flow_run(run.id).state.type
                  for name, run in (("killed", killed), ("alive", alive), ("elsewhere", elsewhere))}
    assert states == {"killed": StateType.CRASHED, "alive": StateType.RUNNING, "elsewhere": StateType.RUNNING}


def fast_config(folder: Path) -> Path:
    """The shipped settings on Whisper tiny.en (greedy, 1 thread), language left auto:
    only `--language en` makes them runnable (the check refuses auto on tiny.en)."""
    import yaml

    from sample_truth import ROOT

    raw = yaml.safe_load((ROOT / "configs" / "pipeline.yaml").read_text())
    raw["asr"] |= {"models": {"default": "bundled:tiny.en"}, "beam_size": 1, "cpu_threads": 1, "max_redecodes": 0}
    path = folder / "fast.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_two_days_of_namesakes_and_a_copy_end_as_one_row_each_and_a_rerun_skips(prefect_harness, tmp_path, capsys):
    """queue-a/call1.wav and queue-b/call1.wav on the 27th, queue-a/call1.wav on the 26th
    and a copy of the 27th's queue-a call under another name: four rows, three
    processed, the copy a duplicate; a second backfill skips all three (the issue: two
    rows for three recordings, and every re-run overwrote again)."""
    from call_qa.cli import main
    from sample_truth import ROOT

    rec = tmp_path / "rec"
    clips = {  # (day, name): (sample, start s): four-second pieces, different content
        ("2026-11-26", "queue-a/call1.wav"): ("en_mono_transfer.flac", 0),
        ("2026-11-27", "queue-a/call1.wav"): ("en_stereo_interrupt.flac", 0),
        ("2026-11-27", "queue-b/call1.wav"): ("en_stereo_interrupt.flac", 4),
    }
    for (day, name), (sample, start) in clips.items():
        (rec / day / name).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["sox", str(ROOT / "sample_audio" / sample), str(rec / day / name), "trim", str(start), "4"], check=True)
    (rec / "2026-11-27" / "copy.wav").write_bytes((rec / "2026-11-27" / "queue-a" / "call1.wav").read_bytes())
    db = tmp_path / "calls.sqlite3"
    args = ["backfill", "--from", "2026-11-26", "--to", "2026-11-27", "--recordings", str(rec), "--config",
            str(fast_config(tmp_path)), "--db", f"sqlite:///{db}", "--no-progress"]
    assert main(args) == 2  # language auto on an English-only model: refused before any call
    assert main([*args, "--language", "en"]) == 0
    first = capsys.readouterr().out
    assert "calls-2026-11-26: 1 calls: 1 processed, 0 failed, 0 skipped" in first, first
    assert "calls-2026-11-27: 3 calls: 2 processed, 0 failed, 0 skipped, 1 duplicate" in first, first
    stored = rows(f"sqlite:///{db}")
    assert {c: v[:2] for c, v in stored.items()} == {
        "2026-11-26_queue-a_call1": ("ok", None),
        "2026-11-27_copy": ("ok", None),  # the first of the two names in path order is processed ...
        "2026-11-27_queue-a_call1": ("ok", "2026-11-27_copy"),  # ... the other is its duplicate
        "2026-11-27_queue-b_call1": ("ok", None),
    }
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        before = dict(conn.execute(sa.text("SELECT call_id, processed_at FROM calls WHERE duplicate_of IS NULL")).all())
    assert main([*args, "--language", "en"]) == 0
    second = capsys.readouterr().out
    assert "calls-2026-11-26: 1 calls: 0 processed, 0 failed, 1 skipped" in second, second
    assert "calls-2026-11-27: 3 calls: 0 processed, 0 failed, 2 skipped, 1 duplicate" in second, second
    with engine.connect() as conn:
        after = dict(conn.execute(sa.text("SELECT call_id, processed_at FROM calls WHERE duplicate_of IS NULL")).all())
    engine.dispose()
    assert after == before  # skipped, not processed and overwritten again
