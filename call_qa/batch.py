"""The nightly batch without Prefect: which calls a day holds, what to do with each,
and what the morning report says.

    recordings/2026-11-27/            a day folder (every recording under it), or
    recordings/2026-11-27/manifest.csv  the recording system's list of the day's calls

        day ─► WorkItem per call ─► check_call (skip) | process_item + store_call ─► CallOutcome
                                                                 ─► RunSummary (artifact, log line)

``flows/`` composes these into Prefect tasks; the CLI shows progress with
:class:`Progress`. Each call is saved in one database transaction, so a batch killed
at any moment leaves every call either fully stored or not at all, and the next run
skips what is stored (same recording, same settings, same rubric version).
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import json
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from call_qa.config import PipelineSettings
from call_qa.domain import CallResult, CallStatus, Event
from call_qa.errors import CallQAError, ConfigError

logger = logging.getLogger("call_qa")

DATE_FORMAT = "%Y-%m-%d"


class ManifestError(CallQAError):
    """A day's manifest exists but a row of it cannot be used."""


# --------------------------------------------------------------------------- work items


@dataclass(frozen=True)
class WorkItem:
    """One call to process: the recording and what the recording system knows of it."""

    path: str
    call_id: str
    agent_id: str | None = None
    team: str | None = None
    recorded_at: dt.datetime | None = None  # aware
    # holds/transfers from the manifest; None: use the recording's sidecar, if any
    events: tuple[Event, ...] | None = None
    # filled by plan_batch: sha256 of the recording, and why it cannot be opened ("" = it can)
    content_hash: str = ""
    problem: str = ""
    # the stored call whose results stand for this exact copy of its recording ("" = none)
    duplicate_of: str = ""

    @property
    def has_metadata(self) -> bool:
        return any(v is not None for v in (self.agent_id, self.team, self.recorded_at))


@dataclass(frozen=True)
class Inputs:
    """A batch's calls, and the entries given that are no call (each with its reason)."""

    items: tuple[WorkItem, ...]
    skipped: tuple[tuple[str, str], ...] = ()


def call_id_of(path: str | Path, settings: PipelineSettings, root: str | Path | None = None) -> str:
    """The call id of a recording without a manifest id (call_qa/identity.py), its
    identifiers redacted when ``privacy.redact`` and ``privacy.redact_call_ids``."""
    from call_qa.identity import call_id_for

    privacy = settings.privacy
    types = privacy.types if privacy.redact and privacy.redact_call_ids else None
    return call_id_for(path, root, types)


def inputs_for_paths(paths: Iterable[str | Path], settings: PipelineSettings) -> Inputs:
    """Files and folders given to ``call-qa process``: every recording under them (call
    ids from the path below the day folder, or below the folder given), and the entries
    skipped with their reasons."""
    from call_qa.audio import find_inputs

    items: list[WorkItem] = []
    skipped: list[tuple[str, str]] = []
    for given in paths:
        # absolute (links kept): the stored source names the file wherever the next run starts
        given = Path(given).absolute()
        found = find_inputs([given])
        root = given if given.is_dir() else None
        items += [WorkItem(path=str(p), call_id=call_id_of(p, settings, root)) for p in found.recordings]
        skipped += found.skipped
    return Inputs(tuple(items), tuple(skipped))


def items_for_paths(paths: Iterable[str | Path], settings: PipelineSettings | None = None) -> list[WorkItem]:
    """Plain recordings (``call-qa process``): call ids from their paths."""
    return list(inputs_for_paths(paths, settings or PipelineSettings()).items)


def zone(settings: PipelineSettings) -> ZoneInfo:
    try:
        return ZoneInfo(settings.schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"schedule.timezone '{settings.schedule.timezone}' is not a known time zone; use an IANA name such as Asia/Jakarta"
        ) from None


