"""The processing flows: recordings → scorecards in the database.

    process-calls   the files and folders given to ``call-qa process``
    process-day     one day's recordings (day folder or manifest; ``call-qa backfill``)
    nightly-calls   the scheduled deployment: the previous day, at 02:00 Asia/Jakarta

Flows only compose. Each call is one task (``call-<id>``) with its own state:
Completed, "Skipped" (same recording, settings and rubric version already stored) or
Failed (a bad recording: once, with its reason; the batch goes on). A task is retried
with backoff only for transient failures: the database unavailable, a worker lost.
Tasks take small inputs (a work item and the settings), never waveforms.

Parallelism: one worker → tasks run in this process; more → a Dask cluster of worker
processes (``LocalCluster``), or an existing Dask scheduler (``schedule.dask_address``)
with workers on several machines sharing PostgreSQL and the recordings' storage. Each
worker process loads Whisper once (``call_qa.models.load_whisper`` is cached).
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.futures import as_completed
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner

from call_qa.batch import (
    CallOutcome,
    Outcome,
    Progress,
    RunSummary,
    WorkItem,
    check_call,
    finish_call,
    items_for_day,
    items_for_paths,
    outcome_of,
    parse_day,
    previous_day,
    process_item,
    skipped_outcome,
    store_call,
    summarise,
    with_threads,
    worker_plan,
)
from call_qa.config import PipelineSettings, load_settings
from call_qa.db import DatabaseError, load_call_result, resolve_database_url, shared_database
from call_qa.domain import CallResult
from call_qa.pipeline import failed_result

# --------------------------------------------------------------------------- retries

# Names of the exceptions a lost worker surfaces as (Dask, a process pool, a dropped
# connection to a worker); matched by name so the module loads without distributed.
_WORKER_LOST = {"KilledWorker", "BrokenProcessPool", "CommClosedError", "StreamClosedError", "WorkerLost"}


def is_transient(exc: BaseException) -> bool:
    """Worth another try later: the database was unavailable, or a worker was lost.
    Anything else (a bad recording, a bug) fails once."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DatabaseError) or type(exc).__name__ in _WORKER_LOST:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _retry_transient(task_: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - the state's exception, whatever it is
        return is_transient(exc)
    return False


def retry_delays() -> list[float]:
    """Backoff between attempts: base, 5×base, 25×base seconds (base 2 s;
    ``CALL_QA_RETRY_BASE_S`` changes it, e.g. for tests)."""
    base = float(os.environ.get("CALL_QA_RETRY_BASE_S", "2"))
    return [base, base * 5, base * 25]


# A call processed but not yet stored when saving failed: a retry in the same worker
# saves it without transcribing again.
_unsaved: dict[str, CallResult] = {}


@task(
    name="call",
    task_run_name="call-{item.call_id}",
    retries=len(retry_delays()),
    retry_delay_seconds=retry_delays(),
    retry_condition_fn=_retry_transient,
)
def call_task(item: WorkItem, settings: PipelineSettings, db_url: str, out_dir: str | None) -> Any:
    """One call: skip if done, else process and store it in one transaction."""
    stored = check_call(item, settings, db_url)
    if stored is not None:
        if stored.call_id == item.call_id:
            finish_call(item, stored, db_url, out_dir)
        outcome = skipped_outcome(item, stored)
        return Completed(data=outcome, name="Skipped", message=outcome.reason)
    if item.call_id in _unsaved:
        result, seconds = _unsaved[item.call_id], 0.0
    else:
        result, seconds = process_item(item, settings)
        _unsaved[item.call_id] = result
    store_call(item, result, db_url, out_dir)
    _unsaved.pop(item.call_id, None)
    outcome = outcome_of(result, seconds)
    if outcome.outcome is Outcome.FAILED:
        return Failed(data=outcome, message=outcome.reason)
    return outcome


# --------------------------------------------------------------------------- the batch


def task_runner_for(settings: PipelineSettings) -> Any:
    """In this process for one worker; a Dask cluster for more, or for a scheduler
    address (``schedule.dask_address``)."""
    workers, _threads = worker_plan(settings)
    if settings.schedule.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.schedule.dask_address)
    if workers > 1:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None},
        )
    return ThreadPoolTaskRunner(max_workers=1)


def _outcome_of_future(future: Any, item: WorkItem) -> CallOutcome:
    try:
        value = future.result(raise_on_failure=False)
    except Exception as exc:  # noqa: BLE001 - reported per call, the batch goes on
        value = exc
    if isinstance(value, CallOutcome):
        return value
    reason = f"not stored: {type(value).__name__}: {value}" if isinstance(value, BaseException) else f"not stored: {value!r}"
    return CallOutcome(call_id=item.call_id, source=item.path, outcome=Outcome.FAILED, reason=reason)


