"""Accuracy of the pipeline against ground truth (``call-qa eval``).

Per call and overall: word error rate (after a normaliser for case, punctuation,
fillers and numbers written as digits or words, Indonesian and English), diarization
error rate (pyannote.metrics; collar 0 and 0.25 s, overlap scored), role accuracy,
per event type precision/recall/F1 (events matched one-to-one by time overlap) with
the mean boundary error of matched events, and agreement of rubric verdicts with the
truth's ``expected`` verdicts.

Truth beside each recording ``<name>.<audio>``: ``<name>.truth.json`` (interfaces.md),
or only ``<name>.rttm`` (diarization) and/or ``<name>.stm`` / ``<name>.ref.txt`` (text).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import jiwer

from call_qa.domain import CallResult, CallStatus, Span
from call_qa.numbers import ReadOptions, read_numbers

FILLERS = frozenset("eh em ehm hmm hm uh um umm mm mhm ah oh_ anu erm".split())

# English ordinals read as their cardinal ("the fourth" = "the 4th"; "twenty-fourth" =
# "twenty four"), so the number reader sees one form.
_ORDINALS = {
    "first": "one", "second": "two", "third": "three", "fourth": "four", "fifth": "five", "sixth": "six",
    "seventh": "seven", "eighth": "eight", "ninth": "nine", "tenth": "ten", "eleventh": "eleven",
    "twelfth": "twelve", "thirteenth": "thirteen", "fourteenth": "fourteen", "fifteenth": "fifteen",
    "sixteenth": "sixteen", "seventeenth": "seventeen", "eighteenth": "eighteen", "nineteenth": "nineteen",
    "twentieth": "twenty", "thirtieth": "thirty",
}
# Both languages, no joiners (fillers are dropped before reading) and no ASR misspellings:
# reading "drapan" as 8 would hide a recognition error from the word error rate.
WER_NUMBERS = ReadOptions(language=None)


def normalise_words(text: str) -> list[str]:
    """Words for WER: lower case, no punctuation or fillers, every number as single digits.

    Numbers are read by :func:`call_qa.numbers.read_numbers`, the reader personal-data
    detection uses, the same way for reference and hypothesis:
    "My tax ID is 471, born nineteen eighty" → my tax id is 4 7 1 born 1 9 8 0;
    "one hundred and five" → 1 0 5; "sembilan belas delapan puluh lima" → 1 9 8 5.
    """
    text = text.lower().replace("-", " ")
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    text = re.sub(r"(?<=\d)[.,](?=\d)", "", text)  # 1.000.000 / 1,000 → digits only
    toks = [t.strip("'") for t in re.findall(r"[a-z']+|\d+", text)]
    toks = [_ORDINALS.get(t, t) for t in toks if t and t not in FILLERS]
    out: list[str] = []
    i = 0
    for span in read_numbers(toks, WER_NUMBERS):
        for number in span.pieces:
            out.extend(toks[i : number.start])
            out.extend(number.digits)
            i = number.end
    out.extend(toks[i:])
    return out


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Word-level edit distance (substitutions + deletions + insertions), by jiwer."""
    if not reference or not hypothesis:
        return max(len(reference), len(hypothesis))  # jiwer refuses an empty reference
    out = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
    return out.substitutions + out.deletions + out.insertions


@dataclass(frozen=True)
class EventScore:
    true_positives: int
    false_positives: int
    false_negatives: int
    boundary_errors: tuple[float, ...] = ()
    # (attribute, found == truth) for each matched pair, e.g. ("warm", True)
    attribute_checks: tuple[tuple[str, bool], ...] = ()

    @property
    def attribute_agreement(self) -> dict[str, float]:
        """Share of matched events whose attribute (hold kind, announced, thanked; transfer
        warm; interruption successful) equals the truth's."""
        out: dict[str, list[bool]] = {}
        for name, ok in self.attribute_checks:
            out.setdefault(name, []).append(ok)
        return {name: sum(v) / len(v) for name, v in sorted(out.items())}

    @property
    def precision(self) -> float | None:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else None

    @property
    def recall(self) -> float | None:
        real = self.true_positives + self.false_negatives
        return self.true_positives / real if real else None

    @property
    def f1(self) -> float | None:
        total = 2 * self.true_positives + self.false_positives + self.false_negatives
        return 2 * self.true_positives / total if total else None

    @property
    def boundary_error_s(self) -> float | None:
        return sum(self.boundary_errors) / len(self.boundary_errors) if self.boundary_errors else None

    def __add__(self, other: "EventScore") -> "EventScore":
        return EventScore(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
            self.boundary_errors + other.boundary_errors,
            self.attribute_checks + other.attribute_checks,
        )


