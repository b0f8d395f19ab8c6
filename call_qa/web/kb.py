"""Knowledge-base gaps: failed solution items grouped by the caller's topic.

A topic is one content word of the caller's problem statement: of the statement's
words that are not stop words (the lexicons' ``name_stopwords``: greetings, fillers,
function words) nor numbers, the one that occurs in the most problem statements of
the period. Statements about the same subject ("lapor SPT", "SPT tahunan saya")
so gather under their common word ("spt"), without a topic list to maintain.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from call_qa.db.browse import SolutionFailure
from call_qa.text import tokens

NO_TOPIC = "(no problem statement)"
MIN_TOPIC_CHARS = 3


@functools.lru_cache(maxsize=4)
def stopwords(cues_dir: str) -> frozenset[str]:
    """Stop words from every cue lexicon in ``cues_dir`` (``name_stopwords`` lists)."""
    from call_qa.rubric import load_cues

    words: set[str] = set()
    for path in sorted(Path(cues_dir).glob("*.yaml")):
        if path.stem == "roles":
            continue
        try:
            lexicon = load_cues(path)
        except Exception:  # a lexicon another stage rejects must not break this page
            continue
        words |= lexicon.words("name_stopwords")
    return frozenset(words)


def content_words(text: str, stop: frozenset[str]) -> list[str]:
    """The words of ``text`` that can name a topic, in order, without repeats."""
    seen: list[str] = []
    for tok in tokens(text):
        if len(tok) < MIN_TOPIC_CHARS or tok in stop or tok.isdigit() or tok in seen:
            continue
        seen.append(tok)
    return seen


@dataclass(frozen=True)
class TopicGroup:
    topic: str
    calls: int
    failed_items: tuple[tuple[str, int], ...]  # item id, count; most first
    examples: tuple[SolutionFailure, ...]  # up to ``examples`` calls with a quote


def group_by_topic(
    failures: Sequence[SolutionFailure], stop: Iterable[str], examples: int = 3
) -> list[TopicGroup]:
    """Failures grouped by topic, largest group first."""
    stop = frozenset(stop)
    words = [content_words(f.problem, stop) for f in failures]
    frequency: Counter[str] = Counter(w for ws in words for w in ws)
    groups: dict[str, list[SolutionFailure]] = {}
    for failure, ws in zip(failures, words):
        # The most shared word; ties go to the word said first.
        topic = max(ws, key=lambda w: (frequency[w], -ws.index(w))) if ws else NO_TOPIC
        groups.setdefault(topic, []).append(failure)
    out = []
    for topic, members in groups.items():
        items = Counter(i for m in members for i in m.failed_items)
        out.append(
            TopicGroup(
                topic=topic,
                calls=len(members),
                failed_items=tuple(sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))),
                examples=tuple([m for m in members if m.problem][:examples] or members[:examples]),
            )
        )
    out.sort(key=lambda g: (g.topic == NO_TOPIC, -g.calls, g.topic))
    return out
