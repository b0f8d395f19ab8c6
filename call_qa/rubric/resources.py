"""What a site adds to the rubric engine besides the rubric and cue files: a knowledge
base of approved answers, procedures, and the semantic matcher.

``rubric_resources(settings, language)`` reads them once per process (from the
``rubric:`` block of the pipeline settings) and gives the engine its extra matchers
(``matchers``) and the judges that replace the built-in ``solution_accuracy``,
``solution_completeness`` and ``procedure_compliance`` (``judges``).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Sequence

from call_qa.domain import Evidence, Verdict
from call_qa.rubric.config import CueLexicon, RubricConfigError, RubricItem
from call_qa.rubric.context import CallContext, Line
from call_qa.rubric.items import MAX_EVIDENCE, ItemJudge, Judgement, judge_procedure_compliance, judgement
from call_qa.rubric.knowledge import KnowledgeBase, contradictions, covered_points, load_knowledge_base, match_entry
from call_qa.rubric.matchers import CueMatcher, PhraseMatcher
from call_qa.rubric.options import RubricOptions
from call_qa.rubric.procedures import Procedure, ProcedureSet, load_procedures
from call_qa.rubric.semantic import SemanticExamples, SemanticMatcher, SentenceEncoder, load_semantic_examples
from call_qa.text import count_phrase, find_phrase

log = logging.getLogger("call_qa")


@dataclass(frozen=True)
class RubricResources:
    """Knowledge base, procedures and sentence encoder for one language (each optional)."""

    language: str
    knowledge_base: KnowledgeBase | None = None
    procedures: ProcedureSet | None = None
    encoder: SentenceEncoder | None = None
    examples: SemanticExamples | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)  # why something is off (recorded)

    def matchers(self, lexicon: CueLexicon) -> tuple[CueMatcher, ...]:
        """Phrase matcher, plus the semantic matcher where an encoder and examples exist."""
        out: list[CueMatcher] = [PhraseMatcher(lexicon)]
        if self.encoder is not None and self.examples is not None:
            out.append(SemanticMatcher(self.encoder, self.examples))
        return tuple(out)

    def judges(self, channel: str = "phone", base_procedure: ItemJudge | None = None) -> dict[str, ItemJudge]:
        """Judges replacing the built-in ones for the items these resources decide.

        ``base_procedure`` is the channel's built-in procedure judge (phone: verification
        before account information and the hold/transfer SOP); configured procedures
        for ``channel`` are checked on top of it."""
        return {
            "solution_accuracy": partial(judge_kb_accuracy, self),
            "solution_completeness": partial(judge_kb_completeness, self),
            "procedure_compliance": partial(judge_procedures, self, channel, base_procedure or judge_procedure_compliance),
        }

    def describe(self) -> dict[str, Any]:
        """What goes into the call's recorded settings."""
        return {
            "knowledge_base": ({"id": self.knowledge_base.id, "version": self.knowledge_base.version,
                                "source": self.knowledge_base.source} if self.knowledge_base else None),
            "procedures": ({"version": self.procedures.version, "source": self.procedures.source,
                            "ids": [p.id for p in self.procedures.procedures]} if self.procedures else None),
            "semantic": ({"encoder": self.encoder.name, "examples": self.examples.source,
                          "version": self.examples.version, "thresholds": dict(self.examples.thresholds)}
                         if self.encoder is not None and self.examples is not None else None),
            "resource_notes": list(self.notes),
        }


@functools.lru_cache(maxsize=8)
def _cached_kb(path: str) -> KnowledgeBase:
    return load_knowledge_base(path)


@functools.lru_cache(maxsize=8)
def _cached_procedures(path: str) -> ProcedureSet:
    return load_procedures(path)


@functools.lru_cache(maxsize=4)
def _cached_encoder(name: str, threads: int) -> SentenceEncoder:
    return SentenceEncoder.load(name, threads)


def rubric_resources(settings: Any, language: str) -> RubricResources:
    """The resources the pipeline settings configure for ``language`` (cached per process).

    A configured file that is malformed raises RubricConfigError (fail at the edge); a
    sentence encoder that cannot load is logged and recorded, and phrases are used alone.
    """
    rs = settings.rubric
    kb = _cached_kb(str(settings.resolve_path(rs.knowledge_base))) if rs.knowledge_base else None
    procs = _cached_procedures(str(settings.resolve_path(rs.procedures))) if rs.procedures else None
    notes: list[str] = []
    encoder = examples = None
    sem = rs.semantic
    model = sem.encoders.get(language)
    if sem.enabled and model:
        examples = load_semantic_examples(settings.resolve_path(sem.examples), language)
        if examples is None:
            notes.append(f"semantic matching off for '{language}': no examples in {sem.examples}")
        elif examples.encoder != model:
            raise RubricConfigError(
                f"{sem.examples}: language '{language}', field 'encoder': thresholds were calibrated for "
                f"'{examples.encoder}' but rubric.semantic.encoders.{language} is '{model}'; run "
                "benchmarks/calibrate_semantic.py for the new encoder and write its thresholds")
        else:
            from call_qa.errors import ModelError

            try:
                encoder = _cached_encoder(model, settings.asr.cpu_threads)
            except ModelError as exc:
                log.warning("semantic matching off: %s", exc)
                notes.append(f"semantic matching off: {exc}")
                examples = None
    elif sem.enabled:
        notes.append(f"semantic matching off for '{language}': no encoder configured (rubric.semantic.encoders)")
    return RubricResources(language, kb, procs, encoder, examples if encoder is not None else None, tuple(notes))