EVENT_ATTRIBUTES = {"hold": ("kind", "announced", "thanked"), "transfer": ("warm",), "interruption": ("successful",)}


def event_key(event: Mapping[str, object]) -> str:
    """Events are scored per type; interruptions per interrupter (agent/customer)."""
    if event["type"] == "interruption":
        return f"interruption_by_{event.get('by')}"
    return str(event["type"])


def match_events(truth: Sequence[Mapping], found: Sequence[Mapping]) -> EventScore:
    """One-to-one matching of events of one kind by time overlap (largest first).

        truth: |----|        |------|
        found:   |---|              |--|    <- no overlap: a false positive
        → 1 TP (boundary error = mean |Δstart|, |Δend|), 1 FN, 1 FP
    """
    pairs = []
    for i, t in enumerate(truth):
        for j, f in enumerate(found):
            overlap = Span(t["start"], t["end"]).overlap(Span(f["start"], f["end"]))
            if overlap > 0:
                pairs.append((overlap, i, j))
    used_t, used_f, errors, checks = set(), set(), [], []
    for _, i, j in sorted(pairs, reverse=True):
        if i in used_t or j in used_f:
            continue
        used_t.add(i)
        used_f.add(j)
        errors.append((abs(truth[i]["start"] - found[j]["start"]) + abs(truth[i]["end"] - found[j]["end"])) / 2)
        for name in EVENT_ATTRIBUTES.get(str(truth[i]["type"]), ()):
            if name in truth[i]:
                checks.append((name, found[j].get(name) == truth[i][name]))
    return EventScore(len(used_t), len(found) - len(used_f), len(truth) - len(used_t), tuple(errors), tuple(checks))


def score_events(truth: Sequence[Mapping], found: Sequence[Mapping]) -> dict[str, EventScore]:
    keys = sorted({event_key(e) for e in (*truth, *found)})
    return {
        k: match_events([e for e in truth if event_key(e) == k], [e for e in found if event_key(e) == k]) for k in keys
    }


def role_accuracy(truth_turns: Sequence[Mapping], found_turns: Sequence[Mapping]) -> float | None:
    """Share of the truth's speech time where the found turns give the same role."""
    total = agree = 0.0
    for t in truth_turns:
        span = Span(t["start"], t["end"])
        total += span.duration
        agree += sum(span.overlap(Span(f["start"], f["end"])) for f in found_turns if f["role"] == t["role"])
    return min(agree / total, 1.0) if total else None


def _annotation(turns: Iterable[Mapping], uri: str):
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=uri)
    for i, t in enumerate(turns):
        ann[Segment(t["start"], t["end"]), i] = t["speaker"]
    return ann


