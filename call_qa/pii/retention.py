"""Retention: delete raw audio and unredacted originals after the configured days.

``apply_retention(db, privacy, now)`` is what the daily flow (``flows/retention.py``)
runs. Originals (the unredacted transcript and the findings' values) are nulled in the
database; raw recordings (the path each call was processed from) are deleted from disk.
Every deletion is recorded in ``retention_records`` — call, what, when, detail — and a
recording already gone is recorded as such (its redacted copy, cached for the web
app, is deleted with it), so the question "was it deleted, and when?"
always has an answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from call_qa.db import personal_data as store
from call_qa.db.engine import Database
from call_qa.home import state_home
from call_qa.pii.audio import COPIES_FOLDER, delete_redacted_copies

log = logging.getLogger("call_qa")


@dataclass(frozen=True)
class RetentionReport:
    originals: tuple[store.RetentionRecord, ...]
    audio: tuple[store.RetentionRecord, ...]


def apply_retention(db: Database, privacy, now: dt.datetime | None = None, base_dir: Path | None = None,
                    copies_dir: Path | None = None) -> RetentionReport:
    """Delete what ``privacy`` (:class:`call_qa.config.PrivacySettings`) no longer keeps.

    ``retention_days`` (None: keep) applies to originals, ``audio_retention_days``
    (None: keep) to raw recordings and to their redacted copies the web app serves
    (``copies_dir``, default ``$CALL_QA_HOME/redacted-audio``); ``base_dir`` resolves
    relative recording paths (default: the working folder, where ``call-qa process`` ran)."""
    copies_dir = copies_dir or state_home() / COPIES_FOLDER
    now = now or dt.datetime.now(dt.timezone.utc)
    originals: list[store.RetentionRecord] = []
    if privacy.retention_days is not None or not privacy.keep_originals:
        days = privacy.retention_days if privacy.keep_originals else 0
        originals = store.delete_expired_originals(db, now, days)
    audio: list[store.RetentionRecord] = []
    if privacy.audio_retention_days is not None:
        for call_id, source in store.calls_with_audio_due(db, now, privacy.audio_retention_days):
            path = Path(source)
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            if path.is_file():
                size = path.stat().st_size
                path.unlink()
                detail = f"deleted {source} ({size} bytes)"
            else:
                detail = f"{source} was already absent"
            copies = delete_redacted_copies(call_id, copies_dir)
            if copies:
                detail += f"; its redacted copy ({len(copies)} file(s)) too"
            audio.append(store.record_deletion(db, call_id, "audio", detail, now))
            log.info("retention: %s: %s", call_id, detail)
    for r in originals:
        log.info("retention: %s: %s", r.call_id, r.detail)
    return RetentionReport(tuple(originals), tuple(audio))
