"""What the item matchers share about one call: lines, cue hits, and findings.

Findings several items need — the caller's name, the verification exchange, the
problem statement, the first solution-like agent turn, the first account-specific
statement — are computed once here, so e.g. ``address_by_name`` and
``customer_identification`` never disagree about the caller's name.

This module is internal to ``call_qa.rubric``; nothing outside the package sees a
:class:`CallContext`.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

from call_qa.domain import Evidence, Role, TimingReport, Utterance
from call_qa.rubric.catalog import DEFAULT_CUES
from call_qa.rubric.config import CueLexicon, Rubric
from call_qa.rubric.matchers import CueHit, CueMatcher
from call_qa.rubric.options import RubricOptions
from call_qa.text import count_digits, extract_name, raw_tokens, tokens

log = logging.getLogger("call_qa")


def _sentences(text: str) -> list[str]:
    parts = [p for p in re.split(r"(?<=[.!?])\s+", text.strip()) if p]
    return parts or [text]


@dataclass(frozen=True)
class Line:
    """An utterance with its position in the call and its normalised tokens."""

    index: int
    utt: Utterance
    tokens: tuple[str, ...]

    @property
    def role(self) -> Role:
        return self.utt.role

    @property
    def start(self) -> float:
        return self.utt.start

    @property
    def end(self) -> float:
        return self.utt.end

    @property
    def is_question(self) -> bool:
        # Whisper punctuates questions with "?" in both languages; interrogative words
        # are checked separately through the probing cue list.
        return "?" in self.utt.text


@dataclass(frozen=True)
class NameFinding:
    """Who the caller said they are, and how the agent learned it."""

    name: str | None
    question: Line | None  # the agent's first identification question
    question_hit: CueHit | None
    answer: Line | None  # the customer utterance that stated the name
    volunteered: bool  # the caller gave the name before being asked


@dataclass(frozen=True)
class VerificationFinding:
    """The first identifier request by the agent and the caller's answer to it."""

    request: Line | None
    request_hit: CueHit | None
    answer: Line | None
    answer_reason: str  # what made the answer an identifier ("16 digits", "'gmail'")
    readback: bool  # the agent read the identifier back (digits in its own turn)