def diarization_error(truth_turns: Sequence[Mapping], found_turns: Sequence[Mapping], collar: float, uri: str = "call") -> dict:
    """DER components (seconds) with pyannote.metrics; overlapping speech is scored."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    from pyannote.core import Segment, Timeline

    metric = DiarizationErrorRate(collar=collar, skip_overlap=False)
    reference, hypothesis = _annotation(truth_turns, uri), _annotation(found_turns, uri)
    # Scored over everything either side marked (the call's speech extent).
    extent = reference.get_timeline().union(hypothesis.get_timeline()).extent() if (reference or hypothesis) else Segment(0, 0)
    detail = metric(reference, hypothesis, uem=Timeline([extent], uri=uri), detailed=True)
    return {k: float(detail[k]) for k in ("diarization error rate", "total", "confusion", "missed detection", "false alarm")}


def read_rttm(path: Path) -> list[dict]:
    """Turns from an RTTM file (``SPEAKER uri 1 start dur <NA> <NA> label …``)."""
    turns = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            turns.append({"start": start, "end": start + dur, "speaker": parts[7]})
    return turns


def read_reference_text(audio: Path) -> str | None:
    """Reference words from ``<name>.stm`` (the text fields) or ``<name>.ref.txt``."""
    stm = audio.with_suffix(".stm")
    if stm.exists():
        texts = []
        for line in stm.read_text().splitlines():
            if line.strip() and not line.startswith(";;"):
                fields = line.split(maxsplit=5)
                if len(fields) == 6:
                    texts.append(re.sub(r"^<[^>]*>\s*", "", fields[5]))
        return " ".join(texts)
    ref = audio.with_name(audio.stem + ".ref.txt")
    return ref.read_text() if ref.exists() else None


@dataclass(frozen=True)
class Truth:
    """What is known about one recording."""

    name: str
    audio: Path
    language: str | None = None
    text: str | None = None
    turns: tuple[dict, ...] | None = None  # speaker (+ role when known)
    events: tuple[dict, ...] | None = None
    expected: Mapping[str, str] = field(default_factory=dict)


def load_truth(audio: Path) -> Truth | None:
    """The truth beside a recording, or None when there is none."""
    stem = audio.name.split(".")[0]
    truth_file = audio.with_name(stem + ".truth.json")
    if truth_file.exists():
        d = json.loads(truth_file.read_text(encoding="utf-8"))
        text = " ".join(u["text"] for u in sorted(d.get("utterances", []), key=lambda u: u["start"]))
        return Truth(stem, audio, d.get("language"), text or None, tuple(d.get("turns", [])) or None,
                     tuple(d.get("events", [])), d.get("expected", {}))
    rttm = audio.with_suffix(".rttm")
    text = read_reference_text(audio)
    if rttm.exists() or text is not None:
        return Truth(stem, audio, None, text, tuple(read_rttm(rttm)) if rttm.exists() else None)
    return None


def find_corpus(folder: Path) -> list[Truth]:
    from call_qa.audio import AUDIO_SUFFIXES

    calls = []
    for audio in sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES):
        truth = load_truth(audio)
        if truth is not None:
            calls.append(truth)
    return calls


@dataclass(frozen=True)
class CallEvaluation:
    name: str
    status: str
    ref_words: int = 0
    word_errors: int = 0
    der: Mapping[float, dict] = field(default_factory=dict)  # collar -> components
    role_accuracy: float | None = None
    events: Mapping[str, EventScore] = field(default_factory=dict)
    verdicts: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # item -> (expected, found)
    error: str = ""

    @property
    def wer(self) -> float | None:
        return self.word_errors / self.ref_words if self.ref_words else None

    @property
    def rubric_agreement(self) -> float | None:
        if not self.verdicts:
            return None
        return sum(1 for e, f in self.verdicts.values() if e == f) / len(self.verdicts)


COLLARS = (0.0, 0.25)


def evaluate_call(truth: Truth, result: CallResult) -> CallEvaluation:
    """Compare one processed call with its truth."""
    if result.status is not CallStatus.OK:
        return CallEvaluation(truth.name, "failed", error="; ".join(result.errors))
    from call_qa.export import to_document

    doc = to_document(result)
    ref_words = err = 0
    if truth.text is not None:
        ref = normalise_words(truth.text)
        hyp = normalise_words(" ".join(u["text"] for u in doc["utterances"]))
        ref_words, err = len(ref), word_errors(ref, hyp)
    der = {}
    role_acc = None
    if truth.turns:
        der = {c: diarization_error(truth.turns, doc["turns"], c, truth.name) for c in COLLARS}
        if all("role" in t for t in truth.turns):
            role_acc = role_accuracy(truth.turns, doc["turns"])
    events = score_events(truth.events, doc["events"]) if truth.events is not None else {}
    verdicts = {}
    if truth.expected and doc["scorecard"]:
        found = {it["id"]: it["verdict"] for it in doc["scorecard"]["items"]}
        verdicts = {item: (expected, found.get(item, "missing")) for item, expected in truth.expected.items()}
    return CallEvaluation(truth.name, "ok", ref_words, err, der, role_acc, events, verdicts)


@dataclass(frozen=True)
class CorpusEvaluation:
    calls: tuple[CallEvaluation, ...]

    @property
    def wer(self) -> float | None:
        words = sum(c.ref_words for c in self.calls)
        return sum(c.word_errors for c in self.calls) / words if words else None

    def der(self, collar: float) -> float | None:
        parts = [c.der[collar] for c in self.calls if collar in c.der]
        total = sum(p["total"] for p in parts)
        if not total:
            return None
        return sum(p["confusion"] + p["missed detection"] + p["false alarm"] for p in parts) / total

    @property
    def role_accuracy(self) -> float | None:
        values = [c.role_accuracy for c in self.calls if c.role_accuracy is not None]
        return sum(values) / len(values) if values else None

    @property
    def events(self) -> dict[str, EventScore]:
        out: dict[str, EventScore] = {}
        for c in self.calls:
            for k, v in c.events.items():
                out[k] = out[k] + v if k in out else v
        return out

    @property
    def item_agreement(self) -> dict[str, float]:
        per_item: dict[str, list[bool]] = {}
        for c in self.calls:
            for item, (e, f) in c.verdicts.items():
                per_item.setdefault(item, []).append(e == f)
        return {item: sum(v) / len(v) for item, v in sorted(per_item.items())}

    @property
    def rubric_agreement(self) -> float | None:
        pairs = [e == f for c in self.calls for e, f in c.verdicts.values()]
        return sum(pairs) / len(pairs) if pairs else None


def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def to_json(evaluation: CorpusEvaluation) -> dict:
    """The ``--json`` form of an evaluation."""

    def events(scores: Mapping[str, EventScore]) -> dict:
        return {
            k: {"tp": v.true_positives, "fp": v.false_positives, "fn": v.false_negatives, "precision": _r(v.precision),
                "recall": _r(v.recall), "f1": _r(v.f1), "boundary_error_s": _r(v.boundary_error_s),
                "attribute_agreement": {a: _r(x) for a, x in v.attribute_agreement.items()}}
            for k, v in scores.items()
        }

    return {
        "calls": [
            {
                "name": c.name, "status": c.status, "error": c.error or None,
                "wer": _r(c.wer), "ref_words": c.ref_words,
                "der": {str(k): _r(v["diarization error rate"]) for k, v in c.der.items()},
                "role_accuracy": _r(c.role_accuracy), "events": events(c.events),
                "rubric_agreement": _r(c.rubric_agreement),
                "verdicts": {k: {"expected": e, "found": f} for k, (e, f) in c.verdicts.items()},
            }
            for c in evaluation.calls
        ],
        "overall": {
            "calls": len(evaluation.calls),
            "failed": sum(1 for c in evaluation.calls if c.status != "ok"),
            "wer": _r(evaluation.wer),
            "der": {str(c): _r(evaluation.der(c)) for c in COLLARS},
            "role_accuracy": _r(evaluation.role_accuracy),
            "events": events(evaluation.events),
            "rubric_agreement": _r(evaluation.rubric_agreement),
            "rubric_agreement_per_item": {k: _r(v) for k, v in evaluation.item_agreement.items()},
        },
    }


def format_table(evaluation: CorpusEvaluation) -> str:
    """A readable report: one line per call, then the corpus totals."""

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.1f}"

    keys = sorted(evaluation.events)
    header = ["call", "WER%", "DER%", "DER%c.25", "role%", *[f"{k}F1" for k in keys], "rubric%"]
    rows = []
    for c in evaluation.calls:
        if c.status != "ok":
            rows.append([c.name, "FAILED: " + c.error[:60]])
            continue
        rows.append([
            c.name, pct(c.wer), pct(c.der[0.0]["diarization error rate"]) if c.der else "-",
            pct(c.der[0.25]["diarization error rate"]) if c.der else "-", pct(c.role_accuracy),
            *[pct(c.events[k].f1) if k in c.events else "-" for k in keys], pct(c.rubric_agreement),
        ])
    rows.append([
        "OVERALL", pct(evaluation.wer), pct(evaluation.der(0.0)), pct(evaluation.der(0.25)), pct(evaluation.role_accuracy),
        *[pct(evaluation.events[k].f1) for k in keys], pct(evaluation.rubric_agreement),
    ])
    widths = [max(len(str(r[i])) for r in [header, *rows] if i < len(r)) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(widths[i]) for i, v in enumerate(r)).rstrip() for r in [header, *rows]]
    lines.append("")
    lines.append("events (all calls): " + "; ".join(
        f"{k}: P {pct(v.precision)} R {pct(v.recall)} F1 {pct(v.f1)} boundary "
        f"{('-' if v.boundary_error_s is None else f'{v.boundary_error_s:.2f}s')}"
        + "".join(f", {a} {pct(x)}" for a, x in v.attribute_agreement.items())
        for k, v in sorted(evaluation.events.items())
    ))
    agreement = evaluation.item_agreement
    if agreement:
        lines.append("rubric agreement per item: " + ", ".join(f"{k} {pct(v)}" for k, v in agreement.items()))
    return "\n".join(lines)
