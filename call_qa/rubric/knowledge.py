"""Knowledge base of approved answers: ``solution_accuracy`` and ``solution_completeness``.

A knowledge base is a YAML file (format in docs/rubric-engine.md, example in
``configs/knowledge/kring_pajak.yaml``)::

    id: kring_pajak_faq
    version: "1"
    entries:
      - id: lupa_efin
        language: id
        topic: EFIN
        question: Saya lupa EFIN, bagaimana cara mendapatkannya kembali?
        match: [lupa efin, efin hilang, efin saya]      # caller phrases that select the entry
        answer: EFIN dapat diminta kembali melalui …
        key_points:
          - point: verifikasi identitas wajib pajak
            cues: [npwp, nik, tanggal lahir]
        incorrect: [datang ke kantor pajak wajib]        # statements contradicting the approved answer

Matching: the entry whose ``match`` phrases occur most often in the caller's speech
(at least ``min_match`` of them) is the caller's question; with a sentence encoder for
the call's language, the caller's problem statement may also select the entry whose
``question`` is most similar (cosine ≥ ``question_threshold``). Judging against the
matched entry:

* completeness — share of key points whose cues occur in the agent's speech after the
  problem statement: all → pass, at least ``partial_share`` → partial, less → fail;
* accuracy — an ``incorrect`` statement in the agent's speech → fail; else at least one
  key point said → pass; else needs_review (the answer differs from the approved one,
  which a person must read).

No knowledge base, or no entry matched → needs_review with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pydantic import BaseModel, ConfigDict, Field

from call_qa.rubric.config import RubricConfigError, phrase_tokens, validate_entries
from call_qa.text import count_phrase


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _PointModel(_Strict):
    point: str = Field(min_length=1)
    cues: list[str] = Field(min_length=1)


class _EntryModel(_Strict):
    id: str = Field(min_length=1)
    language: str = Field(min_length=2)
    topic: str = ""
    question: str = Field(min_length=1)
    match: list[str] = Field(min_length=1)
    answer: str = Field(min_length=1)
    key_points: list[_PointModel] = Field(min_length=1)
    incorrect: list[str] = Field(default_factory=list)


class _KbModel(_Strict):
    id: str = Field(min_length=1)
    version: str
    description: str = ""
    min_match: int = Field(default=2, ge=1)
    partial_share: float = Field(default=0.5, gt=0, le=1)
    question_threshold: float = Field(default=0.6, gt=0, le=1)
    entries: list[_EntryModel] = Field(min_length=1)


@dataclass(frozen=True)
class KeyPoint:
    point: str
    cues: tuple[tuple[str, ...], ...]  # normalised token tuples


@dataclass(frozen=True)
class KnowledgeEntry:
    id: str
    language: str
    topic: str
    question: str
    match: tuple[tuple[str, ...], ...]
    answer: str
    key_points: tuple[KeyPoint, ...]
    incorrect: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class KnowledgeBase:
    id: str
    version: str
    entries: tuple[KnowledgeEntry, ...]
    min_match: int = 2
    partial_share: float = 0.5
    question_threshold: float = 0.6
    source: str = ""

    def for_language(self, language: str) -> tuple[KnowledgeEntry, ...]:
        return tuple(e for e in self.entries if e.language == language)



def load_knowledge_base(path: str | Path) -> KnowledgeBase:
    """Read and validate a knowledge-base YAML; errors name the file, the entry and the field."""
    path = Path(path)
    model = validate_entries(_KbModel, path, "entries", "entry", "knowledge base")
    seen: set[str] = set()
    entries = []
    for e in model.entries:
        if e.id in seen:
            raise RubricConfigError(f"{path}: entry '{e.id}', field 'id': duplicate entry id")
        seen.add(e.id)
        entries.append(KnowledgeEntry(
            e.id, e.language, e.topic, e.question, phrase_tokens(e.match), e.answer,
            tuple(KeyPoint(p.point, phrase_tokens(p.cues)) for p in e.key_points), phrase_tokens(e.incorrect),
        ))
    return KnowledgeBase(model.id, model.version, tuple(entries), model.min_match, model.partial_share,
                         model.question_threshold, str(path))


@dataclass(frozen=True)
class EntryMatch:
    entry: KnowledgeEntry
    how: str  # "3 match phrases: 'lupa efin', …" or "question similarity 0.71"
    score: float


def match_entry(kb: KnowledgeBase, language: str, caller_tokens: Sequence[str],
                problem_text: str | None = None, encoder: object | None = None) -> EntryMatch | None:
    """The entry the caller asked about, or None (see the module docstring)."""
    best: EntryMatch | None = None
    for entry in kb.for_language(language):
        found = [" ".join(p) for p in entry.match if count_phrase(caller_tokens, p)]
        if len(found) >= kb.min_match and (best is None or len(found) > best.score):
            best = EntryMatch(entry, f"{len(found)} match phrase(s) in the caller's speech: "
                                     + ", ".join(f"'{f}'" for f in found[:4]), float(len(found)))
    if best is not None or encoder is None or not problem_text:
        return best
    entries = kb.for_language(language)
    if not entries:
        return None
    sims = encoder.similarity([problem_text], [e.question for e in entries])[0]  # type: ignore[attr-defined]
    k = int(sims.argmax())
    if float(sims[k]) >= kb.question_threshold:
        return EntryMatch(entries[k], f"question similarity {float(sims[k]):.2f} (threshold "
                                      f"{kb.question_threshold:g})", float(sims[k]))
    return None


def covered_points(entry: KnowledgeEntry, agent_tokens: Sequence[str]) -> list[tuple[KeyPoint, str | None]]:
    """Each key point with the cue that showed it was said (None when not said)."""
    out = []
    for kp in entry.key_points:
        cue = next((" ".join(c) for c in kp.cues if count_phrase(agent_tokens, c)), None)
        out.append((kp, cue))
    return out


def contradictions(entry: KnowledgeEntry, agent_tokens: Sequence[str]) -> list[str]:
    """The entry's ``incorrect`` statements that occur in the agent's speech."""
    return [" ".join(p) for p in entry.incorrect if count_phrase(agent_tokens, p)]