def previous_day(settings: PipelineSettings, now: dt.datetime | None = None) -> dt.date:
    """The day before ``now`` (default: the current time) in the schedule's time zone:
    the run at 02:00 WIB on the 28th processes the 27th."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must carry its time zone")
    return now.astimezone(zone(settings)).date() - dt.timedelta(days=1)


def parse_day(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, DATE_FORMAT).date()
    except ValueError:
        raise ConfigError(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-27") from None


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    if last < first:
        raise ConfigError(f"--to {last} is before --from {first}")
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def day_folder(settings: PipelineSettings, day: dt.date, root: str | Path | None = None) -> Path:
    return Path(root or settings.schedule.recordings_root) / day.strftime(DATE_FORMAT)


def find_manifest(folder: Path, name: str) -> Path | None:
    """``name`` in the folder, or the same stem as .csv/.json."""
    candidates = [folder / name] + [folder / (Path(name).stem + ext) for ext in (".csv", ".json")]
    return next((c for c in candidates if c.is_file()), None)


def inputs_for_day(settings: PipelineSettings, day: dt.date, root: str | Path | None = None) -> Inputs:
    """The calls of one day: from the day folder's manifest when it has one, else every
    recording under the folder (and the entries skipped there, with their reasons). A
    missing folder is an empty day (logged)."""
    from call_qa.audio import find_inputs

    folder = day_folder(settings, day, root).absolute()
    if not folder.is_dir():
        logger.warning("no recordings folder %s for %s: nothing to process", folder, day)
        return Inputs(())
    manifest = find_manifest(folder, settings.schedule.manifest_name)
    if manifest is not None:
        return Inputs(tuple(read_manifest(manifest, zone(settings), settings)))
    found = find_inputs([folder])
    items = tuple(WorkItem(path=str(p), call_id=call_id_of(p, settings, folder)) for p in found.recordings)
    return Inputs(items, found.skipped)


def items_for_day(settings: PipelineSettings, day: dt.date, root: str | Path | None = None) -> list[WorkItem]:
    """The calls of one day (:func:`inputs_for_day` without the skipped entries)."""
    return list(inputs_for_day(settings, day, root).items)


# --------------------------------------------------------------------------- manifests

_COLUMNS = ("file", "call_id", "agent_id", "team", "start_time", "events")


def read_manifest(path: Path, tz: ZoneInfo, settings: PipelineSettings | None = None) -> list[WorkItem]:
    """A CSV or JSON manifest → work items.

    CSV: a header with ``file`` (required; relative to the manifest's folder) and
    optionally ``call_id``, ``agent_id``, ``team``, ``start_time`` (ISO 8601; without
    an offset it is taken in the schedule's time zone) and ``events`` (holds/transfers
    as in ``call_qa/metadata.py``: a JSON list of {type, start, end[, target]}).
    JSON: a list of objects with the same keys (``events`` a list), or {"calls": [...]}.
    """
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = data.get("calls") if isinstance(data, dict) else data
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise ManifestError(f"{path}: expected a list of calls, or {{\"calls\": [...]}}, each an object with 'file'")
        else:
            with path.open(newline="", encoding="utf-8-sig") as f:
                reader = csv.DictReader(f)
                if reader.fieldnames is None or "file" not in reader.fieldnames:
                    raise ManifestError(f"{path}: the header must name a 'file' column (and optionally {', '.join(_COLUMNS[1:])})")
                unknown = [c for c in reader.fieldnames if c not in _COLUMNS]
                if unknown:
                    raise ManifestError(f"{path}: unknown column(s) {', '.join(unknown)}; known: {', '.join(_COLUMNS)}")
                rows = list(reader)
    except (OSError, json.JSONDecodeError, csv.Error, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot be read ({exc}); fix the manifest or remove it to process the whole folder") from None
    settings = settings or PipelineSettings()
    items = [
        _manifest_item(row, path, i + 2 if path.suffix.lower() != ".json" else i + 1, tz, settings)
        for i, row in enumerate(rows)
    ]
    seen: dict[str, int] = {}
    for item in items:
        seen[item.call_id] = seen.get(item.call_id, 0) + 1
    duplicated = sorted(c for c, n in seen.items() if n > 1)
    if duplicated:
        raise ManifestError(f"{path}: call id(s) listed more than once: {', '.join(duplicated)}")
    return items


def _manifest_item(row: dict[str, Any], manifest: Path, line: int, tz: ZoneInfo, settings: PipelineSettings) -> WorkItem:
    from call_qa.metadata import MetadataError, events_from_rows

    where = f"{manifest} {'line' if manifest.suffix.lower() != '.json' else 'entry'} {line}"
    file = str(row.get("file") or "").strip()
    if not file:
        raise ManifestError(f"{where}: 'file' is empty")
    path = Path(file) if Path(file).is_absolute() else manifest.parent / file

    def text(key: str) -> str | None:
        value = row.get(key)
        return str(value).strip() or None if value is not None else None

    recorded_at = None
    if text("start_time"):
        try:
            recorded_at = dt.datetime.fromisoformat(text("start_time"))
        except ValueError:
            raise ManifestError(f"{where}: start_time '{text('start_time')}' is not ISO 8601 (e.g. 2026-11-27T09:15:00+07:00)") from None
        if recorded_at.tzinfo is None:
            recorded_at = recorded_at.replace(tzinfo=tz)

    events = None
    raw_events = row.get("events")
    if isinstance(raw_events, str) and raw_events.strip():
        try:
            raw_events = json.loads(raw_events)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{where}: 'events' is not a JSON list ({exc})") from None
    if raw_events not in (None, ""):
        if not isinstance(raw_events, list):
            raise ManifestError(f"{where}: 'events' must be a list of {{type, start, end}}")
        try:
            events = events_from_rows(raw_events, where)
        except (MetadataError, TypeError, AttributeError) as exc:
            raise ManifestError(str(exc)) from None
    return WorkItem(
        path=str(path),
        call_id=text("call_id") or call_id_of(path, settings, manifest.parent),
        agent_id=text("agent_id"),
        team=text("team"),
        recorded_at=recorded_at,
        events=events,
    )


# --------------------------------------------------------------------------- one call


class Outcome(str, enum.Enum):
    PROCESSED = "processed"
    FAILED = "failed"
    SKIPPED = "skipped"  # this recording with these settings is stored already
    DUPLICATE = "duplicate"  # an exact copy of another call's recording: on record, not processed again
    COLLISION = "collision"  # its call id names another recording: reported, never stored over it


@dataclass(frozen=True)
class CallOutcome:
    """What happened to one call in a run (small: goes through the task runner)."""

    call_id: str
    source: str
    outcome: Outcome
    reason: str = ""  # why it failed, or which stored call it was skipped for
    duration_s: float = 0.0
    score: float | None = None
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    seconds: float = 0.0  # processing time (0 when skipped)
    stored_as: str = ""  # the call id whose stored results stand for this call ("" = not stored)


def rubric_version(settings: PipelineSettings) -> tuple[str, str]:
    """(id, version) of the configured phone rubric (read once per process)."""
    from call_qa.rubric.setup import phone_rubric

    rubric = phone_rubric(settings)
    return rubric.id, rubric.version


def already_processed(db: Any, content_hash: str, settings: PipelineSettings) -> CallResult | None:
    """The stored result of this recording with these settings and this rubric version,
    or None (never processed, failed before, settings or rubric version changed)."""
    from call_qa.db import find_processed, load_call_result

    call_id = find_processed(db, content_hash, settings.settings_hash())
    if call_id is None:
        return None
    stored = load_call_result(db, call_id)
    card = stored.scorecard if stored is not None else None
    if card is None or (card.rubric_id, card.rubric_version) != rubric_version(settings):
        return None
    return stored


def outcome_of(result: CallResult, seconds: float) -> CallOutcome:
    ok = result.status is CallStatus.OK
    return CallOutcome(
        call_id=result.call_id,
        source=result.source,
        outcome=Outcome.PROCESSED if ok else Outcome.FAILED,
        reason="" if ok else "; ".join(result.errors),
        duration_s=result.duration_s or 0.0,
        score=result.scorecard.score if result.scorecard else None,
        metrics=dict(result.metrics),
        seconds=round(seconds, 3),
        stored_as=result.call_id,
    )


@dataclass(frozen=True)
class BatchPlan:
    """A batch before any call is processed: the calls to run (a call that cannot be
    opened runs too, to be stored as failed with its reason), the exact copies to record
    as duplicates, and what was decided without running (collisions)."""

    run: tuple[WorkItem, ...]
    duplicates: tuple[WorkItem, ...]  # each with duplicate_of set
    decided: tuple[CallOutcome, ...]


def _same_place(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def plan_batch(items: Sequence[WorkItem], db_url: str) -> BatchPlan:
    """Identity before work: each recording's content hash (or why it cannot be opened),
    call ids that name two recordings (in the batch, or a stored call made from another
    recording elsewhere: a collision, reported and not stored), and exact copies (one
    content, several names: the first stored call with that content, else the first in
    the batch, is processed; the others are recorded as its duplicates)."""
    from call_qa.audio import input_problem
    from call_qa.db import find_original, shared_database, stored_identity
    from call_qa.files import file_hash

    db = shared_database(db_url)
    checked: list[WorkItem] = []
    for item in items:
        problem = input_problem(item.path)
        digest = ""
        if problem is None:
            try:
                digest = file_hash(Path(item.path))
            except OSError as exc:
                problem = f"cannot be read ({exc.strerror or exc})"
        checked.append(replace(item, content_hash=digest, problem=f"{item.path}: {problem}" if problem else ""))

    decided: list[CallOutcome] = []
    first_of_id: dict[str, WorkItem] = {}
    kept: list[WorkItem] = []
    for item in checked:
        other = first_of_id.get(item.call_id)
        if other is None:
            stored = stored_identity(db, item.call_id)
            if (stored is not None and item.content_hash and stored.content_hash != item.content_hash
                    and not _same_place(stored.source, item.path)):
                decided.append(_collision(item, f"the stored call {item.call_id} is the recording {stored.source}"))
                continue
            first_of_id[item.call_id] = item
            kept.append(item)
        else:
            decided.append(_collision(item, f"{other.path} has the same call id in this batch"))

    by_content: dict[str, list[WorkItem]] = {}
    for item in kept:
        if item.content_hash:
            by_content.setdefault(item.content_hash, []).append(item)
    primary_of: dict[str, str] = {}
    for digest, group in by_content.items():
        ids = {i.call_id for i in group}
        stored = find_original(db, digest)
        if stored is not None and (stored[0] in ids or stored[1] is CallStatus.OK):
            primary_of[digest] = stored[0]  # this batch's own call, or an earlier night's
        else:
            primary_of[digest] = group[0].call_id
    run: list[WorkItem] = []
    duplicates: list[WorkItem] = []
    for item in kept:
        primary = primary_of.get(item.content_hash, item.call_id)
        if primary == item.call_id:
            run.append(item)
        else:
            duplicates.append(replace(item, duplicate_of=primary))
    return BatchPlan(tuple(run), tuple(duplicates), tuple(decided))


def _collision(item: WorkItem, why: str) -> CallOutcome:
    logger.warning("%s: call id %s collides: %s; not stored", item.path, item.call_id, why)
    return CallOutcome(
        call_id=item.call_id,
        source=item.path,
        outcome=Outcome.COLLISION,
        reason=f"call id {item.call_id} collides: {why}; not stored (give it a manifest call_id or another name)",
    )


def record_duplicate(item: WorkItem, settings: PipelineSettings, db_url: str) -> CallOutcome:
    """Store ``item`` as a duplicate of ``item.duplicate_of`` (after that call is stored)."""
    from call_qa.db import NotFoundError, record_duplicate as store_duplicate, shared_database

    db = shared_database(db_url)
    try:
        store_duplicate(db, item.call_id, item.path, item.content_hash, settings.settings_hash(), item.duplicate_of)
    except NotFoundError:
        return CallOutcome(item.call_id, item.path, Outcome.FAILED,
                           reason=f"{item.path}: duplicate of {item.duplicate_of}, which was not stored; run again")
    return CallOutcome(item.call_id, item.path, Outcome.DUPLICATE, reason=f"duplicate of {item.duplicate_of}",
                       stored_as=item.duplicate_of)


def check_call(item: WorkItem, settings: PipelineSettings, db_url: str) -> CallResult | None:
    """Step 1 of a call: the stored result when this exact work was done already."""
    from call_qa.audio import input_problem
    from call_qa.db import shared_database
    from call_qa.files import file_hash

    if item.problem or input_problem(item.path) is not None:
        return None  # process_item stores it as failed, with the reason
    digest = item.content_hash or file_hash(Path(item.path))
    return already_processed(shared_database(db_url), digest, settings)


def process_item(item: WorkItem, settings: PipelineSettings) -> tuple[CallResult, float]:
    """Step 2: run the pipeline (never raises for a bad recording). A recording that
    cannot be opened fails with the reason without being opened (a FIFO would block);
    one cut short is flagged when ``audio.on_truncated`` is ``flag``."""
    from call_qa.audio import input_problem, truncation
    from call_qa.pipeline import failed_result, process_recording

    start = time.perf_counter()
    problem = item.problem or input_problem(item.path)
    if problem:
        reason = problem if problem.startswith(item.path) else f"{item.path}: {problem}"
        return failed_result(Path(item.path), item.call_id, settings, reason, item.content_hash), 0.0
    result = process_recording(item.path, settings, call_id=item.call_id, given=item.events)
    if result.status is CallStatus.OK and settings.audio.on_truncated == "flag":
        cut = truncation(item.path, settings.audio.truncation_tolerance_s)
        if cut:
            result = replace(result, errors=(*result.errors, f"{cut} (flagged: audio.on_truncated is flag)"))
    return result, time.perf_counter() - start


def store_call(item: WorkItem, result: CallResult, db_url: str, out_dir: str | None) -> None:
    """Step 3: the results in one transaction, then the recording system's metadata
    and the JSON document (both idempotent, redone for a skipped call)."""
    from call_qa.db import save_call_result, shared_database

    save_call_result(shared_database(db_url), result)
    finish_call(item, result, db_url, out_dir)


def finish_call(item: WorkItem, result: CallResult, db_url: str, out_dir: str | None) -> None:
    from call_qa.db import set_call_metadata, shared_database
    from call_qa.export import write_document

    if item.has_metadata:
        set_call_metadata(
            shared_database(db_url), result.call_id, agent_id=item.agent_id, team=item.team, recorded_at=item.recorded_at
        )
    if out_dir:
        write_document(result, Path(out_dir))


def skipped_outcome(item: WorkItem, stored: CallResult) -> CallOutcome:
    base = outcome_of(stored, 0.0)
    reason = "already processed" if stored.call_id == item.call_id else f"same recording as call {stored.call_id}"
    return CallOutcome(
        call_id=item.call_id,
        source=item.path,
        outcome=Outcome.SKIPPED,
        reason=reason,
        duration_s=base.duration_s,
        score=base.score,
        metrics=base.metrics,
        stored_as=stored.call_id,
    )


# --------------------------------------------------------------------------- parallelism


def worker_plan(settings: PipelineSettings, cores: int | None = None) -> tuple[int, int]:
    """(worker processes, Whisper threads per worker) so that workers × threads ≤ cores.

    ``schedule.workers`` 0 means as many workers as fit with ``asr.cpu_threads`` each;
    an explicit count shares the cores among that many workers."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = settings.schedule.workers
    threads = max(1, settings.asr.cpu_threads or 1)
    if workers == 0:
        workers = max(1, cores // threads)
    return workers, max(1, min(threads, cores // workers))


def with_threads(settings: PipelineSettings, threads: int) -> PipelineSettings:
    """The settings with ``asr.cpu_threads`` replaced (not part of the settings hash)."""
    return settings.model_copy(update={"asr": settings.asr.model_copy(update={"cpu_threads": threads})})


# --------------------------------------------------------------------------- summary

KEY_METRICS = (
    "agent_interruptions",
    "customer_interruptions",
    "hold_count",
    "hold_total_s",
    "dead_air_count",
    "transfer_count",
    "response_latency_mean_s",
)


@dataclass(frozen=True)
class RunSummary:
    """The morning's view of a run: every input accounted for."""

    title: str
    processed: int
    failed: tuple[tuple[str, str], ...]  # (call_id, reason)
    skipped: int
    audio_hours: float  # audio processed in this run (failed and skipped calls excluded)
    seconds: float  # wall-clock time of the run
    averages: dict[str, float | None]  # score and KEY_METRICS over the processed calls
    duplicates: tuple[tuple[str, str], ...] = ()  # (call_id, the call it is a copy of)
    collisions: tuple[tuple[str, str], ...] = ()  # (call_id, reason): not stored
    not_calls: tuple[tuple[str, str], ...] = ()  # (path, reason): entries given that are no recording

    @property
    def total(self) -> int:
        """Calls: every recording of the run, whatever became of it."""
        return self.processed + len(self.failed) + self.skipped + len(self.duplicates) + len(self.collisions)

    @property
    def audio_hours_per_hour(self) -> float:
        return self.audio_hours / (self.seconds / 3600) if self.seconds > 0 else 0.0

    def _counts(self) -> str:
        counts = f"{self.processed} processed, {len(self.failed)} failed, {self.skipped} skipped"
        if self.duplicates:
            counts += f", {len(self.duplicates)} duplicate{'s' if len(self.duplicates) != 1 else ''}"
        if self.collisions:
            counts += f", {len(self.collisions)} id collision{'s' if len(self.collisions) != 1 else ''}"
        if self.not_calls:
            counts += f"; {len(self.not_calls)} other entr{'ies' if len(self.not_calls) != 1 else 'y'} skipped"
        return counts

    def log_line(self) -> str:
        avg = ", ".join(f"{k} {_num(v)}" for k, v in self.averages.items() if v is not None)
        return (
            f"{self.title}: {self.total} calls: {self._counts()}; {self.audio_hours:.2f} h of audio in "
            f"{_duration(self.seconds)} ({self.audio_hours_per_hour:.1f} audio h/h)" + (f"; mean {avg}" if avg else "")
        )

    def markdown(self) -> str:
        lines = [
            f"# {self.title}",
            "",
            "| calls | processed | failed | skipped | duplicates | id collisions | other entries | audio hours | time taken | audio h per hour |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {self.total} | {self.processed} | {len(self.failed)} | {self.skipped} | {len(self.duplicates)} | "
            f"{len(self.collisions)} | {len(self.not_calls)} | {self.audio_hours:.2f} | "
            f"{_duration(self.seconds)} | {self.audio_hours_per_hour:.1f} |",
            "",
            "## Averages over the processed calls",
            "",
            "| metric | mean |",
            "| --- | ---: |",
            *(f"| {k} | {_num(v)} |" for k, v in self.averages.items()),
        ]
        for heading, first, rows in (
            ("Failed calls", "call", self.failed),
            ("Duplicates (exact copies, not processed again)", "call",
             tuple((c, f"duplicate of {of}") for c, of in self.duplicates)),
            ("Call id collisions (not stored)", "call", self.collisions),
            ("Other entries skipped", "entry", self.not_calls),
        ):
            if rows:
                lines += ["", f"## {heading}", "", f"| {first} | reason |", "| --- | --- |"]
                lines += [f"| {c.replace('|', '/')} | {r.replace('|', '/')} |" for c, r in rows]
        return "\n".join(lines) + "\n"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def summarise(
    title: str, outcomes: Sequence[CallOutcome], seconds: float, not_calls: Sequence[tuple[str, str]] = ()
) -> RunSummary:
    """The summary of a run's outcomes (and of the entries given that were no call)."""
    processed = [o for o in outcomes if o.outcome is Outcome.PROCESSED]

    def mean(values: list[float]) -> float | None:
        values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
        return round(sum(values) / len(values), 3) if values else None

    averages = {"score": mean([o.score for o in processed])}
    averages |= {k: mean([o.metrics.get(k) for o in processed]) for k in KEY_METRICS}
    return RunSummary(
        title=title,
        processed=len(processed),
        failed=tuple((o.call_id, o.reason) for o in outcomes if o.outcome is Outcome.FAILED),
        skipped=sum(1 for o in outcomes if o.outcome is Outcome.SKIPPED),
        duplicates=tuple((o.call_id, o.stored_as) for o in outcomes if o.outcome is Outcome.DUPLICATE),
        collisions=tuple((o.call_id, o.reason) for o in outcomes if o.outcome is Outcome.COLLISION),
        not_calls=tuple(not_calls),
        audio_hours=round(sum(o.duration_s for o in processed) / 3600, 4),
        seconds=round(seconds, 2),
        averages=averages,
    )


# --------------------------------------------------------------------------- progress


class Progress:
    """A progress bar on stderr: calls done / total and audio hours per hour."""

    def __init__(self, total: int, title: str, enabled: bool = True, stream: Any = None) -> None:
        from tqdm import tqdm

        self._start = time.perf_counter()
        self._audio_s = 0.0
        self._bar = tqdm(total=total, desc=title, unit="call", file=stream or sys.stderr, disable=not enabled, dynamic_ncols=True)

    def update(self, outcome: CallOutcome) -> None:
        if outcome.outcome is Outcome.PROCESSED:
            self._audio_s += outcome.duration_s
        hours = (time.perf_counter() - self._start) / 3600
        rate = (self._audio_s / 3600) / hours if hours > 0 else 0.0
        self._bar.set_postfix_str(f"{rate:.1f} audio h/h, {outcome.call_id} {outcome.outcome.value}", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()
