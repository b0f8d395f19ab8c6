"""Redaction of a call's transcript and evidence, and identifier normalisation.

A finding's words are replaced, per utterance, by one word holding the placeholder
(``[NIK]``, ``[PHONE]`` …) that spans the first to the last redacted word, so word
timings stay where they were::

    words:    |tiga| |satu| |tujuh| |empat|,  |ya|
    redacted: |[NIK]......................|,  |ya|

Trailing punctuation of the last word is kept ("…empat." → "[NIK]."). Utterance text
is rebuilt from the words (Whisper's text is the words joined by spaces); an utterance
without words (a text-only transcript) has its text rebuilt the same way and keeps no
words.

``normalise_identifiers`` uses the same machinery to write spoken or split digit runs
as one digit string ("nol delapan satu dua …" → "0812…", one word spanning the run).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Iterable, Mapping, Sequence

from call_qa.domain import (
    Evidence,
    ItemResult,
    PersonalDataFinding,
    PersonalDataType,
    Scorecard,
    Transcript,
    Utterance,
    Word,
)
from call_qa.pii.detect import utterance_words
from call_qa.pii.numbers import NumTok, digit_runs, tokenize_word

_TRAILING = re.compile(r"[.,;:!?]+$")


def _collapse(words: Sequence[Word], replace: Mapping[int, str]) -> tuple[list[Word], list[tuple[str, str]]]:
    """Words with each run of consecutive indices in ``replace`` (same label) merged into
    one word carrying the label. Also returns (original text, replacement) pairs."""
    out: list[Word] = []
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        label = replace.get(i)
        if label is None:
            out.append(words[i])
            i += 1
            continue
        j = i
        while j + 1 < len(words) and replace.get(j + 1) == label:
            j += 1
        trail = _TRAILING.search(words[j].text.strip())
        text = label + (trail.group(0) if trail else "")
        out.append(Word(words[i].start, words[j].end, text, min(w.probability for w in words[i : j + 1])))
        pairs.append((" ".join(w.text for w in words[i : j + 1]), text))
        i = j + 1
    return out, pairs


def _rebuild(u: Utterance, words: Sequence[Word], replace: Mapping[int, str]) -> tuple[Utterance, list[tuple[str, str]]]:
    new_words, pairs = _collapse(words, replace)
    text = " ".join(w.text for w in new_words)
    return dataclasses.replace(u, text=text, words=tuple(new_words) if u.words else ()), pairs


def redact_utterances(
    utterances: Sequence[Utterance],
    findings: Iterable[PersonalDataFinding],
    types: Iterable[PersonalDataType] | None = None,
) -> tuple[tuple[Utterance, ...], list[tuple[str, str]]]:
    """``utterances`` with the words of every finding (of ``types``; default all)
    replaced by its placeholder. Also returns the (original text, replacement) pairs,
    longest first, for redacting quotes taken from these utterances."""
    wanted = set(types) if types is not None else set(PersonalDataType)
    per_utt: dict[int, dict[int, str]] = {}
    for f in findings:
        if f.type not in wanted:
            continue
        for ui, wi in f.words:
            per_utt.setdefault(ui, {})[wi] = f.type.placeholder
    out: list[Utterance] = []
    pairs: list[tuple[str, str]] = []
    for ui, u in enumerate(utterances):
        if ui not in per_utt:
            out.append(u)
            continue
        new, p = _rebuild(u, utterance_words(u), per_utt[ui])
        out.append(new)
        pairs += p
    pairs.sort(key=lambda p: -len(p[0]))
    return tuple(out), pairs


def redact_text(text: str, pairs: Sequence[tuple[str, str]]) -> str:
    """``text`` (an evidence quote or reason) with every original piece replaced.

    A quote may be cut short, so a piece whose first or last words end or begin the
    quote is replaced too ("… tiga satu" at the end of a quote of "tiga satu tujuh")."""
    for original, replacement in pairs:
        if not original:
            continue
        core = _TRAILING.sub("", original)
        if core and core in text:
            text = text.replace(core, _TRAILING.sub("", replacement))
            continue
        words = core.split()
        for k in range(len(words) - 1, 1, -1):
            head, tail = " ".join(words[:k]), " ".join(words[-k:])
            stripped = text.rstrip(" .…,")
            if stripped.endswith(head):
                text = stripped[: -len(head)] + _TRAILING.sub("", replacement) + text[len(stripped):]
                break
            if text.lstrip(" .…").startswith(tail):
                lead = len(text) - len(text.lstrip(" .…"))
                text = text[:lead] + _TRAILING.sub("", replacement) + text[lead + len(tail):]
                break
    return text


def redact_values(text: str, findings: Iterable[PersonalDataFinding], types: Iterable[PersonalDataType]) -> str:
    """Last line of defence for free text (reasons, quotes): any finding value of
    ``types`` still written in ``text`` — names, digits with or without separators —
    is replaced by its placeholder."""
    wanted = set(types)
    for f in findings:
        if f.type not in wanted or not f.value:
            continue
        if f.type is PersonalDataType.NAME:
            for part in f.value.split():
                if len(part) >= 2:
                    text = re.sub(rf"\b{re.escape(part)}\b", f.type.placeholder, text, flags=re.IGNORECASE)
            continue
        digits = re.sub(r"\D", "", f.value)
        if len(digits) >= 6:
            pattern = r"[\s.\-/]?".join(re.escape(c) for c in digits)
            text = re.sub(pattern, f.type.placeholder, text)
        elif f.value in text:
            text = text.replace(f.value, f.type.placeholder)
    return text


def redact_scorecard(
    card: Scorecard | None,
    pairs: Sequence[tuple[str, str]],
    findings: Sequence[PersonalDataFinding],
    types: Iterable[PersonalDataType],
) -> Scorecard | None:
    """The scorecard with evidence quotes and reasons redacted; verdicts and points
    untouched (scoring ran on the full transcript)."""
    if card is None:
        return None
    types = tuple(types)

    def clean(text: str) -> str:
        return redact_values(redact_text(text, pairs), findings, types)

    def item(it: ItemResult) -> ItemResult:
        evidence = tuple(
            dataclasses.replace(ev, quote=clean(ev.quote), reason=clean(ev.reason)) for ev in it.evidence
        )
        return dataclasses.replace(it, evidence=evidence, reason=clean(it.reason))

    return dataclasses.replace(card, items=tuple(item(it) for it in card.items))


def redact_evidence(ev: Evidence, pairs: Sequence[tuple[str, str]]) -> Evidence:
    return dataclasses.replace(ev, quote=redact_text(ev.quote, pairs), reason=redact_text(ev.reason, pairs))


# --------------------------------------------------------------------------- normalisation


def normalise_identifiers(utterances: Sequence[Utterance], min_digits: int = 6) -> tuple[Utterance, ...]:
    """Utterances with every run of at least ``min_digits`` digits — spoken, split into
    groups or formatted — written as one word of digits that spans the run's words
    ("nol delapan satu dua tiga empat" → "081234", start of "nol", end of "empat").
    A run's leading "+" is kept; dates and amounts shorter than ``min_digits`` stay."""
    out = []
    for u in utterances:
        words = utterance_words(u)
        toks: list[NumTok] = []
        for wi, w in enumerate(words):
            toks += tokenize_word(w.text, (0, wi))
        replace: dict[int, str] = {}
        labels: dict[str, str] = {}
        for run in digit_runs(toks):
            if len(run.digits) < min_digits or (not run.spoken and run.pieces == 1 and not run.formatted):
                continue
            first, last = toks[run.start].ref[1], toks[run.end - 1].ref[1]
            # whole words only: a run that shares a word with other text stays as it is
            if any(t.ref[1] in range(first, last + 1) for t in toks[: run.start] + toks[run.end :]):
                continue
            label = ("+" if run.plus else "") + run.digits
            key = f"\x00{len(labels)}"
            labels[key] = label
            for wi in range(first, last + 1):
                replace[wi] = key
        if not replace:
            out.append(u)
            continue
        new_words, _ = _collapse(words, replace)
        new_words = [dataclasses.replace(w, text=_unkey(w.text, labels)) for w in new_words]
        out.append(dataclasses.replace(u, text=" ".join(w.text for w in new_words), words=tuple(new_words) if u.words else ()))
    return tuple(out)


def normalise_transcript(transcript: Transcript, min_digits: int = 6, enabled: bool = True) -> Transcript:
    """``transcript`` with its identifier digit runs normalised (see
    :func:`normalise_identifiers`); unchanged when not ``enabled``."""
    if not enabled:
        return transcript
    return dataclasses.replace(transcript, utterances=normalise_identifiers(transcript.utterances, min_digits))


def _unkey(text: str, labels: Mapping[str, str]) -> str:
    for key, label in labels.items():
        if text.startswith(key):
            return label + text[len(key):]
    return text
