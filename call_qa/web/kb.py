"""Knowledge-base gaps: failed solution items grouped by the caller's topic.

A topic names what the caller's problem statement is about, in this order:

1. the longest **topic term** it contains (``configs/topics.yaml``: multi-word terms
   such as "restitusi PPN", "kode billing", "PBB", each with the ways callers say it);
2. else the **knowledge-base entry** whose match phrases it contains most (the
   configured ``rubric.knowledge_base``, else the shipped ``configs/knowledge/*.yaml``),
   named by the entry's ``topic`` ("Restitusi", "EFIN");
3. else the two-word phrase of content words shared by most statements of the period
   (at least two), else the single content word shared by most (stop words: the
   lexicons' ``name_stopwords``; numbers left out) — the old rule, now the last resort.

So "pengajuan restitusi PPN saya" reads "restitusi PPN", not "pengajuan", and
"kode billing-nya salah" reads "kode billing", not "kode".
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from call_qa.db.browse import SolutionFailure
from call_qa.text import tokens

log = logging.getLogger("call_qa")

NO_TOPIC = "(no problem statement)"
MIN_TOPIC_CHARS = 3


@dataclass(frozen=True)
class TopicTerm:
    """A named topic and the token sequences that select it."""

    name: str
    phrases: tuple[tuple[str, ...], ...]
    source: str  # "terms" (topics.yaml) or "kb" (a knowledge-base entry)


@dataclass(frozen=True)
class Topics:
    """The named topics of a site: terms first, then knowledge-base entries."""

    terms: tuple[TopicTerm, ...] = ()
    entries: tuple[TopicTerm, ...] = ()

    @functools.cached_property
    def by_first_word(self) -> dict[str, list[tuple[tuple[str, ...], str, bool]]]:
        """(phrase, name, is a term) by the phrase's first word: one pass over a
        statement's words finds every phrase in it (1,700 statements a page)."""
        index: dict[str, list[tuple[tuple[str, ...], str, bool]]] = {}
        for group, is_term in ((self.terms, True), (self.entries, False)):
            for topic in group:
                for phrase in topic.phrases:
                    index.setdefault(phrase[0], []).append((phrase, topic.name, is_term))
        return index


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


@functools.lru_cache(maxsize=4)
def load_topics(terms_file: str | None, kb_files: tuple[str, ...]) -> Topics:
    """The topic terms of ``terms_file`` and the entries of the knowledge bases
    ``kb_files``; a file that cannot be read is left out with a warning (the page
    then falls back to shared words)."""
    import yaml

    terms: list[TopicTerm] = []
    if terms_file:
        try:
            data = yaml.safe_load(Path(terms_file).read_text(encoding="utf-8")) or {}
            for t in data.get("topics", []):
                phrases = tuple(p for p in (tokens(str(s)) for s in t.get("terms", [])) if p)
                if t.get("name") and phrases:
                    terms.append(TopicTerm(str(t["name"]), phrases, "terms"))
        except (OSError, yaml.YAMLError, AttributeError, TypeError) as exc:
            log.warning("topic terms %s not read: %s", terms_file, exc)
    entries: list[TopicTerm] = []
    for path in kb_files:
        from call_qa.rubric.knowledge import load_knowledge_base

        try:
            kb = load_knowledge_base(path)
        except Exception as exc:  # a broken KB must not break the page
            log.warning("knowledge base %s not read for topics: %s", path, exc)
            continue
        for e in kb.entries:
            if e.topic and e.match:
                entries.append(TopicTerm(e.topic, tuple(p for p in e.match if p), "kb"))
    return Topics(tuple(terms), tuple(entries))


def named_topic(text: str, topics: Topics) -> str | None:
    """The topic term (longest first, then said first) or knowledge-base topic (most
    match phrases) of ``text``; None when neither names it."""
    words = tokens(text)
    best: tuple[int, int, str] | None = None  # (-length, position, name)
    counts: Counter[str] = Counter()  # knowledge-base topic → match phrases found
    seen: set[tuple[tuple[str, ...], str]] = set()
    index = topics.by_first_word
    for position, word in enumerate(words):
        for phrase, name, is_term in index.get(word, ()):
            if tuple(words[position:position + len(phrase)]) != phrase:
                continue
            if is_term:
                candidate = (-len(phrase), position, name)
                if best is None or candidate < best:
                    best = candidate
            elif (phrase, name) not in seen:  # each phrase counts once, as before
                seen.add((phrase, name))
                counts[name] += 1
    if best is not None:
        return best[2]
    if counts:
        return max(counts.items(), key=lambda kv: (kv[1], -list(counts).index(kv[0])))[0]
    return None


def content_words(text: str, stop: frozenset[str]) -> list[str]:
    """The words of ``text`` that can name a topic, in order, without repeats."""
    seen: list[str] = []
    for tok in tokens(text):
        if len(tok) < MIN_TOPIC_CHARS or tok in stop or tok.isdigit() or tok in seen:
            continue
        seen.append(tok)
    return seen


def content_pairs(text: str, stop: frozenset[str]) -> list[str]:
    """Two-word phrases of adjacent content words of ``text``, in order, without repeats."""
    words = tokens(text)
    pairs: list[str] = []
    for a, b in zip(words, words[1:]):
        if any(len(w) < MIN_TOPIC_CHARS or w in stop or w.isdigit() for w in (a, b)):
            continue
        pair = f"{a} {b}"
        if pair not in pairs:
            pairs.append(pair)
    return pairs


@dataclass(frozen=True)
class TopicGroup:
    topic: str
    calls: int
    failed_items: tuple[tuple[str, int], ...]  # item id, count; most first
    examples: tuple[SolutionFailure, ...]  # up to ``examples`` calls with a quote


def group_by_topic(
    failures: Sequence[SolutionFailure], stop: Iterable[str], examples: int = 3, topics: Topics = Topics()
) -> list[TopicGroup]:
    """Failures grouped by topic (see the module docstring), largest group first."""
    stop = frozenset(stop)
    named = [named_topic(f.problem, topics) for f in failures]
    rest = [i for i, n in enumerate(named) if n is None]
    words = {i: content_words(failures[i].problem, stop) for i in rest}
    pairs = {i: content_pairs(failures[i].problem, stop) for i in rest}
    word_freq: Counter[str] = Counter(w for ws in words.values() for w in ws)
    pair_freq: Counter[str] = Counter(p for ps in pairs.values() for p in ps)
    groups: dict[str, list[SolutionFailure]] = {}
    for i, failure in enumerate(failures):
        topic = named[i]
        if topic is None:
            shared = [p for p in pairs[i] if pair_freq[p] >= 2]
            ws = words[i]
            if shared:
                # The most shared phrase; ties go to the phrase said first.
                topic = max(shared, key=lambda p: (pair_freq[p], -pairs[i].index(p)))
            elif ws:
                topic = max(ws, key=lambda w: (word_freq[w], -ws.index(w)))
            else:
                topic = NO_TOPIC
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
