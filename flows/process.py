"""The processing flow: a batch of recordings → scorecards in the database.

Flows only compose; each task is a thin typed wrapper around a ``call_qa`` function
and takes small inputs (a path and the settings), never waveforms.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from call_qa.config import PipelineSettings
from call_qa.db import save_call_result, shared_database
from call_qa.domain import CallResult, CallStatus
from call_qa.export import write_document
from call_qa.pipeline import call_id_for, process_recording


@task(name="process-call", task_run_name="process-{call_id}")
def process_call(path: str, call_id: str, settings: PipelineSettings) -> CallResult:
    """Decode, transcribe, time and score one recording (never raises for bad audio)."""
    return process_recording(path, settings, call_id=call_id)


# The database can be briefly unavailable (restart, failover): retry that step only.
@task(name="save-call", task_run_name="save-{result.call_id}", retries=3, retry_delay_seconds=[2, 10, 30])
def save_call(result: CallResult, db_url: str) -> None:
    """Write one call's results in one transaction (replacing an earlier run's)."""
    save_call_result(shared_database(db_url), result)


@task(name="write-json", task_run_name="json-{result.call_id}")
def write_json(result: CallResult, out_dir: str) -> str:
    return str(write_document(result, Path(out_dir)))


@flow(name="process-calls", log_prints=True)
def process_calls(
    paths: list[str], settings: PipelineSettings, db_url: str, out_dir: str | None = None
) -> list[CallResult]:
    """Process recordings one after another (the Whisper model is loaded once)."""
    logger = get_run_logger()
    shared_database(db_url)  # fail before any work when the database is unreachable
    results: list[CallResult] = []
    for i, path in enumerate(paths, start=1):
        result = process_call(path, call_id_for(path), settings)
        save_call(result, db_url)
        if out_dir:
            write_json(result, out_dir)
        results.append(result)
        if result.status is CallStatus.OK:
            score = result.scorecard.score if result.scorecard else None
            logger.info("[%d/%d] %s: ok, score %s", i, len(paths), result.call_id, score)
        else:
            logger.warning("[%d/%d] %s: FAILED: %s", i, len(paths), result.call_id, "; ".join(result.errors))
    failed = sum(1 for r in results if r.status is CallStatus.FAILED)
    logger.info("batch done: %d calls, %d ok, %d failed", len(results), len(results) - failed, failed)
    return results
