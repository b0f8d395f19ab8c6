"""The processing flows: recordings → scorecards in the database.

    process-calls   the files and folders given to ``call-qa process``
    process-day     one day's recordings (day folder or manifest; ``call-qa backfill``)
    nightly-calls   the scheduled deployment: the previous day, at 02:00 Asia/Jakarta

Flows only compose. Each call is one task (``call-<id>``) with its own state:
Completed, "Skipped" (same recording, settings and rubric version already stored) or
Failed (a bad recording: once, with its reason; the batch goes on). A task is retried
with backoff only for transient failures: the database unavailable, a worker lost.
Tasks take small inputs (a work item and the settings), never waveforms.

Identity before work (call_qa/batch.py ``plan_batch``): each recording's content hash,
call ids that would name two recordings (a collision: reported, never stored over the
other), exact copies (recorded as duplicates of one processed call), and entries that
cannot be opened (stored as failed with the reason). The summary counts every input.

The database reaches flows by reference only (``env:NAME``, an environment variable
holding the URL, or ``secret:BLOCK``, a Prefect Secret block), so no password is ever
a flow-run or deployment parameter stored by Prefect; the flow resolves it and hands
the URL to its tasks as an argument, which Prefect does not store.

On start a flow tags its run with this process (``call-qa-pid:<host>:<pid>``) and marks
Crashed the earlier runs of the same flow on this host whose process is gone (a kill
leaves them Running for good otherwise).

Parallelism: one worker → tasks run in this process; more → a Dask cluster of worker
processes (``LocalCluster``), or an existing Dask scheduler (``schedule.dask_address``)
with workers on several machines sharing PostgreSQL and the recordings' storage. Each
worker process loads Whisper once (``call_qa.models.load_whisper`` is cached).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.futures import as_completed
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner

from call_qa.batch import (
    CallOutcome,
    Inputs,
    Outcome,
    Progress,
    RunSummary,
    WorkItem,
    check_call,
    finish_call,
    inputs_for_day,
    inputs_for_paths,
    outcome_of,
    parse_day,
    plan_batch,
    previous_day,
    process_item,
    record_duplicate,
    skipped_outcome,
    store_call,
    summarise,
    with_threads,
    worker_plan,
)
from call_qa.config import PipelineSettings, load_settings
from call_qa.config_check import require_valid
from call_qa.db import ENV_VAR as DATABASE_ENV
from call_qa.db import DatabaseError, load_call_result, resolve_database_url, shared_database, url_has_password
from call_qa.domain import CallResult
from call_qa.errors import ConfigError
from call_qa.pipeline import failed_result

# --------------------------------------------------------------------------- the database, by reference

#: The reference a deployment uses unless told otherwise: the worker's own variable.
DEFAULT_DATABASE = f"env:{DATABASE_ENV}"


def is_reference(database: str) -> bool:
    """``env:NAME`` or ``secret:BLOCK``."""
    return database.startswith(("env:", "secret:"))


def database_reference(url: str | None) -> str:
    """What a flow is given instead of ``url``: a reference (returned as it is), or an
    environment variable of this process set to the URL (``env:CALL_QA_DB_<hash>``;
    worker processes started by the flow inherit it). None: the default database."""
    url = url or resolve_database_url(None)
    if is_reference(url):
        return url
    name = "CALL_QA_DB_" + hashlib.sha256(url.encode()).hexdigest()[:12].upper()
    os.environ[name] = url
    return f"env:{name}"


def database_url(database: str) -> str:
    """The URL a reference stands for, read where the flow or task runs: ``env:NAME``
    (unset ``env:CALL_QA_DATABASE_URL``: the embedded SQLite file), ``secret:BLOCK``
    (a Prefect Secret block holding the URL), or a URL without a password."""
    if database.startswith("env:"):
        name = database[4:]
        value = os.environ.get(name)
        if value:
            return value
        if name == DATABASE_ENV:
            return resolve_database_url(None)
        raise ConfigError(f"the database reference {database}: environment variable {name} is not set on {socket.gethostname()}")
    if database.startswith("secret:"):
        from prefect.blocks.system import Secret

        return str(Secret.load(database[7:]).get())
    if url_has_password(database):
        raise ConfigError("a database URL with a password cannot be a flow parameter; pass env:NAME or secret:BLOCK")
    return database


# --------------------------------------------------------------------------- runs left Running

PID_TAG = "call-qa-pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_crashed_predecessors() -> list[str]:
    """Tag the current flow run with this process and mark Crashed the runs of the same
    flow left Running by a process of this host that is gone; returns their ids. Runs of
    other hosts, or without the tag, are left alone (they may be alive)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.runtime import flow_run as current
    from prefect.states import Crashed

    host = socket.gethostname()
    mine = f"{PID_TAG}:{host}:{os.getpid()}"
    marked: list[str] = []
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(current.id)
        if mine not in run.tags:
            client.update_flow_run(run.id, tags=[*run.tags, mine])
        running = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[current.flow_name])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING]))),
        )
        for other in running:
            pids = [t.rsplit(":", 1)[1] for t in other.tags if t.startswith(f"{PID_TAG}:{host}:")]
            if other.id == run.id or not pids or not pids[0].isdigit() or _alive(int(pids[0])):
                continue
            client.set_flow_run_state(
                other.id,
                Crashed(message=f"its process {pids[0]} on {host} ended without finishing (killed?); found by run {run.id}"),
                force=True,
            )
            marked.append(str(other.id))
    return marked


