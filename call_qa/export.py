"""CallResult → the per-call JSON document of docs/interfaces.md (keys kept exact)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from call_qa.domain import CallResult, Event, ItemResult, Scorecard, Utterance


def _event(e: Event) -> dict[str, Any]:
    return e.to_dict()


def _utterance(u: Utterance) -> dict[str, Any]:
    return {
        "start": u.start,
        "end": u.end,
        "speaker": u.speaker,
        "role": u.role.value,
        "text": u.text,
        "words": [{"start": w.start, "end": w.end, "text": w.text, "probability": w.probability} for w in u.words],
    }


def _item(it: ItemResult) -> dict[str, Any]:
    return {
        "id": it.id,
        "section": it.section,
        "verdict": it.verdict.value,
        "points": it.points,
        "max_points": it.max_points,
        "confidence": it.confidence,
        "critical": it.critical,
        "reason": it.reason,
        "evidence": [
            {"start": ev.start, "end": ev.end, "speaker": ev.speaker, "role": ev.role.value, "quote": ev.quote, "reason": ev.reason}
            for ev in it.evidence
        ],
    }


def _scorecard(card: Scorecard) -> dict[str, Any]:
    return {
        "rubric_id": card.rubric_id,
        "rubric_version": card.rubric_version,
        "score": card.score,
        "needs_review": card.needs_review,
        "sections": [{"id": s.id, "score": s.score, "weight": s.weight} for s in card.sections],
        "items": [_item(it) for it in card.items],
    }


def _personal_data(result: CallResult) -> dict[str, Any]:
    """Where personal data was found and what the agent exposed; never the values
    themselves (docs/personal-data.md)."""
    return {
        "findings": [
            {"type": f.type.value, "start": f.start, "end": f.end, "speaker": f.speaker, "role": f.role.value,
             "confidence": f.confidence, "form": f.form,
             # utterance indices; the word indices refer to the unredacted transcript
             "utterances": sorted({ui for ui, _ in f.words}), "word_count": len(f.words)}
            for f in result.personal_data
        ],
        "flags": [
            {"kind": g.kind, "type": g.type.value, "start": g.start, "end": g.end, "speaker": g.speaker,
             "role": g.role.value, "confidence": g.confidence, "critical": g.critical, "detail": g.detail}
            for g in result.privacy_flags
        ],
    }


def to_document(result: CallResult) -> dict[str, Any]:
    """The per-call JSON as a dict (times in seconds from the start of the recording)."""
    return {
        "call_id": result.call_id,
        "source": result.source,
        "content_hash": result.content_hash,
        "duration_s": result.duration_s,
        "channels": result.channels,
        "layout": result.layout.value if result.layout else None,
        "language": result.language,
        "settings": dict(result.settings),
        "speakers": [
            {"label": s.label, "role": s.role.value, "role_confidence": s.role_confidence, "talk_s": s.talk_s}
            for s in result.speakers
        ],
        "turns": [
            {"start": t.start, "end": t.end, "speaker": t.speaker, "role": t.role.value, "backchannel": t.backchannel}
            for t in result.turns
        ],
        "utterances": [_utterance(u) for u in result.utterances],
        "events": [_event(e) for e in result.events],
        "metrics": dict(result.metrics),
        "scorecard": _scorecard(result.scorecard) if result.scorecard else None,
        "personal_data": _personal_data(result),
        "status": result.status.value,
        "errors": list(result.errors),
    }


def write_document(result: CallResult, out_dir: Path) -> Path:
    """Write ``<call_id>.json`` into ``out_dir`` (atomically: no half-written files),
    readable by its owner only (a call's transcript: docs/personal-data.md)."""
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = out_dir / f"{result.call_id}.json"
    tmp = target.with_suffix(".json.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(to_document(result), ensure_ascii=False, indent=2))
    os.chmod(tmp, 0o600)  # an earlier .tmp left by a kill keeps its mode through O_TRUNC
    tmp.replace(target)
    return target
