"""Calls whose transcript already exists (``call-qa score-transcript``): the input side.

The transcript JSON (docs/interfaces.md) has ``call_id``, ``language``, ``duration_s``
and ``utterances`` (``start``, ``end``, ``speaker``, ``role``, ``text``; ``words``
optional). There is no audio, so the timing evidence is what the transcript holds:

    utterances:  agent |=====|        |====|          |===|
                 cust.     |==|====|        ...12 s...     |==|
                           ^ overlap → interruption?   ^ gap ≥ hold_min_s → hold
                                                         (announced/thanked from the
                                                          hold phrases around it)

Speaker activity is taken to be exactly the utterance spans (``heard_from_transcript``),
and the one composition after listening (``call_qa.compose.conclude``) builds turns,
interruptions, holds, transfers (from the announcement phrase: no ringback can be
heard), dead air, the metrics and the scorecard the same way as for a recording.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any, Mapping, Sequence

from call_qa.domain import (
    Event,
    EventType,
    Heard,
    Layout,
    Role,
    RoleAssignment,
    SpeakerActivity,
    Span,
    TransferDetails,
    Utterance,
    Word,
    merge_spans,
)
from call_qa.errors import ConfigError

log = logging.getLogger("call_qa")


class TranscriptError(ConfigError, ValueError):
    """A transcript file is malformed; the message names the file, the utterance and the field."""


def _num(path: Path, where: str, field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TranscriptError(f"{path}: {where}, field '{field}': expected a number of seconds, got {value!r}")
    return float(value)


def parse_transcript(data: object, path: Path | str = "<transcript>") -> tuple[str, str, float, tuple[Utterance, ...]]:
    """(call_id, language, duration_s, utterances) from a transcript document.

    Raises TranscriptError naming the file, the utterance (by index) and the field for
    a missing key, a bad role, a non-numeric time or an end before its start.
    """
    path = Path(path)
    if not isinstance(data, dict):
        raise TranscriptError(f"{path}: transcript, field '(whole file)': expected a JSON object with call_id, "
                              "language, duration_s, utterances")
    for key in ("call_id", "language", "utterances"):
        if key not in data:
            raise TranscriptError(f"{path}: transcript, field '{key}': missing (docs/interfaces.md lists the format)")
    call_id, language = data["call_id"], data["language"]
    if not isinstance(call_id, str) or not call_id.strip():
        raise TranscriptError(f"{path}: transcript, field 'call_id': expected a non-empty string, got {call_id!r}")
    if language not in ("id", "en"):
        raise TranscriptError(f"{path}: transcript, field 'language': expected 'id' or 'en', got {language!r}")
    rows = data["utterances"]
    if not isinstance(rows, list) or not rows:
        raise TranscriptError(f"{path}: transcript, field 'utterances': expected a non-empty list")
    utts: list[Utterance] = []
    roles = {r.value for r in Role}
    for i, row in enumerate(rows):
        where = f"utterance #{i + 1}"
        if not isinstance(row, dict):
            raise TranscriptError(f"{path}: {where}, field '(whole entry)': expected an object")
        for key in ("start", "end", "speaker", "role", "text"):
            if key not in row:
                raise TranscriptError(f"{path}: {where}, field '{key}': missing")
        start, end = _num(path, where, "start", row["start"]), _num(path, where, "end", row["end"])
        if end < start:
            raise TranscriptError(f"{path}: {where}, field 'end': {end} is before start {start}")
        if row["role"] not in roles:
            raise TranscriptError(f"{path}: {where}, field 'role': expected one of {sorted(roles)}, got {row['role']!r}")
        if not isinstance(row["text"], str):
            raise TranscriptError(f"{path}: {where}, field 'text': expected a string")
        words = []
        for k, w in enumerate(row.get("words") or ()):
            if not isinstance(w, dict) or "text" not in w:
                raise TranscriptError(f"{path}: {where}, field 'words.{k}': expected an object with start, end, text")
            words.append(Word(_num(path, where, f"words.{k}.start", w.get("start")),
                              _num(path, where, f"words.{k}.end", w.get("end")), str(w["text"]),
                              float(w.get("probability", 1.0))))
        utts.append(Utterance(start, end, str(row["speaker"]), Role(row["role"]), row["text"], tuple(words)))
    utts.sort(key=lambda u: (u.start, u.end))
    first_role: dict[str, Role] = {}
    for u in utts:
        role = first_role.setdefault(u.speaker, u.role)
        if role != u.role:
            raise TranscriptError(f"{path}: speaker '{u.speaker}', field 'role': both '{role.value}' and "
                                  f"'{u.role.value}'; a speaker label keeps one role (use another label for "
                                  "another party)")
    duration = data.get("duration_s")
    duration_s = _num(path, "transcript", "duration_s", duration) if duration is not None else max(u.end for u in utts)
    return call_id, language, duration_s, tuple(utts)


def read_transcript(path: str | Path) -> tuple[str, str, float, tuple[Utterance, ...]]:
    """Read and validate a transcript JSON file (see :func:`parse_transcript`)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TranscriptError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    return parse_transcript(data, path)


