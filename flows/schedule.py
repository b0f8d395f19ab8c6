"""Setting up the nightly deployment of ``nightly-calls`` against a Prefect server.

    serve_nightly   this process runs the schedule (``call-qa schedule``; SIGTERM stops it)
    deploy_nightly  register it on a work pool; ``prefect worker start`` on one or
                    more machines runs it (``call-qa schedule --work-pool NAME``)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.schedules import Cron, Schedule

from call_qa.config import PROJECT_ROOT, PipelineSettings
from call_qa.db import url_has_password
from flows.process import is_reference, nightly_calls

ENTRYPOINT = "flows/process.py:nightly_calls"


def server_configured() -> bool:
    """Whether a Prefect server is configured (``PREFECT_API_URL``): a schedule needs one."""
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def nightly_schedule(settings: PipelineSettings) -> Schedule:
    """``schedule.cron`` in ``schedule.timezone`` (default 02:00 Asia/Jakarta, daily)."""
    return Cron(settings.schedule.cron, timezone=settings.schedule.timezone)


def storable_database(database: str | None) -> str | None:
    """Why ``database`` may not go into a deployment's parameters (a URL with a
    password: the Prefect server keeps parameters in clear text), or None."""
    if database and not is_reference(database) and url_has_password(database):
        return (
            "--db holds a password, which the Prefect server would store in clear text with the deployment; "
            "set CALL_QA_DATABASE_URL on the worker (the default), or pass --db env:NAME (a variable set on the "
            "worker) or --db secret:BLOCK (a Prefect Secret block holding the URL)"
        )
    return None


def deployment_parameters(config: Path | None, database: str | None) -> dict[str, Any]:
    """The parameters a deployment stores on the Prefect server (ValueError for a
    database URL with a password)."""
    # Only what was given: a worker otherwise uses its own configs/pipeline.yaml and
    # $CALL_QA_DATABASE_URL. The database only by reference (or a URL without password).
    problem = storable_database(database)
    if problem:
        raise ValueError(problem)
    params: dict[str, Any] = {}
    if config is not None:
        params["config"] = str(Path(config).resolve())
    if database:
        params["database"] = database
    return params


def serve_nightly(settings: PipelineSettings, config: Path | None, db_url: str | None) -> None:
    """Create/update the deployment and run its schedule in this process until SIGTERM."""
    nightly_calls.serve(
        name=settings.schedule.deployment_name,
        schedule=nightly_schedule(settings),
        parameters=deployment_parameters(config, db_url),
        description="call-qa: the previous day's recordings, every night",
    )


def ensure_work_pool(name: str) -> None:
    """Create a ``process`` work pool of that name unless the server has one."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def deploy_nightly(settings: PipelineSettings, config: Path | None, db_url: str | None, work_pool: str) -> Any:
    """Register the deployment on ``work_pool`` (a process pool, created if missing);
    workers with this project at the same path run it. Returns the deployment id."""
    ensure_work_pool(work_pool)
    return nightly_calls.from_source(source=str(PROJECT_ROOT), entrypoint=ENTRYPOINT).deploy(
        name=settings.schedule.deployment_name,
        work_pool_name=work_pool,
        schedule=nightly_schedule(settings),
        parameters=deployment_parameters(config, db_url),
        description="call-qa: the previous day's recordings, every night",
        build=False,
        push=False,
        print_next_steps=False,
    )