def _artifact_key(title: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", title.lower()).strip("-")[:100] or "calls"


def run_batch(
    items: list[WorkItem], settings: PipelineSettings, db_url: str, out_dir: str | None, title: str, progress: bool
) -> tuple[list[CallOutcome], RunSummary]:
    """Submit one task per call, collect outcomes as they finish, publish the summary."""
    logger = get_run_logger()
    started = time.perf_counter()
    shared_database(db_url)  # fail before any work when the database is unreachable
    _workers, threads = worker_plan(settings)
    settings = with_threads(settings, threads)
    futures = {call_task.submit(item, settings, db_url, out_dir): i for i, item in enumerate(items)}
    bar = Progress(len(items), title, enabled=progress)
    outcomes: dict[int, CallOutcome] = {}
    try:
        for future in as_completed(list(futures)):
            item = items[futures[future]]
            outcome = _outcome_of_future(future, item)
            outcomes[futures[future]] = outcome
            bar.update(outcome)
            done = f"[{len(outcomes)}/{len(items)}] {outcome.call_id}"
            if outcome.outcome is Outcome.FAILED:
                logger.warning("%s: FAILED: %s", done, outcome.reason)
            elif outcome.outcome is Outcome.SKIPPED:
                logger.info("%s: skipped (%s)", done, outcome.reason)
            else:
                logger.info("%s: ok, score %s, %.1f s for %.1f s of audio", done, outcome.score, outcome.seconds, outcome.duration_s)
    finally:
        bar.close()
    ordered = [outcomes[i] for i in range(len(items))]
    summary = summarise(title, ordered, time.perf_counter() - started)
    logger.info("%s", summary.log_line())
    key = _artifact_key(title)
    create_markdown_artifact(markdown=summary.markdown(), key=key, description=summary.log_line())
    if summary.failed:
        create_table_artifact(
            table=[{"call": c, "reason": r} for c, r in summary.failed],
            key=f"{key}-failed"[:100],
            description=f"{title}: calls that failed, with the reason",
        )
    return ordered, summary


def _results_of(outcomes: list[CallOutcome], settings: PipelineSettings, db_url: str) -> list[CallResult]:
    """The stored result of each call, in order (a call that could not be stored: a
    failed result with the reason)."""
    db = shared_database(db_url)
    results = []
    for o in outcomes:
        stored = load_call_result(db, o.stored_as) if o.stored_as else None
        if stored is None:
            stored = failed_result(Path(o.source), o.call_id, settings, o.reason or "not stored")
        elif stored.call_id != o.call_id:  # skipped: the same recording is stored under another id
            stored = replace(stored, call_id=o.call_id, source=o.source)
        results.append(stored)
    return results


@flow(name="process-calls", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=1))
def process_calls(
    paths: list[str], settings: PipelineSettings, db_url: str, out_dir: str | None = None, progress: bool = False
) -> list[CallResult]:
    """Recordings given by path → stored results, in the order given."""
    outcomes, _summary = run_batch(items_for_paths(paths), settings, db_url, out_dir, "process-calls", progress)
    return _results_of(outcomes, settings, db_url)


@flow(name="process-day", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=1))
def process_day(
    day: str,
    settings: PipelineSettings,
    db_url: str,
    out_dir: str | None = None,
    recordings_root: str | None = None,
    progress: bool = False,
) -> RunSummary:
    """One day's recordings (``<root>/<day>/``, or its manifest) → stored results."""
    items = items_for_day(settings, parse_day(day), recordings_root)
    _outcomes, summary = run_batch(items, settings, db_url, out_dir, f"calls-{day}", progress)
    return summary


@flow(name="nightly-calls", log_prints=True)
def nightly_calls(day: str | None = None, config: str | None = None, db_url: str | None = None) -> RunSummary:
    """The scheduled run: the previous day (in ``schedule.timezone``) unless ``day`` is
    given. Settings from ``config`` (default configs/pipeline.yaml), database from
    ``db_url`` (default $CALL_QA_DATABASE_URL or the embedded SQLite file)."""
    settings = load_settings(config)
    day = day or previous_day(settings).isoformat()
    logging.getLogger("call_qa").info("nightly run for %s", day)
    runner = process_day.with_options(task_runner=task_runner_for(settings))
    return runner(day, settings, resolve_database_url(db_url), settings.schedule.out_dir or None)


def run_process_calls(paths: list[str], settings: PipelineSettings, db_url: str, out_dir: str | None, progress: bool) -> list[CallResult]:
    """``process_calls`` on the task runner the settings ask for (CLI entry)."""
    return process_calls.with_options(task_runner=task_runner_for(settings))(paths, settings, db_url, out_dir, progress)


def run_process_day(
    day: str, settings: PipelineSettings, db_url: str, out_dir: str | None, recordings_root: str | None, progress: bool
) -> RunSummary:
    return process_day.with_options(task_runner=task_runner_for(settings))(day, settings, db_url, out_dir, recordings_root, progress)


__all__ = [
    "call_task",
    "is_transient",
    "nightly_calls",
    "process_calls",
    "process_day",
    "run_batch",
    "run_process_calls",
    "run_process_day",
    "task_runner_for",
]