def _start_run() -> None:
    """What every flow does first: runs left Running by a killed process → Crashed."""
    try:
        marked = mark_crashed_predecessors()
    except Exception as exc:  # noqa: BLE001 - bookkeeping must not stop the night's calls
        get_run_logger().warning("could not check for runs left Running: %s", exc)
        return
    if marked:
        get_run_logger().warning("marked %d earlier run(s) Crashed (their process is gone): %s", len(marked), ", ".join(marked))

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
    """One call: skip if done, else process and store it in one transaction.
    ``db_url``: resolved by the flow from its reference. Prefect keeps the parameters of
    flow runs, not the arguments of task runs (a Dask worker gets them pickled, so a
    worker on another machine needs no variable of its own); tests/test_accounting.py
    greps Prefect's database for the password after a run."""
    stored = check_call(item, settings, db_url)
    if stored is not None:
        if stored.call_id != item.call_id:  # the same recording holds results under another id
            outcome = record_duplicate(replace(item, duplicate_of=stored.call_id), settings, db_url)
            return Completed(data=outcome, name="Duplicate", message=outcome.reason)
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
    inputs: Inputs, settings: PipelineSettings, database: str, out_dir: str | None, title: str, progress: bool
) -> tuple[list[CallOutcome], RunSummary]:
    """Plan the batch (identity, duplicates, collisions), submit one task per call to
    run, record the duplicates once their originals are stored, publish the summary.
    Outcomes come back in the order of ``inputs.items``."""
    logger = get_run_logger()
    started = time.perf_counter()
    db_url = database_url(database)
    shared_database(db_url)  # fail before any work when the database is unreachable
    items = list(inputs.items)
    plan = plan_batch(items, db_url)
    for path, reason in inputs.skipped:
        logger.warning("%s: skipped: %s", path, reason)
    _workers, threads = worker_plan(settings)
    settings = with_threads(settings, threads)
    futures = {call_task.submit(item, settings, db_url, out_dir): item for item in plan.run}
    bar = Progress(len(items), title, enabled=progress)
    done: list[CallOutcome] = []

    def report(outcome: CallOutcome) -> None:
        done.append(outcome)
        bar.update(outcome)
        line = f"[{len(done)}/{len(items)}] {outcome.call_id}"
        if outcome.outcome in (Outcome.FAILED, Outcome.COLLISION):
            logger.warning("%s: %s: %s", line, outcome.outcome.value.upper(), outcome.reason)
        elif outcome.outcome in (Outcome.SKIPPED, Outcome.DUPLICATE):
            logger.info("%s: %s (%s)", line, outcome.outcome.value, outcome.reason)
        else:
            logger.info("%s: ok, score %s, %.1f s for %.1f s of audio", line, outcome.score, outcome.seconds, outcome.duration_s)

    try:
        for outcome in plan.decided:
            report(outcome)
        for future in as_completed(list(futures)):
            report(_outcome_of_future(future, futures[future]))
        for item in plan.duplicates:  # after the calls they copy are stored
            report(record_duplicate(item, settings, db_url))
    finally:
        bar.close()
    ordered = _in_order(items, done)
    summary = summarise(title, ordered, time.perf_counter() - started, inputs.skipped)
    logger.info("%s", summary.log_line())
    key = _artifact_key(title)
    create_markdown_artifact(markdown=summary.markdown(), key=key, description=summary.log_line())
    if summary.failed or summary.collisions:
        create_table_artifact(
            table=[{"call": c, "reason": r} for c, r in (*summary.failed, *summary.collisions)],
            key=f"{key}-failed"[:100],
            description=f"{title}: calls that failed or were not stored, with the reason",
        )
    return ordered, summary


