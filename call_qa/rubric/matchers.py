"""Cue matchers: find where an utterance says something on a named cue list.

The foundation has one matcher, :class:`PhraseMatcher` (whole-word phrases on
normalised text). A semantic matcher (sentence encoder against the same lists used as
examples) will implement the same :class:`CueMatcher` protocol and be passed to
``score_phone_call(..., matchers=...)``; item logic asks the context for hits and never
knows which matcher produced them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

from call_qa.domain import Utterance
from call_qa.rubric.config import CueLexicon
from call_qa.text import find_phrase, tokens


@dataclass(frozen=True)
class CueHit:
    """One place where an utterance matched a cue list."""

    cue: str  # the cue-list name ("greetings")
    phrase: str  # the phrase matched, or for a semantic matcher the nearest example
    position: int  # token index in the normalised utterance where it starts (order within a turn)
    score: float  # 1.0 for an exact phrase; similarity for a semantic matcher
    matcher: str  # which matcher found it ("phrase", later "semantic")

    def describe(self) -> str:
        """How the hit reads in an evidence reason."""
        how = "" if self.matcher == "phrase" else f" ({self.matcher} {self.score:.2f})"
        return f"'{self.phrase}'{how}"


@runtime_checkable
class CueMatcher(Protocol):
    """Anything that can say where an utterance matches a cue list."""

    name: str

    def find(self, utterance: Utterance, cue: str) -> tuple[CueHit, ...]:
        """Hits of cue list ``cue`` in ``utterance``, in order of position; () when none."""
        ...


class PhraseMatcher:
    """Exact whole-word phrase matching on normalised text (lowercase, no punctuation)."""

    name = "phrase"

    def __init__(self, lexicon: CueLexicon) -> None:
        self._lexicon = lexicon

    def find(self, utterance: Utterance, cue: str) -> tuple[CueHit, ...]:
        """Every phrase of list ``cue`` found in ``utterance`` (first occurrence each)."""
        toks = tokens(utterance.text)
        hits = []
        for phrase in self._lexicon.phrases(cue):
            pos = find_phrase(toks, phrase)
            if pos >= 0:
                hits.append(CueHit(cue, " ".join(phrase), pos, 1.0, self.name))
        # Longer phrases first at the same position: "terima kasih telah menghubungi"
        # explains a verdict better than "terima kasih".
        hits.sort(key=lambda h: (h.position, -len(h.phrase)))
        return tuple(hits)


def default_matchers(lexicon: CueLexicon) -> Sequence[CueMatcher]:
    """The matchers used when the caller passes none: phrases only."""
    return (PhraseMatcher(lexicon),)
