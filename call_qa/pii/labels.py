"""The labelled personal-data set (``corpus/pii/*.jsonl``) and its scoring.

Each line is one call::

    {"call_id": "...", "language": "id", "caller_name": "Budi Santoso",
     "utterances": [{"start": 0.0, "end": 2.1, "speaker": "ch0", "role": "customer",
                     "text": "NIK saya {nik#a:tiga satu tujuh empat nol lima}"}, ...]}

Personal data is marked inline: ``{type:words}`` or ``{type#id:words}``; the same
``#id`` in two utterances is one identifier read across segments. Marks sit on word
boundaries (punctuation after the closing brace belongs to the last word). Word
times are spread evenly over each utterance, as in a text-only transcript.

Scoring is per entity: an entity is *found* when findings of its type cover every one
of its words (what redaction needs); a finding is *correct* when it overlaps an entity
of its type.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from call_qa.domain import PersonalDataFinding, PersonalDataType, Role, Utterance, Word

_OPEN = re.compile(r"^\{([a-z]+)(?:#(\w+))?:(.*)$")


@dataclass(frozen=True)
class Entity:
    type: PersonalDataType
    words: frozenset[tuple[int, int]]
    key: str


@dataclass(frozen=True)
class LabelledCall:
    call_id: str
    language: str
    caller_name: str | None
    utterances: tuple[Utterance, ...]
    entities: tuple[Entity, ...]


def parse_call(doc: dict) -> LabelledCall:
    """One labelled call from its JSON object (see the module doc)."""
    utterances = []
    marks: dict[str, tuple[PersonalDataType, set]] = {}
    auto = 0
    for ui, u in enumerate(doc["utterances"]):
        words_text: list[str] = []
        open_key: str | None = None
        for raw in u["text"].split():
            m = _OPEN.match(raw)
            if m:
                typ, ident, rest = m.groups()
                if ident is None:
                    auto += 1
                    ident = f"_{auto}"
                key = f"{typ}#{ident}"
                marks.setdefault(key, (PersonalDataType(typ), set()))
                open_key, raw = key, rest
            if open_key is None:
                words_text.append(raw)
                continue
            closing = "}" in raw
            word = raw.replace("}", "")
            marks[open_key][1].add((ui, len(words_text)))
            words_text.append(word)
            if closing:
                open_key = None
        if open_key is not None:
            raise ValueError(f"{doc['call_id']}: utterance {ui}: unclosed mark in {u['text']!r}")
        start, end = float(u["start"]), float(u["end"])
        step = (end - start) / max(1, len(words_text))
        words = tuple(Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), w) for k, w in enumerate(words_text))
        utterances.append(Utterance(start, end, u["speaker"], Role(u["role"]), " ".join(words_text), words))
    entities = tuple(Entity(t, frozenset(ws), k) for k, (t, ws) in marks.items())
    return LabelledCall(doc["call_id"], doc.get("language", "id"), doc.get("caller_name"), tuple(utterances), entities)


def load_labelled(paths: Iterable[Path]) -> list[LabelledCall]:
    calls = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    calls.append(parse_call(json.loads(line)))
                except (ValueError, KeyError) as exc:
                    raise ValueError(f"{path}:{n}: {exc}") from None
    return calls


_FILLERS = frozenset({"eh", "em", "ehm", "um", "uh", "er", "hmm"})


def _norm(word: str) -> str:
    return word.strip(".,;:!?").casefold()


@dataclass
class TypeScore:
    entities: int = 0
    found: int = 0
    redacted: int = 0  # covered by findings of any type
    findings: int = 0
    correct: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.found / self.entities if self.entities else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.findings if self.findings else None


def score_call(call: LabelledCall, findings: Sequence[PersonalDataFinding], scores: dict[PersonalDataType, TypeScore]) -> None:
    """Add one call's entity recall and finding precision to ``scores``."""
    covered: dict[PersonalDataType, set] = defaultdict(set)
    anything: set = set()
    for f in findings:
        covered[f.type].update(f.words)
        anything.update(f.words)
    for e in call.entities:
        s = scores.setdefault(e.type, TypeScore())
        s.entities += 1
        # a filler inside an identifier ("3512 em 2060") carries no data
        needed = {w for w in e.words if _norm(call.utterances[w[0]].words[w[1]].text) not in _FILLERS}
        if needed <= anything:
            s.redacted += 1
        if needed <= covered[e.type]:
            s.found += 1
        else:
            text = " ".join(call.utterances[ui].words[wi].text for ui, wi in sorted(e.words))
            s.misses.append(f"{call.call_id}: {text}")
    for f in findings:
        s = scores.setdefault(f.type, TypeScore())
        s.findings += 1
        if any(e.type == f.type and e.words & set(f.words) for e in call.entities):
            s.correct += 1
        else:
            text = " ".join(call.utterances[ui].words[wi].text for ui, wi in f.words)
            s.false_alarms.append(f"{call.call_id}: {text}")