def _in_order(items: Sequence[WorkItem], outcomes: list[CallOutcome]) -> list[CallOutcome]:
    """``outcomes`` in the order of ``items`` (matched by source and call id)."""
    pending: dict[tuple[str, str], list[CallOutcome]] = {}
    for o in outcomes:
        pending.setdefault((o.source, o.call_id), []).append(o)
    ordered = [pending[(i.path, i.call_id)].pop(0) for i in items if pending.get((i.path, i.call_id))]
    ordered += [o for rest in pending.values() for o in rest]  # none expected; never dropped
    return ordered


def _results_of(outcomes: list[CallOutcome], settings: PipelineSettings, db_url: str) -> list[CallResult]:
    """The stored result of each call, in order (a call that could not be stored: a
    failed result with the reason; a duplicate: its original's, under its own id)."""
    db = shared_database(db_url)
    results = []
    for o in outcomes:
        stored = load_call_result(db, o.stored_as) if o.stored_as else None
        if stored is None:
            stored = failed_result(Path(o.source), o.call_id, settings, o.reason or "not stored")
        elif stored.call_id != o.call_id:  # the same recording is stored under another id
            stored = replace(stored, call_id=o.call_id, source=o.source, errors=(*stored.errors, o.reason))
        results.append(stored)
    return results


@flow(name="process-calls", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=1))
def process_calls(
    paths: list[str], settings: PipelineSettings, database: str, out_dir: str | None = None, progress: bool = False
) -> tuple[list[CallResult], RunSummary]:
    """Recordings given by path (files or folders) → stored results, in the order
    found, and the run's summary. ``database``: a reference (:func:`database_reference`)."""
    _start_run()
    require_valid(settings)
    outcomes, summary = run_batch(inputs_for_paths(paths, settings), settings, database, out_dir, "process-calls", progress)
    return _results_of(outcomes, settings, database_url(database)), summary


@flow(name="process-day", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=1))
def process_day(
    day: str,
    settings: PipelineSettings,
    database: str,
    out_dir: str | None = None,
    recordings_root: str | None = None,
    progress: bool = False,
) -> RunSummary:
    """One day's recordings (``<root>/<day>/``, or its manifest) → stored results."""
    _start_run()
    require_valid(settings)
    inputs = inputs_for_day(settings, parse_day(day), recordings_root)
    _outcomes, summary = run_batch(inputs, settings, database, out_dir, f"calls-{day}", progress)
    return summary


@flow(name="nightly-calls", log_prints=True)
def nightly_calls(day: str | None = None, config: str | None = None, database: str = DEFAULT_DATABASE) -> RunSummary:
    """The scheduled run: the previous day (in ``schedule.timezone``) unless ``day`` is
    given. Settings from ``config`` (default configs/pipeline.yaml), checked before the
    first call; the database by reference (default ``env:CALL_QA_DATABASE_URL``, unset:
    the embedded SQLite file)."""
    _start_run()
    settings = load_settings(config)
    require_valid(settings, config)
    day = day or previous_day(settings).isoformat()
    logging.getLogger("call_qa").info("nightly run for %s", day)
    runner = process_day.with_options(task_runner=task_runner_for(settings))
    return runner(day, settings, database, settings.schedule.out_dir or None)


def run_process_paths(
    paths: list[str], settings: PipelineSettings, db_url: str | None, out_dir: str | None, progress: bool
) -> tuple[list[CallResult], RunSummary]:
    """``process_calls`` on the task runner the settings ask for (CLI entry); the URL
    goes in by reference."""
    flow_ = process_calls.with_options(task_runner=task_runner_for(settings))
    return flow_(paths, settings, database_reference(db_url), out_dir, progress)


def run_process_calls(paths: list[str], settings: PipelineSettings, db_url: str | None, out_dir: str | None,
                      progress: bool) -> list[CallResult]:
    """The results of :func:`run_process_paths` alone."""
    return run_process_paths(paths, settings, db_url, out_dir, progress)[0]


def run_process_day(
    day: str, settings: PipelineSettings, db_url: str | None, out_dir: str | None, recordings_root: str | None, progress: bool
) -> RunSummary:
    """``process_day`` on the task runner the settings ask for (CLI entry)."""
    flow_ = process_day.with_options(task_runner=task_runner_for(settings))
    return flow_(day, settings, database_reference(db_url), out_dir, recordings_root, progress)


__all__ = [
    "call_task",
    "is_transient",
    "nightly_calls",
    "process_calls",
    "process_day",
    "run_batch",
    "database_reference",
    "database_url",
    "mark_crashed_predecessors",
    "run_process_calls",
    "run_process_paths",
    "run_process_day",
    "task_runner_for",
]
