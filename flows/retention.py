"""The daily retention flow: delete raw audio and unredacted originals past their days.

    .venv/bin/python -m flows.retention [--db URL] [--config FILE]          # run once now
    .venv/bin/python -m flows.retention --serve [--cron "30 3 * * *"]       # daily schedule

Flows only compose: the work is ``call_qa.pii.retention.apply_retention``; what was
deleted, for which call and when is recorded in the database (``retention_records``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger, task

from call_qa.config import load_settings
from call_qa.db import resolve_database_url, shared_database
from call_qa.pii.retention import apply_retention

DEFAULT_CRON = "30 3 * * *"  # daily, after the nightly batch


# Database hiccups (restart, failover) are worth a retry; deletions already recorded are
# not repeated (a call with an audio record is not listed again, nulled originals stay null).
@task(name="apply-retention", retries=2, retry_delay_seconds=[10, 60])
def apply_retention_task(db_url: str, config: str | None) -> dict[str, int]:
    settings = load_settings(config)
    report = apply_retention(shared_database(db_url), settings.privacy, base_dir=Path.cwd())
    return {"originals": len(report.originals), "audio": len(report.audio)}


@flow(name="retention")
def retention(db_url: str | None = None, config: str | None = None) -> dict[str, int]:
    """Delete raw audio and unredacted originals older than ``privacy`` allows."""
    logger = get_run_logger()
    counts = apply_retention_task(resolve_database_url(db_url), config)
    logger.info("retention: originals deleted for %d call(s), audio for %d call(s)", counts["originals"], counts["audio"])
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Delete raw audio and unredacted originals past their retention days.")
    ap.add_argument("--db", help="database URL (default: $CALL_QA_DATABASE_URL or the SQLite file)")
    ap.add_argument("--config", help="pipeline YAML (default: configs/pipeline.yaml)")
    ap.add_argument("--serve", action="store_true", help="stay running and apply retention daily")
    ap.add_argument("--cron", default=DEFAULT_CRON, help=f"schedule with --serve (default {DEFAULT_CRON!r})")
    args = ap.parse_args(argv)
    if args.serve:
        retention.serve(name="retention-daily", cron=args.cron, parameters={"db_url": args.db, "config": args.config})
        return 0
    print(retention(args.db, args.config))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