class CallContext:
    """One call prepared for the item matchers (built by ``score_phone_call``)."""

    def __init__(
        self,
        utterances: Sequence[Utterance],
        timing: TimingReport,
        language: str,
        rubric: Rubric,
        cues: CueLexicon,
        options: RubricOptions,
        matchers: Sequence[CueMatcher],
    ) -> None:
        ordered = sorted(utterances, key=lambda u: (u.start, u.end))
        self.lines: tuple[Line, ...] = tuple(Line(i, u, tokens(u.text)) for i, u in enumerate(ordered))
        self.agent: tuple[Line, ...] = tuple(l for l in self.lines if l.role == Role.AGENT)
        self.customer: tuple[Line, ...] = tuple(l for l in self.lines if l.role == Role.CUSTOMER)
        self.timing = timing
        self.language = language
        self.rubric = rubric
        self.cues = cues
        self.options = options
        self.matchers = tuple(matchers)
        self._hits: dict[tuple[int, str], tuple[CueHit, ...]] = {}

        agent_speakers = Counter(l.utt.speaker for l in self.agent)
        self.agent_speaker = agent_speakers.most_common(1)[0][0] if agent_speakers else ""
        duration = timing.metrics.get("duration_s")
        last_end = max((l.end for l in self.lines), default=0.0)
        self.duration = float(duration) if isinstance(duration, (int, float)) and duration > 0 else last_end

    # ------------------------------------------------------------------ cues

    def cue(self, item_id: str, role: str) -> str:
        """The cue-list name ``item_id`` uses for ``role`` in this rubric (default when absent)."""
        if self.rubric.has_item(item_id):
            return self.rubric.item(item_id).cue(role)
        return DEFAULT_CUES[item_id][role]

    def hits(self, line: Line, cue: str) -> tuple[CueHit, ...]:
        """Every matcher's hits of cue list ``cue`` in ``line``, in order of position."""
        key = (line.index, cue)
        found = self._hits.get(key)
        if found is None:
            found = tuple(sorted((h for m in self.matchers for h in m.find(line.utt, cue)), key=lambda h: h.position))
            self._hits[key] = found
        return found

    def hit(self, line: Line, cue: str) -> CueHit | None:
        """The first hit of ``cue`` in ``line`` (None when the line does not match)."""
        found = self.hits(line, cue)
        return found[0] if found else None

    def first(self, lines: Iterable[Line], cue: str) -> tuple[Line, CueHit] | None:
        """The first line among ``lines`` that matches ``cue``, with its hit."""
        for line in lines:
            h = self.hit(line, cue)
            if h is not None:
                return line, h
        return None

    def words(self, list_name: str) -> frozenset[str]:
        return self.cues.words(list_name)

    # ------------------------------------------------------------------ navigation

    def after(self, line: Line, role: Role, n: int | None = None) -> tuple[Line, ...]:
        """Up to ``n`` lines of ``role`` that come after ``line`` in the call."""
        out = tuple(l for l in self.lines[line.index + 1 :] if l.role == role)
        return out if n is None else out[:n]

    def opening_lines(self, opts: RubricOptions) -> tuple[Line, ...]:
        """The agent's first turns: the first N agent utterances or those in the first seconds."""
        return tuple(
            l for k, l in enumerate(self.agent) if k < opts.opening_agent_turns or l.start < opts.opening_window_s
        )

    def closing_lines(self, opts: RubricOptions) -> tuple[Line, ...]:
        """The agent's last turns: the last N agent utterances or those near the agent's end.

        The agent's first utterance is never part of the closing: in a short call it
        would otherwise lend its "selamat pagi" to the closing greeting; neither is
        anything up to the identification/verification exchange ("Terima kasih, Pak
        Joko" there thanks for the name). Before a transfer the agent closes its own part
        of the call, so agent turns in the window before a transfer count too::

            agent:  … |problem|  |"anything else?"|  |"I'll transfer you"|        |"thank you, goodbye"|
            line:                                                   |~~ring~~|
                                 <-- closing_window_s before the transfer -->   <-- last N turns -->
        """
        if not self.agent:
            return ()
        last_end = self.agent[-1].end
        n = len(self.agent)
        exchange = max((l.index for l in (self.identification.answer, self.verification.answer) if l is not None),
                       default=-1)
        floor = exchange
        if self.solution is not None:
            floor = max(floor, self.solution[0].index - 1)  # thanks before the answer thank for data
        transfers = [e.start for e in self.timing.events if e.type.value == "transfer"]

        def before_transfer(line: Line) -> bool:
            return any(t - opts.closing_window_s <= line.start <= t for t in transfers)

        return tuple(
            l for k, l in enumerate(self.agent)
            if k > 0 and ((l.index > floor and (k >= n - opts.closing_agent_turns
                                                 or l.start >= last_end - opts.closing_window_s))
                          or (l.index > exchange and before_transfer(l)))
        )

    # ------------------------------------------------------------------ evidence

    def quote(self, line: Line, hit: CueHit | None = None) -> str:
        """The utterance text, or a window of it around ``hit`` when it is long."""
        text = line.utt.text.strip()
        limit = self.options.quote_max_chars
        if len(text) <= limit:
            return text
        words = text.split()
        center = 0
        if hit is not None:
            aligned = raw_tokens(text)
            if 0 <= hit.position < len(aligned):
                center = aligned[hit.position].raw_index
        lo = hi = center
        length = len(words[center])
        # Grow the window alternately right and left until it is full.
        while True:
            grew = False
            if hi + 1 < len(words) and length + len(words[hi + 1]) + 1 <= limit:
                hi += 1
                length += len(words[hi]) + 1
                grew = True
            if lo > 0 and length + len(words[lo - 1]) + 1 <= limit:
                lo -= 1
                length += len(words[lo]) + 1
                grew = True
            if not grew:
                break
        return ("… " if lo > 0 else "") + " ".join(words[lo : hi + 1]) + (" …" if hi + 1 < len(words) else "")

    def evidence(self, line: Line, reason: str, hit: CueHit | None = None) -> Evidence:
        """Evidence quoting ``line`` (around ``hit``) with the cue or measurement that decided."""
        u = line.utt
        return Evidence(u.start, u.end, u.speaker, u.role, self.quote(line, hit), reason)

    def measurement(self, reason: str, start: float | None = None, end: float | None = None,
                    role: Role = Role.AGENT) -> Evidence:
        """Evidence from timing or counts rather than one utterance (no quote)."""
        speaker = self.agent_speaker if role == Role.AGENT else ""
        if role == Role.CUSTOMER:
            speaker = self.customer[0].utt.speaker if self.customer else ""
        return Evidence(
            0.0 if start is None else start,
            self.duration if end is None else end,
            speaker,
            role,
            "",
            reason,
        )

    # ------------------------------------------------------------------ shared findings

    def name_in(self, line: Line, bare: bool) -> str | None:
        """The name ``line`` gives after a name introduction ("nama saya …", "my name
        is …"); with ``bare``, a line that is only a name counts too."""
        prefixes = self.cues.phrases(self.cue("customer_identification", "name_intro"))
        return extract_name(
            line.utt.text,
            prefixes,
            self.words("honorifics"),
            self.words("name_stopwords"),
            self.options.name_max_tokens,
            bare=bare,
        )

    @cached_property
    def identification(self) -> NameFinding:
        """The agent's name question and the caller's stated name.

        The answer is searched in the customer utterances right after each question
        (a bare "Budi Santoso." counts there); failing that, a name the caller
        volunteered in their first utterances ("saya Budi, mau tanya …").
        """
        qcue = self.cue("customer_identification", "question")
        questions = [(l, h) for l in self.agent if (h := self.hit(l, qcue)) is not None]
        for q, h in questions:
            for ans in self.after(q, Role.CUSTOMER, self.options.name_answer_customer_turns):
                name = self.name_in(ans, bare=True)
                if name:
                    return NameFinding(name, questions[0][0], questions[0][1], ans, False)
        first_q, first_h = questions[0] if questions else (None, None)
        for ans in self.customer[:3]:
            name = self.name_in(ans, bare=False)
            if name:
                volunteered = first_q is None or ans.start < first_q.start
                return NameFinding(name, first_q, first_h, ans, volunteered)
        return NameFinding(None, first_q, first_h, None, False)

    def agent_name(self, lines: Iterable[Line], cue: str) -> tuple[Line, str] | None:
        """The agent's own name from a self-introduction ("dengan Sari", "my name is Sarah")."""
        prefixes = self.cues.phrases(cue)
        for line in lines:
            name = extract_name(
                line.utt.text, prefixes, self.words("honorifics"), self.words("name_stopwords"),
                self.options.name_max_tokens,
            )
            if name:
                return line, name
        return None

    def identifier_answer(self, line: Line) -> str | None:
        """Why ``line`` reads as an identifier (digits or an identifier-like word), or None."""
        digits = count_digits(line.tokens, self.words("number_words"))
        if digits >= self.options.verification_min_digits:
            return f"{digits} digits/number words"
        h = self.hit(line, self.cue("data_verification", "answer"))
        return f"identifier word {h.describe()}" if h else None

    @cached_property
    def verification(self) -> VerificationFinding:
        """The agent's first identifier request (or read-back) and the caller's answer."""
        ident = self.cue("data_verification", "identifier")
        request = self.cue("data_verification", "request")
        first: tuple[Line, CueHit] | None = None
        for line in self.agent:
            h = self.hit(line, ident)
            if h is None:
                continue
            digits = count_digits(line.tokens, self.words("number_words"))
            # A read-back repeats what the caller said: digits the caller never gave are
            # something else (a sample format, a code being explained).
            if digits >= self.options.verification_min_digits and (line.is_question or self.hit(line, request)) \
                    and self._caller_gave_digits_before(line):
                return VerificationFinding(line, h, line, f"read back with {digits} digits", True)
            if not (line.is_question or self.hit(line, request)):
                continue  # an identifier named in passing ("cara membuat NPWP") is no request
            if first is None:
                first = (line, h)
            for ans in self.after(line, Role.CUSTOMER, self.options.verification_answer_customer_turns):
                why = self.identifier_answer(ans)
                if why:
                    return VerificationFinding(line, h, ans, why, False)
        if first is not None:
            return VerificationFinding(first[0], first[1], None, "", False)
        return VerificationFinding(None, None, None, "", False)

    @cached_property
    def problem(self) -> tuple[Line, CueHit | None] | None:
        """The caller's problem statement: the first customer utterance with a problem cue,
        else the first long one that is not the name or identifier answer."""
        cue = self.cue("probing", "problem")
        skip = {l.index for l in (self.identification.answer, self.verification.answer) if l is not None}
        found = self.first(self.customer, cue)
        # The first substantive caller turn states the problem even without a cue word
        # ("My suitcase did not arrive …"); a later cue ("I need my medication") does not move it.
        long = next((l for l in self.customer
                     if l.index not in skip and len(l.tokens) >= self.options.problem_min_words), None)
        if long is not None and (found is None or long.index < found[0].index):
            return long, None
        return found

    @cached_property
    def solution(self) -> tuple[Line, CueHit | None] | None:
        """The first solution-like agent turn after the problem statement: a statement
        (not a question, not an identifier request) with a solution cue or of some length."""
        if self.problem is None:
            return None
        cue = self.cue("probing", "solution")
        ident = self.cue("data_verification", "identifier")
        request = self.cue("data_verification", "request")
        for line in self.after(self.problem[0], Role.AGENT):
            if line.is_question and self._statement_words(line) < self.options.solution_min_words:
                continue  # a question; a long answer that ends "… shall we try it now?" still answers
            if self.hit(line, ident) is not None and self.hit(line, request) is not None:
                continue  # "mohon disebutkan NIK Bapak" asks for data, it does not answer
            h = self.hit(line, cue)
            # "Baik, silakan, Pak." invites the caller to go on; an answer says something.
            if (h is not None and len(line.tokens) >= 6) or len(line.tokens) >= self.options.solution_min_words:
                return line, h
        # A short answer ("The refund was sent back to your card on Tuesday.") is still the
        # answer: the first plain statement of some length that is not a closing formula.
        closing = [self.cue("closing_greeting", r) for r in ("further_help", "thanks", "farewell")]
        for line in self.after(self.problem[0], Role.AGENT):
            # "Baik, data sudah sesuai. Sebentar, Pak." is no answer: one sentence must say something.
            if line.is_question or max((len(tokens(s)) for s in _sentences(line.utt.text)), default=0) < 6:
                continue
            if self.hit(line, ident) is not None or any(self.hit(line, c) is not None for c in closing):
                continue
            return line, None
        return None

    def _digit_run(self, toks: Sequence[str]) -> tuple[str, ...]:
        """The longest run of digits / spoken number words in ``toks``."""
        numbers = self.words("number_words")
        best: tuple[str, ...] = ()
        run: list[str] = []
        for tok in list(toks) + [""]:
            if tok and (tok.isdigit() or tok in numbers):
                run.append(tok)
                continue
            if count_digits(run, numbers) > count_digits(best, numbers):
                best = tuple(run)
            run = []
        return best

    def _caller_gave_digits_before(self, line: Line) -> bool:
        """Whether the longest number in ``line`` repeats one a caller said before it."""
        run = self._digit_run(line.tokens)
        if count_digits(run, self.words("number_words")) < self.options.verification_min_digits:
            return False
        k = len(run)
        return any(tuple(c.tokens[i:i + k]) == run for c in self.customer if c.index < line.index
                   for i in range(len(c.tokens) - k + 1))

    @staticmethod
    def _statement_words(line: Line) -> int:
        """Words in the sentences of ``line`` that are not questions."""
        return sum(len(tokens(p)) for p in _sentences(line.utt.text) if not p.rstrip().endswith("?"))

    @cached_property
    def account_info(self) -> tuple[Line, CueHit] | None:
        """The first agent statement that gives account-specific information: an
        account-specific phrase in a statement (not a question, not a sentence that states
        a rule: "apabila keberatan ditolak, …"), or an identifier read out with digits the
        caller never said ("EFIN-nya satu dua tiga …")."""
        cue = self.cue("procedure_compliance", "account_info")
        generic = self.words(self.cue("procedure_compliance", "generic"))
        ident = self.cue("data_verification", "identifier")
        for line in self.agent:
            for h in self.hits(line, cue):
                if not self._in_question_or_rule(line, h.position, generic):
                    return line, h
            h = self.hit(line, ident)
            if h is not None and not line.is_question and not self._caller_gave_digits_before(line) \
                    and count_digits(self._digit_run(line.tokens), self.words("number_words")) \
                    >= self.options.verification_min_digits:
                return line, CueHit(h.cue, h.phrase, h.position, h.score, "identifier read out with digits")
        return None

    def _in_question_or_rule(self, line: Line, position: int, generic: frozenset[str]) -> bool:
        """Whether token ``position`` of ``line`` lies in a question or in a sentence opened
        by a conditional word."""
        count = 0
        for sentence in _sentences(line.utt.text):
            toks = tokens(sentence)
            if count <= position < count + len(toks):
                return sentence.rstrip().endswith("?") or (bool(toks) and toks[0] in generic)
            count += len(toks)
        return line.is_question
