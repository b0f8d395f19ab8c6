"""Configurable procedures for ``procedure_compliance``: required steps with cues and order.

A procedures file (``configs/rubrics/procedures.yaml``; format in docs/rubric-engine.md)
lists procedures such as "forgotten EFIN: verify identity → check the registered
e-mail → send the EFIN"; ABCD's agent guidelines (``../shared/data/abcd_procedures``)
are the model — ordered required actions per flow::

    version: "1"
    procedures:
      - id: efin_reset
        name: Permintaan EFIN yang terlupa
        language: id
        applies_when: [lupa efin, efin hilang]        # caller phrases; any one selects it
        ordered: true
        steps:
          - id: verify_identity
            name: Verifikasi identitas
            cues: [npwp, nik, tanggal lahir]          # agent phrases that show the step
          - id: send_efin
            name: EFIN dikirim ke email terdaftar
            cues: [kirim ke email, dikirimkan ke email]
            required: true

A step is done at the first agent utterance (after the caller's first words) with one
of its cues. Steps out of the configured order count as an order violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from call_qa.rubric.config import RubricConfigError, phrase_tokens, validate_entries


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _StepModel(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    cues: list[str] = Field(min_length=1)
    required: bool = True


class _ProcedureModel(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    language: str = Field(min_length=2)
    channel: str = Field(default="any", pattern="^(phone|email|any)$")
    applies_when: list[str] = Field(min_length=1)
    ordered: bool = True
    steps: list[_StepModel] = Field(min_length=1)


class _ProceduresModel(_Strict):
    version: str
    description: str = ""
    procedures: list[_ProcedureModel] = Field(default_factory=list)


@dataclass(frozen=True)
class Step:
    id: str
    name: str
    cues: tuple[tuple[str, ...], ...]
    required: bool = True


@dataclass(frozen=True)
class Procedure:
    id: str
    name: str
    language: str
    channel: str
    applies_when: tuple[tuple[str, ...], ...]
    ordered: bool
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class ProcedureSet:
    version: str
    procedures: tuple[Procedure, ...]
    source: str = ""

    def for_call(self, language: str, channel: str) -> tuple[Procedure, ...]:
        return tuple(p for p in self.procedures if p.language == language and p.channel in (channel, "any"))



def load_procedures(path: str | Path) -> ProcedureSet:
    """Read and validate a procedures YAML; errors name the file, the procedure and the field."""
    path = Path(path)
    model = validate_entries(_ProceduresModel, path, "procedures", "procedure", "procedures")
    procs = []
    for p in model.procedures:
        ids = [s.id for s in p.steps]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup:
            raise RubricConfigError(f"{path}: procedure '{p.id}', field 'steps.id': duplicate step id '{dup}'")
        procs.append(Procedure(p.id, p.name, p.language, p.channel, phrase_tokens(p.applies_when), p.ordered,
                               tuple(Step(s.id, s.name, phrase_tokens(s.cues), s.required) for s in p.steps)))
    return ProcedureSet(model.version, tuple(procs), str(path))