def activity_from_utterances(utterances: Sequence[Utterance]) -> SpeakerActivity:
    """Speaker activity = the utterance spans of each speaker (a transcript has nothing finer)."""
    spans: dict[str, list[Span]] = {}
    for u in utterances:
        spans.setdefault(u.speaker, []).append(Span(u.start, u.end))
    return SpeakerActivity(Layout.STEREO, {k: merge_spans(v) for k, v in spans.items()}, "transcript")


def new_party_transfers(utterances: Sequence[Utterance], min_gap_s: float = 1.0) -> tuple[Event, ...]:
    """A transfer where a third party (role ``other``) first speaks after a silence.

        agent/cust.: |===|  |=announce=|
        other:                              |=hello=|
        transfer:                      |----|           (the silence before the new voice)

    A transcript has no ringback to hear, but the new voice after a gap is the transfer's
    signature; without this the gap would read as a hold.
    """
    first_other = next((u for u in utterances if u.role == Role.OTHER), None)
    if first_other is None:
        return ()
    before = [u.end for u in utterances if u.role != Role.OTHER and u.end <= first_other.start]
    if not before or first_other.start - max(before) < min_gap_s:
        return ()
    return (Event(EventType.TRANSFER, round(max(before), 3), round(first_other.start, 3), TransferDetails(),
                  source="transcript"),)


def heard_from_transcript(
    path: str | Path | None, *, document: Mapping[str, Any] | None = None
) -> tuple[str, Heard]:
    """(call_id, what the transcript tells) for the composition (``call_qa.compose``):
    the utterances with their given roles pinned, activity = the utterance spans, no
    line sounds, and a transfer where a third party first speaks after a silence.

    Reads ``path`` unless ``document`` (an already-read transcript) is given; content
    hash of the file (empty for a document). Raises TranscriptError.
    """
    from call_qa.files import file_hash

    if document is not None:
        call_id, language, duration_s, utterances = parse_transcript(document, path or "<transcript>")
    else:
        assert path is not None
        call_id, language, duration_s, utterances = read_transcript(path)
    roles: dict[str, Role] = {}
    for u in utterances:
        roles.setdefault(u.speaker, u.role)
    activity = activity_from_utterances(utterances)
    return call_id, Heard(
        source=str(path) if path is not None else "<transcript>",
        content_hash=file_hash(Path(path)) if path is not None and Path(path).is_file() else "",
        duration=duration_s,
        layout=None,
        original_channels=0,
        activity=activity,
        utterances=utterances,
        language=language,
        given=new_party_transfers(utterances),
        assignment=RoleAssignment(roles, {label: 1.0 for label in roles}, "transcript"),
        extra={"input": "transcript"},
    )
