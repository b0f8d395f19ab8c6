"""The nightly batch's pieces without models: days, manifests, skip rules, retry rules,
worker plan, the run summary, and the deployment on a real Prefect server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from call_qa import batch
from call_qa.config import PipelineSettings, load_settings
from call_qa.domain import CallStatus, EventType
from call_qa.errors import AudioError, ConfigError

sys.path.insert(0, str(Path(__file__).parent / "db"))
from db_samples import make_call_result  # noqa: E402

WIB = ZoneInfo("Asia/Jakarta")


def settings_with(**schedule) -> PipelineSettings:
    s = PipelineSettings()
    return s.model_copy(update={"schedule": s.schedule.model_copy(update=schedule)})


# --------------------------------------------------------------------------- days


def test_the_0200_wib_run_processes_the_previous_jakarta_day():
    s = PipelineSettings()
    # 02:00 WIB on the 28th is 19:00 UTC on the 27th: the day to process is the 27th
    assert batch.previous_day(s, dt.datetime(2026, 11, 27, 19, 0, tzinfo=dt.timezone.utc)) == dt.date(2026, 11, 27)
    # 16:59 UTC on the 27th is 23:59 WIB on the 27th: still the 26th
    assert batch.previous_day(s, dt.datetime(2026, 11, 27, 16, 59, tzinfo=dt.timezone.utc)) == dt.date(2026, 11, 26)
    # another zone configured: 02:00 in Jayapura (UTC+9) on the 28th is 17:00 UTC on the 27th
    east = settings_with(timezone="Asia/Jayapura")
    assert batch.previous_day(east, dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.timezone.utc)) == dt.date(2026, 11, 27)


def test_unknown_time_zone_and_bad_dates_are_usage_errors():
    with pytest.raises(ConfigError, match="Asia/Jakata"):
        batch.zone(settings_with(timezone="Asia/Jakata"))
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        batch.parse_day("27/11/2026")
    with pytest.raises(ConfigError, match="before"):
        batch.days_between(dt.date(2026, 11, 3), dt.date(2026, 11, 1))
    assert batch.days_between(dt.date(2026, 11, 30), dt.date(2026, 12, 2)) == [
        dt.date(2026, 11, 30), dt.date(2026, 12, 1), dt.date(2026, 12, 2)
    ]


def test_day_folder_without_manifest_lists_its_recordings(tmp_path):
    day = tmp_path / "2026-11-27"
    (day / "team_a").mkdir(parents=True)
    for name in ("0002.wav", "team_a/0001.flac", "notes.txt"):
        (day / name).write_bytes(b"x")
    items = batch.items_for_day(PipelineSettings(), dt.date(2026, 11, 27), tmp_path)
    assert [Path(i.path).relative_to(day).as_posix() for i in items] == ["0002.wav", "team_a/0001.flac"]
    # the path below the day folder, with the day: a recording of another queue named 0001 cannot collide
    assert [i.call_id for i in items] == ["2026-11-27_0002", "2026-11-27_team_a_0001"]
    assert batch.items_for_day(PipelineSettings(), dt.date(2026, 11, 28), tmp_path) == []  # no folder: empty day


# --------------------------------------------------------------------------- manifests


def test_csv_manifest_with_agent_team_start_time_and_holds(tmp_path):
    day = tmp_path / "2026-11-27"
    day.mkdir()
    (day / "manifest.csv").write_text(
        "file,call_id,agent_id,team,start_time,events\n"
        'a.wav,C-1,sari,alpha,2026-11-27T09:15:00,"[{""type"": ""hold"", ""start"": 60.1, ""end"": 95.3}]"\n'
        "sub/b.wav,,budi,beta,2026-11-27T10:00:00+00:00,\n",
        encoding="utf-8",
    )
    a, b = batch.items_for_day(PipelineSettings(), dt.date(2026, 11, 27), tmp_path)
    assert a == batch.WorkItem(
        path=str(day / "a.wav"), call_id="C-1", agent_id="sari", team="alpha",
        recorded_at=dt.datetime(2026, 11, 27, 9, 15, tzinfo=WIB), events=a.events,
    )
    (hold,) = a.events
    assert (hold.type, hold.start, hold.end, hold.source) == (EventType.HOLD, 60.1, 95.3, "metadata")
    # no call id: from the path below the day folder; an explicit offset is kept (10:00 UTC = 17:00 WIB)
    assert b.call_id == "2026-11-27_sub_b" and b.events is None
    assert b.recorded_at == dt.datetime(2026, 11, 27, 17, 0, tzinfo=WIB)


def test_json_manifest(tmp_path):
    day = tmp_path / "2026-11-27"
    day.mkdir()
    (day / "manifest.json").write_text(json.dumps({"calls": [
        {"file": "x.wav", "call_id": "X", "team": "gamma",
         "events": [{"type": "transfer", "start": 150, "end": 158.5, "target": "bagian keberatan"}]},
    ]}))
    (item,) = batch.items_for_day(PipelineSettings(), dt.date(2026, 11, 27), tmp_path)  # manifest.csv → .json found
    assert (item.call_id, item.team, item.agent_id) == ("X", "gamma", None)
    assert item.events[0].type is EventType.TRANSFER and item.events[0].details.target == "bagian keberatan"


@pytest.mark.parametrize(
    "content, message",
    [
        ("name,agent_id\na.wav,sari\n", "'file' column"),
        ("file,agent\na.wav,sari\n", "unknown column(s) agent"),
        ("file,start_time\na.wav,yesterday\n", "line 2: start_time 'yesterday' is not ISO 8601"),
        ('file,events\na.wav,"[{""type"": ""hold"", ""start"": 9, ""end"": 3}]"\n', "line 2 event 1: start 9.0 and end 3.0"),
        ("file,call_id\na.wav,C\nb.wav,C\n", "more than once: C"),
        ("file\n\n,\n", "'file' is empty"),
    ],
)
def test_bad_manifest_rows_name_the_file_line_and_problem(tmp_path, content, message):
    (tmp_path / "manifest.csv").write_text(content)
    with pytest.raises(batch.ManifestError) as err:
        batch.read_manifest(tmp_path / "manifest.csv", WIB)
    assert message in str(err.value) and str(tmp_path / "manifest.csv") in str(err.value)


# --------------------------------------------------------------------------- skip rules


def test_schedule_and_threads_do_not_change_the_settings_hash_but_thresholds_do():
    s = PipelineSettings()
    assert settings_with(cron="0 3 * * *", workers=4).settings_hash() == s.settings_hash()
    assert batch.with_threads(s, 1).settings_hash() == s.settings_hash()
    changed = s.model_copy(update={"timing": s.timing.model_copy(update={"hold_min_s": 12.0})})
    assert changed.settings_hash() != s.settings_hash()


def test_skip_only_same_recording_same_settings_same_rubric_version(tmp_path):
    from call_qa.db import open_database, save_call_result

    s = load_settings()
    db = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    stored = make_call_result("2026-11-27_0001", content_hash="c" * 64, settings_hash=s.settings_hash())
    assert stored.scorecard.rubric_version == "1" and stored.scorecard.rubric_id == "phone_inbound"
    save_call_result(db, stored)
    assert batch.already_processed(db, "c" * 64, s).call_id == "2026-11-27_0001"
    assert batch.already_processed(db, "d" * 64, s) is None  # another recording
    other = s.model_copy(update={"timing": s.timing.model_copy(update={"dead_air_min_s": 5.0})})
    assert batch.already_processed(db, "c" * 64, other) is None  # settings changed
    # the same recording and settings, scored with an older rubric version: re-process
    old_card = dataclasses.replace(stored.scorecard, rubric_version="0")
    save_call_result(db, dataclasses.replace(stored, scorecard=old_card))
    assert batch.already_processed(db, "c" * 64, s) is None
    # a failed call is tried again
    failed = make_call_result("2026-11-27_0009", content_hash="e" * 64, settings_hash=s.settings_hash())
    save_call_result(db, dataclasses.replace(failed, status=CallStatus.FAILED, scorecard=None, errors=("x",)))
    assert batch.already_processed(db, "e" * 64, s) is None


# --------------------------------------------------------------------------- retries


def test_only_database_and_worker_losses_are_retried(tmp_path):
    from call_qa.audio import decode
    from call_qa.db import DatabaseError, open_database
    from flows.process import is_transient

    with pytest.raises(DatabaseError) as unreachable:  # nothing listens on port 9
        open_database("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    assert is_transient(unreachable.value)
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioError) as corrupt:
        decode(bad)
    assert not is_transient(corrupt.value)
    from distributed import KilledWorker

    assert is_transient(KilledWorker("call-x", "tcp://127.0.0.1:1", 3))
    try:  # wrapped: the cause counts
        raise RuntimeError("task failed") from unreachable.value
    except RuntimeError as wrapped:
        assert is_transient(wrapped)
    assert not is_transient(ValueError("a bug"))


# --------------------------------------------------------------------------- workers


@pytest.mark.parametrize(
    "workers, threads, cores, plan",
    [(1, 2, 2, (1, 2)), (2, 2, 2, (2, 1)), (0, 2, 2, (1, 2)), (0, 1, 2, (2, 1)), (0, 2, 16, (8, 2)), (3, 4, 16, (3, 4))],
)
def test_workers_times_threads_never_exceed_the_cores(workers, threads, cores, plan):
    s = settings_with(workers=workers)
    s = batch.with_threads(s, threads)
    assert batch.worker_plan(s, cores=cores) == plan
    w, t = plan
    assert w * t <= cores


# --------------------------------------------------------------------------- summary


def test_summary_counts_hours_and_averages():
    O = batch.Outcome
    outcomes = [
        batch.CallOutcome("a", "a.wav", O.PROCESSED, duration_s=1800, score=80.0, metrics={"hold_count": 1, "agent_interruptions": 2}),
        batch.CallOutcome("b", "b.wav", O.PROCESSED, duration_s=5400, score=60.0, metrics={"hold_count": 0, "agent_interruptions": None}),
        batch.CallOutcome("c", "c.wav", O.FAILED, reason="c.wav: the file is empty (0 bytes)"),
        batch.CallOutcome("d", "d.wav", O.SKIPPED, duration_s=600, score=10.0, reason="already processed"),
    ]
    s = batch.summarise("calls-2026-11-27", outcomes, seconds=1800)
    assert (s.total, s.processed, s.skipped, s.failed) == (4, 2, 1, (("c", "c.wav: the file is empty (0 bytes)"),))
    assert s.audio_hours == 2.0  # (1800 + 5400) s; the skipped call's audio was not processed now
    assert s.audio_hours_per_hour == 4.0  # 2 h of audio in half an hour
    assert s.averages["score"] == 70.0 and s.averages["hold_count"] == 0.5
    assert s.averages["agent_interruptions"] == 2.0  # None is left out, not counted as 0
    assert s.averages["transfer_count"] is None
    line = s.log_line()
    assert "4 calls: 2 processed, 1 failed, 1 skipped; 2.00 h of audio in 30m00s (4.0 audio h/h)" in line
    md = s.markdown()
    assert "| 4 | 2 | 1 | 1 | 0 | 0 | 0 | 2.00 | 30m00s | 4.0 |" in md and "| c | c.wav: the file is empty (0 bytes) |" in md


# --------------------------------------------------------------------------- deployment


@pytest.mark.slow
def test_deployment_runs_daily_at_0200_jakarta(prefect_harness, tmp_path):
    """Registered on a real (test) Prefect server with its work pool; the server's
    schedule gives 02:00 WIB = 19:00 UTC of the day before, every day."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.server.schemas.schedules import CronSchedule

    from flows.schedule import deploy_nightly

    s = settings_with(deployment_name="nightly-test")
    deployment_id = deploy_nightly(s, None, None, "call-qa-test-pool")

    async def read():
        async with get_client() as client:
            return await client.read_deployment(deployment_id)

    deployment = asyncio.run(read())
    assert deployment.name == "nightly-test" and deployment.work_pool_name == "call-qa-test-pool"
    assert deployment.entrypoint == "flows/process.py:nightly_calls"
    (sched,) = deployment.schedules
    assert (sched.schedule.cron, sched.schedule.timezone) == ("0 2 * * *", "Asia/Jakarta")
    server_side = CronSchedule(cron=sched.schedule.cron, timezone=sched.schedule.timezone)
    start = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
    dates = asyncio.run(server_side.get_dates(n=2, start=start))
    assert [d.astimezone(dt.timezone.utc) for d in dates] == [
        dt.datetime(2026, 11, 27, 19, 0, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 11, 28, 19, 0, tzinfo=dt.timezone.utc),
    ]