# --------------------------------------------------------------------------- knowledge base judges


def _answer_lines(ctx: CallContext) -> tuple[Line, ...]:
    """Agent lines after the problem statement (the whole agent side when none was found)."""
    start = ctx.problem[0].index if ctx.problem else -1
    return tuple(l for l in ctx.agent if l.index > start)


def _caller_lines(ctx: CallContext) -> tuple[Line, ...]:
    return ctx.customer


def _kb_match(res: RubricResources, ctx: CallContext) -> tuple[Any, Judgement | None]:
    """(entry match, None) or (None, needs_review judgement saying why)."""
    what_evidence: list[Evidence] = []
    if ctx.problem:
        what_evidence.append(ctx.evidence(ctx.problem[0], "the caller's question"))
    if res.knowledge_base is None:
        reason = "no knowledge base configured (rubric.knowledge_base)"
        return None, judgement(Verdict.NEEDS_REVIEW, 0.0, what_evidence or [ctx.measurement(reason)],
                        f"{reason}: a QA officer must judge the answer")
    caller = tuple(t for l in _caller_lines(ctx) for t in l.tokens)
    problem_text = ctx.problem[0].utt.text if ctx.problem else None
    m = match_entry(res.knowledge_base, ctx.language, caller, problem_text, res.encoder)
    if m is None:
        reason = (f"no entry of knowledge base '{res.knowledge_base.id}' matches the caller's question "
                  f"({len(res.knowledge_base.for_language(ctx.language))} '{ctx.language}' entries)")
        return None, judgement(Verdict.NEEDS_REVIEW, 0.0, what_evidence or [ctx.measurement(reason)],
                        f"{reason}: a QA officer must judge the answer, and the knowledge-base team may add one")
    return m, None


def _first_line_with(ctx: CallContext, lines: Sequence[Line], phrase: Sequence[str]) -> Line | None:
    return next((l for l in lines if find_phrase(l.tokens, tuple(phrase)) >= 0), None)


