"""Helpers of the personal-data tests (a module with a name no other test folder uses)."""

from __future__ import annotations

from call_qa.domain import Role, Utterance, Word


def utt(start: float, end: float, role: Role, text: str, speaker: str | None = None) -> Utterance:
    """An utterance whose words are spread evenly over [start, end)."""
    parts = text.split()
    step = (end - start) / len(parts)
    words = tuple(Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), p, 0.9) for k, p in enumerate(parts))
    return Utterance(start, end, speaker or ("ch1" if role is Role.AGENT else "ch0"), role, text, words)
