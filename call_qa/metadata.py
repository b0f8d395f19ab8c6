"""Call metadata from the telephony system: holds and transfers it knows from switch states.

A sidecar file beside the recording, ``<name>.events.json`` or ``<name>.events.csv``:

    {"events": [{"type": "hold", "start": 60.1, "end": 95.3},
                {"type": "transfer", "start": 150.0, "end": 158.5, "target": "bagian keberatan"}]}

    type,start,end,target
    hold,60.1,95.3,
    transfer,150.0,158.5,bagian keberatan

Where a sidecar lists events of a type, they replace what was detected from the audio
for that type, and each such event says ``"source": "metadata"``.
"""

from __future__ import annotations

import csv
import errno
import json
from pathlib import Path
from typing import Any, Iterable, Mapping

from call_qa.domain import Event, EventType, HoldDetails, TransferDetails
from call_qa.errors import CallQAError

METADATA_TYPES = (EventType.HOLD, EventType.TRANSFER)


class MetadataError(CallQAError):
    """A metadata sidecar exists but cannot be used."""


def sidecar_for(recording: Path) -> Path | None:
    """The metadata file beside a recording, if there is one. A recording whose name
    is too long for a sidecar name (``<stem>.events.json`` over the file system's 255
    bytes) cannot have one."""
    stem = recording.name.split(".")[0]
    for suffix in (".events.json", ".events.csv"):
        try:
            candidate = recording.with_name(stem + suffix)
            if candidate.exists():
                return candidate
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG:
                raise MetadataError(f"{recording}: its metadata file cannot be looked up ({exc.strerror or exc})") from None
    return None


def _event(row: Mapping[str, Any], where: str) -> Event:
    try:
        type_ = EventType(str(row["type"]).strip())
        start, end = float(row["start"]), float(row["end"])
    except (KeyError, ValueError) as exc:
        raise MetadataError(f"{where}: needs type (hold or transfer), start and end in seconds ({exc})") from None
    if type_ not in METADATA_TYPES:
        raise MetadataError(f"{where}: type '{type_.value}' is not taken from metadata; use hold or transfer")
    if not 0 <= start < end:
        raise MetadataError(f"{where}: start {start} and end {end} must satisfy 0 <= start < end")
    details = TransferDetails(target=row.get("target") or None) if type_ is EventType.TRANSFER else HoldDetails()
    return Event(type_, round(start, 3), round(end, 3), details, source="metadata")


def read_call_metadata(recording: Path) -> tuple[Event, ...]:
    """Holds and transfers from the recording's sidecar; () when it has none."""
    path = sidecar_for(recording)
    if path is None:
        return ()
    try:
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = data.get("events") if isinstance(data, dict) else None
            if not isinstance(rows, list):
                raise MetadataError(f"{path}: expected {{\"events\": [...]}}")
        else:
            with path.open(newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
    except (OSError, json.JSONDecodeError, csv.Error) as exc:
        raise MetadataError(f"{path}: cannot be read ({exc}); fix or remove the metadata file") from None
    return events_from_rows(rows, str(path))


def events_from_rows(rows: Iterable[Mapping[str, Any]], where: str) -> tuple[Event, ...]:
    """Holds and transfers from rows of {type, start, end[, target]} (a sidecar's, or a
    manifest entry's ``events``), sorted by start. A bad row raises
    :class:`MetadataError` naming ``<where> event <n>``."""
    return tuple(sorted((_event(row, f"{where} event {i + 1}") for i, row in enumerate(rows)), key=lambda e: e.start))
