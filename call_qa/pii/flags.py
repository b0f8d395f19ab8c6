"""Flags for personal data the agent exposes, and the hook that makes them critical.

- ``readback``: the agent says a *full* identifier (NIK, NPWP, card, account — the
  types in ``readback_types``) that the caller gave. Confirming "the last four digits"
  is fine; the whole number spoken back is exposure.
- ``other_person``: the agent says a full identifier of a type the caller gave, but a
  different one (more than 2 digit edits away, rapidfuzz's Levenshtein distance) —
  likely another person's data. The caller's own reading may have been misheard,
  hence a lower confidence.
- ``disclosure``: the agent says a full identifier of a type the caller never said
  (read out from the system: the caller's own record, or someone else's).

A flag kind listed in ``critical_kinds`` makes its flags ``critical``; the flags are an
input of the rubric's judges (``call_qa.rubric.exposure``), which fail the configured
item as critical — and the rubric's rule "a failed critical item sets the total to 0"
does the zeroing.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from rapidfuzz.distance import Levenshtein

from call_qa.domain import PersonalDataFinding, PersonalDataType as T, PrivacyFlag, Role

_FULL_LENGTH = {T.NIK: (15, 17), T.NPWP: (14, 17), T.CARD: (12, 19), T.ACCOUNT: (8, 18), T.PHONE: (10, 14)}


def _digits(v: str | None) -> str:
    return "".join(ch for ch in (v or "") if ch.isdigit())


def disclosure_flags(
    findings: Sequence[PersonalDataFinding],
    readback_types: Iterable[T] = (T.NIK, T.NPWP, T.CARD, T.ACCOUNT),
    critical_kinds: Iterable[str] = (),
) -> tuple[PrivacyFlag, ...]:
    """Flags for every full identifier of ``readback_types`` the agent said."""
    kinds = set(critical_kinds)
    wanted = set(readback_types)
    caller = [f for f in findings if f.role != Role.AGENT]
    flags = []
    for f in findings:
        if f.role != Role.AGENT or f.type not in wanted or f.confidence < 0.7:
            continue
        d = _digits(f.value)
        lo, hi = _FULL_LENGTH.get(f.type, (8, 19))
        if not lo <= len(d) <= hi:
            continue
        said = [c for c in caller if c.type == f.type and c.start <= f.start]
        name = f.type.value.upper()
        if any(Levenshtein.distance(d, _digits(c.value)) <= 2 for c in said):
            kind, conf, detail = "readback", 0.9, f"agent read the caller's full {name} back ({len(d)} digits)"
        elif said:
            kind, conf, detail = "other_person", 0.7, (
                f"agent said a full {name} ({len(d)} digits) other than the one the caller gave")
        else:
            kind, conf, detail = "disclosure", 0.6, (
                f"agent said a full {name} ({len(d)} digits) the caller had not said in this call")
        flags.append(PrivacyFlag(kind, f.type, f.start, f.end, f.speaker, f.role, conf, detail, kind in kinds))
    return tuple(flags)
