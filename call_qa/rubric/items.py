"""Item matchers of the phone rubric: one function per item id of rubric.md.

Each judge takes the prepared call, the configured item and the effective options,
and returns a :class:`Judgement`: a verdict, a confidence in [0, 1], the evidence
(quotes with speaker and times, each with the cue or measurement that decided) and a
one-line reason. Judges look cues up through ``CallContext.hits``, so a semantic
matcher added later improves them without changes here; an item that needs a new
resource (a knowledge base, a procedure definition) gets a new judge registered in
place of the one below (``score_phone_call(..., judges={...})``).

Confidences are fixed per outcome and documented where they are set: a cue that was
found is firmer evidence than a cue that was not (ASR can drop words), and timing
measurements sit in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from call_qa.config import TimingSettings
from call_qa.domain import Event, EventType, Evidence, Role, Verdict
from call_qa.rubric.config import RubricItem
from call_qa.rubric.context import CallContext, Line
from call_qa.rubric.matchers import CueHit
from call_qa.rubric.options import RubricOptions
from call_qa.rubric.semantic import split_sentences
from call_qa.text import count_phrase, raw_tokens, tokens
from call_qa.timing import Handover, response_handovers

# Evidence lists are capped so a long call does not bury the officer in quotes.
MAX_EVIDENCE = 6
# Windows and limits the timing stage used; a report from before one existed gets these.
_TIMING_DEFAULTS = TimingSettings()


@dataclass(frozen=True)
class Judgement:
    """A matcher's decision on one item."""

    verdict: Verdict
    confidence: float
    evidence: tuple[Evidence, ...]
    reason: str


ItemJudge = Callable[[CallContext, RubricItem, RubricOptions], Judgement]


def judgement(verdict: Verdict, confidence: float, evidence: Iterable[Evidence], reason: str) -> Judgement:
    """A :class:`Judgement` keeping at most twice :data:`MAX_EVIDENCE` pieces of evidence
    (every judge builds its decision with this)."""
    return Judgement(verdict, confidence, tuple(evidence)[: MAX_EVIDENCE * 2], reason)


def _components(
    ctx: CallContext, lines: Sequence[Line], cues: Sequence[tuple[str, str]]
) -> tuple[dict[str, tuple[Line, CueHit]], dict[int, list[tuple[str, CueHit | None]]]]:
    """Find each (label, cue list) among ``lines``; also group the reasons per line."""
    found: dict[str, tuple[Line, CueHit]] = {}
    per_line: dict[int, list[tuple[str, CueHit | None]]] = {}
    for label, cue in cues:
        hit = ctx.first(lines, cue)
        if hit is not None:
            found[label] = hit
            per_line.setdefault(hit[0].index, []).append((f"{label} {hit[1].describe()}", hit[1]))
    return found, per_line


def _grouped_evidence(ctx: CallContext, per_line: Mapping[int, list[tuple[str, CueHit | None]]]) -> list[Evidence]:
    """One evidence per line, its reasons joined, quoted around the first cue."""
    out = []
    for i, parts in sorted(per_line.items()):
        hit = next((h for _, h in parts if h is not None), None)
        out.append(ctx.evidence(ctx.lines[i], "; ".join(r for r, _ in parts), hit))
    return out


def _all_some_none(found: int, total: int, conf: tuple[float, float, float]) -> tuple[Verdict, float]:
    if found == total:
        return Verdict.PASS, conf[0]
    if found:
        return Verdict.PARTIAL, conf[1]
    return Verdict.FAIL, conf[2]


# --------------------------------------------------------------------------- courtesy