def judge_kb_completeness(res: RubricResources, ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Share of the matched entry's key points the agent said."""
    m, nr = _kb_match(res, ctx)
    if nr is not None:
        return nr
    lines = _answer_lines(ctx)
    agent = tuple(t for l in lines for t in l.tokens)
    points = covered_points(m.entry, agent)
    said = [(kp, cue) for kp, cue in points if cue]
    evidence = [ctx.measurement(f"knowledge-base entry '{m.entry.id}' ({m.how})")]
    for kp, cue in said[:MAX_EVIDENCE]:
        line = _first_line_with(ctx, lines, cue.split())
        if line is not None:
            evidence.append(ctx.evidence(line, f"key point '{kp.point}' said (cue '{cue}')"))
    missing = [kp.point for kp, cue in points if not cue]
    share = len(said) / len(points)
    if not said and getattr(ctx, "awaiting_customer_data", lambda: False)():
        return judgement(Verdict.NEEDS_REVIEW, 0.3, evidence, f"the reply asks for identity data first; the answer to "
                                                       f"'{m.entry.id}' is still to come")
    summary = (f"{len(said)} of {len(points)} key points of '{m.entry.id}'"
               + (f"; missing: {'; '.join(missing)}" if missing else ""))
    if not said:
        evidence += [ctx.evidence(l, "agent answer without any key point") for l in lines[:3]]
        return judgement(Verdict.FAIL, 0.6, evidence, summary)
    if share >= 1.0:
        return judgement(Verdict.PASS, 0.75, evidence, summary)
    if share >= res.knowledge_base.partial_share:
        return judgement(Verdict.PARTIAL, 0.65, evidence, summary)
    return judgement(Verdict.FAIL, 0.6, evidence, summary)


def judge_kb_accuracy(res: RubricResources, ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """No statement contradicting the matched entry, and at least one approved key point said."""
    m, nr = _kb_match(res, ctx)
    if nr is not None:
        return nr
    lines = _answer_lines(ctx)
    agent = tuple(t for l in lines for t in l.tokens)
    entry_ev = ctx.measurement(f"knowledge-base entry '{m.entry.id}' ({m.how})")
    wrong = contradictions(m.entry, agent)
    if wrong:
        ev = [entry_ev] + [ctx.evidence(line, f"contradicts the approved answer: '{w}'")
                           for w in wrong if (line := _first_line_with(ctx, lines, w.split())) is not None]
        return judgement(Verdict.FAIL, 0.75, ev, f"the agent said what '{m.entry.id}' marks incorrect: "
                  + ", ".join(f"'{w}'" for w in wrong))
    said = [(kp, cue) for kp, cue in covered_points(m.entry, agent) if cue]
    if said:
        ev = [entry_ev]
        for kp, cue in said[:MAX_EVIDENCE]:
            line = _first_line_with(ctx, lines, cue.split())
            if line is not None:
                ev.append(ctx.evidence(line, f"agrees with the approved answer: '{kp.point}' (cue '{cue}')"))
        return judgement(Verdict.PASS, 0.65, ev, f"{len(said)} approved key point(s) of '{m.entry.id}' said, "
                                          "nothing contradicting it")
    ev = [entry_ev] + [ctx.evidence(l, "agent answer matching no approved key point") for l in lines[:3]]
    return judgement(Verdict.NEEDS_REVIEW, 0.3, ev,
              f"the answer matches none of the approved key points of '{m.entry.id}' and contradicts none: "
              "a QA officer must check it")


# --------------------------------------------------------------------------- procedures


def _applicable(ctx: CallContext, procs: Sequence[Procedure]) -> list[tuple[Procedure, Line, str]]:
    out = []
    for p in procs:
        for line in ctx.customer:
            hit = next((" ".join(c) for c in p.applies_when if count_phrase(line.tokens, c)), None)
            if hit:
                out.append((p, line, hit))
                break
    return out


def check_procedure(ctx: CallContext, proc: Procedure, trigger: Line) -> tuple[bool | None, list[Evidence], str]:
    """(ok: True / False / None for partly, evidence, summary) of one procedure in this call."""
    done: list[tuple[int, Line, str]] = []
    missing: list[tuple[int, str]] = []
    for k, step in enumerate(proc.steps):
        found = None
        for line in ctx.agent:
            cue = next((" ".join(c) for c in step.cues if find_phrase(line.tokens, c) >= 0), None)
            if cue:
                found = (k, line, cue)
                break
        if found:
            done.append(found)
        elif step.required:
            missing.append((k, step.name))
    # An email that asks the customer for identity data cannot take the later steps yet:
    # those after the last step taken are pending, not missing.
    pending: list[str] = []
    if getattr(ctx, "awaiting_customer_data", lambda: False)():
        last = max((k for k, _, _ in done), default=-1)
        pending = [name for k, name in missing if k > last]
        missing = [(k, name) for k, name in missing if k <= last]
    missing_names = [name for _, name in missing]
    evidence = [ctx.evidence(trigger, f"procedure '{proc.id}' applies (caller said '{_trigger_cue(ctx, proc, trigger)}')")]
    evidence += [ctx.evidence(line, f"step {k + 1} '{proc.steps[k].name}' (cue '{cue}')") for k, line, cue in done]
    disorder = []
    if proc.ordered:
        by_time = sorted(done, key=lambda d: d[1].start)
        disorder = [f"'{proc.steps[b[0]].name}' before '{proc.steps[a[0]].name}'"
                    for a, b in zip(by_time, by_time[1:]) if b[0] < a[0]]
    required = sum(1 for s in proc.steps if s.required) - len(pending)
    summary = (f"procedure '{proc.id}': {required - len(missing)} of {required} required step(s)"
               + (f"; missing: {', '.join(missing_names)}" if missing else "")
               + (f"; pending the customer's data: {', '.join(pending)}" if pending else "")
               + (f"; out of order: {', '.join(disorder)}" if disorder else ""))
    if not missing and not disorder:
        return True, evidence, summary
    if len(missing) * 2 > required:
        return False, evidence, summary
    return None, evidence, summary


def _trigger_cue(ctx: CallContext, proc: Procedure, line: Line) -> str:
    return next((" ".join(c) for c in proc.applies_when if count_phrase(line.tokens, c)), "")


def judge_procedures(res: RubricResources, channel: str, base_judge: ItemJudge, ctx: CallContext,
                     item: RubricItem, opts: RubricOptions) -> Judgement:
    """The channel's built-in procedure (``base_judge``) and every configured procedure
    the caller's words select: all followed → pass; one failing → fail; steps missing or
    out of order → partial."""
    base = base_judge(ctx, item, opts)
    procs = _applicable(ctx, res.procedures.for_call(ctx.language, channel)) if res.procedures else []
    if not procs:
        return base
    results = [check_procedure(ctx, p, trigger) for p, trigger, _ in procs]
    evidence = list(base.evidence) if base.verdict != Verdict.NEEDS_REVIEW else []
    for _, ev, _ in results:
        evidence += ev
    summary = "; ".join(s for _, _, s in results)
    if base.verdict == Verdict.FAIL or any(ok is False for ok, _, _ in results):
        return judgement(Verdict.FAIL, 0.65, evidence, f"{summary}; {base.reason}" if base.verdict == Verdict.FAIL else summary)
    if base.verdict == Verdict.PARTIAL or any(ok is None for ok, _, _ in results):
        return judgement(Verdict.PARTIAL, 0.6, evidence, summary)
    return judgement(Verdict.PASS, 0.7, evidence, summary + ("" if base.verdict == Verdict.NEEDS_REVIEW else f"; {base.reason}"))