def judge_opening_greeting(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Time-of-day greeting, institution/thanks, own name, offer of help in the agent's first turns."""
    lines = ctx.opening_lines(opts)
    found, per_line = _components(
        ctx, lines,
        [("greeting", item.cue("greeting")), ("institution", item.cue("institution")),
         ("offer of help", item.cue("offer_help"))],
    )
    named = ctx.agent_name(lines, item.cue("agent_name"))
    if named is not None:
        per_line.setdefault(named[0].index, []).append((f"agent name '{named[1]}'", None))
    if "institution" not in found:
        inst = _institution_name(ctx, lines, named[1] if named else "")
        if inst is not None:
            found["institution"] = (inst[0], CueHit("institution", inst[1], 0, 1.0, "capitalised name"))
            per_line.setdefault(inst[0].index, []).append((f"institution name '{inst[1]}'", None))
    labels = ["greeting", "institution", "agent name", "offer of help"]
    present = [l for l in labels if l in found or (l == "agent name" and named is not None)]
    missing = [l for l in labels if l not in present]
    # Found cues are firm (0.9); "none found" may be an ASR miss at the very start (0.7).
    verdict, conf = _all_some_none(len(present), len(labels), (0.9, 0.75, 0.7))
    latency = f"first agent words at {ctx.agent[0].start:.1f} s" if ctx.agent else "no agent speech"
    evidence = _grouped_evidence(ctx, per_line)
    if not evidence:
        evidence = [ctx.evidence(l, "no greeting, institution, agent name or offer-of-help cue") for l in lines]
    reason = f"{len(present)} of 4 opening components" + (f"; missing: {', '.join(missing)}" if missing else "")
    return judgement(verdict, conf, evidence, f"{reason}; {latency}")


def _institution_name(ctx: CallContext, lines: Sequence[Line], agent_name: str) -> tuple[Line, str] | None:
    """Two or more capitalised words in a row, not stopwords and not the agent's name, in
    the opening ("Selamat siang, Seluler Nusantara, dengan Rizky"): the institution said
    without a "thank you for calling" formula."""
    stop = ctx.words("name_stopwords") | ctx.words("honorifics")
    skip = set(tokens(agent_name))
    for line in lines:
        text = line.utt.text
        if text.islower() or text.isupper():
            continue
        run: list[str] = []
        for tok in raw_tokens(text):
            if tok.capitalized and tok.norm.isalpha() and tok.norm not in stop and tok.norm not in skip:
                run.append(tok.surface)
                if len(run) >= 2:
                    return line, " ".join(run)
            else:
                run = []
    return None


def judge_customer_identification(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """The agent asks who is calling; the caller's stated name is extracted for address_by_name."""
    f = ctx.identification
    evidence: list[Evidence] = []
    if f.question is not None:
        evidence.append(ctx.evidence(f.question, f"identification question {f.question_hit.describe()}", f.question_hit))
    if f.answer is not None:
        how = "caller introduced themselves" if f.volunteered else "caller's answer"
        evidence.append(ctx.evidence(f.answer, f"{how}: name '{f.name}'"))
    account = ctx.account_info
    if f.question is not None and account is not None and account[0].start < f.question.start:
        evidence.insert(0, ctx.evidence(account[0], f"account details {account[1].describe()} before the name "
                                                    "was asked", account[1]))
        return judgement(Verdict.PARTIAL, 0.7, evidence,
                  "agent asked who was calling only after giving out account details")
    if f.question is not None and f.name:
        return judgement(Verdict.PASS, 0.9, evidence, f"agent asked for the caller's name; caller's name: '{f.name}'")
    if f.question is not None:
        return judgement(Verdict.PASS, 0.75, evidence,
                  "agent asked for the caller's name; no name recognised in the caller's answer")
    if f.name:
        # rubric.md: "Agent asks who is calling". A name the caller volunteered is not the
        # agent's identification (an officer marks it fail); address_by_name may still use it.
        return judgement(Verdict.FAIL, 0.65, evidence,
                  f"the agent never asked who was calling (the caller volunteered the name '{f.name}')")
    probe = ctx.agent[:4]
    return judgement(Verdict.FAIL, 0.65,
              [ctx.evidence(l, "no identification question in the agent's turns") for l in probe],
              "agent never asked for the caller's name and the caller gave none")


def judge_data_verification(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Identity verified before account-specific information (rubric.md).

    * account details given with no identifier asked and answered before them → fail;
    * ... after public identifiers only (NPWP, the holder's name: printed on every letter)
      → partial, or fail when the caller speaks for someone else or an identifier was read
      out to the caller (no real verification before a disclosure);
    * an identifier asked and given (or read back) → pass;
    * no account details: an identifier asked and not given, or none asked → not_applicable
      (nothing needed verifying; ``verification_required`` makes "none asked" a fail).
    """
    v = ctx.verification
    account = ctx.account_info
    if account is not None:
        line, ah = account
        acct = ctx.evidence(line, f"account-specific information {ah.describe()}", ah)
        asked = _verification_requests_before(ctx, line)
        if not asked:
            return judgement(Verdict.FAIL, 0.65, [acct],
                             "account-specific information given but identity never verified before it")
        public = ctx.words(item.cue("public"))
        ask_ev = [ctx.evidence(l, f"identifier request {h.describe()}", h) for l, h in asked]
        if all(h.phrase in public or " ".join(h.phrase.split()[:1]) in public for _, h in asked):
            third = next(((c, h) for c in ctx.customer if c.index < line.index
                          and (h := ctx.hit(c, item.cue("third_party"))) is not None), None)
            if third is not None or ah.matcher == "identifier read out with digits":
                why = (f"the caller speaks for someone else ({third[1].describe()})" if third is not None
                       else "an identifier was read out to the caller")
                extra = [ctx.evidence(third[0], f"third party {third[1].describe()}", third[1])] if third else []
                return judgement(Verdict.FAIL, 0.6, ask_ev + extra + [acct],
                                 f"only public identifiers ({', '.join(h.phrase for _, h in asked)}) before account "
                                 f"details, and {why}")
            return judgement(Verdict.PARTIAL, 0.6, ask_ev + [acct],
                             f"only public identifiers ({', '.join(h.phrase for _, h in asked)}) asked before "
                             "account-specific information")
        return judgement(Verdict.PASS, 0.8, ask_ev + [acct], "identity verified before account-specific information")
    if v.request is not None and (v.readback or v.answer is not None):
        ask = ctx.evidence(v.request, f"identifier request {v.request_hit.describe()}", v.request_hit)
        if v.readback:
            return judgement(Verdict.PASS, 0.8, [ask], "agent read the identifier back for confirmation")
        return judgement(Verdict.PASS, 0.75, [ask, ctx.evidence(v.answer, f"caller's identifier: {v.answer_reason}")],
                         "agent asked for an identifier and the caller gave it")
    probe = ctx.agent[:4]
    if opts.verification_required:  # asked and not given, or never asked: nothing was verified
        return judgement(Verdict.FAIL, 0.6, [ctx.evidence(l, "no identifier verified") for l in probe],
                  "no identity verification (required for every call by configuration)")
    # General information only: rubric.md asks for verification "before account-specific
    # information", so with none given there was nothing to verify for; a question that
    # named an identifier without getting one ("is your e-mail still active?") asked
    # about it, not for it.
    why = ("an identifier was mentioned but none was given" if v.request is not None
           else "no identity verification")
    return judgement(Verdict.NOT_APPLICABLE, 0.5, [ctx.evidence(l, "no identifier given") for l in probe] or
              [ctx.measurement("no identifier request")],
              f"{why}, and no account-specific information was given: none was needed "
              "(set verification_required where every call must verify)")


def _verification_requests_before(ctx: CallContext, line: Line) -> list[tuple[Line, CueHit]]:
    """The agent's identifier requests before ``line`` that the caller answered with an
    identifier (or that read one back), each with its identifier hits."""
    ident = ctx.cue("data_verification", "identifier")
    request = ctx.cue("data_verification", "request")
    out = []
    for q in ctx.agent:
        if q.index >= line.index:
            break
        hits = ctx.hits(q, ident)
        if not hits or not (q.is_question or ctx.hit(q, request) is not None):
            continue
        answered = ctx.verification.readback and ctx.verification.request is q or any(
            ctx.identifier_answer(a) for a in ctx.after(q, Role.CUSTOMER, ctx.options.verification_answer_customer_turns) if a.index < line.index)
        if answered:
            out.extend((q, h) for h in hits)
    return out



def judge_closing_greeting(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Offer of further help, thanks and a closing greeting in the agent's last turns."""
    lines = ctx.closing_lines(opts)
    labels = [("further help", item.cue("further_help")), ("thanks", item.cue("thanks")),
              ("farewell", item.cue("farewell"))]
    found, per_line = _components(ctx, lines, labels)
    missing = [label for label, _ in labels if label not in found]
    verdict, conf = _all_some_none(len(found), len(labels), (0.9, 0.75, 0.7))
    evidence = _grouped_evidence(ctx, per_line) or [
        ctx.evidence(l, "no further-help offer, thanks or closing greeting") for l in lines
    ] or [ctx.evidence(ctx.agent[0], "the agent spoke only once (the opening); no closing turn")]
    reason = f"{len(found)} of 3 closing components" + (f"; missing: {', '.join(missing)}" if missing else "")
    return judgement(verdict, conf, evidence, reason)


# --------------------------------------------------------------------------- responsiveness


def judge_address_by_name(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Honorific + the caller's name in agent speech after the name was learned.

    With no name learned: an honorific + capitalised name in agent speech still passes
    (the agent may have it from records); otherwise fail when the agent never asked,
    needs_review when it asked but the answer held no recognisable name.
    """
    f = ctx.identification
    honorifics = ctx.words(item.cue("honorific"))
    if not f.name or f.answer is None:
        # The agent may know the name from records: "Pak Budi" with a capitalised name.
        titled_any = [(l, n) for l in ctx.agent for n in titled_names(ctx, l, honorifics)]
        if titled_any:
            return judgement(Verdict.PASS, 0.6, [ctx.evidence(l, f"honorific + name '{n}'") for l, n in titled_any],
                      f"caller addressed as '{titled_any[0][1]}' (the name was not heard from the caller)")
        if f.question is None:
            return judgement(Verdict.FAIL, 0.6,
                      [ctx.evidence(l, "agent turn without the caller's name") for l in ctx.agent[:MAX_EVIDENCE]],
                      "the agent never asked for the caller's name and never addressed the caller by name")
        why = "the agent asked but no name was recognised in the caller's answer"
        return judgement(Verdict.NEEDS_REVIEW, 0.3, [ctx.evidence(f.question, why)],
                  f"no caller name was learned ({why}), so its use cannot be checked")
    name_tokens = {t for t in tokens(f.name) if len(t) >= 2 and t not in honorifics}
    titled: list[Evidence] = []
    bare: list[Evidence] = []
    for line in ctx.after(f.answer, Role.AGENT):
        toks = line.tokens
        for i, tok in enumerate(toks):
            if tok not in name_tokens:
                continue
            if i > 0 and toks[i - 1] in honorifics:
                titled.append(ctx.evidence(line, f"honorific + name '{toks[i - 1]} {tok}'"))
            else:
                bare.append(ctx.evidence(line, f"name without honorific '{tok}'"))
    count = len(titled) + (len(bare) if opts.address_accept_bare_name else 0)
    learned = f"caller's name '{f.name}' learned at {f.answer.start:.1f} s"
    # A short conversation leaves room for one use; a longer one should hear the name
    # again. Speech time, not clock time: a long hold adds no occasion to use the name.
    rest = sum(l.end - l.start for l in ctx.lines[f.answer.index + 1:])
    needed = opts.address_min_mentions if rest >= opts.address_short_call_s else 1
    learned += f"; {rest:.0f} s of speech after it ({needed} use(s) needed)"
    if count >= needed:
        return judgement(Verdict.PASS, 0.85, titled + bare, f"{learned}; addressed by name {count} time(s)")
    if titled or bare:
        return judgement(Verdict.PARTIAL, 0.7, titled + bare,
                  f"{learned}; {len(titled)} use(s) with honorific, {len(bare)} without "
                  f"(pass needs {needed} with honorific)")
    later = ctx.after(f.answer, Role.AGENT, MAX_EVIDENCE)
    ev = [ctx.evidence(l, f"agent turn without the caller's name '{f.name}'") for l in later] or [
        ctx.evidence(f.answer, f"caller's name '{f.name}'; the agent did not speak after it")
    ]
    return judgement(Verdict.FAIL, 0.75, ev, f"{learned}; the agent never used it")


# Abbreviated honorifics keep their full stop ("Mr. Miller"); any other honorific
# followed by punctuation ends a phrase ("Baik Pak. Caranya …" names nobody).
_ABBREVIATED = frozenset({"mr", "mrs", "ms", "dr", "bpk", "sdr", "sdri"})


def titled_names(ctx: CallContext, line: Line, honorifics: frozenset[str]) -> list[str]:
    """ "Honorific Name" pairs in ``line`` where the name is capitalised and not a common word."""
    text = line.utt.text
    if text.islower() or text.isupper():
        return []  # capitalisation carries no information
    words = text.split()
    toks = raw_tokens(text)
    stop = ctx.words("name_stopwords")
    out = []
    for a, b in zip(toks, toks[1:]):
        if a.norm not in honorifics or b.raw_index != a.raw_index + 1:
            continue
        if words[a.raw_index][-1:] in ",;:!?." and not (a.norm in _ABBREVIATED and words[a.raw_index].endswith(".")):
            continue
        if b.capitalized and b.norm.isalpha() and b.norm not in stop and b.norm not in honorifics \
                and not (b.surface.isupper() and len(b.surface) > 1):
            out.append(f"{a.surface} {b.surface}")
    return out


def real_transfers(ctx: CallContext) -> list[Event]:
    """Transfer events the call bears out: a new voice or a ringback, or the agent hardly
    speaks after it. "pengelolaannya sudah dialihkan ke pemerintah daerah" names a referral
    in passing; the same agent talking on for several turns was no hand-over."""
    out = []
    for e in ctx.timing.events_of(EventType.TRANSFER):
        after = [l for l in ctx.agent if l.start >= e.end]
        if e.details.new_voice or e.details.ringback or any(l.role == Role.OTHER for l in ctx.lines
                                                             if l.start >= e.start) or len(after) <= 1:
            out.append(e)
    return out


def _line_at(ctx: CallContext, role: Role, t: float) -> Line | None:
    """The ``role`` utterance covering time ``t`` (or starting closest to it)."""
    cands = [l for l in ctx.lines if l.role == role and l.start - 0.5 <= t <= l.end + 0.5]
    return min(cands, key=lambda l: abs(l.start - t)) if cands else None


def _agent_interruptions(ctx: CallContext, opts: RubricOptions) -> tuple[list[Event], int | None]:
    """Agent interruptions of the caller: the events, and their count (None when unmeasured).

    Events carry the times; without an event list the timing metric alone still counts.
    """
    events = [
        e for e in ctx.timing.events_of(EventType.INTERRUPTION)
        if e.details.by == Role.AGENT and (opts.interruption_count_attempted or e.details.successful)
    ]
    metric = ctx.timing.metrics.get("agent_interruptions")
    if events:
        return events, len(events)
    if isinstance(metric, (int, float)):
        return events, int(metric)
    return events, (0 if ctx.timing.turns else None)


def _overlap(e: Event) -> float:
    overlap = e.details.overlap_s
    return float(overlap) if overlap is not None else e.end - e.start


def judge_no_interruption(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Agent interruptions of the caller from the timing events (metrics.md; backchannels excluded).

    0 → pass; up to ``interruption_partial_max`` → partial; more → fail; and any single
    talk-over of ``interruption_fail_overlap_s`` or longer → fail.
    """
    events, count = _agent_interruptions(ctx, opts)
    if count is None:
        return judgement(Verdict.NEEDS_REVIEW, 0.3, [ctx.measurement("agent_interruptions not measured")],
                  "interruptions were not measured for this call")
    limit = opts.interruption_partial_max
    if count == 0:
        return judgement(Verdict.PASS, 0.85, [ctx.measurement("0 agent interruptions of the caller (timing)")],
                  "the agent never cut the caller off")
    evidence: list[Evidence] = []
    for e in events:
        kind = "successful" if e.details.successful else "attempted"
        what = f"agent interrupted the caller at {e.start:.1f} s ({kind}, overlap {_overlap(e):.2f} s)"
        agent_line = _line_at(ctx, Role.AGENT, e.start)
        evidence.append(ctx.evidence(agent_line, what) if agent_line is not None else
                        ctx.measurement(what, e.start, e.end))
        cut = _line_at(ctx, Role.CUSTOMER, e.start)
        if cut is not None:
            evidence.append(ctx.evidence(cut, f"caller's utterance interrupted at {e.start:.1f} s"))
    if not evidence:
        evidence = [ctx.measurement(f"agent_interruptions = {count} (timing metric, no event list)")]
    longest = max((_overlap(e) for e in events), default=0.0)
    severe = longest >= opts.interruption_fail_overlap_s
    verdict = Verdict.PARTIAL if count <= limit and not severe else Verdict.FAIL
    reason = f"{count} agent interruption(s); partial up to {limit}, fail above"
    if severe:
        reason += f"; talked over the caller for {longest:.1f} s (fail from {opts.interruption_fail_overlap_s:g} s)"
    return judgement(verdict, 0.8, evidence, reason)


def judge_problem_confirmation(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """A restatement of the caller's issue with a check ("jadi … , betul?") after the caller spoke.

    Two ways a line restates: a restatement phrase from the lexicon ("jadi Bapak ingin",
    "so you want"), or a lead word opening a sentence ("Jadi …", "So …") in a question
    that ends with a confirmation check ("…, betul?", "…, is that right?") — the
    paraphrase itself is free, the frame is what an officer listens for.
    """
    anchor = ctx.problem[0] if ctx.problem else (ctx.customer[0] if ctx.customer else None)
    if anchor is None:
        return judgement(Verdict.NEEDS_REVIEW, 0.3, [ctx.measurement("no customer speech")],
                  "no customer speech, so there was nothing to confirm")
    restate, check, lead = item.cue("restatement"), item.cue("check"), item.cue("lead")
    partial: Judgement | None = None
    agent_after = ctx.after(anchor, Role.AGENT)
    for k, line in enumerate(agent_after):
        framed = _lead_and_check(ctx, line, lead, check)
        if framed is not None:
            l_hit, c_hit = framed
            return judgement(Verdict.PASS, 0.75, [ctx.evidence(line, f"restatement opened by {l_hit.describe()}, "
                                                              f"closed by check {c_hit.describe()}", l_hit)],
                      "agent restated the issue and checked it with the caller")
        r = ctx.hit(line, restate)
        if r is None:
            continue
        c = next((h for h in ctx.hits(line, check) if h.position >= r.position), None)
        if c is not None or line.is_question:
            how = f"check {c.describe()}" if c is not None else "asked as a question"
            return judgement(Verdict.PASS, 0.75, [ctx.evidence(line, f"restatement {r.describe()}; {how}", r)],
                      "agent restated the issue and checked it with the caller")
        nxt = agent_after[k + 1] if k + 1 < len(agent_after) else None
        c2 = ctx.hit(nxt, check) if nxt is not None and nxt.is_question else None
        if c2 is not None:
            return judgement(Verdict.PASS, 0.7,
                      [ctx.evidence(line, f"restatement {r.describe()}", r),
                       ctx.evidence(nxt, f"check {c2.describe()}", c2)],
                      "agent restated the issue and checked it with the caller")
        if partial is None:
            partial = judgement(Verdict.PARTIAL, 0.6, [ctx.evidence(line, f"restatement {r.describe()} without a check", r)],
                         "agent restated the issue but did not check it with the caller")
    if partial is not None:
        return partial
    return judgement(Verdict.FAIL, 0.55,
              [ctx.evidence(anchor, "caller's problem statement; no restatement + check by the agent after it")],
              "no restatement of the caller's issue found")


def _sentence_starts(line: Line) -> list[int]:
    """Token indexes where the sentences of ``line`` begin (after . ! ? in the raw text)."""
    starts, count = [0], 0
    for word in line.utt.text.split():
        count += len(tokens(word))
        if word[-1:] in ".!?":
            starts.append(count)
    return starts


def _lead_and_check(ctx: CallContext, line: Line, lead: str, check: str) -> tuple[CueHit, CueHit] | None:
    """(lead hit, check hit) when a sentence of ``line`` opens with a lead word (after an
    acknowledgement such as "baik"/"okay") and the line ends with a check in its last 4 tokens."""
    if not line.is_question or len(line.tokens) < 5:
        return None
    acks = ctx.words(ctx.cue("attentiveness", "acknowledgement")) | ctx.words("honorifics")
    starts = set()
    for s in _sentence_starts(line):
        i = s
        while i < len(line.tokens) and line.tokens[i] in acks:
            i += 1
        starts.add(i)
    l_hit = next((h for h in ctx.hits(line, lead) if h.position in starts), None)
    if l_hit is None:
        return None
    tail = len(line.tokens) - 4
    c_hit = next((h for h in reversed(ctx.hits(line, check))
                  if h.position >= max(tail, l_hit.position + 3)), None)
    return (l_hit, c_hit) if c_hit is not None else None


def _response_latencies(ctx: CallContext) -> list[tuple[Handover, Line | None]]:
    """The timing stage's response-latency hand-overs (``timing.response_handovers``, the
    definition behind ``response_latency_mean_s``), each with the agent's reply line."""
    return [(h, _line_at(ctx, Role.AGENT, h.agent.start))
            for h in response_handovers(ctx.timing.turns, ctx.timing.events)]


def _timing_threshold(ctx: CallContext, name: str) -> float:
    """A timing threshold as the timing stage used it (its report records them all); the
    shipped default of ``TimingSettings`` for a report recorded before it existed."""
    value = ctx.timing.thresholds.get(name)
    return float(value) if value is not None else float(getattr(_TIMING_DEFAULTS, name))


def empathy_window(ctx: CallContext, complaint: Line, opts: RubricOptions) -> tuple[Line, ...]:
    """The agent turns that may answer ``complaint``: the next ``empathy_window_agent_turns``,
    not counting the identification and verification questions (a complaint made with the
    problem is often acknowledged when the agent turns to the problem, after those)."""
    routine = {l.index for l in (ctx.identification.question, ctx.verification.request) if l is not None}
    out: list[Line] = []
    counted = 0
    for line in ctx.after(complaint, Role.AGENT):
        if counted >= opts.empathy_window_agent_turns:
            break
        out.append(line)
        counted += line.index not in routine
    return tuple(out)


def _unanswered_complaints(ctx: CallContext, opts: RubricOptions) -> list[tuple[Line, CueHit]]:
    """Caller complaints the agent reacted to in no way (no empathy phrase, not even a token
    "my bad") in its next turns — shared with the empathy item."""
    complaint_cue, empathy_cue = ctx.cue("empathy", "complaint"), ctx.cue("empathy", "empathy")
    weak_cue = ctx.cue("empathy", "weak")
    last_agent = ctx.agent[-1].index if ctx.agent else -1
    out = []
    for line in ctx.customer:
        h = ctx.hit(line, complaint_cue)
        if h is None or line.index >= last_agent:
            continue
        window = empathy_window(ctx, line, opts)
        if not any(ctx.hit(l, empathy_cue) is not None or ctx.hit(l, weak_cue) is not None for l in window):
            out.append((line, h))
    return out


def judge_attentiveness(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Acknowledgements while the caller talks, prompt responses, no dead air, no repeats.

    Listening problems counted (each at most once): slow replies (mean latency over the
    limit), dead air over the limit, agent interruptions, requests to repeat, the caller
    having to prompt ("Halo? Masih di sana?", "I already told you"), complaints left
    unacknowledged. None → pass (with acknowledgements heard); fewer than
    ``attentive_fail_problems`` → partial; that many or more → fail.
    """
    ack_cue, repeat_cue = item.cue("acknowledgement"), item.cue("repeat_request")
    evidence: list[Evidence] = []
    acks = 0
    for line in ctx.agent:
        prev = ctx.lines[line.index - 1] if line.index > 0 else None
        if prev is None or prev.role != Role.CUSTOMER:
            continue
        h = ctx.hit(line, ack_cue)
        if h is not None and h.position <= 2:  # the acknowledgement opens the reply
            acks += 1
            if acks <= 3:
                evidence.append(ctx.evidence(line, f"acknowledgement {h.describe()} after the caller spoke", h))
    bc_turns = [t for t in ctx.timing.turns if t.role == Role.AGENT and t.backchannel]
    acks += len(bc_turns)
    for t in bc_turns[:3]:
        evidence.append(Evidence(t.start, t.end, t.speaker, t.role, "", "agent backchannel turn (timing)"))

    good: list[str] = []
    bad: list[str] = []
    latencies = _response_latencies(ctx)
    if latencies:
        mean = sum(h.latency_s for h, _ in latencies) / len(latencies)
        slow, slow_line = max(latencies, key=lambda x: x[0].latency_s)
        text = (f"mean response latency {mean:.1f} s over {len(latencies)} replies, slowest {slow.latency_s:.1f} s "
                f"(limit {opts.attentive_latency_max_s:.1f} s)")
        (good if mean <= opts.attentive_latency_max_s else bad).append(text)
        if mean > opts.attentive_latency_max_s:
            what = f"reply {slow.latency_s:.1f} s after the caller stopped"
            evidence.append(ctx.evidence(slow_line, what) if slow_line is not None
                            else ctx.measurement(what, slow.customer.end, slow.agent.start))
    elif isinstance(mean_metric := ctx.timing.metrics.get("response_latency_mean_s"), (int, float)):
        # a report without turns (nothing to find the hand-overs in) still carries the metric
        text = f"mean response latency {mean_metric:.1f} s (timing metric; limit {opts.attentive_latency_max_s:.1f} s)"
        (good if mean_metric <= opts.attentive_latency_max_s else bad).append(text)
    dead = ctx.timing.events_of(EventType.DEAD_AIR)
    dead_count = len(dead) if dead or ctx.timing.turns else ctx.timing.metrics.get("dead_air_count")
    if isinstance(dead_count, (int, float)):
        (good if dead_count <= opts.attentive_dead_air_max else bad).append(
            f"{int(dead_count)} dead-air event(s) (limit {opts.attentive_dead_air_max})")
        for e in dead[:3]:
            evidence.append(ctx.measurement(f"dead air {e.end - e.start:.1f} s", e.start, e.end))
    _, interruptions = _agent_interruptions(ctx, opts)
    if interruptions is not None and interruptions > opts.attentive_interruptions_max:
        bad.append(f"cut the caller off {interruptions} time(s) (limit {opts.attentive_interruptions_max})")
    repeats = [(l, h) for l in ctx.agent if (h := ctx.hit(l, repeat_cue)) is not None]
    for line, h in repeats[:3]:
        evidence.append(ctx.evidence(line, f"asked the caller to repeat {h.describe()}", h))
    if len(repeats) > opts.attentive_repeat_max:
        bad.append(f"{len(repeats)} request(s) to repeat (limit {opts.attentive_repeat_max})")
    # The caller's first words may well be "Halo"; prompts count once the agent has spoken twice.
    second_agent = ctx.agent[1].start if len(ctx.agent) > 1 else float("inf")
    prompts = [(l, h) for l in ctx.customer if l.start > second_agent
               and (h := ctx.hit(l, item.cue("caller_prompt"))) is not None and h.position <= 3]
    for line, h in prompts[:3]:
        evidence.append(ctx.evidence(line, f"the caller had to prompt the agent {h.describe()}", h))
    # Left without a word: the caller having to prompt, or a hold nobody announced (one
    # problem, as the prompt usually answers the silent hold).
    silent = [e for e in ctx.timing.events_of(EventType.HOLD)
              if not (e.details.announced or _agent_cue_near(
                  ctx, ctx.cue("hold_transfer_technique", "hold_announcement"),
                  e.start - _timing_threshold(ctx, "hold_phrase_window_s"), e.start + 1.0, before=True))]
    evidence += [ctx.measurement(f"unannounced hold {e.end - e.start:.0f} s", e.start, e.end) for e in silent[:2]]
    if prompts or silent:
        bad.append(f"the caller had to prompt the agent {len(prompts)} time(s)" if prompts
                   else f"{len(silent)} hold(s) without a word to the caller")
    # A caller's question answered with a deferral ("nanti di sana dijelaskan") is not
    # listened to: each such reply is a problem (at most two count).
    vague_cue = ctx.cue("solution_clarity", "vague")
    deflected = []
    for line in ctx.customer:
        if not line.is_question:
            continue
        reply = next(iter(ctx.after(line, Role.AGENT, 1)), None)
        h = ctx.hit(reply, vague_cue) if reply is not None else None
        if h is not None:
            deflected.append((reply, h, line))
    for reply, h, q in deflected[:2]:
        evidence.append(ctx.evidence(reply, f"caller's question at {q.start:.1f} s deflected {h.describe()}", h))
        bad.append(f"caller's question at {q.start:.1f} s deflected")
    # A complaint left unanswered is scored under empathy (an officer does not mark the
    # same miss twice) unless the agent ignores the caller again and again; rushing the
    # caller off ("Udah ya, Pak?") is not listening.
    ignored = _unanswered_complaints(ctx, opts)
    for line, h in ignored[:3]:
        evidence.append(ctx.evidence(line, f"complaint {h.describe()} not acknowledged by the agent", h))
    if len(ignored) > opts.attentive_ignored_complaints_max:
        bad.append(f"{len(ignored)} complaint(s) not acknowledged (limit {opts.attentive_ignored_complaints_max})")
    rush = [(l, h) for l in ctx.agent if l.is_question
            and (h := ctx.hit(l, ctx.cue("probing", "not_probing"))) is not None
            and ctx.hit(l, ctx.cue("closing_greeting", "further_help")) is None
            and ctx.hit(l, ctx.cue("solution_acceptance", "check")) is None]
    if rush:
        bad.append("the caller was rushed off " + ", ".join(h.describe() for _, h in rush[:2]))
        evidence += [ctx.evidence(l, f"rushing the caller {h.describe()}", h) for l, h in rush[:2]]
    measured = "; ".join(good + bad)
    if measured:
        evidence.append(ctx.measurement(measured))
    summary = f"{acks} acknowledgement(s)" + (f"; {measured}" if measured else "")
    if len(bad) >= opts.attentive_fail_problems:
        return judgement(Verdict.FAIL, 0.6, evidence, f"{len(bad)} listening problems: {summary}")
    if bad:
        return judgement(Verdict.PARTIAL, 0.6 if acks else 0.5, evidence, summary)
    if acks:
        return judgement(Verdict.PASS, 0.7, evidence, summary)
    if not evidence:
        evidence = [ctx.measurement("no acknowledgement found and no latency or dead-air measurement")]
    return judgement(Verdict.NEEDS_REVIEW, 0.4 if measured else 0.3, evidence,
              f"{summary}; no acknowledgement heard, which the transcript may simply have dropped")


def judge_empathy(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Empathy phrases from the agent after each complaint or distress cue from the caller."""
    complaint_cue, empathy_cue = item.cue("complaint"), item.cue("empathy")
    # Only complaints the agent could answer count: one made to a third party after a
    # transfer, with no agent turn after it, is not the agent's to answer.
    last_agent = ctx.agent[-1].index if ctx.agent else -1
    complaints = [(l, h) for l in ctx.customer
                  if l.index < last_agent and (h := ctx.hit(l, complaint_cue)) is not None]
    empathic = [(l, h) for l in ctx.agent if (h := ctx.hit(l, empathy_cue)) is not None]
    if not complaints:
        if empathic:
            line, h = empathic[0]
            return judgement(Verdict.PASS, 0.6, [ctx.evidence(line, f"empathy {h.describe()}", h)],
                      "agent expressed empathy (no complaint cue was detected before it)")
        why = "nothing called for empathy: no complaint or distress cue from the caller"
        anchor = ctx.problem[0] if ctx.problem else None
        return judgement(Verdict.NOT_APPLICABLE, 0.6,
                  [ctx.evidence(anchor, why)] if anchor is not None else [ctx.measurement(why, role=Role.CUSTOMER)],
                  why)
    evidence: list[Evidence] = []
    answered = weak = 0
    for line, h in complaints:
        window = empathy_window(ctx, line, opts)
        reply = next(((l, e) for l in window if (e := ctx.hit(l, empathy_cue)) is not None), None)
        evidence.append(ctx.evidence(line, f"complaint cue {h.describe()}", h))
        if reply is not None:
            answered += 1
            evidence.append(ctx.evidence(reply[0], f"empathy {reply[1].describe()} after the complaint at "
                                                   f"{line.start:.1f} s", reply[1]))
            continue
        # "my bad", "waduh": the agent reacts, but acknowledges nothing of the caller's situation.
        token = next(((l, e) for l in window if (e := ctx.hit(l, item.cue("weak"))) is not None), None)
        if token is not None:
            weak += 1
            evidence.append(ctx.evidence(token[0], f"only a token reaction {token[1].describe()} to the complaint "
                                                   f"at {line.start:.1f} s", token[1]))
    summary = f"{answered} of {len(complaints)} complaint(s) answered with empathy" + (
        f", {weak} with only a token reaction" if weak else "")
    if answered == len(complaints):
        return judgement(Verdict.PASS, 0.8, evidence, summary)
    if answered or weak:
        return judgement(Verdict.PARTIAL, 0.65, evidence, summary)
    return judgement(Verdict.FAIL, 0.7, evidence, summary)


# --------------------------------------------------------------------------- interaction control


def _probing_questions(ctx: CallContext, item_cue: str) -> list[tuple[Line, CueHit | None]]:
    """Agent questions about the caller's issue between the problem statement and the
    first solution-like turn.

    Not probing: the name question, a request for data the caller answers with an
    identifier (digits, an e-mail) — a question that only names an identifier ("is the
    registered e-mail still active?") asks about the issue —, the restatement of the
    problem, "say that again", and questions that rush or close ("Udah ya, Pak?").
    """
    if ctx.problem is None:
        return []
    stop = ctx.solution[0].index if ctx.solution else len(ctx.lines)
    exclude = [ctx.cue("customer_identification", "question"), ctx.cue("problem_confirmation", "restatement"),
               ctx.cue("attentiveness", "repeat_request"), ctx.cue("probing", "not_probing"),
               ctx.cue("closing_greeting", "further_help")]
    ident = ctx.cue("data_verification", "identifier")
    out = []
    for line in ctx.after(ctx.problem[0], Role.AGENT):
        if line.index >= stop:
            break
        h = ctx.hit(line, item_cue)
        if not (line.is_question or h is not None):
            continue
        if any(ctx.hit(line, c) is not None for c in exclude):
            continue
        replies = ctx.after(line, Role.CUSTOMER, 1)
        if ctx.hit(line, ident) is not None and (not replies or ctx.identifier_answer(replies[0])
                                                 or ctx.hit(line, ctx.cue("data_verification", "public"))):
            continue  # asking for data, not about the issue
        out.append((line, h))
    return out


def _confirmation(ctx: CallContext) -> Line | None:
    """The agent's restatement of the caller's issue (phrase or "Jadi …, betul?" frame)."""
    if ctx.problem is None:
        return None
    lead, check = ctx.cue("problem_confirmation", "lead"), ctx.cue("problem_confirmation", "check")
    restate = ctx.cue("problem_confirmation", "restatement")
    return next((l for l in ctx.after(ctx.problem[0], Role.AGENT)
                 if _lead_and_check(ctx, l, lead, check) or ctx.hit(l, restate)), None)


def judge_probing(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Agent questions about the issue between the caller's problem statement and the
    first solution-like turn (:func:`_probing_questions`): ``probing_min_questions`` → pass;
    fewer but some, or none and only a restatement of the problem checked with the
    caller → partial; none → fail."""
    if ctx.problem is None:
        return judgement(Verdict.NEEDS_REVIEW, 0.3,
                  [ctx.evidence(l, "no problem statement recognised") for l in ctx.customer[:3]]
                  or [ctx.measurement("no customer speech", role=Role.CUSTOMER)],
                  "no problem statement recognised, so probing cannot be placed")
    problem, ph = ctx.problem
    questions = _probing_questions(ctx, item.cue("question"))
    evidence = [ctx.evidence(problem, "caller's problem statement" + (f" ({ph.describe()})" if ph else ""), ph)]
    for line, h in questions[:MAX_EVIDENCE]:
        evidence.append(ctx.evidence(line, "agent question about the issue" + (f" {h.describe()}" if h else " ('?')"), h))
    if ctx.solution:
        s, sh = ctx.solution
        evidence.append(ctx.evidence(s, "first solution-like turn" + (f" {sh.describe()}" if sh else " (long statement)"), sh))
    where = ("between the problem statement and the first solution-like turn" if ctx.solution
             else "after the problem statement (no solution-like turn recognised)")
    summary = f"{len(questions)} agent question(s) about the issue {where}"
    if len(questions) >= opts.probing_min_questions:
        return judgement(Verdict.PASS, 0.7, evidence, summary)
    if questions:
        return judgement(Verdict.PARTIAL, 0.55, evidence, summary)
    confirm = _confirmation(ctx)
    if confirm is not None:
        evidence.append(ctx.evidence(confirm, "restatement of the problem (no question of its own)"))
        return judgement(Verdict.PARTIAL, 0.55, evidence,
                         f"{summary}; the agent only restated the problem and checked it")
    return judgement(Verdict.FAIL, 0.6, evidence, summary)


def judge_conversation_control(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """The agent leads the call: it works out the problem (probing or a checked
    restatement) before the solution, and the call does not stall.

    Greeting, closing and identification have items of their own and do not count here.
    A handed-over call (transfer) has the announced transfer as its solution stage.
    Problems counted: a missing or out-of-order stage, account details before
    identification, stalls (dead air over the limit, an unannounced or over-long hold,
    the caller prompting "halo?", asking the caller to repeat), rushing the caller off
    ("Udah ya, Pak?"). None → pass; one → partial; two or more, or no question of the
    agent's own after the opening → fail (the caller drove the call). Confidence stays
    modest: stage detection from phrases is approximate.
    """
    stages: list[tuple[str, Line | None, str]] = []
    f = ctx.identification
    ident = f.question or (ctx.verification.request if ctx.verification.request else None)
    probes = _probing_questions(ctx, ctx.cue("probing", "question"))
    confirm = _confirmation(ctx)
    problem_stage = probes[0][0] if probes else confirm
    stages.append(("probing/confirmation", problem_stage, "question" if probes else "restatement"))
    transfers = real_transfers(ctx)
    solution = ctx.solution[0] if ctx.solution else None
    if transfers:
        ann = _agent_cue_near(ctx, ctx.cue("hold_transfer_technique", "transfer"),
                              transfers[0].start - _timing_threshold(ctx, "transfer_announce_window_s"),
                              transfers[0].start + 1.0, before=True)
        if ann is not None and (solution is None or solution.start > transfers[0].start):
            solution = ann[0]
        elif ann is None and (solution is None or solution.start > transfers[0].start):
            solution = None  # handed over without a word: no solution stage of the agent's
    stages.append(("solution", solution, "transfer announced" if transfers and solution is not None else ""))
    evidence = [ctx.evidence(line, f"stage {name} at {line.start:.1f} s" + (f" ({how})" if how else ""))
                for name, line, how in stages if line is not None]
    missing = [name for name, line, _ in stages if line is None]
    # A restatement after the answer has begun still works the problem out: no disorder
    # between those two stages; a handed-over call missing both is one problem.
    disorder: list[str] = []
    account = ctx.account_info
    if account is not None and ident is not None and account[0].start < ident.start:
        disorder.append("account details before identification")
        evidence.append(ctx.evidence(account[0], f"account details {account[1].describe()} before identification",
                                     account[1]))
    stalls: list[str] = []
    dead = ctx.timing.events_of(EventType.DEAD_AIR)
    if len(dead) > opts.attentive_dead_air_max:
        stalls.append(f"{len(dead)} dead-air stretches")
        evidence.append(ctx.measurement(f"{len(dead)} dead-air stretches (limit {opts.attentive_dead_air_max})",
                                        dead[0].start, dead[-1].end))
    limit = _timing_threshold(ctx, "hold_max_s")
    window = _timing_threshold(ctx, "hold_phrase_window_s")
    for e in ctx.timing.events_of(EventType.HOLD):
        over = e.details.over_limit
        over = bool(over) if over is not None else (e.end - e.start) > limit
        announced = bool(e.details.announced) or _agent_cue_near(
            ctx, ctx.cue("hold_transfer_technique", "hold_announcement"), e.start - window, e.start + 1.0,
            before=True) is not None
        if over or not announced:
            stalls.append(f"hold of {e.end - e.start:.0f} s " + ("over the limit" if over else "not announced"))
            evidence.append(ctx.measurement(stalls[-1], e.start, e.end))
            break  # one hold problem is one stall
    repeat = next((l for l in ctx.agent if ctx.hit(l, ctx.cue("attentiveness", "repeat_request")) is not None), None)
    if repeat is not None:
        stalls.append("the caller was asked to repeat")
        evidence.append(ctx.evidence(repeat, "asked the caller to repeat"))
    rush = next((l for l in ctx.agent if l.is_question and ctx.hit(l, ctx.cue("probing", "not_probing")) is not None
                 and ctx.hit(l, ctx.cue("closing_greeting", "further_help")) is None
                 and ctx.hit(l, ctx.cue("solution_acceptance", "check")) is None), None)
    if rush is not None:
        stalls.append("the caller was rushed off")
        evidence.append(ctx.evidence(rush, "rushing the caller"))
    own_questions = [l for l in ctx.agent[1:] if l.is_question
                     and ctx.hit(l, ctx.cue("attentiveness", "repeat_request")) is None
                     and ctx.hit(l, ctx.cue("closing_greeting", "further_help")) is None]
    problems = ([f"missing: {', '.join(missing)}"] if missing else []) + [f"out of order: {d}" for d in disorder] + stalls
    if not own_questions:
        why = "the agent asked no question of its own after the opening"
        return judgement(Verdict.FAIL, 0.55, evidence or [ctx.measurement(why)],
                  f"the caller drove the call: {why}" + (f" ({'; '.join(problems)})" if problems else ""))
    if len(problems) >= 2:
        return judgement(Verdict.FAIL, 0.55, evidence, "the agent did not lead the call (" + "; ".join(problems) + ")")
    if problems:
        return judgement(Verdict.PARTIAL, 0.5, evidence, "the agent led the call only in part (" + "; ".join(problems) + ")")
    return judgement(Verdict.PASS, 0.6, evidence, "problem worked out before the solution, no stall")


def judge_formal_language(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Informal words per 100 agent words: none passes, up to the threshold is partial, more fails."""
    phrases = ctx.cues.phrases(item.cue("informal"))
    words = sum(len(l.tokens) for l in ctx.agent)
    if words == 0:
        return judgement(Verdict.NEEDS_REVIEW, 0.2, [ctx.measurement("no agent words")], "the agent said nothing measurable")
    evidence: list[Evidence] = []
    total = 0
    for line in ctx.agent:
        found = [(" ".join(p), n) for p in phrases if (n := count_phrase(line.tokens, p))]
        if found:
            total += sum(n for _, n in found)
            if len(evidence) < MAX_EVIDENCE:
                evidence.append(ctx.evidence(line, "informal: " + ", ".join(
                    f"'{w}'" + (f" ×{n}" if n > 1 else "") for w, n in found)))
    rate = 100.0 * total / words
    summary = f"{total} informal word(s) in {words} agent words ({rate:.1f} per 100; partial up to " \
              f"{opts.informal_per_100_partial:g})"
    if total == 0:
        # Few words give little chance to slip: less sure of a pass.
        conf = 0.8 if words >= 30 else 0.6
        return judgement(Verdict.PASS, conf, [ctx.measurement(summary)], summary)
    verdict = Verdict.PARTIAL if rate <= opts.informal_per_100_partial else Verdict.FAIL
    return judgement(verdict, 0.75, evidence + [ctx.measurement(summary)], summary)


def _agent_cue_near(ctx: CallContext, cue: str, lo: float, hi: float, before: bool) -> tuple[Line, CueHit] | None:
    """The agent utterance with ``cue`` nearest to a point, within [lo, hi] (its end or start)."""
    cands = [l for l in ctx.agent if lo <= (l.end if before else l.start) <= hi]
    ordered = reversed(cands) if before else cands
    return ctx.first(ordered, cue)


def judge_hold_transfer_technique(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Each hold announced, within the limit and thanked after; each transfer announced with a target."""
    holds = ctx.timing.events_of(EventType.HOLD)
    transfers = real_transfers(ctx)
    if not holds and not transfers:
        why = "no hold or transfer in the call"
        return judgement(Verdict.NOT_APPLICABLE, 0.8, [ctx.measurement(why)], why)
    window = _timing_threshold(ctx, "hold_phrase_window_s")
    transfer_window = _timing_threshold(ctx, "transfer_announce_window_s")
    limit = _timing_threshold(ctx, "hold_max_s")
    evidence: list[Evidence] = []
    # Per event, as a QA lead scores it: a hold nobody announced, or a transfer nobody
    # announced (blind), fails; one missing element (no thanks, over the limit, no
    # target said) is partial; all present passes. The call gets its worst event.
    worst = Verdict.PASS
    events_ok = 0
    rank = {Verdict.PASS: 2, Verdict.PARTIAL: 1, Verdict.FAIL: 0}
    for e in holds:
        ann = _agent_cue_near(ctx, item.cue("hold_announcement"), e.start - window, e.start + 1.0, before=True)
        ret = _agent_cue_near(ctx, item.cue("hold_return"), e.end - 1.0, e.end + window, before=False)
        announced = bool(e.details.announced) or ann is not None
        thanked = bool(e.details.thanked) or ret is not None
        over = e.details.over_limit
        over = bool(over) if over is not None else (e.end - e.start) > limit
        verdict = Verdict.FAIL if not announced else (Verdict.PASS if thanked and not over else Verdict.PARTIAL)
        events_ok += verdict == Verdict.PASS
        worst = min(worst, verdict, key=rank.__getitem__)
        what = (f"hold {e.end - e.start:.0f} s at {e.start:.1f} s: "
                f"{'announced' if announced else 'not announced'}, {'thanked' if thanked else 'not thanked'} after, "
                f"{'over' if over else 'within'} the {limit:.0f} s limit")
        evidence.append(_event_evidence(ctx, e, ann, what))
        if ret is not None:
            evidence.append(ctx.evidence(ret[0], f"return from hold {ret[1].describe()}", ret[1]))
    for e in transfers:
        ann = _agent_cue_near(ctx, item.cue("transfer"), e.start - transfer_window, e.start + 1.0, before=True)
        target = str(e.details.target or "")
        if not target and ann is not None:
            rest = ann[0].tokens[ann[1].position + len(ann[1].phrase.split()):]
            target = " ".join(rest[:4])
        verdict = Verdict.FAIL if ann is None else (Verdict.PASS if target else Verdict.PARTIAL)
        events_ok += verdict == Verdict.PASS
        worst = min(worst, verdict, key=rank.__getitem__)
        what = (f"transfer at {e.start:.1f} s: {'announced' if ann else 'not announced (blind)'}, "
                + (f"target '{target}'" if target else "no target said"))
        evidence.append(_event_evidence(ctx, e, ann, what))
    n = len(holds) + len(transfers)
    summary = f"{events_ok} of {n} hold/transfer event(s) handled fully"
    if worst == Verdict.FAIL:
        summary += "; an unannounced hold or blind transfer fails the item"
    return judgement(worst, {Verdict.PASS: 0.75, Verdict.PARTIAL: 0.65, Verdict.FAIL: 0.7}[worst], evidence, summary)


def _event_evidence(ctx: CallContext, e: Event, ann: tuple[Line, CueHit] | None, what: str) -> Evidence:
    if ann is not None:
        return ctx.evidence(ann[0], f"{what} (announcement {ann[1].describe()})", ann[1])
    return ctx.measurement(what, e.start, e.end)


# --------------------------------------------------------------------------- solution


def _agent_wpm(ctx: CallContext) -> float | None:
    wpm = ctx.timing.metrics.get("agent_wpm")
    if isinstance(wpm, (int, float)):
        return float(wpm)
    seconds = sum(l.end - l.start for l in ctx.agent)
    words = sum(len(l.tokens) for l in ctx.agent)
    return 60.0 * words / seconds if seconds > 0 and words else None


def _answer_lines(ctx: CallContext, opts: RubricOptions) -> list[Line]:
    """The agent's answer: statements from the first solution-like turn up to the closing
    (questions, hold/transfer announcements and closing formulas left out)."""
    if ctx.solution is None:
        return []
    skip_cues = [ctx.cue("hold_transfer_technique", r) for r in ("hold_announcement", "transfer")]
    closing_cues = [ctx.cue("closing_greeting", r) for r in ("further_help", "thanks", "farewell")]
    out = []
    for line in ctx.agent:
        if line.index < ctx.solution[0].index or line.is_question:
            continue
        if line.index != ctx.solution[0].index and len(line.tokens) < 12 \
                and any(ctx.hit(line, c) is not None for c in closing_cues):
            continue
        if any(ctx.hit(line, c) is not None for c in skip_cues) and len(line.tokens) < 12:
            continue
        out.append(line)
    return out


def judge_solution_clarity(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Structure markers in the answer, agent pace in range, no overlong monologue, no
    vague deferral ("nanti di sana dijelaskan", "tunggu aja").

    * a transfer before any answer of the agent's own → not_applicable (the other party answers);
    * a vague deferral → fail (partial when the answer also has structure);
    * markers, pace in band, no monologue over the limit → pass;
    * no markers: an answer of ``clarity_min_sentences`` sentences or more → pass (a short
      answer needs no "first … then"), a one-sentence answer → partial;
    * pace or monologue out of range → partial.
    """
    transfers = real_transfers(ctx)
    if transfers:
        t0 = transfers[0].start
        own = [l for l in _answer_lines(ctx, opts) if l.end <= t0 + 1.0
               and ctx.hit(l, ctx.cue("hold_transfer_technique", "transfer")) is None]
        if not own:
            why = f"the call was transferred at {t0:.1f} s before the agent gave an answer of its own"
            return judgement(Verdict.NOT_APPLICABLE, 0.6, [ctx.measurement(why, transfers[0].start, transfers[0].end)], why)
    lines = _answer_lines(ctx, opts)
    if not lines and ctx.problem:
        # No statement long enough to be an answer: was the caller put off instead?
        put_off = [(l, h) for l in ctx.after(ctx.problem[0], Role.AGENT)
                   if not l.is_question and (h := ctx.hit(l, item.cue("vague"))) is not None]
        if put_off:
            return judgement(Verdict.FAIL, 0.6, [ctx.evidence(l, f"vague / deferring reply {h.describe()}", h)
                                          for l, h in put_off[:3]],
                      "no answer of substance, only deferrals (" + ", ".join(h.describe() for _, h in put_off[:3]) + ")")
    if not lines:
        start = ctx.problem[0] if ctx.problem else None
        ev = [ctx.evidence(start, "the caller's question; no answer by the agent recognised")] if start else []
        return judgement(Verdict.NEEDS_REVIEW, 0.3, ev or [ctx.measurement("no agent answer found")],
                  "no answer by the agent recognised: an officer should judge")
    marked = [(l, hs) for l in lines if (hs := ctx.hits(l, item.cue("structure")))]
    markers = [h for _, hs in marked for h in hs]
    evidence = [ctx.evidence(l, "structure markers " + ", ".join(h.describe() for h in hs), hs[0])
                for l, hs in marked[:MAX_EVIDENCE]]
    vague = [(l, h) for l in lines if (h := ctx.hit(l, item.cue("vague"))) is not None]
    evidence += [ctx.evidence(l, f"vague / deferring answer {h.describe()}", h) for l, h in vague[:3]]
    wpm = _agent_wpm(ctx)
    mono = ctx.timing.metrics.get("agent_longest_monologue_s")
    if not isinstance(mono, (int, float)):
        mono = max((l.end - l.start for l in ctx.agent), default=None)
    facts: list[str] = []
    pace_ok = wpm is None or opts.pace_wpm_min <= wpm <= opts.pace_wpm_max
    if wpm is not None:
        facts.append(f"agent pace {wpm:.0f} wpm (band {opts.pace_wpm_min:g}-{opts.pace_wpm_max:g})")
    mono_ok = mono is None or mono <= opts.clarity_monologue_max_s
    if mono is not None:
        facts.append(f"longest agent monologue {mono:.0f} s (limit {opts.clarity_monologue_max_s:g} s)")
    sentences = sum(len(split_sentences(l.utt.text)) for l in lines)
    facts.append(f"answer of {sentences} sentence(s) in {len(lines)} turn(s)")
    evidence.append(ctx.measurement("; ".join(facts)))
    summary = f"{len(markers)} structure marker(s); " + "; ".join(facts)
    if vague:
        summary = f"vague answer ({', '.join(h.describe() for _, h in vague[:3])}); " + summary
        return judgement(Verdict.PARTIAL if markers else Verdict.FAIL, 0.6, evidence, summary)
    # Structure, not only pace: a run-on sentence (clause chained to clause with "terus",
    # "and then") or a long turn with no signposting is what an officer hears as unclear.
    longest = max((len(tokens(p)) for l in lines for p in split_sentences(l.utt.text)), default=0)
    long_turn = max((l.end - l.start for l in lines), default=0.0)
    if longest >= opts.clarity_runon_words:
        why = f"{summary}; a run-on sentence of {longest} words (limit {opts.clarity_runon_words})"
        return judgement(Verdict.FAIL if len(markers) < 2 or longest >= 2 * opts.clarity_runon_words
                         else Verdict.PARTIAL, 0.6, evidence, why)
    if long_turn >= opts.clarity_unmarked_turn_s and not markers:
        return judgement(Verdict.PARTIAL, 0.55, evidence,
                         f"{summary}; a {long_turn:.0f} s answer turn with no structure marker")
    if not (pace_ok and mono_ok):
        return judgement(Verdict.PARTIAL, 0.55, evidence, summary)
    if markers:
        return judgement(Verdict.PASS, 0.7, evidence, summary)
    if sentences >= opts.clarity_min_sentences:
        evidence.insert(0, ctx.evidence(lines[0], "the answer"))
        return judgement(Verdict.PASS, 0.5, evidence, f"{summary}; a short answer in full sentences needs no markers")
    evidence.insert(0, ctx.evidence(lines[0], "the whole answer"))
    return judgement(Verdict.PARTIAL, 0.45, evidence, f"{summary}; a one-sentence answer — check that it answers the question")


def _kb_needs_review(ctx: CallContext, what: str) -> Judgement:
    evidence = []
    if ctx.problem:
        evidence.append(ctx.evidence(ctx.problem[0], "the caller's question"))
    if ctx.solution:
        evidence.append(ctx.evidence(ctx.solution[0], f"the agent's answer, to be checked for {what}"))
    reason = "no knowledge base configured"
    return judgement(Verdict.NEEDS_REVIEW, 0.0, evidence or [ctx.measurement(f"{reason}; no answer located")],
              f"{reason}: {what} of the answer needs a QA officer")


def judge_solution_accuracy(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Needs a knowledge base of approved answers; without one → needs_review."""
    return _kb_needs_review(ctx, "accuracy")


def judge_solution_completeness(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """Needs a knowledge base entry's key points; without one → needs_review."""
    return _kb_needs_review(ctx, "completeness")


def judge_procedure_compliance(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """The built-in procedure steps (configured topic procedures are added by
    ``call_qa.rubric.resources.judge_procedures``):

    1. identity verification before account-specific information, as ``data_verification``
       judges it — account details with no verification → fail; after public identifiers
       only → partial (fail where the caller speaks for someone else);
    2. every hold asked for and within the limit, every transfer announced (the hold/
       transfer SOP) — violated → partial.
    Otherwise pass. Identification has its own item and is no procedure step here (a
    general-information call may be answered without a name).
    """
    account, v = ctx.account_info, ctx.verification
    evidence: list[Evidence] = []
    if account is not None:
        dv_item = ctx.rubric.item("data_verification") if ctx.rubric.has_item("data_verification") else item
        dv = judge_data_verification(ctx, dv_item, opts)
        if dv.verdict in (Verdict.FAIL, Verdict.PARTIAL):
            return judgement(dv.verdict, 0.6, dv.evidence, f"verification procedure not followed: {dv.reason}")
        evidence += list(dv.evidence)
    elif v.request is not None:
        evidence.append(ctx.evidence(v.request, "identity verification requested"))
    sop: list[str] = []
    limit = _timing_threshold(ctx, "hold_max_s")
    window = _timing_threshold(ctx, "hold_phrase_window_s")
    for e in ctx.timing.events_of(EventType.HOLD):
        ann = _agent_cue_near(ctx, ctx.cue("hold_transfer_technique", "hold_announcement"),
                              e.start - window, e.start + 1.0, before=True)
        announced = bool(e.details.announced) or ann is not None
        over = e.details.over_limit
        over = bool(over) if over is not None else (e.end - e.start) > limit
        if over or not announced:
            sop.append(f"hold at {e.start:.1f} s " + ", ".join(
                x for x in (("not asked for" if not announced else ""), ("over the limit" if over else "")) if x))
            evidence.append(ctx.measurement(sop[-1], e.start, e.end))
    transfer_window = _timing_threshold(ctx, "transfer_announce_window_s")
    for e in real_transfers(ctx):
        ann = _agent_cue_near(ctx, ctx.cue("hold_transfer_technique", "transfer"),
                              e.start - transfer_window, e.start + 1.0, before=True)
        if ann is None:
            sop.append(f"transfer at {e.start:.1f} s not announced")
            evidence.append(ctx.measurement(sop[-1], e.start, e.end))
    for e in real_transfers(ctx):
        if not e.details.target and not e.details.warm:
            ann = _agent_cue_near(ctx, ctx.cue("hold_transfer_technique", "transfer"),
                                  e.start - transfer_window, e.start + 1.0, before=True)
            if ann is not None:
                sop.append(f"transfer at {e.start:.1f} s without saying to whom")
                evidence.append(ctx.measurement(sop[-1], e.start, e.end))
    # Routing: sending the caller elsewhere or to "try again" instead of resolving or
    # escalating the case (no ticket) breaks the procedure; with the caller never
    # identified either, the call was not handled at all.
    deferrals = [(l, h) for l in ctx.agent if (h := ctx.hit(l, ctx.cue("solution_clarity", "vague"))) is not None]
    if deferrals:
        l, h = deferrals[0]
        evidence.append(ctx.evidence(l, f"caller sent away {h.describe()} (no escalation or ticket)", h))
        if ctx.identification.question is None and v.request is None:
            return judgement(Verdict.FAIL, 0.55, evidence,
                             "the caller was never identified and was sent away without escalation or a ticket")
        sop.append("caller sent away without escalation or a ticket")
    if sop:
        return judgement(Verdict.PARTIAL, 0.6, evidence, "procedure not followed: " + "; ".join(sop))
    if account is not None:
        return judgement(Verdict.PASS, 0.65, evidence, "identity verified before account-specific information")
    return judgement(Verdict.PASS, 0.5, evidence or [ctx.measurement("no account-specific information; no hold or "
                                                                     "transfer out of procedure")],
              "no account-specific information given and no hold or transfer out of procedure")


def judge_solution_acceptance(ctx: CallContext, item: RubricItem, opts: RubricOptions) -> Judgement:
    """An acceptance check or follow-up statement by the agent, and the caller's acceptance."""
    anchor = ctx.problem[0] if ctx.problem else None
    lines = [l for l in ctx.agent if anchor is None or l.index > anchor.index]
    asked: list[tuple[Line, CueHit, str]] = []
    for line in lines:
        for role, label in (("check", "acceptance check"), ("follow_up", "follow-up")):
            h = ctx.hit(line, item.cue(role))
            if h is not None:
                asked.append((line, h, label))
                break
    if not asked:
        # The caller said they understood without being asked: the agent did not check,
        # but the acceptance is on record (an officer gives partial).
        after = ctx.after(ctx.solution[0], Role.CUSTOMER) if ctx.solution else ()
        own = next(((l, a) for l in after if ctx.hit(l, item.cue("rejection")) is None
                    and (a := ctx.hit(l, item.cue("understood"))) is not None), None)
        if own is not None:
            return judgement(Verdict.PARTIAL, 0.6, [ctx.evidence(own[0], f"caller's own acceptance {own[1].describe()}",
                                                                 own[1])],
                             "no acceptance check or follow-up by the agent; the caller said unprompted that it was clear")
        probe = ctx.closing_lines(opts) or lines[-3:]
        return judgement(Verdict.FAIL, 0.6,
                  [ctx.evidence(l, "no acceptance check or follow-up statement") for l in probe]
                  or [ctx.measurement("no acceptance check or follow-up statement")],
                  "the agent neither checked that the caller accepted the solution nor stated a follow-up")
    for line, h, label in asked:
        for reply in ctx.after(line, Role.CUSTOMER, opts.acceptance_answer_customer_turns):
            if ctx.hit(reply, item.cue("rejection")) is not None:
                continue
            a = ctx.hit(reply, item.cue("acceptance"))
            if a is not None:
                return judgement(Verdict.PASS, 0.75,
                          [ctx.evidence(line, f"{label} {h.describe()}", h),
                           ctx.evidence(reply, f"caller's acceptance {a.describe()}", a)],
                          f"{label} by the agent and the caller accepted")
    line, h, label = asked[0]
    # rubric.md: the agent "checks that the caller understood/accepted, or states the
    # follow-up" — the agent's part is done; only a rejection heard after it is partial.
    rejected = [r for l, _, _ in asked for r in ctx.after(l, Role.CUSTOMER, opts.acceptance_answer_customer_turns)
                if ctx.hit(r, item.cue("rejection")) is not None]
    if rejected:
        return judgement(Verdict.PARTIAL, 0.6, [ctx.evidence(line, f"{label} {h.describe()}", h),
                                                ctx.evidence(rejected[0], "the caller did not accept")],
                         f"{label} by the agent, but the caller did not accept")
    return judgement(Verdict.PASS, 0.65, [ctx.evidence(line, f"{label} {h.describe()}", h)],
                     f"{label} by the agent (no answer from the caller recognised)")


JUDGES: Mapping[str, ItemJudge] = {
    "opening_greeting": judge_opening_greeting,
    "customer_identification": judge_customer_identification,
    "data_verification": judge_data_verification,
    "closing_greeting": judge_closing_greeting,
    "address_by_name": judge_address_by_name,
    "no_interruption": judge_no_interruption,
    "problem_confirmation": judge_problem_confirmation,
    "attentiveness": judge_attentiveness,
    "empathy": judge_empathy,
    "probing": judge_probing,
    "conversation_control": judge_conversation_control,
    "formal_language": judge_formal_language,
    "hold_transfer_technique": judge_hold_transfer_technique,
    "solution_clarity": judge_solution_clarity,
    "solution_accuracy": judge_solution_accuracy,
    "solution_completeness": judge_solution_completeness,
    "procedure_compliance": judge_procedure_compliance,
    "solution_acceptance": judge_solution_acceptance,
}
